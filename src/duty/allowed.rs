//! Who may do what with the duty matrix — decided here and sent with the data, so the console
//! only renders it. Everyone reads within their own area (the one jurisdiction check).

use crate::auth::Actor;
use crate::org::Role;

/// Security officers, unit heads, ops staff and administrators read the matrix of their area.
pub fn may_view(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Officer | Role::Supervisor | Role::Ops | Role::Admin
    )
}

/// Whether `actor` answers for a unit (定人定责): its primary or deputy officer, or the officer on
/// duty for it now (a turn of its rotation, an override from elsewhere).
pub fn answers_for(actor: &Actor, officers: [Option<i64>; 2], on_duty: Option<i64>) -> bool {
    officers.contains(&Some(actor.id)) || on_duty == Some(actor.id)
}

/// A unit's daily check is done by a security officer who answers for it; the officers above
/// see it done, or missed, and are told when it is.
pub fn may_check(actor: &Actor, officers: [Option<i64>; 2], on_duty: Option<i64>) -> bool {
    actor.role == Role::Officer && answers_for(actor, officers, on_duty)
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
