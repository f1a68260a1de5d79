//! Everything live: the WebSocket protocol, one task pair per connection, and the hub that
//! fans committed changes out to the connections entitled to see them.

pub mod conn;
pub mod hub;
pub mod protocol;
pub mod routes;
mod writer;

pub use hub::Hub;
