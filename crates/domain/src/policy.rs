//! The one place that decides who may see and do what.
//!
//! Handlers gather the facts (who is asking, how they relate to the subject)
//! and ask [`decide`]; they never compare roles or ids themselves. Refusals
//! about things that belong to someone else are [`Denial::NotFound`], so a
//! refusal never reveals that the thing exists.

use crate::Role;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The person's id.
    pub id: i64,
    /// Their role.
    pub role: Role,
}

/// How the actor relates to the person an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The actor is that person.
    Myself,
    /// The actor is that person's manager, directly or further up the line.
    Leads,
    /// The person is the actor's manager, directly or further up the line.
    ReportsTo,
    /// Any other colleague.
    Other,
}

/// Something a person may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read another person's profile (name, title, department, manager).
    ViewPerson(Relation),
    /// List everyone in the organisation.
    ListAllPeople,
    /// Add a person, import a CSV, send an invite.
    CreatePeople,
    /// Change a person's name, title, department, manager or role, or deactivate them.
    EditPerson(Relation),
    /// Create, list and revoke one's own API tokens.
    ManageOwnTokens,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Answer as if the thing did not exist (404).
    NotFound,
    /// The thing is known to exist (an admin page), the actor may not use it (403).
    Forbidden,
}

/// Decides whether `actor` may perform `action`.
pub fn decide(actor: Actor, action: Action) -> Result<(), Denial> {
    let admin = actor.role == Role::Admin;
    let allowed = match action {
        // People see themselves, their line up and their tree down; an admin sees everyone.
        Action::ViewPerson(rel) => admin || rel != Relation::Other,
        Action::ListAllPeople | Action::CreatePeople => admin,
        // Reporting lines are the organisation's record, kept by admins; not even
        // a person edits their own manager or role.
        Action::EditPerson(_) => admin,
        Action::ManageOwnTokens => true,
    };
    if allowed {
        return Ok(());
    }
    Err(match action {
        Action::ViewPerson(_) => Denial::NotFound,
        Action::EditPerson(Relation::Other) => Denial::NotFound,
        _ => Denial::Forbidden,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Relation::*;

    const ADMIN: Actor = Actor { id: 1, role: Role::Admin };
    const MEMBER: Actor = Actor { id: 2, role: Role::Member };

    /// Every role and relation against every action: `None` allowed.
    #[test]
    fn permission_matrix() {
        let nf = Some(Denial::NotFound);
        let fb = Some(Denial::Forbidden);
        let cases: &[(Actor, Action, Option<Denial>)] = &[
            (ADMIN, ViewPerson(Myself), None),
            (ADMIN, ViewPerson(Leads), None),
            (ADMIN, ViewPerson(ReportsTo), None),
            (ADMIN, ViewPerson(Other), None),
            (MEMBER, ViewPerson(Myself), None),
            (MEMBER, ViewPerson(Leads), None),
            (MEMBER, ViewPerson(ReportsTo), None),
            (MEMBER, ViewPerson(Other), nf),
            (ADMIN, ListAllPeople, None),
            (MEMBER, ListAllPeople, fb),
            (ADMIN, CreatePeople, None),
            (MEMBER, CreatePeople, fb),
            (ADMIN, EditPerson(Myself), None),
            (ADMIN, EditPerson(Other), None),
            (MEMBER, EditPerson(Myself), fb),
            (MEMBER, EditPerson(Leads), fb),
            (MEMBER, EditPerson(ReportsTo), fb),
            (MEMBER, EditPerson(Other), nf),
            (ADMIN, ManageOwnTokens, None),
            (MEMBER, ManageOwnTokens, None),
        ];
        for (actor, action, want) in cases {
            assert_eq!(decide(*actor, *action).err(), *want, "{:?} {:?}", actor.role, action);
        }
    }
}
