//! Service levels, the region's rule: small matters not overnight, big matters not past a day,
//! hard matters not past a week (小事不隔夜、大事不隔天、难事不隔周). `policy` turns the settings
//! into the promise a new ticket carries; `clocks` decides, from a ticket's clocks and the
//! time, which of the four flags stand (不办、迟办、拖办、卡壳); `escalate` tells the handler, then
//! each supervisor up the unit tree; `sweep` looks at tickets whose flags may have changed with
//! time alone; `board` is the supervisors' view of it all.

pub mod board;
pub mod chain;
pub mod clocks;
pub mod escalate;
pub mod policy;
pub mod routes;
pub mod sweep;

pub use clocks::{Clocks, Flag, Flags, WaitingOn};
pub use policy::{Policy, Promise};
