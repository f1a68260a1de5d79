//! The four-level security-officer mechanism (定人定责): who is responsible for each unit's
//! systems, who is on duty when (`roster`, the one place that is answered), the gaps, and the
//! daily checks.

pub mod roster;
