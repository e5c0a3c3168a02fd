//! Bad bodies on every route that reads one: too large, cut off, not UTF-8,
//! of the wrong media type, or with fields of the wrong type. Each answers an
//! exact status with a clear message (a problem document on the API, an error
//! page for forms) and changes nothing at all in the database.
//!
//! The routes are the rows of [`crate::route_matrix`] that send a body, each
//! sent by the first caller the matrix allows (so the same body, well formed,
//! is known to succeed there): a new route with a body is covered here as
//! soon as it has its matrix row. One test per kind of bad body:
//!
//! | kind | JSON | form | CSV | multipart |
//! |---|---|---|---|---|
//! | over the limit | 413 | 413 | 413 | 413 |
//! | cut off on the wire (`Content-Length` not reached) | 400 | 400 | 400 | 400 |
//! | cut off in its syntax | 400 | –¹ | –¹ | 400 |
//! | not UTF-8 | 400 | 400 | 422² | 422² |
//! | wrong `Content-Type` | 415 | 415 | 415 | 415 |
//! | a field of the wrong type | 422 | 422³ | –¹ | –¹ |
//!
//! ¹ A form or CSV cut short, or a CSV "field", is still well formed: it is
//!   just other text, checked like any other.
//! ² A file's content is checked line by line: its problems (this one among
//!   them) are listed with their line, as for any other bad row.
//! ³ Only forms with a number field ([`TYPED_FORM_FIELDS`]); the others hold
//!   only text, which any value fits.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::multipart;
use crate::route_matrix::{Row, rows};
use crate::world::{Body, Creds, Ctx, ROLES, Role, World};

/// Routes whose limit is [`foothold_web::IMPORT_LIMIT`]; every other route's is [`foothold_web::BODY_LIMIT`].
const IMPORTS: [&str; 3] = ["/people/import", "/question-sets/import", "/api/v1/people/import"];

/// Form fields that hold a number, by route.
const TYPED_FORM_FIELDS: [(&str, &str); 7] = [
    ("/conversations/{id}/notes", "shared_version"),
    ("/conversations/{id}/access", "person_id"),
    ("/plans/{id}", "theme_id"),
    ("/plans/{id}/checkins/{number}", "version"),
    ("/people/{id}/roles", "plan_id"),
    ("/people/{id}/performance", "version"),
    ("/performance/{id}/comment", "version"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Form,
    Json,
    Csv,
    Multipart,
}

/// A route that reads a body, and who sends it.
struct Target {
    row: Row,
    kind: Kind,
    who: Role,
}

fn targets() -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for row in rows() {
        let kind = match row.body {
            Body::Form(_) => Kind::Form,
            Body::Json(_) => Kind::Json,
            Body::Csv(_) => Kind::Csv,
            Body::Multipart(..) => Kind::Multipart,
            _ => continue,
        };
        let allowed = ROLES.iter().zip(row.want).find(|(_, w)| w.allowed()).map(|(r, _)| *r);
        // One row per route: the first that someone may use, else the first (set-up, which nobody may).
        match out.iter().position(|t| (t.row.method, t.row.route) == (row.method, row.route)) {
            Some(i) if out[i].who == Role::Anon && allowed.is_some_and(|r| r != Role::Anon) => {
                out[i] = Target { row, kind, who: allowed.unwrap_or(Role::Anon) };
            }
            Some(_) => {}
            None => out.push(Target { row, kind, who: allowed.unwrap_or(Role::Anon) }),
        }
    }
    out
}

/// A bad request and what it must get.
struct Bad {
    body: Body,
    status: StatusCode,
    /// Words the problem's detail or the error page must hold.
    says: &'static str,
    /// Send only the first this many bytes, declaring the whole length.
    cut_at: Option<usize>,
}

impl Bad {
    fn new(body: Body, status: StatusCode, says: &'static str) -> Bad {
        Bad { body, status, says, cut_at: None }
    }
}

fn content_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Form => "application/x-www-form-urlencoded",
        Kind::Json => "application/json",
        Kind::Csv => "text/csv",
        Kind::Multipart => unreachable!("a multipart content type has its boundary"),
    }
}

/// A body of exactly `len` bytes of this kind, carrying the CSRF token as a browser's would.
fn sized(kind: Kind, csrf: Option<&str>, len: usize) -> Body {
    let pad = |prefix: String, suffix: &str| {
        let mut b = prefix.into_bytes();
        b.resize(len - suffix.len(), b'a');
        b.extend_from_slice(suffix.as_bytes());
        b
    };
    match kind {
        Kind::Form => {
            let prefix = csrf.map(|t| format!("csrf={t}&")).unwrap_or_default() + "pad=";
            Body::Prepared(content_type(kind).into(), pad(prefix, ""))
        }
        Kind::Json => Body::Prepared(content_type(kind).into(), pad(r#"{"pad": ""#.into(), r#""}"#)),
        Kind::Csv => Body::Prepared(content_type(kind).into(), pad("email,name\n".into(), "")),
        Kind::Multipart => {
            let fields: Vec<(&str, &str)> = csrf.map(|t| vec![("csrf", t)]).unwrap_or_default();
            let overhead = multipart(&fields, b"").1.len();
            let (ct, bytes) = multipart(&fields, &vec![b'a'; len - overhead]);
            Body::Prepared(ct, bytes)
        }
    }
}

/// The route's own body, well formed, as bytes with their content type (the CSRF token inside for forms).
fn valid(w: &World, t: &Target, ctx: &Ctx, creds: &Creds) -> (String, Vec<u8>) {
    let path = ctx.fill(t.row.path);
    let method = Method::from_bytes(t.row.method.as_bytes()).expect("a method");
    let (headers, bytes) = w.parts(creds, ctx, &method, &path, &t.row.body);
    let ct = headers.iter().find(|(k, _)| *k == "content-type").map(|(_, v)| v.clone()).expect("a content type");
    (ct, bytes)
}

/// Inserts bytes after the first occurrence of `after`, or at `fallback`.
fn insert(bytes: &[u8], after: &[u8], what: &[u8], fallback: usize) -> Vec<u8> {
    let at = bytes.windows(after.len()).position(|w| w == after).map_or(fallback, |i| i + after.len());
    [&bytes[..at], what, &bytes[at..]].concat()
}

/// Sends a request of which only the first `sent` bytes of the body arrive
/// before the client closes its side; returns status, content type and body.
async fn send_cut(
    w: &World,
    headers: &[(&str, String)],
    method: &Method,
    path: &str,
    body: &[u8],
    sent: usize,
) -> Answer {
    let addr = w.app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    head.push_str(&format!("content-length: {}\r\n", body.len()));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write the head");
    stream.write_all(&body[..sent]).await.expect("write part of the body");
    stream.shutdown().await.expect("close the sending side");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("an answer within 20 s")
        .expect("read the answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()).unwrap_or(0);
    let ct = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type: ").map(str::to_owned))
        .unwrap_or_default();
    Answer {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
        content_type: ct,
        body: body.into(),
    }
}

/// What the checks need of a response.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

/// Sends one kind of bad body to every target and fails with every mismatch at once.
async fn each(what: &str, make: impl Fn(&World, &Target, &Ctx, &Creds) -> Option<Bad>) {
    let w = World::build().await;
    let mut failures = Vec::new();
    let mut sent = 0;
    for t in targets() {
        let mut texts = vec![t.row.path];
        texts.extend(t.row.body.texts());
        let ctx = w.ctx(&texts).await;
        let path = ctx.fill(t.row.path);
        let creds = w.creds(t.who, &ctx, &path).await;
        let Some(bad) = make(&w, &t, &ctx, &creds) else { continue };
        sent += 1;
        let method = Method::from_bytes(t.row.method.as_bytes()).expect("a method");
        let before = w.fingerprint().await;
        let res = match bad.cut_at {
            Some(at) => {
                let (headers, bytes) = w.parts(&creds, &ctx, &method, &path, &bad.body);
                send_cut(&w, &headers, &method, &path, &bytes, at.min(bytes.len())).await
            }
            None => {
                let r = w.send(&creds, &ctx, &method, &path, &bad.body).await;
                let content_type = r.header("content-type").unwrap_or_default().to_owned();
                Answer { status: r.status, content_type, body: r.body }
            }
        };
        let cell = format!("{what}: {:?} {} {} ({path})", t.who, t.row.method, t.row.route);
        let excerpt: String = res.body.chars().take(400).collect();
        if res.status != bad.status {
            failures.push(format!("{cell}: want {}, got {} {excerpt}", bad.status, res.status));
        } else if t.row.route.starts_with("/api/") {
            // The words may be in the detail, or among the listed problems of a file.
            let detail =
                serde_json::from_str::<Value>(&res.body).ok().and_then(|p| p["detail"].as_str().map(str::to_owned));
            if res.content_type != "application/problem+json"
                || detail.is_none_or(|d| d.is_empty())
                || !res.body.contains(bad.says)
            {
                failures
                    .push(format!("{cell}: want a problem saying {:?}, got {} {excerpt}", bad.says, res.content_type));
            }
        } else if !res.content_type.starts_with("text/html") || !res.body.contains(bad.says) {
            failures
                .push(format!("{cell}: want an error page saying {:?}, got {} {excerpt}", bad.says, res.content_type));
        }
        if let Some(diff) = before.diff(&w.fingerprint().await) {
            failures.push(format!("{cell}: refused, yet the database changed: {diff}"));
        }
    }
    assert!(sent > 0, "{what}: no route was tried");
    assert!(failures.is_empty(), "{} of {sent} {what} requests are wrong:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{what}: {sent} routes");
}

fn limit(t: &Target) -> usize {
    if IMPORTS.contains(&t.row.route) { foothold_web::IMPORT_LIMIT } else { foothold_web::BODY_LIMIT }
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    const TOO_LARGE: &str = "The request body is too large";
    each("over the limit", |_, t, _, creds| {
        Some(Bad::new(sized(t.kind, creds.csrf(), limit(t) + 1), StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE))
    })
    .await;
}

#[tokio::test]
async fn a_body_at_the_limit_is_read() {
    // Exactly the limit is read, then judged by its content: anything but 413.
    let w = World::build().await;
    for t in targets() {
        let mut texts = vec![t.row.path];
        texts.extend(t.row.body.texts());
        let ctx = w.ctx(&texts).await;
        let path = ctx.fill(t.row.path);
        let creds = w.creds(t.who, &ctx, &path).await;
        let method = Method::from_bytes(t.row.method.as_bytes()).expect("a method");
        let res = w.send(&creds, &ctx, &method, &path, &sized(t.kind, creds.csrf(), limit(&t))).await;
        assert_ne!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{} {}: {}", t.row.method, t.row.route, res.body);
    }
}

#[tokio::test]
async fn a_body_cut_off_on_the_wire_is_400() {
    const CUT: &str = "could not be read to its end";
    each("cut off on the wire", |w, t, ctx, creds| {
        let (ct, bytes) = valid(w, t, ctx, creds);
        let half = bytes.len() / 2;
        Some(Bad { cut_at: Some(half), ..Bad::new(Body::Prepared(ct, bytes), StatusCode::BAD_REQUEST, CUT) })
    })
    .await;
}

#[tokio::test]
async fn a_body_cut_off_in_its_syntax_is_400() {
    each("cut off in its syntax", |w, t, ctx, creds| {
        let (ct, bytes) = valid(w, t, ctx, creds);
        match t.kind {
            Kind::Json => {
                let half = bytes[..bytes.len() / 2].to_vec();
                Some(Bad::new(Body::Raw(ct, half), StatusCode::BAD_REQUEST, "JSON"))
            }
            Kind::Multipart => {
                // Everything but the closing boundary.
                let end = bytes.len() - "--\r\n".len() - 10;
                Some(Bad::new(Body::Prepared(ct, bytes[..end].to_vec()), StatusCode::BAD_REQUEST, "could not be read"))
            }
            Kind::Form | Kind::Csv => None,
        }
    })
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_refused() {
    const BAD: &[u8] = b"\xff\xfe";
    each("not UTF-8", |w, t, ctx, creds| {
        let (ct, bytes) = valid(w, t, ctx, creds);
        Some(match t.kind {
            // Inside the first text value; at the end where there is none.
            Kind::Json => {
                let body = insert(&bytes, b": \"", BAD, bytes.len() - 1);
                Bad::new(Body::Raw(ct, body), StatusCode::BAD_REQUEST, "not valid UTF-8")
            }
            // In the first field after the CSRF token, as a browser would escape it.
            Kind::Form => {
                let text = String::from_utf8(bytes).expect("the valid form is text");
                let mut fields: Vec<String> = text.split('&').map(str::to_owned).collect();
                match fields.iter_mut().find(|f| !f.starts_with("csrf=") && !f.is_empty()) {
                    Some(f) => f.push_str("%FF%FE"),
                    None => fields.push("note=%FF%FE".into()),
                }
                Bad::new(Body::Prepared(ct, fields.join("&").into_bytes()), StatusCode::BAD_REQUEST, "not valid UTF-8")
            }
            // In the name column of the first person.
            Kind::Csv => {
                let body = insert(&bytes, b"example.org,", BAD, bytes.len());
                Bad::new(Body::Raw(ct, body), StatusCode::UNPROCESSABLE_ENTITY, "not valid UTF-8")
            }
            Kind::Multipart => {
                let body = insert(&bytes, b"example.org,", BAD, bytes.len());
                Bad::new(Body::Prepared(ct, body), StatusCode::UNPROCESSABLE_ENTITY, "not valid UTF-8")
            }
        })
    })
    .await;
}

#[tokio::test]
async fn a_body_of_the_wrong_media_type_is_415() {
    each("wrong Content-Type", |w, t, ctx, creds| {
        let (_, bytes) = valid(w, t, ctx, creds);
        let other = match t.kind {
            Kind::Json | Kind::Form => "text/plain",
            Kind::Csv => "application/json",
            Kind::Multipart => "text/csv",
        };
        Some(Bad::new(Body::Raw(other.into(), bytes), StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type"))
    })
    .await;
}

/// The same value as another JSON type.
fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => Value::from(7),
        Value::Number(_) => Value::from("seven"),
        Value::Bool(_) => Value::from("yes"),
        Value::Array(_) => Value::from("a list"),
        Value::Object(_) | Value::Null => Value::from(vec![1, 2]),
    }
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_422() {
    each("a field of the wrong type", |w, t, ctx, creds| match t.kind {
        Kind::Json => {
            let (ct, bytes) = valid(w, t, ctx, creds);
            let mut v: Value = serde_json::from_slice(&bytes).expect("the valid body is JSON");
            let obj = v.as_object_mut().expect("a JSON object");
            let key = obj.keys().next().expect("a field").clone();
            let wrong = other_type(&obj[&key]);
            obj.insert(key.clone(), wrong);
            let says: &'static str = Box::leak(key.into_boxed_str());
            let body = serde_json::to_vec(&v).expect("JSON");
            Some(Bad::new(Body::Raw(ct, body), StatusCode::UNPROCESSABLE_ENTITY, says))
        }
        Kind::Form => {
            let (_, field) = TYPED_FORM_FIELDS.iter().find(|(route, _)| *route == t.row.route)?;
            let (ct, bytes) = valid(w, t, ctx, creds);
            let text = String::from_utf8(bytes).expect("the valid form is text");
            let mut fields: Vec<String> =
                text.split('&').filter(|f| !f.starts_with(&format!("{field}="))).map(str::to_owned).collect();
            fields.push(format!("{field}=not+a+number"));
            Some(Bad::new(
                Body::Prepared(ct, fields.join("&").into_bytes()),
                StatusCode::UNPROCESSABLE_ENTITY,
                "The form could not be read",
            ))
        }
        Kind::Csv | Kind::Multipart => None,
    })
    .await;
}

/// Every API operation that documents a request body is tried here.
#[test]
fn every_api_route_with_a_body_is_a_target() {
    let doc = serde_json::to_value(foothold_web::openapi()).expect("the OpenAPI document");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if op.get("requestBody").is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let tried: BTreeSet<(String, String)> = targets()
        .iter()
        .filter(|t| t.row.route.starts_with("/api/"))
        .map(|t| (t.row.method.to_owned(), t.row.route.to_owned()))
        .collect();
    assert_eq!(documented, tried, "API routes with a body that bad bodies are not tried on, or the reverse");
    for (route, field) in TYPED_FORM_FIELDS {
        assert!(targets().iter().any(|t| t.row.route == route), "{route} ({field}) is not a form route");
    }
    let pages = targets().len() - tried.len();
    eprintln!("{} API and {pages} page routes read a body", tried.len());
}

/// Every page route whose handler reads a body (a form, an upload or the raw
/// request) is tried here: its matrix row must send a body.
#[test]
fn every_page_route_with_a_body_is_a_target() {
    let modules: [(&str, &str); 12] = [
        ("conversations", include_str!("../../src/pages/conversations.rs")),
        ("engagement", include_str!("../../src/pages/engagement.rs")),
        ("export", include_str!("../../src/pages/export.rs")),
        ("home", include_str!("../../src/pages/home.rs")),
        ("insight", include_str!("../../src/pages/insight.rs")),
        ("ops", include_str!("../../src/pages/ops.rs")),
        ("people", include_str!("../../src/pages/people.rs")),
        ("plans", include_str!("../../src/pages/plans.rs")),
        ("profile", include_str!("../../src/pages/profile.rs")),
        ("question_sets", include_str!("../../src/pages/question_sets.rs")),
        ("session", include_str!("../../src/pages/session.rs")),
        ("themes", include_str!("../../src/pages/themes.rs")),
    ];
    let router = include_str!("../../src/pages/mod.rs");
    let mut reading = BTreeSet::new();
    for (at, _) in router.match_indices(".route(") {
        let rest = router[at + ".route(".len()..].trim_start().trim_start_matches('"');
        let path = &rest[..rest.find('"').expect("the path ends")];
        let call = &rest[..rest.find("\n        .route(").unwrap_or(rest.len())];
        for (i, _) in call.match_indices("post(") {
            let handler = &call[i + "post(".len()..];
            let handler = &handler[..handler.find(')').expect("the handler ends")];
            let (module, name) = handler.split_once("::").expect("module::handler");
            let src = modules.iter().find(|(m, _)| *m == module).unwrap_or_else(|| panic!("module {module}")).1;
            let start = src.find(&format!("pub async fn {name}(")).unwrap_or_else(|| panic!("{handler}"));
            let signature = &src[start..start + src[start..].find(") ->").expect("the signature ends")];
            if ["PageForm", "PageMultipart", "Request"].iter().any(|x| signature.contains(x)) {
                reading.insert(path.to_owned());
            }
        }
    }
    let tried: BTreeSet<String> =
        targets().iter().filter(|t| !t.row.route.starts_with("/api/")).map(|t| t.row.route.to_owned()).collect();
    assert_eq!(reading, tried, "page routes that read a body, and the routes bad bodies are tried on");
}

/// A PATCH that sets several things is refused as a whole: when one of its
/// fields is refused, the fields before it are not saved either.
#[tokio::test]
async fn a_patch_refused_for_one_field_changes_no_other() {
    let w = World::build().await;
    let path = "/api/v1/plans/<plan>";
    let bodies: [(&'static str, StatusCode); 3] = [
        // A valid end, and an order that leaves out the plan's theme.
        (r#"{"version": <plan_version>, "ends_on": "<today>", "theme_order": []}"#, StatusCode::CONFLICT),
        (
            r#"{"version": <plan_version>, "ends_on": "<today>", "theme_order": [<plan_theme>, 0]}"#,
            StatusCode::CONFLICT,
        ),
        // An end that is not a date, and a valid order.
        (
            r#"{"version": <plan_version>, "ends_on": "soon", "theme_order": [<plan_theme>]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (json, status) in bodies {
        let ctx = w.ctx(&[path, json]).await;
        let path = ctx.fill(path);
        let creds = w.creds(Role::Leader, &ctx, &path).await;
        let before = w.fingerprint().await;
        let res = w.send(&creds, &ctx, &Method::PATCH, &path, &Body::Json(json)).await;
        res.problem(status);
        assert_eq!(before.diff(&w.fingerprint().await), None, "{json}");
    }
}

/// Clients that send a body slowly, or stop half way, hold no database
/// connection while the server waits for the rest: more of them than the
/// server's pool has connections (five in these tests) leave every other
/// request served at once. Each sends a session cookie, so the server looks
/// the session up (and takes a connection) before it reads the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_hold_no_database_connection() {
    let app = crate::harness::TestApp::spawn().await;
    let (admin, _) = app.admin_api().await;
    let browser = app.browser_for(admin.id).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stalled = Vec::new();
    for (i, path) in ["/sign-in", "/sign-in", "/sign-in", "/people/new", "/people/new", "/sign-in", "/sign-in"]
        .into_iter()
        .enumerate()
    {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncookie: foothold_session=stalled{i}\r\n\
             content-type: application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\nemail="
        );
        stream.write_all(head.as_bytes()).await.expect("write the head and a few bytes");
        stalled.push(stream);
    }
    // Let the server look every session up and start waiting for the bodies.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let page = tokio::time::timeout(Duration::from_secs(5), browser.get("/people"))
        .await
        .expect("served while seven bodies are still on their way");
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    drop(stalled);
}

/// Writes `sent` on a new connection and never sends the rest; returns the
/// status the server answered with (0 for a connection closed without an
/// answer) and how long it waited before answering or closing.
async fn stall(addr: &str, sent: &[u8]) -> (u16, Duration) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(sent).await.expect("write what is sent");
    let start = std::time::Instant::now();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server gave up on the stalled request within 10 s")
        .ok();
    let status = String::from_utf8_lossy(&raw).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, start.elapsed())
}

/// A client that stops sending in the middle of a body gets 408 once the read
/// timeout has passed (a form, a JSON body, a CSV import and a multipart
/// upload), one that trickles its body for longer than the request timeout
/// gets 408 then, and one that stops in the middle of its request head loses
/// the connection at the request timeout: none holds a connection and a task
/// for ever. A client that keeps sending, even slowly, is read to its end, and
/// an idle keep-alive connection outlives the read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_is_cut_off_after_the_read_timeout() {
    const READ: Duration = Duration::from_millis(600);
    const REQUEST: Duration = Duration::from_millis(2000);
    let app = crate::harness::TestApp::spawn_with(|c| {
        c.read_timeout = READ;
        c.request_timeout = REQUEST;
    })
    .await;
    let admin = app.add_admin("admin@example.org", "Ada Admin").await;
    let token = app.token_for(admin.id).await;
    let session = app.store.create_session(admin.id, chrono::Duration::hours(1)).await.expect("session");
    let addr = app.base.trim_start_matches("http://").to_owned();
    let before = app.people().await;
    let head = |method: &str, path: &str, extra: &str, ct: &str| {
        format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{extra}content-type: {ct}\r\ncontent-length: 5000\r\n\r\n")
    };
    let session_headers =
        format!("cookie: foothold_session={}\r\nx-csrf-token: {}\r\n", session.token, session.csrf_token);
    let bearer = format!("authorization: Bearer {token}\r\n");
    let cases = [
        ("a sign-in form", head("POST", "/sign-in", "", "application/x-www-form-urlencoded") + "email=ada"),
        ("a JSON body", head("POST", "/api/v1/people", &bearer, "application/json") + "{\"email\": \"x"),
        ("a CSV import", head("POST", "/api/v1/people/import", &bearer, "text/csv") + "email,name\nx@"),
        (
            "a multipart upload",
            head("POST", "/people/import", &session_headers, "multipart/form-data; boundary=XyZ")
                + "--XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n\r\nemail,na",
        ),
    ];
    for (what, sent) in &cases {
        let (status, waited) = stall(&addr, sent.as_bytes()).await;
        assert_eq!(status, 408, "{what} that stalls is answered 408");
        assert!(waited >= READ - Duration::from_millis(100), "{what}: answered after {waited:?}, before the timeout");
        assert!(waited < REQUEST, "{what}: answered after {waited:?}, at the read timeout, not later");
    }
    let (status, waited) = stall(&addr, format!("GET / HTTP/1.1\r\nhost: {addr}\r\ncookie: foo").as_bytes()).await;
    assert!(status == 0 || status == 408, "a stalled head is closed (answered {status})");
    assert!(waited >= REQUEST - Duration::from_millis(100), "a stalled head: closed after {waited:?}");

    // A body trickling in, never pausing long, is still cut off at the request timeout.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    stream.write_all(head("POST", "/api/v1/people", &bearer, "application/json").as_bytes()).await.expect("head");
    let start = std::time::Instant::now();
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            },
            () = tokio::time::sleep(READ / 3) => {
                assert!(start.elapsed() < REQUEST * 3, "still reading a trickling body after {:?}", start.elapsed());
                if stream.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
    }
    let answer = String::from_utf8_lossy(&raw);
    assert!(answer.starts_with("HTTP/1.1 408"), "a trickling body is answered 408: {answer}");
    assert!(start.elapsed() >= REQUEST - Duration::from_millis(100), "cut off after {:?}", start.elapsed());
    assert_eq!(app.people().await, before, "no cut-off request changed anything");

    // A body sent in pieces, each well within the read timeout though the
    // whole takes longer than it, is read and served; the connection then
    // idles past the read timeout and serves another request.
    let body = r#"{"email": "slow@example.org", "name": "Sam Slow"}"#;
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let start = format!(
        "POST /api/v1/people HTTP/1.1\r\nhost: {addr}\r\n{bearer}content-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(start.as_bytes()).await.expect("head");
    for piece in body.as_bytes().chunks(body.len() / 4 + 1) {
        tokio::time::sleep(READ / 3).await;
        stream.write_all(piece).await.expect("a piece of the body");
    }
    let first = read_one_answer(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 201"), "a slow but steady body is served: {first}");
    assert!(app.people().await.iter().any(|p| p.email.as_str() == "slow@example.org"));
    tokio::time::sleep(READ * 2).await;
    let again = format!("GET /api/v1/me HTTP/1.1\r\nhost: {addr}\r\n{bearer}connection: close\r\n\r\n");
    stream.write_all(again.as_bytes()).await.expect("a second request on the idle connection");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("answer");
    let second = String::from_utf8_lossy(&raw);
    assert!(second.starts_with("HTTP/1.1 200"), "the idle keep-alive connection still serves: {second}");
}

/// Reads one answer with a `content-length` from a kept-alive connection.
async fn read_one_answer(stream: &mut tokio::net::TcpStream) -> String {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .expect("read");
        assert!(n > 0, "the connection closed before a whole answer: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .expect("a content-length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// Stopping the server (SIGTERM) lets a request already on its way finish,
/// its body arriving after the stop, takes no new connection, and ends once
/// that request is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_finishes_when_the_server_stops() {
    let mut app = crate::harness::TestApp::spawn().await;
    let admin = app.add_admin("admin@example.org", "Ada Admin").await;
    let token = app.token_for(admin.id).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let body = r#"{"email": "late@example.org", "name": "Lee Late"}"#;
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/people HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body.as_bytes()[..10]).await.expect("the start of the body");
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err(), "a stopped server takes no new connection");
    assert!(!app.stopped(), "the server waits for the request in flight");
    stream.write_all(&body.as_bytes()[10..]).await.expect("the rest of the body");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut raw))
        .await
        .expect("answered, then closed")
        .expect("read the answer");
    let answer = String::from_utf8_lossy(&raw);
    assert!(answer.starts_with("HTTP/1.1 201"), "the request in flight is served: {answer}");
    assert!(app.people().await.iter().any(|p| p.email.as_str() == "late@example.org"));
    for _ in 0..50 {
        if app.stopped() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not stop within 5 s of its last request");
}
