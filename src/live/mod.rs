//! Everything live: the WebSocket protocol, one task pair per connection, and the hub that
//! routes published events by topic to the connections in each event's audience.

pub mod conn;
pub mod hub;
mod limits;
pub mod metrics;
pub mod protocol;
pub mod routes;
mod writer;

pub use hub::Hub;

use crate::auth::Auth;
use crate::config::LiveSettings;
use crate::helpdesk::Helpdesk;
use std::sync::Arc;

/// The live slice of the application state: the hub, and the capabilities frames act on.
#[derive(Clone)]
pub struct Live {
    pub hub: Arc<Hub>,
    pub settings: Arc<LiveSettings>,
    pub auth: Auth,
    pub helpdesk: Helpdesk,
}
