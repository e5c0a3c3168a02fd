//! The permission matrix over every route: each page and API operation, called
//! by every [`Role`](crate::world::Role), must answer exactly the status in its row, and a refused
//! request must leave the whole database as it was.
//!
//! The product's rules, which the rows spell out:
//! - what someone may not see answers 404, exactly as if it did not exist;
//!   403 only where the thing is known to exist for them (an admin page, a
//!   conversation they take part in but may not change this way);
//! - without a session, a page sends the browser to sign in (303); the API
//!   answers 401. An API token never opens a page.
//!
//! [`every_route_has_a_row`] compares the rows with the routes the router
//! declares (the OpenAPI document, and the `.route(…)` calls of the page,
//! feed and asset routers), so a new route fails it until it gets a row.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};

use crate::world::{Body, ROLES, World};

/// What a cell must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum W {
    /// 200.
    Ok,
    /// 201.
    Made,
    /// 204.
    Empty,
    /// 303, having done what was asked.
    See,
    /// 303 to the sign-in page: refused.
    In,
    /// 401.
    Auth,
    /// 403.
    No,
    /// 404.
    Hid,
    /// 409.
    Conf,
}

use W::{Auth, Conf, Empty, Hid, In, Made, No, Ok as OK, See};

impl W {
    /// Whether the call is allowed and does what it asks.
    pub(crate) fn allowed(self) -> bool {
        matches!(self, W::Ok | W::Made | W::Empty | W::See)
    }

    fn status(self) -> StatusCode {
        match self {
            W::Ok => StatusCode::OK,
            W::Made => StatusCode::CREATED,
            W::Empty => StatusCode::NO_CONTENT,
            W::See | W::In => StatusCode::SEE_OTHER,
            W::Auth => StatusCode::UNAUTHORIZED,
            W::No => StatusCode::FORBIDDEN,
            W::Hid => StatusCode::NOT_FOUND,
            W::Conf => StatusCode::CONFLICT,
        }
    }
}

/// One route (or one variant of a route's use) and the answer of every role,
/// in the order of [`ROLES`]: anonymous, subject, peer, leader, skip-level, admin, token.
pub(crate) struct Row {
    pub(crate) method: &'static str,
    /// The route as the router declares it.
    pub(crate) route: &'static str,
    /// The path called, with `<placeholders>` for fresh fixtures (see [`crate::world`]).
    pub(crate) path: &'static str,
    pub(crate) body: Body,
    pub(crate) want: [W; 7],
    /// Whether a successful call may leave the database as it was (signing
    /// out without a session, turning off a feed nobody had).
    quiet: bool,
}

const fn row(method: &'static str, route: &'static str, path: &'static str, body: Body, want: [W; 7]) -> Row {
    Row { method, route, path, body, want, quiet: false }
}

impl Row {
    fn quiet(self) -> Row {
        Row { quiet: true, ..self }
    }
}

/// Signed-in people see it; pages send everyone else to sign in.
const PAGE_ALL: [W; 7] = [In, OK, OK, OK, OK, OK, In];
/// Anyone at all, signed in or not.
const PUBLIC: [W; 7] = [OK; 7];
/// Admins only, a page everyone knows exists.
const PAGE_ADMIN: [W; 7] = [In, No, No, No, No, OK, In];
/// Every signed-in caller of the API.
const API_ALL: [W; 7] = [Auth, OK, OK, OK, OK, OK, Auth];

const N: Body = Body::None;

/// Form bodies, with `<placeholders>`.
mod forms {
    pub const SETUP: &[(&str, &str)] =
        &[("token", "not-the-token"), ("name", "Sly Setup"), ("email", "sly@example.org"), ("password", "<password>")];
    pub const SIGN_IN: &[(&str, &str)] = &[("email", "<subject_email>"), ("password", "<password>")];
    pub const ACCEPT: &[(&str, &str)] =
        &[("password", "a brand new passphrase here"), ("confirm", "a brand new passphrase here")];
    pub const NEW_PERSON: &[(&str, &str)] = &[
        ("name", "Nia New"),
        ("email", "new<n>@example.org"),
        ("title", ""),
        ("department", ""),
        ("manager_id", "<leader>"),
        ("active", "on"),
    ];
    pub const EDIT_PERSON: &[(&str, &str)] = &[
        ("name", "Sue Subject"),
        ("email", "<subject_email>"),
        ("title", "Staff engineer"),
        ("department", ""),
        ("manager_id", "<leader>"),
        ("active", "on"),
        ("version", "<subject_version>"),
    ];
    pub const SCHEDULE: &[(&str, &str)] = &[
        ("report_id", "<subject>"),
        ("date", "2030-05-02"),
        ("time", "10:00"),
        ("time_zone", "Europe/London"),
        ("duration_minutes", "60"),
        ("set_id", "<builtin>"),
        ("window_months", "6"),
        ("note", ""),
    ];
    pub const ANSWERS: &[(&str, &str)] = &[("answer-<q2>", "A new answer."), ("version-<q2>", "0"), ("action", "save")];
    pub const NOTES: &[(&str, &str)] = &[("shared_notes", "New shared notes."), ("shared_version", "<shared_v>")];
    pub const RESCHEDULE: &[(&str, &str)] = &[
        ("version", "<conv_version>"),
        ("date", "2030-05-03"),
        ("time", "11:00"),
        ("time_zone", "Europe/London"),
        ("duration_minutes", "45"),
        ("window_months", "6"),
        ("note", "Moved."),
    ];
    pub const ACCESS: &[(&str, &str)] = &[("person_id", "<leader>"), ("allow", "0")];
    pub const THEMES: &[(&str, &str)] = &[("action", "add"), ("add_label", "Mentoring"), ("add_valence", "+")];
    pub const PLAN_EDIT: &[(&str, &str)] = &[("op", "add_theme"), ("label", "Public speaking")];
    pub const CHECKIN: &[(&str, &str)] = &[("version", "<plan_version>"), ("what_changed", "Good progress.")];
    pub const ROLE: &[(&str, &str)] = &[("title", "Senior engineer"), ("started_on", "2026-01-01")];
    pub const SET: &[(&str, &str)] = &[
        ("name", "Matrix questions"),
        ("scope", "personal"),
        ("version", "<set_version>"),
        ("rows", "1"),
        ("order-0", "1"),
        ("category-0", "past"),
        ("text-0", "What went well?"),
    ];
    pub const SET_NEW: &[(&str, &str)] = &[
        ("name", "Matrix questions"),
        ("scope", "personal"),
        ("rows", "1"),
        ("order-0", "1"),
        ("category-0", "past"),
        ("text-0", "What went well?"),
    ];
    pub const SET_IMPORT: &[(&str, &str)] = &[
        ("format", "markdown"),
        ("content", "## Past\n- What went well?\n"),
        ("step", "save"),
        ("name", "Imported"),
        ("scope", "personal"),
    ];
    pub const THEME: &[(&str, &str)] =
        &[("key", "<new_key>"), ("label", "Matrix theme"), ("cues", "pair programming"), ("action", "save")];
    pub const PULSE: &[(&str, &str)] =
        &[("energy", "4"), ("strengths", "4"), ("path", "3"), ("ownership", "4"), ("support", "5"), ("enps", "8")];
    pub const SETTINGS: &[(&str, &str)] = &[("min_respondents", "4")];
    pub const ROUND: &[(&str, &str)] = &[("group", "org"), ("closes_on", "<today>")];
    pub const PERFORMANCE: &[(&str, &str)] = &[("rating", "3"), ("narrative", "A steady quarter."), ("version", "0")];
    pub const COMMENT: &[(&str, &str)] = &[("comment", "Thank you."), ("version", "<view_version>")];
    pub const PASSWORD: &[(&str, &str)] = &[("current", "<password>"), ("password", "a brand new passphrase here")];
    pub const TOKEN: &[(&str, &str)] = &[("label", "laptop")];
}

const PEOPLE_CSV: &str = "email,name,title,department,manager_email\nnew<n>@example.org,Nia New,,,\n";

pub(crate) fn rows() -> Vec<Row> {
    use Body::{Csv, Form, Json, Multipart};
    vec![
        // Site, sign-in and operations.
        row("GET", "/", "/", N, PAGE_ALL),
        row("GET", "/healthz", "/healthz", N, PUBLIC),
        row("GET", "/readyz", "/readyz", N, PUBLIC),
        // The scraper's token or an admin's session; a person's API token is nobody here.
        row("GET", "/metrics", "/metrics", N, [Auth, No, No, No, No, OK, Auth]),
        row("GET", "/assets/app.css", "/assets/app.css", N, PUBLIC),
        row("GET", "/assets/app.js", "/assets/app.js", N, PUBLIC),
        row("GET", "/calendar/{file}", "/calendar/<feed>.ics", N, PUBLIC),
        row("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", N, PUBLIC),
        // Set-up is over once anyone exists.
        row("GET", "/setup", "/setup?token=not-the-token", N, [Hid; 7]),
        row("POST", "/setup", "/setup", Form(forms::SETUP), [Hid; 7]),
        // A signed-in browser is sent on from the sign-in page; a token is no session.
        row("GET", "/sign-in", "/sign-in", N, [OK, See, See, See, See, See, OK]),
        row("POST", "/sign-in", "/sign-in", Form(forms::SIGN_IN), [See; 7]),
        row("POST", "/sign-out", "/sign-out", N, [See; 7]).quiet(),
        row("POST", "/sign-out-everywhere", "/sign-out-everywhere", N, [In, See, See, See, See, See, In]),
        // Whoever holds an invite link may use it.
        row("GET", "/invite/{token}", "/invite/<invite>", N, PUBLIC),
        row("POST", "/invite/{token}", "/invite/<invite>", Form(forms::ACCEPT), [See; 7]),
        // People.
        row("GET", "/people", "/people", N, PAGE_ADMIN),
        row("GET", "/people/new", "/people/new", N, PAGE_ADMIN),
        row("POST", "/people/new", "/people/new", Form(forms::NEW_PERSON), PAGE_ADMIN),
        row("GET", "/people/import", "/people/import", N, PAGE_ADMIN),
        row("POST", "/people/import", "/people/import", Multipart(&[], PEOPLE_CSV), PAGE_ADMIN),
        row("GET", "/people/{id}", "/people/<subject>", N, [In, OK, Hid, OK, OK, OK, In]),
        row("GET", "/people/{id}/edit", "/people/<subject>/edit", N, [In, No, Hid, No, No, OK, In]),
        row(
            "POST",
            "/people/{id}/edit",
            "/people/<subject>/edit",
            Form(forms::EDIT_PERSON),
            [In, No, Hid, No, No, See, In],
        ),
        row("POST", "/people/{id}/invite", "/people/<subject>/invite", N, [In, No, Hid, No, No, OK, In]),
        row(
            "POST",
            "/people/{id}/roles",
            "/people/<subject>/roles",
            Form(forms::ROLE),
            [In, No, Hid, See, See, See, In],
        ),
        row("GET", "/api/v1/me", "/api/v1/me", N, API_ALL),
        row("GET", "/api/v1/people", "/api/v1/people", N, API_ALL),
        row(
            "POST",
            "/api/v1/people",
            "/api/v1/people",
            Json(r#"{"email": "new<n>@example.org", "name": "Nia New"}"#),
            [Auth, No, No, No, No, Made, Auth],
        ),
        row("GET", "/api/v1/people/{id}", "/api/v1/people/<subject>", N, [Auth, OK, Hid, OK, OK, OK, Auth]),
        row(
            "PATCH",
            "/api/v1/people/{id}",
            "/api/v1/people/<subject>",
            Json(r#"{"title": "Staff engineer"}"#),
            [Auth, No, Hid, No, No, OK, Auth],
        ),
        row(
            "POST",
            "/api/v1/people/{id}/invites",
            "/api/v1/people/<subject>/invites",
            N,
            [Auth, No, Hid, No, No, Made, Auth],
        ),
        row(
            "POST",
            "/api/v1/people/import",
            "/api/v1/people/import",
            Csv(PEOPLE_CSV),
            [Auth, No, No, No, No, OK, Auth],
        ),
        row("GET", "/api/v1/people/{id}/roles", "/api/v1/people/<subject>/roles", N, [Auth, OK, Hid, OK, OK, OK, Auth]),
        row(
            "POST",
            "/api/v1/people/{id}/roles",
            "/api/v1/people/<subject>/roles",
            Json(r#"{"title": "Senior engineer", "started_on": "2026-01-01"}"#),
            [Auth, No, Hid, Made, Made, Made, Auth],
        ),
        // Conversations: the subject's, held by the leader; nobody else's business.
        row("GET", "/conversations", "/conversations", N, PAGE_ALL),
        // Only someone with direct reports has anyone to schedule with.
        row("GET", "/conversations/new", "/conversations/new", N, [In, Hid, Hid, OK, OK, Hid, In]),
        row("POST", "/conversations", "/conversations", Form(forms::SCHEDULE), [In, Hid, Hid, See, Hid, Hid, In]),
        row("GET", "/conversations/{id}", "/conversations/<conv>", N, [In, OK, Hid, OK, Hid, Hid, In]),
        row(
            "POST",
            "/conversations/{id}/answers",
            "/conversations/<conv>/answers",
            Form(forms::ANSWERS),
            [In, See, Hid, No, Hid, Hid, In],
        ),
        row(
            "POST",
            "/conversations/{id}/notes",
            "/conversations/<conv>/notes",
            Form(forms::NOTES),
            [In, See, Hid, See, Hid, Hid, In],
        ),
        row("POST", "/conversations/{id}/held", "/conversations/<conv>/held", N, [In, No, Hid, See, Hid, Hid, In]),
        row("POST", "/conversations/{id}/cancel", "/conversations/<conv>/cancel", N, [In, No, Hid, See, Hid, Hid, In]),
        row(
            "GET",
            "/conversations/{id}/reschedule",
            "/conversations/<conv>/reschedule",
            N,
            [In, No, Hid, OK, Hid, Hid, In],
        ),
        row(
            "POST",
            "/conversations/{id}/reschedule",
            "/conversations/<conv>/reschedule",
            Form(forms::RESCHEDULE),
            [In, No, Hid, See, Hid, Hid, In],
        ),
        row(
            "POST",
            "/conversations/{id}/access",
            "/conversations/<conv>/access",
            Form(forms::ACCESS),
            [In, See, Hid, No, Hid, Hid, In],
        ),
        row(
            "POST",
            "/conversations/{id}/themes",
            "/conversations/<conv>/themes",
            Form(forms::THEMES),
            [In, See, Hid, See, Hid, Hid, In],
        ),
        row("POST", "/conversations/{id}/plan", "/conversations/<held>/plan", N, [In, See, Hid, See, Hid, Hid, In]),
        // Who may do something is decided before what the conversation's state still
        // allows, so the state of a conversation one may not see is never told.
        row("POST", "/conversations/{id}/cancel", "/conversations/<held>/cancel", N, [In, No, Hid, Conf, Hid, Hid, In]),
        row(
            "PATCH",
            "/api/v1/conversations/{id}",
            "/api/v1/conversations/<held>",
            Json(r#"{"note": "Bring your notes."}"#),
            [Auth, No, Hid, Conf, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/conversations/{id}/answers/{question_id}",
            "/api/v1/conversations/<held>/answers/<held_q0>",
            Json(r#"{"text": "Too late.", "version": 0}"#),
            [Auth, Conf, Hid, No, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/plans",
            "/api/v1/plans",
            Json(r#"{"conversation_id": <conv>}"#),
            [Auth, Conf, Hid, Conf, Hid, Hid, Auth],
        ),
        // Only the subject's current manager can be given an earlier
        // conversation: a rule on stored facts, so 409 rather than 422.
        row(
            "PUT",
            "/api/v1/conversations/{id}/access/{person_id}",
            "/api/v1/conversations/<conv>/access/<peer>",
            N,
            [Auth, Conf, Hid, No, Hid, Hid, Auth],
        ),
        row("GET", "/api/v1/conversations", "/api/v1/conversations", N, API_ALL),
        row(
            "POST",
            "/api/v1/conversations",
            "/api/v1/conversations",
            Json(
                r#"{"report_id": <subject>, "starts_at_local": "2030-05-02T10:00", "time_zone": "Europe/London", "question_set_id": <builtin>}"#,
            ),
            [Auth, Hid, Hid, Made, Hid, Hid, Auth],
        ),
        row(
            "GET",
            "/api/v1/conversations/{id}",
            "/api/v1/conversations/<conv>",
            N,
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "PATCH",
            "/api/v1/conversations/{id}",
            "/api/v1/conversations/<conv>",
            Json(r#"{"note": "Bring your notes."}"#),
            [Auth, No, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/conversations/{id}/answers/{question_id}",
            "/api/v1/conversations/<conv>/answers/<q2>",
            Json(r#"{"text": "A new answer.", "version": 0}"#),
            [Auth, OK, Hid, No, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/conversations/{id}/answers/{question_id}/share",
            "/api/v1/conversations/<conv>/answers/<q0>/share",
            N,
            [Auth, OK, Hid, No, Hid, Hid, Auth],
        ),
        row(
            "DELETE",
            "/api/v1/conversations/{id}/answers/{question_id}/share",
            "/api/v1/conversations/<conv>/answers/<q1>/share",
            N,
            [Auth, OK, Hid, No, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/conversations/{id}/share",
            "/api/v1/conversations/<conv>/share",
            N,
            [Auth, OK, Hid, No, Hid, Hid, Auth],
        ),
        row(
            "GET",
            "/api/v1/conversations/{id}/notes/{kind}",
            "/api/v1/conversations/<conv>/notes/shared",
            N,
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        // The leader's private notes do not exist for the subject.
        row(
            "GET",
            "/api/v1/conversations/{id}/notes/{kind}",
            "/api/v1/conversations/<conv>/notes/private",
            N,
            [Auth, Hid, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/conversations/{id}/notes/{kind}",
            "/api/v1/conversations/<conv>/notes/shared",
            Json(r#"{"text": "New shared notes.", "version": <shared_v>}"#),
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/conversations/{id}/notes/{kind}",
            "/api/v1/conversations/<conv>/notes/private",
            Json(r#"{"text": "New private notes.", "version": <private_v>}"#),
            [Auth, Hid, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/conversations/{id}/access/{person_id}",
            "/api/v1/conversations/<conv>/access/<leader>",
            N,
            [Auth, Empty, Hid, No, Hid, Hid, Auth],
        )
        // The leader has access already: granting it again changes nothing.
        .quiet(),
        row(
            "DELETE",
            "/api/v1/conversations/{id}/access/{person_id}",
            "/api/v1/conversations/<conv>/access/<leader>",
            N,
            [Auth, Empty, Hid, No, Hid, Hid, Auth],
        ),
        row(
            "GET",
            "/api/v1/conversations/{id}/themes",
            "/api/v1/conversations/<conv>/themes",
            N,
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/conversations/{id}/themes",
            "/api/v1/conversations/<conv>/themes",
            Json(r#"{"action": "add", "label": "Mentoring"}"#),
            [Auth, Empty, Hid, Empty, Hid, Hid, Auth],
        ),
        row(
            "DELETE",
            "/api/v1/conversations/{id}/themes/{theme_id}",
            "/api/v1/conversations/<conv>/themes/<decided>",
            N,
            [Auth, Empty, Hid, Empty, Hid, Hid, Auth],
        ),
        // Growth plans: the subject's and their leader's, nobody else's.
        row("GET", "/plans", "/plans", N, PAGE_ALL),
        row("GET", "/plans/{id}", "/plans/<plan>", N, [In, OK, Hid, OK, Hid, Hid, In]),
        row("POST", "/plans/{id}", "/plans/<plan>", Form(forms::PLAN_EDIT), [In, See, Hid, See, Hid, Hid, In]),
        row("GET", "/plans/{id}/history", "/plans/<plan>/history", N, [In, OK, Hid, OK, Hid, Hid, In]),
        row("GET", "/plans/{id}/print", "/plans/<plan>/print", N, [In, OK, Hid, OK, Hid, Hid, In]),
        row("GET", "/plans/{id}/plan.md", "/plans/<plan>/plan.md", N, [In, OK, Hid, OK, Hid, Hid, In]),
        row("GET", "/plans/{id}/checkins/{number}", "/plans/<plan>/checkins/1", N, [In, OK, Hid, OK, Hid, Hid, In]),
        row(
            "POST",
            "/plans/{id}/checkins/{number}",
            "/plans/<plan>/checkins/1",
            Form(forms::CHECKIN),
            [In, See, Hid, See, Hid, Hid, In],
        ),
        row("GET", "/api/v1/plans", "/api/v1/plans", N, API_ALL),
        row(
            "POST",
            "/api/v1/plans",
            "/api/v1/plans",
            Json(r#"{"conversation_id": <held>}"#),
            [Auth, Made, Hid, Made, Hid, Hid, Auth],
        ),
        row("GET", "/api/v1/plans/{id}", "/api/v1/plans/<plan>", N, [Auth, OK, Hid, OK, Hid, Hid, Auth]),
        row(
            "PATCH",
            "/api/v1/plans/{id}",
            "/api/v1/plans/<plan>",
            Json(r#"{"version": <plan_version>, "theme_order": [<plan_theme>]}"#),
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/plans/{id}/themes",
            "/api/v1/plans/<plan>/themes",
            Json(r#"{"label": "Public speaking"}"#),
            [Auth, Made, Hid, Made, Hid, Hid, Auth],
        ),
        row(
            "PATCH",
            "/api/v1/plans/{id}/themes/{theme_id}",
            "/api/v1/plans/<plan>/themes/<plan_theme>",
            Json(r#"{"version": <plan_version>, "label": "Craft and care"}"#),
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/plans/{id}/steps",
            "/api/v1/plans/<plan>/steps",
            Json(
                r#"{"theme_id": <plan_theme>, "kind": "take_ownership", "what": "Run the release.", "target_quarter": 2}"#,
            ),
            [Auth, Made, Hid, Made, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/plans/{id}/steps/{step_id}",
            "/api/v1/plans/<plan>/steps/<plan_step>",
            Json(
                r#"{"version": <plan_version>, "kind": "deepen_expertise", "what": "Lead two design reviews.", "target_quarter": 1}"#,
            ),
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "GET",
            "/api/v1/plans/{id}/history",
            "/api/v1/plans/<plan>/history",
            N,
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        row(
            "POST",
            "/api/v1/plans/{id}/checkins/{number}",
            "/api/v1/plans/<plan>/checkins/1",
            Json(r#"{"version": <plan_version>, "what_changed": "Good progress."}"#),
            [Auth, OK, Hid, OK, Hid, Hid, Auth],
        ),
        // Question sets: the subject's own set exists for the subject only;
        // leaders (anyone with reports) and admins make sets.
        row("GET", "/question-sets", "/question-sets", N, PAGE_ALL),
        row("POST", "/question-sets", "/question-sets", Form(forms::SET_NEW), [In, No, No, See, See, See, In]),
        row("GET", "/question-sets/new", "/question-sets/new", N, [In, No, No, OK, OK, OK, In]),
        row("GET", "/question-sets/import", "/question-sets/import", N, [In, No, No, OK, OK, OK, In]),
        row(
            "POST",
            "/question-sets/import",
            "/question-sets/import",
            Form(forms::SET_IMPORT),
            [In, No, No, See, See, See, In],
        ),
        row("GET", "/question-sets/{id}", "/question-sets/<set>", N, [In, OK, Hid, Hid, Hid, Hid, In]),
        row("GET", "/question-sets/{id}/edit", "/question-sets/<set>/edit", N, [In, OK, Hid, Hid, Hid, Hid, In]),
        row(
            "POST",
            "/question-sets/{id}/edit",
            "/question-sets/<set>/edit",
            Form(forms::SET),
            [In, See, Hid, Hid, Hid, Hid, In],
        ),
        row("POST", "/question-sets/{id}/delete", "/question-sets/<set>/delete", N, [In, See, Hid, Hid, Hid, Hid, In]),
        row("GET", "/api/v1/question-sets", "/api/v1/question-sets", N, API_ALL),
        row(
            "POST",
            "/api/v1/question-sets",
            "/api/v1/question-sets",
            Json(r#"{"name": "Matrix questions", "questions": [{"category": "past", "text": "What went well?"}]}"#),
            [Auth, No, No, Made, Made, Made, Auth],
        ),
        row(
            "POST",
            "/api/v1/question-sets/import",
            "/api/v1/question-sets/import",
            Json(r###"{"format": "markdown", "content": "## Past\n- What went well?\n", "save": true}"###),
            [Auth, No, No, Made, Made, Made, Auth],
        ),
        row(
            "GET",
            "/api/v1/question-sets/{id}",
            "/api/v1/question-sets/<set>",
            N,
            [Auth, OK, Hid, Hid, Hid, Hid, Auth],
        ),
        row(
            "PUT",
            "/api/v1/question-sets/{id}",
            "/api/v1/question-sets/<set>",
            Json(
                r#"{"name": "Renamed", "questions": [{"category": "future", "text": "Where next?"}], "version": <set_version>}"#,
            ),
            [Auth, OK, Hid, Hid, Hid, Hid, Auth],
        ),
        row(
            "DELETE",
            "/api/v1/question-sets/{id}",
            "/api/v1/question-sets/<set>",
            N,
            [Auth, Empty, Hid, Hid, Hid, Hid, Auth],
        ),
        // Themes, pulse, performance and insight.
        row("GET", "/themes", "/themes", N, PAGE_ALL),
        row("POST", "/themes", "/themes", Form(forms::THEME), [In, No, No, No, No, See, In]),
        row("GET", "/api/v1/themes", "/api/v1/themes", N, API_ALL),
        row(
            "PUT",
            "/api/v1/themes/{key}",
            "/api/v1/themes/<new_key>",
            Json(r#"{"label": "Matrix theme", "cues": ["pair programming"]}"#),
            [Auth, No, No, No, No, Empty, Auth],
        ),
        row("DELETE", "/api/v1/themes/{key}", "/api/v1/themes/<theme_key>", N, [Auth, No, No, No, No, Empty, Auth]),
        row("GET", "/api/v1/me/themes", "/api/v1/me/themes", N, API_ALL),
        row("GET", "/pulse", "/pulse", N, PAGE_ALL),
        row("POST", "/pulse", "/pulse", Form(forms::PULSE), [In, See, See, See, See, See, In]),
        row("GET", "/api/v1/me/pulses", "/api/v1/me/pulses", N, API_ALL),
        row(
            "PUT",
            "/api/v1/me/pulses/current",
            "/api/v1/me/pulses/current",
            Json(r#"{"energy": 4, "strengths": 4, "path": 3, "ownership": 4, "support": 5, "enps": 8}"#),
            API_ALL,
        ),
        // Performance views: the leader writes, the subject comments, admins read.
        row("GET", "/people/{id}/performance", "/people/<subject>/performance", N, [In, OK, Hid, OK, Hid, OK, In]),
        row(
            "POST",
            "/people/{id}/performance",
            "/people/<subject>/performance",
            Form(forms::PERFORMANCE),
            [In, No, Hid, See, Hid, No, In],
        ),
        row(
            "POST",
            "/performance/{id}/comment",
            "/performance/<view>/comment",
            Form(forms::COMMENT),
            [In, See, Hid, No, Hid, No, In],
        ),
        row(
            "GET",
            "/api/v1/people/{id}/performance",
            "/api/v1/people/<subject>/performance",
            N,
            [Auth, OK, Hid, OK, Hid, OK, Auth],
        ),
        row(
            "PUT",
            "/api/v1/people/{id}/performance/{quarter}",
            "/api/v1/people/<subject>/performance/<quarter>",
            Json(r#"{"rating": 3, "narrative": "A steady quarter."}"#),
            [Auth, No, Hid, OK, Hid, No, Auth],
        ),
        row(
            "PUT",
            "/api/v1/performance/{id}/comment",
            "/api/v1/performance/<view>/comment",
            Json(r#"{"comment": "Thank you.", "version": <view_version>}"#),
            [Auth, OK, Hid, No, Hid, No, Auth],
        ),
        // Team insight: admins, and leaders for their own tree.
        row("GET", "/insight", "/insight", N, [In, Hid, Hid, OK, OK, OK, In]),
        row("GET", "/insight.csv", "/insight.csv?table=pulse", N, [In, Hid, Hid, OK, OK, OK, In]),
        row("POST", "/insight/settings", "/insight/settings", Form(forms::SETTINGS), [In, No, No, No, No, See, In]),
        row("POST", "/insight/rounds", "/insight/rounds", Form(forms::ROUND), [In, No, No, No, No, See, In]),
        row("GET", "/api/v1/insight", "/api/v1/insight", N, [Auth, Hid, Hid, OK, OK, OK, Auth]),
        // One's own profile, tokens, feed and data.
        row("GET", "/profile", "/profile", N, PAGE_ALL),
        row("GET", "/profile/export", "/profile/export", N, PAGE_ALL),
        row("GET", "/profile/audit", "/profile/audit", N, PAGE_ALL),
        row("POST", "/profile/password", "/profile/password", Form(forms::PASSWORD), [In, See, See, See, See, See, In]),
        row("POST", "/profile/tokens", "/profile/tokens", Form(forms::TOKEN), PAGE_ALL),
        row(
            "POST",
            "/profile/tokens/{id}/revoke",
            "/profile/tokens/<token_id>/revoke",
            N,
            [In, OK, Hid, Hid, Hid, Hid, In],
        ),
        row("POST", "/profile/calendar-feed", "/profile/calendar-feed", N, PAGE_ALL),
        row("POST", "/profile/calendar-feed/delete", "/profile/calendar-feed/delete", N, PAGE_ALL).quiet(),
        // Reminders are on for everyone at first; the form without its box ticked turns them off.
        row("POST", "/profile/reminders", "/profile/reminders", Form(&[]), PAGE_ALL),
        row("GET", "/api/v1/tokens", "/api/v1/tokens", N, API_ALL),
        row(
            "POST",
            "/api/v1/tokens",
            "/api/v1/tokens",
            Json(r#"{"label": "laptop"}"#),
            [Auth, Made, Made, Made, Made, Made, Auth],
        ),
        row("DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/<token_id>", N, [Auth, OK, Hid, Hid, Hid, Hid, Auth]),
        row("GET", "/api/v1/me/calendar-feed", "/api/v1/me/calendar-feed", N, API_ALL),
        row(
            "POST",
            "/api/v1/me/calendar-feed",
            "/api/v1/me/calendar-feed",
            N,
            [Auth, Made, Made, Made, Made, Made, Auth],
        ),
        row(
            "DELETE",
            "/api/v1/me/calendar-feed",
            "/api/v1/me/calendar-feed",
            N,
            [Auth, Empty, Empty, Empty, Empty, Empty, Auth],
        )
        .quiet(),
        row("GET", "/api/v1/me/preferences", "/api/v1/me/preferences", N, API_ALL),
        // The fixed people may have turned reminders off on the page already.
        row(
            "PATCH",
            "/api/v1/me/preferences",
            "/api/v1/me/preferences",
            Json(r#"{"email_reminders": false}"#),
            API_ALL,
        )
        .quiet(),
        row("GET", "/api/v1/me/audit", "/api/v1/me/audit", N, API_ALL),
        row("GET", "/api/v1/me/export", "/api/v1/me/export", N, API_ALL),
    ]
}

/// Which test runs a row: the matrix is split so that failures point at an
/// area and the areas run in parallel, each on its own server and database.
fn area(route: &str) -> &'static str {
    let r = route.trim_start_matches("/api/v1");
    if r.starts_with("/conversations") {
        "conversations"
    } else if r.starts_with("/plans") || r.ends_with("/roles") {
        "plans"
    } else if r.starts_with("/question-sets") {
        "question-sets"
    } else if ["/themes", "/me/themes", "/pulse", "/me/pulses", "/insight", "/performance"]
        .iter()
        .any(|p| r.starts_with(p))
        || r.ends_with("/performance")
        || r.contains("/performance/")
    {
        "engagement"
    } else if r.starts_with("/people") || r == "/me" {
        "people"
    } else if r.starts_with("/profile") || r.starts_with("/me") || r.starts_with("/tokens") {
        "profile"
    } else {
        "site"
    }
}

/// Runs every row of an area, every role, and fails with all mismatches at once.
async fn run(which: &str) {
    let w = World::build().await;
    let rows: Vec<Row> = rows().into_iter().filter(|r| area(r.route) == which).collect();
    assert!(!rows.is_empty(), "no rows in {which}");
    let mut failures = Vec::new();
    let mut cells = 0;
    for r in &rows {
        let method = Method::from_bytes(r.method.as_bytes()).expect("a method");
        let mut texts = vec![r.path];
        texts.extend(r.body.texts());
        for (role, want) in ROLES.iter().zip(r.want) {
            cells += 1;
            let ctx = w.ctx(&texts).await;
            let path = ctx.fill(r.path);
            let creds = w.creds(*role, &ctx, &path).await;
            let before = w.fingerprint().await;
            let res = w.send(&creds, &ctx, &method, &path, &r.body).await;
            let cell = format!("{role:?} {} {} ({path})", r.method, r.route);
            if res.status != want.status() {
                let body: String = res.body.chars().take(300).collect();
                failures.push(format!("{cell}: want {want:?}, got {} {body}", res.status));
                continue;
            }
            let location = res.location().unwrap_or_default();
            let to_sign_in = res.status == StatusCode::SEE_OTHER && location.starts_with("/sign-in");
            if want == In && !to_sign_in {
                failures.push(format!("{cell}: sent to {location:?}, not to sign in"));
            }
            let page = !r.route.starts_with("/api/");
            if res.status == StatusCode::UNAUTHORIZED && res.header("www-authenticate") != Some("Bearer") {
                failures.push(format!("{cell}: a 401 without `WWW-Authenticate: Bearer`"));
            }
            if !page && res.status.is_client_error() {
                let ct = res.header("content-type").unwrap_or_default();
                if ct != "application/problem+json" || !res.body.contains("\"detail\"") {
                    failures.push(format!("{cell}: a refusal that is not a problem document: {ct} {}", res.body));
                }
            }
            if page
                && res.status.is_client_error()
                && !res.header("content-type").unwrap_or_default().starts_with("text/html")
            {
                failures.push(format!("{cell}: a refused page that is not a page: {:?}", res.header("content-type")));
            }
            // Hidden means indistinguishable from nothing: the same answer as for ids that do not exist.
            if want == Hid {
                let missing: Vec<String> = path
                    .split('/')
                    .map(|seg| if seg.parse::<i64>().is_ok() { "999999999".to_owned() } else { seg.to_owned() })
                    .collect();
                let missing = missing.join("/");
                let none = w.send(&creds, &ctx, &method, &missing, &r.body).await;
                if (none.status, &none.body) != (res.status, &res.body) {
                    failures.push(format!("{cell}: 404 tells more than {missing} does: {} vs {}", res.body, none.body));
                }
            }
            let refused = res.status.is_client_error() || want == In;
            let changed = before.diff(&w.fingerprint().await);
            if refused && let Some(diff) = &changed {
                failures.push(format!("{cell}: refused with {}, yet the database changed: {diff}", res.status));
            }
            // A change that answers success but did nothing would make the row prove nothing.
            if !refused && method != Method::GET && !r.quiet && changed.is_none() {
                failures.push(format!("{cell}: answered {} but changed nothing", res.status));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cells} cells in {which} are wrong:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn matrix_site_and_sign_in() {
    run("site").await;
}

#[tokio::test]
async fn matrix_people() {
    run("people").await;
}

#[tokio::test]
async fn matrix_conversations() {
    run("conversations").await;
}

#[tokio::test]
async fn matrix_plans_and_roles() {
    run("plans").await;
}

#[tokio::test]
async fn matrix_question_sets() {
    run("question-sets").await;
}

#[tokio::test]
async fn matrix_themes_pulse_performance_insight() {
    run("engagement").await;
}

#[tokio::test]
async fn matrix_profile_tokens_and_feeds() {
    run("profile").await;
}

/// `(METHOD, route)` of every `.route("…", get(…).post(…))` call in a router's source.
fn routes_in_source(src: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (at, _) in src.match_indices(".route(") {
        let call = &src[at + ".route(".len()..];
        let path_start = call.find('"').expect("a route path") + 1;
        let path = &call[path_start..path_start + call[path_start..].find('"').expect("its end")];
        // The call ends where its parentheses close.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i)
            })
            .expect("the route call closes");
        let args = &call[..end];
        for m in ["get", "post", "put", "patch", "delete"] {
            let used = args.match_indices(&format!("{m}(")).any(|(i, _)| {
                i == 0 || !args.as_bytes()[i - 1].is_ascii_alphanumeric() && args.as_bytes()[i - 1] != b'_'
            });
            if used {
                out.insert((m.to_uppercase(), path.to_owned()));
            }
        }
    }
    out
}

/// Every route the application serves, read from the router itself.
fn routed() -> BTreeSet<(String, String)> {
    // The application is these routers merged; another one would need reading here too.
    let lib = include_str!("../../src/lib.rs");
    let merged: BTreeSet<&str> =
        lib.match_indices(".merge(").map(|(i, _)| &lib[i + 7..i + 7 + lib[i + 7..].find(')').unwrap_or(0)]).collect();
    let known: BTreeSet<&str> = ["pages::router(", "api::router(", "feed::router(", "assets::router("].into();
    assert_eq!(merged, known, "the application merges a router this test does not read");
    let mut all = BTreeSet::new();
    for src in [
        include_str!("../../src/pages/mod.rs"),
        include_str!("../../src/feed.rs"),
        include_str!("../../src/assets.rs"),
        include_str!("../../src/api/mod.rs"),
    ] {
        all.extend(routes_in_source(src));
    }
    let doc = serde_json::to_value(foothold_web::openapi()).expect("the OpenAPI document");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                all.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    all
}

#[test]
fn every_route_has_a_row() {
    let routed = routed();
    assert!(routed.len() > 120, "the route list looks incomplete: {routed:?}");
    let covered: BTreeSet<(String, String)> =
        rows().iter().map(|r| (r.method.to_owned(), r.route.to_owned())).collect();
    let missing: Vec<_> = routed.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&routed).collect();
    assert!(missing.is_empty(), "routes without a row in the matrix: {missing:?}");
    assert!(stale.is_empty(), "rows for routes that do not exist: {stale:?}");
    // Each row's path calls its route: the same segments, placeholders where the route has parameters.
    for r in rows() {
        let shape = |p: &str| -> Vec<String> {
            p.split('?')
                .next()
                .unwrap_or_default()
                .split('/')
                .map(|s| if s.contains('{') || s.contains('<') { "*".to_owned() } else { s.to_owned() })
                .collect()
        };
        let path_shape: Vec<String> = shape(r.path)
            .into_iter()
            .zip(shape(r.route))
            .map(|(p, route)| if route == "*" && !p.is_empty() { "*".into() } else { p })
            .collect();
        assert_eq!(path_shape, shape(r.route), "{} {} is called as {}", r.method, r.route, r.path);
    }
    let cells = rows().len() * ROLES.len();
    let api = routed.iter().filter(|(_, p)| p.starts_with("/api/")).count();
    eprintln!(
        "{} routes ({api} API, {} pages), {} rows, {cells} cells",
        routed.len(),
        routed.len() - api,
        rows().len()
    );
}
