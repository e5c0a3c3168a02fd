//! Table definitions, private to the store: the rest of Foothold sees only
//! the domain-shaped records in `lib.rs`.

macro_rules! entity_module {
    ($name:ident, $table:literal, { $( $(#[$meta:meta])* pub $field:ident : $ty:ty ),* $(,)? }) => {
        pub mod $name {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model { $( $(#[$meta])* pub $field: $ty ),* }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}

            impl Model {
                /// How many columns [`Model::columns`] lists.
                #[allow(dead_code)]
                pub(crate) const WIDTH: usize = [$(stringify!($field)),*].len();

                /// Every column in field order, each after `alias` (`p.`, say),
                /// for a hand-written read that [`Model::from_cols`] maps.
                #[allow(dead_code)]
                pub(crate) fn columns(alias: &str) -> String {
                    [$(stringify!($field)),*].map(|c| format!("{alias}{c}")).join(", ")
                }

                /// The model from a row whose columns from `first` on are
                /// [`Model::columns`].
                #[allow(dead_code)]
                pub(crate) fn from_cols(c: &crate::lite::Cols<'_>, first: usize) -> Result<Self, DbErr> {
                    let mut i = first..;
                    Ok(Model { $( $field: c.get::<$ty>(i.next().unwrap_or_default())? ),* })
                }
            }
        }
    };
}

type Ts = sea_orm::prelude::DateTimeUtc;

entity_module!(department, "departments", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// Lower-cased name: departments are matched case-insensitively.
    #[sea_orm(unique)]
    pub name_key: String,
    pub created_at: super::Ts,
});

entity_module!(person, "people", {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub title: String,
    pub department_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub role: String,
    pub active: bool,
    pub password_hash: Option<String>,
    pub version: i64,
    pub created_at: super::Ts,
    pub updated_at: super::Ts,
});

entity_module!(session, "sessions", {
    /// SHA-256 of the cookie value: a stolen database holds no live session.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub person_id: i64,
    pub csrf_token: String,
    pub created_at: super::Ts,
    pub expires_at: super::Ts,
});

entity_module!(api_token, "api_tokens", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub label: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: super::Ts,
    pub last_used_at: Option<super::Ts>,
    pub revoked_at: Option<super::Ts>,
});

entity_module!(invite, "invites", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: super::Ts,
    pub expires_at: super::Ts,
    pub used_at: Option<super::Ts>,
});

entity_module!(sign_in_failure, "sign_in_failures", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub client_ip: String,
    pub at: super::Ts,
});

entity_module!(setting, "settings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub value: String,
});

entity_module!(question_set, "question_sets", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub scope: String,
    pub owner_id: Option<i64>,
    pub version: i64,
    pub created_at: super::Ts,
    pub updated_at: super::Ts,
});

entity_module!(set_question, "set_questions", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub set_id: i64,
    pub position: i32,
    pub category: String,
    pub text: String,
});

entity_module!(conversation, "conversations", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: i64,
    pub leader_id: i64,
    pub scheduled_at: super::Ts,
    pub time_zone: String,
    pub duration_minutes: i32,
    pub window_months: i32,
    pub note: String,
    pub set_name: String,
    pub state: String,
    pub leader_access_revoked: bool,
    pub version: i64,
    pub created_at: super::Ts,
    pub updated_at: super::Ts,
    pub held_at: Option<super::Ts>,
});

entity_module!(conversation_question, "conversation_questions", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    pub position: i32,
    pub category: String,
    pub text: String,
});

entity_module!(answer, "answers", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    #[sea_orm(unique)]
    pub question_id: i64,
    pub text: String,
    pub version: i64,
    pub shared_at: Option<super::Ts>,
    pub updated_at: super::Ts,
});

entity_module!(conversation_note, "conversation_notes", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    pub kind: String,
    pub text: String,
    pub version: i64,
    pub updated_by: i64,
    pub updated_at: super::Ts,
});

entity_module!(conversation_grant, "conversation_grants", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub conversation_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i64,
    pub granted_at: super::Ts,
});

entity_module!(conversation_theme, "conversation_themes", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    pub theme_key: String,
    pub label: String,
    pub valence: String,
    pub status: String,
    pub merged_from: String,
    pub decided_by: i64,
    pub decided_at: super::Ts,
});

entity_module!(custom_theme, "custom_themes", {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub theme_key: String,
    pub label: String,
    pub cues: String,
    pub created_by: i64,
    pub created_at: super::Ts,
    pub updated_at: super::Ts,
});

type Date = sea_orm::prelude::Date;

entity_module!(role, "roles", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub title: String,
    pub department: String,
    pub started_on: super::Date,
    pub ended_on: Option<super::Date>,
    pub recorded_by: i64,
    pub recorded_at: super::Ts,
});

entity_module!(plan, "plans", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub leader_id: i64,
    pub conversation_id: Option<i64>,
    pub starts_on: super::Date,
    pub ends_on: super::Date,
    pub time_zone: String,
    pub state: String,
    pub review: String,
    pub version: i64,
    pub created_at: super::Ts,
    pub updated_at: super::Ts,
    pub closed_at: Option<super::Ts>,
});

entity_module!(plan_theme, "plan_themes", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub position: i32,
    pub theme_key: String,
    pub label: String,
    pub dropped: bool,
});

entity_module!(plan_step, "plan_steps", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub theme_id: i64,
    pub position: i32,
    pub kind: String,
    pub what: String,
    pub signal: String,
    pub support: String,
    pub target_quarter: i32,
    pub status: String,
    pub progress: String,
    pub updated_at: super::Ts,
});

entity_module!(checkin, "checkins", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub number: i32,
    pub due_on: super::Date,
    pub completed_at: Option<super::Ts>,
    pub completed_by: Option<i64>,
    pub what_changed: String,
});

entity_module!(plan_change, "plan_changes", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub person_id: i64,
    pub changed_at: super::Ts,
    pub checkin_id: Option<i64>,
    pub summary: String,
    pub snapshot: String,
});

entity_module!(pulse_round, "pulse_rounds", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_kind: String,
    pub group_id: Option<i64>,
    pub quarter: String,
    pub opened_by: i64,
    pub opened_at: super::Ts,
    pub closes_on: super::Date,
});

entity_module!(pulse_response, "pulse_responses", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub quarter: String,
    pub department_id: Option<i64>,
    pub leaders: String,
    pub energy: i32,
    pub strengths: i32,
    pub path: i32,
    pub ownership: i32,
    pub support: i32,
    pub enps: i32,
    pub answered_at: super::Ts,
});

entity_module!(performance_view, "performance_views", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub leader_id: i64,
    pub quarter: String,
    pub rating: i32,
    pub narrative: String,
    pub member_comment: String,
    pub version: i64,
    pub created_at: super::Ts,
    pub updated_at: super::Ts,
});

/// Calls `f` with every table and column an entity above declares, and the
/// column's type: what the direct SQLite reads (`lite.rs`) decode by.
pub(crate) fn each_column(mut f: impl FnMut(&'static str, &'static str, &sea_orm::ColumnType)) {
    use sea_orm::{ColumnTrait, IdenStatic, Iterable};
    fn one<E: sea_orm::EntityTrait>(f: &mut impl FnMut(&'static str, &'static str, &sea_orm::ColumnType)) {
        let table = E::default().table_name();
        for c in E::Column::iter() {
            f(table, c.as_str(), c.def().get_column_type());
        }
    }
    macro_rules! all {
        ($($m:ident),* $(,)?) => { $( one::<$m::Entity>(&mut f); )* };
    }
    all!(
        department,
        person,
        session,
        api_token,
        invite,
        sign_in_failure,
        setting,
        question_set,
        set_question,
        conversation,
        conversation_question,
        answer,
        conversation_note,
        conversation_grant,
        conversation_theme,
        custom_theme,
        role,
        plan,
        plan_theme,
        plan_step,
        checkin,
        plan_change,
        pulse_round,
        pulse_response,
        performance_view,
    );
}
