//! The one jurisdiction check: may this person see, or handle, this ticket. HTTP handlers,
//! WebSocket subscriptions and the live fan-out all ask here, and only here.

use super::Actor;
use crate::org::{Role, Specialty};

/// What the check needs to know about a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub unit_id: i64,
    pub unit_path: String,
    pub specialty: Specialty,
    pub creator_id: i64,
    pub assignee_id: Option<i64>,
    /// The expert group it was transferred to, which alone answers it from then on.
    pub group_id: Option<i64>,
}

/// True when `unit_path` lies in the subtree of the actor's unit.
pub fn covers(actor: &Actor, unit_path: &str) -> bool {
    path_covers(&actor.unit_path, unit_path)
}

/// True when the unit at `inner` lies in the subtree rooted at `outer`.
pub fn path_covers(outer: &str, inner: &str) -> bool {
    inner.starts_with(outer)
}

/// Clerks see their own unit's tickets; experts those in their subtree that their group
/// answers, plus any assigned to them; everyone else with a role above clerk sees the subtree.
pub fn may_see(actor: &Actor, scope: &Scope) -> bool {
    match actor.role {
        Role::Clerk => scope.unit_id == actor.unit_id || scope.creator_id == actor.id,
        Role::Expert => scope.assignee_id == Some(actor.id) || may_handle(actor, scope),
        Role::Supervisor | Role::Admin | Role::Officer | Role::Ops => {
            covers(actor, &scope.unit_path)
        }
    }
}

/// True when the actor is an expert who may claim the ticket or have it transferred to them:
/// their unit covers it and their group answers it — its specialty, or the group it was
/// transferred to.
pub fn may_handle(actor: &Actor, scope: &Scope) -> bool {
    let answers = match scope.group_id {
        Some(group) => actor.group_id == Some(group),
        None => actor.specialties.contains(&scope.specialty),
    };
    actor.role == Role::Expert && covers(actor, &scope.unit_path) && answers
}

/// True when the actor may direct the ticket: its assignee, or a supervisor or admin over it.
pub fn may_direct(actor: &Actor, scope: &Scope) -> bool {
    scope.assignee_id == Some(actor.id)
        || (matches!(actor.role, Role::Supervisor | Role::Admin) && covers(actor, &scope.unit_path))
}

/// True when the actor speaks for the clerk's side of the ticket.
pub fn is_requester(actor: &Actor, scope: &Scope) -> bool {
    actor.role == Role::Clerk && may_see(actor, scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, role: Role, unit_id: i64, path: &str, specialties: &[Specialty]) -> Actor {
        Actor {
            id,
            username: format!("u{id}"),
            display_name: String::new(),
            role,
            unit_id,
            unit_name: String::new(),
            unit_level: String::new(),
            unit_path: path.into(),
            group_id: None,
            group_name: None,
            specialties: specialties.to_vec(),
            session: String::new(),
            expires_at: i64::MAX,
        }
    }

    fn dawan_ticket(specialty: Specialty) -> Scope {
        Scope {
            unit_id: 40,
            unit_path: "/640000/640400/640424/640424007/".into(),
            specialty,
            creator_id: 1,
            assignee_id: None,
            group_id: None,
        }
    }

    #[test]
    fn county_expert_sees_own_county_in_own_specialty_only() {
        let jingyuan = actor(
            2,
            Role::Expert,
            30,
            "/640000/640400/640424/",
            &[Specialty::SsCard],
        );
        let yinchuan = actor(3, Role::Expert, 20, "/640000/640100/", &[Specialty::SsCard]);
        assert!(may_see(&jingyuan, &dawan_ticket(Specialty::SsCard)));
        assert!(!may_see(&jingyuan, &dawan_ticket(Specialty::ItFault)));
        assert!(!may_see(&yinchuan, &dawan_ticket(Specialty::SsCard)));
        assert!(!may_handle(&yinchuan, &dawan_ticket(Specialty::SsCard)));
    }

    #[test]
    fn vendor_at_region_sees_it_faults_everywhere() {
        let vendor = actor(4, Role::Expert, 1, "/640000/", &[Specialty::ItFault]);
        assert!(may_handle(&vendor, &dawan_ticket(Specialty::ItFault)));
        assert!(!may_see(&vendor, &dawan_ticket(Specialty::Labour)));
    }

    #[test]
    fn clerks_see_their_own_unit_and_assignees_keep_sight() {
        let clerk = actor(1, Role::Clerk, 40, "/640000/640400/640424/640424007/", &[]);
        let other = actor(5, Role::Clerk, 41, "/640000/640100/640104/640104001/", &[]);
        assert!(may_see(&clerk, &dawan_ticket(Specialty::Labour)));
        assert!(!may_see(&other, &dawan_ticket(Specialty::Labour)));
        let policy = actor(6, Role::Expert, 1, "/640000/", &[Specialty::Policy]);
        let mut t = dawan_ticket(Specialty::Labour);
        assert!(!may_see(&policy, &t));
        t.assignee_id = Some(6);
        assert!(may_see(&policy, &t));
        assert!(may_direct(&policy, &t));
    }

    #[test]
    fn a_subtree_is_a_path_prefix_not_a_code_prefix() {
        let county = actor(7, Role::Supervisor, 9, "/640000/640400/640424/", &[]);
        let mut t = dawan_ticket(Specialty::Labour);
        t.unit_path = "/640000/640400/6404240/".into();
        assert!(!covers(&county, &t.unit_path));
    }
}
