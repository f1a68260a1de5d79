//! Who may do what with the duty matrix — decided here and sent with the data, so the console
//! only renders it. Everyone reads within their own area (the one jurisdiction check).

use crate::auth::jurisdiction::covers;
use crate::auth::Actor;
use crate::org::Role;

/// Security officers, unit heads, ops staff and administrators read the matrix of their area.
pub fn may_view(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Officer | Role::Supervisor | Role::Ops | Role::Admin
    )
}

/// A unit's daily check is done by a security officer over it, or by the officer on duty for
/// it now (an override from elsewhere, say).
pub fn may_check(actor: &Actor, unit_path: &str, on_duty: Option<i64>) -> bool {
    actor.role == Role::Officer && (covers(actor, unit_path) || on_duty == Some(actor.id))
}

/// Administrators and unit heads arrange who answers for the units of their area, and their
/// rosters.
pub fn may_arrange(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Supervisor)
}

/// Only security officers stand in the matrix or a roster.
pub fn may_stand(role: Option<Role>) -> bool {
    role == Some(Role::Officer)
}
