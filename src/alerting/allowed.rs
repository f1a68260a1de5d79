//! Who may do what with incidents — decided here and sent with each row, so the console only
//! renders it. Everyone reads within their own area (the one jurisdiction check).

use crate::auth::jurisdiction::covers;
use crate::auth::Actor;
use crate::org::Role;

/// Ops staff, security officers, unit heads and administrators see the incidents of their area.
pub fn may_view(actor: &Actor, unit_path: &str) -> bool {
    matches!(
        actor.role,
        Role::Ops | Role::Officer | Role::Supervisor | Role::Admin
    ) && covers(actor, unit_path)
}

/// Who may acknowledge or resolve: the officer told of it now, and the security officers, ops
/// staff and administrators whose area holds its unit. Unit heads watch.
pub fn may_act(actor: &Actor, unit_path: &str, told: Option<i64>) -> bool {
    told == Some(actor.id)
        || (matches!(actor.role, Role::Ops | Role::Officer | Role::Admin)
            && covers(actor, unit_path))
}

pub fn actions(
    actor: &Actor,
    unit_path: &str,
    told: Option<i64>,
    status: &str,
) -> Vec<&'static str> {
    if !may_act(actor, unit_path, told) {
        return Vec::new();
    }
    match status {
        "open" => vec!["acknowledge", "resolve"],
        "acknowledged" => vec!["resolve"],
        _ => Vec::new(),
    }
}
