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
    /// Add, change or remove the organisation's own themes.
    ManageOrgThemes,
    /// Set the anonymity threshold and open pulse rounds.
    ManageInsight,
    /// Read the operators' figures (`/metrics`): routes, request counts, pool use.
    ReadMetrics,
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
        Action::ListAllPeople
        | Action::CreatePeople
        | Action::ManageOrgThemes
        | Action::ManageInsight
        | Action::ReadMetrics => admin,
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

/// How a person takes part in one career conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The person preparing reflections; owns every answer.
    Report,
    /// The leader who holds it (and still has the report's leave).
    Leader,
    /// The leader who held it, whose access the report took back.
    RevokedLeader,
    /// A later manager the report granted this conversation to.
    Granted,
    /// Anyone else, admins and the leader's own manager included.
    Outsider,
}

/// Something to do with a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationAction {
    /// Know it exists: its date, people and state.
    View,
    /// Write, share or take back one's own answers (drafts are the report's alone).
    Answer,
    /// Read answers the report has shared.
    ReadShared,
    /// Read the shared notes.
    ReadSharedNotes,
    /// Write the shared notes.
    WriteSharedNotes,
    /// Read and write the leader's private notes.
    PrivateNotes,
    /// Reschedule, cancel, mark held.
    Manage,
    /// Decide who else may read it (after a change of manager).
    Grant,
    /// See the themes confirmed in it.
    ReadThemes,
    /// Confirm, rename, merge, dismiss or add themes (the two of them, together).
    DecideThemes,
}

/// Decides what a participant may do with a conversation. Outsiders get
/// [`Denial::NotFound`] for everything: a conversation they may not see does not exist for them.
pub fn decide_conversation(part: Part, action: ConversationAction) -> Result<(), Denial> {
    use ConversationAction::*;
    let allowed = match part {
        Part::Report => matches!(
            action,
            View | Answer | ReadShared | ReadSharedNotes | WriteSharedNotes | Grant | ReadThemes | DecideThemes
        ),
        Part::Leader => matches!(
            action,
            View | ReadShared | ReadSharedNotes | WriteSharedNotes | PrivateNotes | Manage | ReadThemes | DecideThemes
        ),
        // Their private notes stay theirs; the report's words do not.
        Part::RevokedLeader => matches!(action, View | PrivateNotes),
        Part::Granted => matches!(action, View | ReadShared | ReadSharedNotes | ReadThemes),
        Part::Outsider => false,
    };
    match (allowed, part) {
        (true, _) => Ok(()),
        (false, Part::Outsider) => Err(Denial::NotFound),
        (false, _) => Err(Denial::Forbidden),
    }
}

/// Whether `actor` may schedule a career conversation with `report`: only
/// their direct manager may.
pub fn may_schedule(actor: Actor, report_manager: Option<i64>) -> Result<(), Denial> {
    if report_manager == Some(actor.id) { Ok(()) } else { Err(Denial::NotFound) }
}

/// Whose a question set is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOwner {
    /// Shipped with Foothold: read-only for everyone.
    Builtin,
    /// Published by an admin to the whole organisation.
    Org,
    /// A leader's own.
    Personal(i64),
}

/// Something to do with a question set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAction {
    /// Read it and use it for a conversation.
    Use,
    /// Change or delete it.
    Edit,
}

/// Decides what a person may do with a question set. Someone else's
/// personal set does not exist for them.
pub fn decide_set(actor: Actor, owner: SetOwner, action: SetAction) -> Result<(), Denial> {
    match (owner, action) {
        (SetOwner::Personal(o), _) if o != actor.id => Err(Denial::NotFound),
        (SetOwner::Personal(_), _) | (SetOwner::Builtin | SetOwner::Org, SetAction::Use) => Ok(()),
        (SetOwner::Org, SetAction::Edit) if actor.role == Role::Admin => Ok(()),
        (SetOwner::Org | SetOwner::Builtin, SetAction::Edit) => Err(Denial::Forbidden),
    }
}

/// Whether a person may make a new set with this owner: leaders (anyone with
/// reports) and admins make personal sets; only admins publish to everyone.
pub fn may_create_set(actor: Actor, is_leader: bool, owner: SetOwner) -> Result<(), Denial> {
    let ok = match owner {
        SetOwner::Builtin => false,
        SetOwner::Org => actor.role == Role::Admin,
        SetOwner::Personal(o) => o == actor.id && (is_leader || actor.role == Role::Admin),
    };
    if ok { Ok(()) } else { Err(Denial::Forbidden) }
}

/// How a person stands to a growth plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanPart {
    /// Whose plan it is.
    Owner,
    /// Their current direct manager, who co-creates it with them.
    Leader,
    /// Anyone else: admins, managers further up, the leader before a change.
    Outsider,
}

/// Something to do with a growth plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// Read it, its history and its wall.
    View,
    /// Change themes and steps, hold check-ins, export it.
    Edit,
}

/// A plan is the owner's and their leader's to read and shape together;
/// for everyone else it does not exist.
pub fn decide_plan(part: PlanPart, _action: PlanAction) -> Result<(), Denial> {
    match part {
        PlanPart::Owner | PlanPart::Leader => Ok(()),
        PlanPart::Outsider => Err(Denial::NotFound),
    }
}

/// Who may record a role change: admins, and leaders for people in their tree.
/// Anyone who may see a person may read their role history.
pub fn may_record_role(actor: Actor, relation: Relation) -> Result<(), Denial> {
    match (actor.role, relation) {
        (Role::Admin, _) | (_, Relation::Leads) => Ok(()),
        (_, Relation::Other) => Err(Denial::NotFound),
        _ => Err(Denial::Forbidden),
    }
}

/// How someone stands to a person's performance views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformancePart {
    /// The person the views are about.
    Member,
    /// Their current direct manager, who writes them.
    Leader,
    /// Anyone else.
    Other,
}

/// Something to do with performance views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformanceAction {
    /// Read them.
    Read,
    /// Write this quarter's view.
    Write,
    /// Add the member's comment.
    Comment,
}

/// Performance views are for the member, their leader and admins; the leader
/// writes, the member comments, admins read.
pub fn decide_performance(actor: Actor, part: PerformancePart, action: PerformanceAction) -> Result<(), Denial> {
    use PerformanceAction::*;
    let allowed = match part {
        PerformancePart::Member => matches!(action, Read | Comment),
        PerformancePart::Leader => matches!(action, Read | Write),
        PerformancePart::Other => actor.role == Role::Admin && action == Read,
    };
    match (allowed, part, actor.role) {
        (true, _, _) => Ok(()),
        (false, PerformancePart::Other, Role::Member) => Err(Denial::NotFound),
        _ => Err(Denial::Forbidden),
    }
}

/// Who may see team insight for a group: admins for any group; a leader for
/// their own tree (`leads_group`). Pulse figures inside are aggregates under
/// the anonymity rules; nobody's single answer is ever shown.
pub fn may_see_insight(actor: Actor, leads_group: bool) -> Result<(), Denial> {
    if actor.role == Role::Admin || leads_group { Ok(()) } else { Err(Denial::NotFound) }
}

/// Who sees which audit log entries: everyone those about their own data;
/// entries about organisation settings belong to nobody, so every admin
/// (who shares the responsibility for them) sees those as well. Nobody reads
/// the entries about someone else's data through the app.
pub fn sees_settings_audit(actor: Actor) -> bool {
    actor.role == Role::Admin
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
            (ADMIN, ManageOrgThemes, None),
            (MEMBER, ManageOrgThemes, fb),
        ];
        for (actor, action, want) in cases {
            assert_eq!(decide(*actor, *action).err(), *want, "{:?} {:?}", actor.role, action);
        }
    }

    /// Every part against every conversation action: `None` allowed.
    #[test]
    fn conversation_matrix() {
        use ConversationAction as A;
        use Part as P;
        let nf = Some(Denial::NotFound);
        let fb = Some(Denial::Forbidden);
        let actions = [
            A::View,
            A::Answer,
            A::ReadShared,
            A::ReadSharedNotes,
            A::WriteSharedNotes,
            A::PrivateNotes,
            A::Manage,
            A::Grant,
            A::ReadThemes,
            A::DecideThemes,
        ];
        let table: [(P, [Option<Denial>; 10]); 5] = [
            (P::Report, [None, None, None, None, None, fb, fb, None, None, None]),
            (P::Leader, [None, fb, None, None, None, None, None, fb, None, None]),
            (P::RevokedLeader, [None, fb, fb, fb, fb, None, fb, fb, fb, fb]),
            (P::Granted, [None, fb, None, None, fb, fb, fb, fb, None, fb]),
            (P::Outsider, [nf, nf, nf, nf, nf, nf, nf, nf, nf, nf]),
        ];
        for (part, wants) in table {
            for (action, want) in actions.iter().zip(wants) {
                assert_eq!(decide_conversation(part, *action).err(), want, "{part:?} {action:?}");
            }
        }
    }

    #[test]
    fn question_set_matrix() {
        use SetAction::*;
        use SetOwner::*;
        let nf = Some(Denial::NotFound);
        let fb = Some(Denial::Forbidden);
        let cases: &[(Actor, SetOwner, SetAction, Option<Denial>)] = &[
            (MEMBER, Builtin, Use, None),
            (MEMBER, Builtin, Edit, fb),
            (ADMIN, Builtin, Edit, fb),
            (MEMBER, Org, Use, None),
            (MEMBER, Org, Edit, fb),
            (ADMIN, Org, Edit, None),
            (MEMBER, Personal(MEMBER.id), Use, None),
            (MEMBER, Personal(MEMBER.id), Edit, None),
            (ADMIN, Personal(MEMBER.id), Use, nf),
            (ADMIN, Personal(MEMBER.id), Edit, nf),
        ];
        for (actor, owner, action, want) in cases {
            assert_eq!(decide_set(*actor, *owner, *action).err(), *want, "{:?} {owner:?} {action:?}", actor.role);
        }
        assert_eq!(may_create_set(MEMBER, true, Personal(MEMBER.id)), Ok(()));
        assert_eq!(may_create_set(MEMBER, false, Personal(MEMBER.id)), Err(Denial::Forbidden));
        assert_eq!(may_create_set(MEMBER, true, Personal(ADMIN.id)), Err(Denial::Forbidden));
        assert_eq!(may_create_set(MEMBER, true, Org), Err(Denial::Forbidden));
        assert_eq!(may_create_set(ADMIN, false, Org), Ok(()));
        assert_eq!(may_create_set(ADMIN, false, Builtin), Err(Denial::Forbidden));
    }

    #[test]
    fn only_the_direct_manager_schedules() {
        assert_eq!(may_schedule(MEMBER, Some(MEMBER.id)), Ok(()));
        assert_eq!(may_schedule(ADMIN, Some(MEMBER.id)), Err(Denial::NotFound));
        assert_eq!(may_schedule(MEMBER, None), Err(Denial::NotFound));
    }

    #[test]
    fn plans_belong_to_the_owner_and_their_leader() {
        for action in [PlanAction::View, PlanAction::Edit] {
            assert_eq!(decide_plan(PlanPart::Owner, action), Ok(()));
            assert_eq!(decide_plan(PlanPart::Leader, action), Ok(()));
            assert_eq!(decide_plan(PlanPart::Outsider, action), Err(Denial::NotFound));
        }
    }

    #[test]
    fn roles_are_recorded_by_leaders_and_admins() {
        assert_eq!(may_record_role(ADMIN, Other), Ok(()));
        assert_eq!(may_record_role(MEMBER, Leads), Ok(()));
        assert_eq!(may_record_role(MEMBER, Myself), Err(Denial::Forbidden));
        assert_eq!(may_record_role(MEMBER, ReportsTo), Err(Denial::Forbidden));
        assert_eq!(may_record_role(MEMBER, Other), Err(Denial::NotFound));
    }

    #[test]
    fn performance_views_are_for_the_member_the_leader_and_admins() {
        use PerformanceAction::*;
        use PerformancePart as P;
        assert_eq!(decide_performance(MEMBER, P::Member, Read), Ok(()));
        assert_eq!(decide_performance(MEMBER, P::Member, Comment), Ok(()));
        assert_eq!(decide_performance(MEMBER, P::Member, Write), Err(Denial::Forbidden));
        assert_eq!(decide_performance(MEMBER, P::Leader, Write), Ok(()));
        assert_eq!(decide_performance(MEMBER, P::Leader, Comment), Err(Denial::Forbidden));
        assert_eq!(decide_performance(ADMIN, P::Other, Read), Ok(()));
        assert_eq!(decide_performance(ADMIN, P::Other, Write), Err(Denial::Forbidden));
        assert_eq!(decide_performance(MEMBER, P::Other, Read), Err(Denial::NotFound));
        assert_eq!(may_see_insight(MEMBER, false), Err(Denial::NotFound));
        assert_eq!(may_see_insight(MEMBER, true), Ok(()));
        assert_eq!(may_see_insight(ADMIN, false), Ok(()));
    }

    #[test]
    fn settings_audit_is_for_admins() {
        assert!(sees_settings_audit(ADMIN));
        assert!(!sees_settings_audit(MEMBER));
    }
}
