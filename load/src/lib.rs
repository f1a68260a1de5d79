//! The load generator's parts: the server it starts and watches, the people and tickets it
//! sets up (or writes straight into its database, for a large store), the clients it runs, the tally that counts what was lost or repeated, and the
//! scenarios that put them together.

pub mod client;
pub mod fill;
pub mod report;
pub mod scenario;
pub mod server;
pub mod setup;
pub mod tally;
