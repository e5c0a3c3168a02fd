//! A small organisation for the tests that try every route ([`crate::route_matrix`],
//! [`crate::bodies`]): who is who ([`Role`]), fresh things to act on made from
//! the `<placeholders>` a request names ([`World::ctx`]), requests sent as a
//! role, and a fingerprint of the whole database ([`World::fingerprint`]) that
//! proves a refused request changed nothing.
//!
//! ```text
//! admin                 (admin, no manager)
//! skip                  (member: the leader's manager, the subject's skip-level leader)
//! ├── leader            (member: the subject's direct manager)
//! │   └── subject       (member: made fresh for every request, with whatever it names)
//! └── peer              (member: another team, unrelated to the subject)
//! ```
//!
//! Every request gets a fresh subject and fresh fixtures, and the caller a
//! fresh session or token, so each cell starts from the same state whatever
//! the cells before it did (cancelled, deleted, signed out everywhere…).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Duration, Utc};
use foothold_domain::conversation::{State, Window};
use foothold_domain::insight::Quarter;
use foothold_domain::plan::StepInput;
use foothold_store::{
    ConversationChanges, NewConversation, NewPlan, NoteKind, PlanEdit, SetScope, ThemeDecision, ThemeStatus,
};
use reqwest::Method;
use tokio::sync::OnceCell;

use crate::harness::{PASSWORD, Resp, TestApp, multipart};

/// Who makes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No credentials.
    Anon,
    /// The person the route is about (a member).
    Subject,
    /// A member of another team: no relation to the subject.
    Peer,
    /// The subject's direct manager.
    Leader,
    /// The leader's manager.
    Skip,
    /// An admin with no relation to the subject.
    Admin,
    /// A bearer token where a session is expected: the subject's live token on
    /// pages (a script's token never opens a page), the subject's revoked token
    /// on the API.
    Token,
}

/// Every role, in the order of the matrix's columns.
pub const ROLES: [Role; 7] =
    [Role::Anon, Role::Subject, Role::Peer, Role::Leader, Role::Skip, Role::Admin, Role::Token];

/// A request body; texts (form field names too) may name `<placeholders>`.
#[derive(Debug, Clone)]
pub enum Body {
    /// None (a page form then carries only its CSRF token).
    None,
    /// `application/x-www-form-urlencoded`, these fields.
    Form(&'static [(&'static str, &'static str)]),
    /// `application/json`.
    Json(&'static str),
    /// `text/csv`.
    Csv(&'static str),
    /// `multipart/form-data`: text fields, then the CSV as field `file`.
    Multipart(&'static [(&'static str, &'static str)], &'static str),
    /// Exactly these bytes with this `Content-Type` (none if empty); a session's
    /// CSRF token goes in the `X-CSRF-Token` header.
    Raw(String, Vec<u8>),
    /// Exactly these bytes with this `Content-Type`, which carry the CSRF
    /// token themselves if they need one (see [`Creds::csrf`]).
    Prepared(String, Vec<u8>),
}

impl Body {
    /// The texts that may name placeholders.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Body::None | Body::Raw(..) | Body::Prepared(..) => Vec::new(),
            Body::Form(fields) | Body::Multipart(fields, _) => {
                let mut t: Vec<&str> = fields.iter().flat_map(|(k, v)| [*k, *v]).collect();
                if let Body::Multipart(_, csv) = self {
                    t.push(csv);
                }
                t
            }
            Body::Json(t) | Body::Csv(t) => vec![t],
        }
    }

    /// Content type, bytes, and whether the CSRF token must go in a header.
    fn encode(&self, ctx: &Ctx, csrf: Option<&str>) -> (Option<String>, Vec<u8>, bool) {
        let form = |fields: &[(&str, &str)]| {
            let mut all: Vec<(String, String)> = csrf.map(|t| vec![("csrf".into(), t.to_owned())]).unwrap_or_default();
            all.extend(fields.iter().map(|(k, v)| (ctx.fill(k), ctx.fill(v))));
            serde_urlencoded::to_string(&all).expect("encode a form").into_bytes()
        };
        match self {
            Body::None if csrf.is_some() => (Some(FORM.into()), form(&[]), false),
            Body::None => (None, Vec::new(), false),
            Body::Form(fields) => (Some(FORM.into()), form(fields), false),
            Body::Json(t) => (Some("application/json".into()), ctx.fill(t).into_bytes(), true),
            Body::Csv(t) => (Some("text/csv".into()), ctx.fill(t).into_bytes(), true),
            Body::Multipart(fields, csv) => {
                let filled: Vec<(String, String)> = csrf
                    .map(|t| ("csrf".to_owned(), t.to_owned()))
                    .into_iter()
                    .chain(fields.iter().map(|(k, v)| (ctx.fill(k), ctx.fill(v))))
                    .collect();
                let refs: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let (ct, bytes) = multipart(&refs, ctx.fill(csv).as_bytes());
                (Some(ct), bytes, false)
            }
            Body::Raw(ct, bytes) => ((!ct.is_empty()).then(|| ct.clone()), bytes.clone(), true),
            Body::Prepared(ct, bytes) => ((!ct.is_empty()).then(|| ct.clone()), bytes.clone(), false),
        }
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// The `<name>`s a text names.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        match after.find('>') {
            Some(end) if after[..end].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') => {
                out.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// The values of one request's placeholders.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The fresh subject.
    pub subject: i64,
    values: BTreeMap<String, String>,
}

impl Ctx {
    /// A placeholder's value.
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).unwrap_or_else(|| panic!("no fixture makes <{key}>"))
    }

    /// Replaces every `<name>` in a text by its value.
    pub fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for key in placeholders(text) {
            out = out.replace(&format!("<{key}>"), self.get(&key));
        }
        out
    }
}

/// Credentials of one request, made fresh for it.
pub struct Creds {
    headers: Vec<(&'static str, String)>,
    csrf: Option<String>,
}

impl Creds {
    /// The session's CSRF token, for a body that carries it as a browser's form does.
    pub fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// The organisation, its server and database.
pub struct World {
    /// The running server.
    pub app: TestApp,
    /// Ids of the fixed people.
    pub admin: i64,
    pub skip: i64,
    pub leader: i64,
    pub peer: i64,
    /// The built-in question set.
    pub builtin: i64,
    n: AtomicUsize,
    fingerprint_sql: OnceCell<String>,
}

/// Every row of every table, per table, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(BTreeMap<String, Vec<String>>);

impl Fingerprint {
    /// What differs, table by table, or `None`.
    pub fn diff(&self, after: &Fingerprint) -> Option<String> {
        if self == after {
            return None;
        }
        let mut out = Vec::new();
        let tables: BTreeSet<&String> = self.0.keys().chain(after.0.keys()).collect();
        for t in tables {
            let (a, b) = (self.0.get(t).cloned().unwrap_or_default(), after.0.get(t).cloned().unwrap_or_default());
            if a != b {
                let gone: Vec<&String> = a.iter().filter(|r| !b.contains(r)).take(2).collect();
                let new: Vec<&String> = b.iter().filter(|r| !a.contains(r)).take(2).collect();
                out.push(format!("{t}: -{gone:?} +{new:?}"));
            }
        }
        Some(out.join("; "))
    }
}

/// Columns that reading changes: when a token or feed address was last used.
const VOLATILE: [(&str, &str); 2] = [("api_tokens", "last_used_at"), ("calendar_feeds", "last_used_at")];

impl World {
    /// Starts a server with the fixed people, who can all sign in with [`PASSWORD`].
    pub async fn build() -> World {
        let app = TestApp::spawn().await;
        let admin = app.add_admin("admin@example.org", "Ada Admin").await.id;
        let skip = app.add_member("skip@example.org", "Sam Skip", None).await.id;
        let leader = app.add_member("leader@example.org", "Lee Leader", Some(skip)).await.id;
        let peer = app.add_member("peer@example.org", "Pat Peer", Some(skip)).await.id;
        for id in [admin, skip, leader, peer] {
            app.set_password(id).await;
        }
        let builtin = crate::conversations::builtin_set(&app, leader).await;
        World { app, admin, skip, leader, peer, builtin, n: AtomicUsize::new(1), fingerprint_sql: OnceCell::new() }
    }

    /// The person acting as a role, if any.
    pub fn person(&self, role: Role, ctx: &Ctx) -> Option<i64> {
        match role {
            Role::Anon | Role::Token => None,
            Role::Subject => Some(ctx.subject),
            Role::Peer => Some(self.peer),
            Role::Leader => Some(self.leader),
            Role::Skip => Some(self.skip),
            Role::Admin => Some(self.admin),
        }
    }

    /// A fresh subject, and fresh fixtures for every placeholder the texts name.
    pub async fn ctx(&self, texts: &[&str]) -> Ctx {
        let needs: BTreeSet<String> = texts.iter().flat_map(|t| placeholders(t)).collect();
        let need = |keys: &[&str]| keys.iter().any(|k| needs.contains(*k));
        let app = &self.app;
        let store = &app.store;
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        let subject =
            app.add_member(&format!("subject{n}@example.org"), &format!("Sue Subject {n}"), Some(self.leader)).await;
        app.set_password(subject.id).await;
        let today = Utc::now().date_naive();
        let mut v: BTreeMap<String, String> = BTreeMap::new();
        let mut put = |k: &str, val: String| {
            v.insert(k.to_owned(), val);
        };
        put("n", n.to_string());
        put("subject", subject.id.to_string());
        put("subject_email", subject.email.clone());
        put("subject_version", subject.version.to_string());
        put("leader", self.leader.to_string());
        put("peer", self.peer.to_string());
        put("skip", self.skip.to_string());
        put("admin", self.admin.to_string());
        put("builtin", self.builtin.to_string());
        put("password", PASSWORD.to_owned());
        put("quarter", Quarter::of(today).iso());
        put("today", today.to_string());
        put("new_key", format!("matrix-theme-{n}"));

        let set = store.question_set(self.builtin).await.expect("read the built-in set").expect("built-in set");
        let subject_id = subject.id;
        let conversation = |state: State| {
            let questions = set.questions.clone();
            let name = set.name.clone();
            async move {
                let c = store
                    .create_conversation(&NewConversation {
                        report_id: subject_id,
                        leader_id: self.leader,
                        scheduled_at: Utc::now() + Duration::days(7),
                        time_zone: "Europe/London".into(),
                        duration_minutes: 60,
                        window: Window::months(6).expect("a window"),
                        note: String::new(),
                        set_name: name,
                        questions,
                    })
                    .await
                    .expect("create a conversation");
                let changes = ConversationChanges { state: Some(state), ..Default::default() };
                store.update_conversation(c.id, &changes, None).await.expect("set its state")
            }
        };
        if need(&["conv", "conv_version", "q0", "q1", "q2", "shared_v", "private_v", "decided"]) {
            let c = conversation(State::Preparing).await;
            let q: Vec<i64> = store.asked_questions(c.id).await.expect("questions").iter().map(|a| a.id).collect();
            store.save_answer(c.id, q[0], "A draft only the subject sees.", 0).await.expect("draft");
            store.save_answer(c.id, q[1], "An answer the subject shared.", 0).await.expect("answer");
            store.set_shared(c.id, Some(q[1]), true).await.expect("share");
            store.save_note(c.id, NoteKind::Shared, self.leader, "Shared notes.", 0).await.expect("note");
            store.save_note(c.id, NoteKind::Private, self.leader, "Private notes.", 0).await.expect("note");
            let decided = ThemeDecision {
                key: "craft".into(),
                label: "Craft".into(),
                valence: "+".into(),
                status: ThemeStatus::Confirmed,
                merged_from: vec![],
            };
            let theme = store.decide_theme(c.id, subject.id, &decided).await.expect("decide a theme");
            let c = store.conversation(c.id).await.expect("read").expect("conversation");
            let cid = c.id;
            let version = |kind| async move { store.note(cid, kind).await.expect("note").expect("note").version };
            put("conv", c.id.to_string());
            put("conv_version", c.version.to_string());
            for (i, id) in q.iter().take(3).enumerate() {
                put(&format!("q{i}"), id.to_string());
            }
            put("shared_v", version(NoteKind::Shared).await.to_string());
            put("private_v", version(NoteKind::Private).await.to_string());
            put("decided", theme.id.to_string());
        }
        if need(&["held", "held_q0"]) {
            let c = conversation(State::Held).await;
            let q = store.asked_questions(c.id).await.expect("questions")[0].id;
            put("held", c.id.to_string());
            put("held_q0", q.to_string());
        }
        if need(&["plan", "plan_version", "plan_theme", "plan_step"]) {
            let starts_on = today - Duration::days(100);
            let plan = store
                .create_plan(
                    &NewPlan {
                        person_id: subject.id,
                        leader_id: self.leader,
                        conversation_id: None,
                        starts_on,
                        ends_on: starts_on + Duration::days(365),
                        time_zone: "Europe/London".into(),
                        themes: vec![("craft".into(), "Craft".into())],
                    },
                    self.leader,
                )
                .await
                .expect("create a plan");
            let theme = store.plan_detail(plan.id).await.expect("plan").expect("plan").themes[0].id;
            let step = StepInput {
                kind: "deepen_expertise".into(),
                what: "Lead a design review".into(),
                signal: String::new(),
                support: String::new(),
                target_quarter: 1,
                status: String::new(),
            }
            .check()
            .expect("a valid step");
            store
                .edit_plan(plan.id, None, self.leader, &PlanEdit::AddStep { theme_id: theme, step })
                .await
                .expect("step");
            let d = store.plan_detail(plan.id).await.expect("plan").expect("plan");
            put("plan", plan.id.to_string());
            put("plan_version", d.plan.version.to_string());
            put("plan_theme", theme.to_string());
            put("plan_step", d.steps[0].id.to_string());
        }
        if need(&["set", "set_version"]) {
            let s = store
                .create_question_set("Sue's own questions", SetScope::Personal, Some(subject.id), &set.questions)
                .await
                .expect("create a set");
            put("set", s.id.to_string());
            put("set_version", s.version.to_string());
        }
        if need(&["view", "view_version"]) {
            let quarter = Quarter::of(today).iso();
            let view = store
                .save_performance(subject.id, self.leader, &quarter, 3, "Steady quarter.", 0)
                .await
                .expect("a performance view");
            put("view", view.id.to_string());
            put("view_version", view.version.to_string());
        }
        if need(&["token_id"]) {
            let (t, _) = store.create_api_token(subject.id, "spare").await.expect("a token");
            put("token_id", t.id.to_string());
        }
        if need(&["feed"]) {
            let (_, token) = store.regenerate_calendar_feed(subject.id).await.expect("a feed");
            put("feed", token);
        }
        if need(&["invite"]) {
            let invited = app.add_member(&format!("invited{n}@example.org"), "Ivy Invited", Some(self.leader)).await;
            put("invite", store.create_invite(invited.id, Duration::days(1)).await.expect("an invite"));
        }
        if need(&["theme_key"]) {
            let key = format!("matrix-old-{n}");
            store.put_custom_theme(self.admin, &key, "Old theme", &["old cue".to_owned()]).await.expect("theme");
            put("theme_key", key);
        }
        if let Some(missing) = needs.iter().find(|k| !v.contains_key(*k)) {
            panic!("no fixture makes <{missing}>");
        }
        Ctx { subject: subject.id, values: v }
    }

    /// Fresh credentials for a role: a session for a page, a token for the API.
    pub async fn creds(&self, role: Role, ctx: &Ctx, path: &str) -> Creds {
        let page = !path.starts_with("/api/");
        let store = &self.app.store;
        match (role, self.person(role, ctx)) {
            (Role::Token, _) => {
                let (t, token) = store.create_api_token(ctx.subject, "script").await.expect("a token");
                if !page {
                    store.revoke_api_token(ctx.subject, t.id).await.expect("revoke it");
                }
                Creds { headers: vec![("authorization", format!("Bearer {token}"))], csrf: None }
            }
            (_, None) => Creds { headers: Vec::new(), csrf: None },
            (_, Some(id)) if page => {
                let s = store.create_session(id, Duration::hours(1)).await.expect("a session");
                Creds { headers: vec![("cookie", format!("foothold_session={}", s.token))], csrf: Some(s.csrf_token) }
            }
            (_, Some(id)) => {
                let (_, token) = store.create_api_token(id, "matrix").await.expect("a token");
                Creds { headers: vec![("authorization", format!("Bearer {token}"))], csrf: None }
            }
        }
    }

    /// The headers (credentials, content type; for a page that changes
    /// something `Sec-Fetch-Site` and, unless the body carries it, the CSRF
    /// token) and the body bytes of a request.
    pub fn parts(
        &self,
        creds: &Creds,
        ctx: &Ctx,
        method: &Method,
        path: &str,
        body: &Body,
    ) -> (Vec<(&'static str, String)>, Vec<u8>) {
        let page = !path.starts_with("/api/");
        let mut headers = creds.headers.clone();
        if page && method != Method::GET {
            headers.push(("sec-fetch-site", "same-origin".into()));
        }
        let (content_type, bytes, csrf_header) = body.encode(ctx, creds.csrf.as_deref());
        if csrf_header && let Some(t) = &creds.csrf {
            headers.push(("x-csrf-token", t.clone()));
        }
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        (headers, bytes)
    }

    /// Sends a request with these credentials.
    pub async fn send(&self, creds: &Creds, ctx: &Ctx, method: &Method, path: &str, body: &Body) -> Resp {
        let (headers, bytes) = self.parts(creds, ctx, method, path, body);
        let api = self.app.anonymous_api();
        let mut rb = api.request(method.clone(), path);
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        if !bytes.is_empty() || *method != Method::GET {
            rb = rb.body(bytes);
        }
        api.send(rb).await
    }

    /// Every row of every table but [`VOLATILE`] columns, in one query.
    pub async fn fingerprint(&self) -> Fingerprint {
        let sql = self
            .fingerprint_sql
            .get_or_init(|| async {
                let discover = match self.app.database_url.engine() {
                    Some(foothold_store::Engine::Postgres) => {
                        "SELECT CAST(table_name AS TEXT) || '.' || CAST(column_name AS TEXT) AS r \
                         FROM information_schema.columns WHERE table_schema = current_schema() \
                         ORDER BY table_name, ordinal_position"
                    }
                    _ => {
                        "SELECT m.name || '.' || p.name AS r FROM sqlite_master m, pragma_table_info(m.name) p \
                         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
                    }
                };
                let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for tc in self.app.query_strings(discover).await {
                    let (t, c) = tc.split_once('.').expect("table.column");
                    if !VOLATILE.contains(&(t, c)) {
                        tables.entry(t.to_owned()).or_default().push(c.to_owned());
                    }
                }
                assert!(tables.contains_key("people") && tables.len() > 20, "tables found: {:?}", tables.keys());
                tables
                    .iter()
                    .map(|(t, cols)| {
                        let cols: Vec<String> =
                            cols.iter().map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '~')")).collect();
                        format!("SELECT '{t}|' || {} AS r FROM \"{t}\"", cols.join(" || '|' || "))
                    })
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ")
            })
            .await;
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in self.app.query_strings(sql).await {
            let (t, rest) = row.split_once('|').expect("table|row");
            tables.entry(t.to_owned()).or_default().push(rest.to_owned());
        }
        for rows in tables.values_mut() {
            rows.sort();
        }
        Fingerprint(tables)
    }
}
