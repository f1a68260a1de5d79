//! Who may do what with monitors — decided here and sent with the data. Everyone reads within
//! their own area (the one jurisdiction check).

use crate::auth::Actor;
use crate::org::Role;

/// Ops staff, security officers, unit heads and administrators see the monitors of their area.
pub fn may_view(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Ops | Role::Officer | Role::Supervisor | Role::Admin
    )
}

/// Administrators and ops staff add monitors and set maintenance windows in their area.
pub fn may_manage(actor: &Actor) -> bool {
    matches!(actor.role, Role::Ops | Role::Admin)
}

/// The actions `actor` may take on a monitor they can see: a paused one can only be resumed.
pub fn actions(actor: &Actor, paused: bool) -> Vec<&'static str> {
    match (may_manage(actor), paused) {
        (false, _) => Vec::new(),
        (true, false) => vec!["maintenance", "edit", "pause"],
        (true, true) => vec!["resume"],
    }
}
