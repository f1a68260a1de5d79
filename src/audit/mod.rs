//! The audit trail as its readers see it: security officers and administrators read the rows
//! of their own subtree, filtered by person, kind and time, page by page or as CSV for a
//! spreadsheet. Rows are written by the acts themselves (`crate::trail`); this capability only
//! reads them.

pub mod repo;
pub mod retention;
pub mod routes;
