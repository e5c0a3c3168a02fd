//! The test harness: the real server on a real socket, one fresh database per test.
//!
//! [`TestApp::spawn`] starts Foothold exactly as the binary does (`foothold_web::serve`
//! with connection info) on `127.0.0.1:0`. The database is a SQLite file in a
//! temporary directory, or, when `FOOTHOLD_TEST_DATABASE_URL` names a PostgreSQL
//! server, a freshly created database `foothold_t_<random hex>` on it that is
//! dropped again when the [`TestApp`] is. Tests arrange data straight through
//! [`TestApp::store`] and then talk HTTP through [`Browser`] (session cookies,
//! forms, CSRF) and [`Api`] (bearer tokens, JSON).

use std::sync::Mutex;

use foothold_domain::{Email, PersonName, Role};
use foothold_store::{DatabaseUrl, NewPerson, Person, Store};
use foothold_web::{AppState, WebConfig};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use sea_orm::sqlx::{self, Connection as _};
use serde_json::Value;
use tokio::sync::{OnceCell, oneshot};

/// The password every arranged person who can sign in gets (see [`TestApp::set_password`]).
pub const PASSWORD: &str = "correct horse battery staple";

/// Environment variable naming a PostgreSQL server to test against.
const PG_ENV: &str = "FOOTHOLD_TEST_DATABASE_URL";

/// The argon2 hash of [`PASSWORD`], computed once per test binary: hashing costs
/// tens of milliseconds, and any valid hash of the password verifies.
static PASSWORD_HASH: OnceCell<String> = OnceCell::const_new();

/// A PostgreSQL database made for one test, dropped with it.
struct PgDatabase {
    /// URL of the server's maintenance database, to drop ours from.
    admin_url: String,
    /// Our database's name.
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a thread with its own runtime may block.
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
                    Ok(conn) => conn,
                    Err(e) => return eprintln!("could not drop test database {name}: {e}"),
                };
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await {
                    eprintln!("could not drop test database {name}: {e}");
                }
                let _ = conn.close().await;
            });
        });
        let _ = dropper.join();
    }
}

/// A running Foothold with its own database.
///
/// The metrics scraper's token every test server takes ([`TestApp::metrics`]).
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// Dropping it stops the server and removes the database.
pub struct TestApp {
    /// The store the server uses, for arranging data and checking what changed.
    pub store: Store,
    /// `http://127.0.0.1:PORT`, the configured base URL.
    pub base: String,
    /// The test database, for arranging tables through SQL ([`TestApp::execute`]).
    pub database_url: DatabaseUrl,
    raw: OnceCell<sea_orm::DatabaseConnection>,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    // Field order matters: the server stops before the database goes.
    _pg: Option<PgDatabase>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Opens this test's database: a fresh PostgreSQL database when
/// `FOOTHOLD_TEST_DATABASE_URL` is set and reachable, else a SQLite file.
async fn open_database() -> (Store, DatabaseUrl, Option<PgDatabase>, Option<tempfile::TempDir>) {
    if let Ok(server_url) = std::env::var(PG_ENV)
        && !server_url.trim().is_empty()
    {
        match create_pg_database(server_url.trim()).await {
            Ok((url, pg)) => {
                let url = DatabaseUrl::parse(&url).expect("a PostgreSQL URL");
                let store = Store::connect(&url, 5).await.expect("connect to the new test database");
                return (store, url, Some(pg), None);
            }
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{PG_ENV} is set but PostgreSQL cannot be used, and CI=true: {e}")
            }
            Err(e) => eprintln!("WARNING: {PG_ENV} is set but PostgreSQL cannot be used ({e}); testing on SQLite"),
        }
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = DatabaseUrl::sqlite_file(&dir.path().join("foothold.db"));
    let store = Store::connect(&url, 5).await.expect("open the SQLite test database");
    (store, url, None, Some(dir))
}

/// Creates `foothold_t_<hex>` on the server and returns its URL.
async fn create_pg_database(server_url: &str) -> Result<(String, PgDatabase), String> {
    let mut conn = sqlx::PgConnection::connect(server_url).await.map_err(|e| e.to_string())?;
    let (_, random) = foothold_store::secret::new_token();
    let name = format!("foothold_t_{}", &random[..24]);
    // Tests need no durability across crashes: skipping the wait for WAL flushes makes each commit cheap.
    for sql in
        [format!("CREATE DATABASE \"{name}\""), format!("ALTER DATABASE \"{name}\" SET synchronous_commit TO off")]
    {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.map_err(|e| e.to_string())?;
    }
    let _ = conn.close().await;
    let mut url = url::Url::parse(server_url).map_err(|e| e.to_string())?;
    let admin_url = url.to_string();
    url.set_path(&format!("/{name}"));
    Ok((url.to_string(), PgDatabase { admin_url, name }))
}

impl TestApp {
    /// Starts Foothold with the default configuration.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts Foothold after `configure` has adjusted its configuration.
    pub async fn spawn_with(configure: impl FnOnce(&mut WebConfig)) -> TestApp {
        let (store, database_url, pg, dir) = open_database().await;
        store.migrate().await.expect("migrations run");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let addr = listener.local_addr().expect("local address");
        let base = format!("http://{addr}");
        let mut config = WebConfig::new(url::Url::parse(&base).expect("base URL"));
        config.metrics_token = Some(METRICS_TOKEN.to_owned());
        configure(&mut config);
        let state = AppState::new(store.clone(), config);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = foothold_web::serve(listener, state, shutdown).await {
                eprintln!("server failed: {e}");
            }
        });
        TestApp { store, base, database_url, raw: OnceCell::new(), shutdown: Some(tx), server, _pg: pg, _dir: dir }
    }

    /// `GET /metrics` as the metrics scraper.
    pub async fn metrics(&self) -> Resp {
        self.api_as(METRICS_TOKEN).get("/metrics").await
    }

    /// Stops the server as SIGTERM does: no new connections, requests in flight finish.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Whether the server has stopped: [`TestApp::stop`] asked, and every
    /// request in flight has finished.
    pub fn stopped(&self) -> bool {
        self.server.is_finished()
    }

    async fn raw(&self) -> &sea_orm::DatabaseConnection {
        self.raw
            .get_or_init(|| async {
                sea_orm::Database::connect(self.database_url.expose())
                    .await
                    .expect("a second connection to the test database")
            })
            .await
    }

    fn statement(&self, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
        let backend = match self.database_url.engine() {
            Some(foothold_store::Engine::Postgres) => sea_orm::DatabaseBackend::Postgres,
            _ => sea_orm::DatabaseBackend::Sqlite,
        };
        let sql = if backend == sea_orm::DatabaseBackend::Postgres { sql.to_owned() } else { sql.replace('$', "?") };
        sea_orm::Statement::from_sql_and_values(backend, sql, values)
    }

    /// Runs one statement (`$1`-style placeholders) straight on the test
    /// database, for tables whose store code is not on this branch (plans);
    /// returns the rows it changed.
    pub async fn execute(&self, sql: &str, values: Vec<sea_orm::Value>) -> u64 {
        use sea_orm::ConnectionTrait as _;
        let stmt = self.statement(sql, values);
        self.raw().await.execute_raw(stmt).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows_affected()
    }

    /// Like [`TestApp::execute`], but hands back the database's refusal
    /// instead of failing the test (to prove what it refuses).
    pub async fn try_execute(&self, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64, String> {
        use sea_orm::ConnectionTrait as _;
        let stmt = self.statement(sql, values);
        self.raw().await.execute_raw(stmt).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
    }

    /// Runs a query whose one column `r` is text (or NULL, read as empty) and
    /// returns the rows, for fingerprints of whole tables.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        use sea_orm::ConnectionTrait as _;
        let stmt = self.statement(sql, Vec::new());
        let rows = self.raw().await.query_all_raw(stmt).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.iter()
            .map(|row| row.try_get::<Option<String>>("", "r").expect("a text column r").unwrap_or_default())
            .collect()
    }

    /// Runs an `INSERT … RETURNING id` straight on the test database.
    pub async fn insert(&self, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        use sea_orm::ConnectionTrait as _;
        let stmt = self.statement(sql, values);
        let row = self.raw().await.query_one_raw(stmt).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.expect("a returned row").try_get("", "id").expect("an id")
    }

    /// Adds an active growth plan of `person` led by `leader` with four
    /// check-ins due on the given days; returns the plan id and check-in ids.
    pub async fn add_plan(
        &self,
        person: i64,
        leader: i64,
        time_zone: &str,
        due: [chrono::NaiveDate; 4],
    ) -> (i64, Vec<i64>) {
        let at = foothold_store::now();
        let plan = self
            .insert(
                "INSERT INTO plans (person_id, leader_id, starts_on, ends_on, time_zone, state, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, $6) RETURNING id",
                vec![
                    person.into(),
                    leader.into(),
                    (due[0] - chrono::Duration::days(90)).into(),
                    (due[3] + chrono::Duration::days(1)).into(),
                    time_zone.into(),
                    at.into(),
                ],
            )
            .await;
        let mut checkins = Vec::new();
        for (i, day) in due.iter().enumerate() {
            checkins.push(
                self.insert(
                    "INSERT INTO checkins (plan_id, number, due_on) VALUES ($1, $2, $3) RETURNING id",
                    vec![plan.into(), (i as i32 + 1).into(), (*day).into()],
                )
                .await,
            );
        }
        (plan, checkins)
    }

    /// An absolute URL for a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser without a session.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// An API client without credentials.
    pub fn anonymous_api(&self) -> Api {
        Api { base: self.base.clone(), http: http_client(), token: None }
    }

    /// An API client sending `Authorization: Bearer <token>`.
    pub fn api_as(&self, token: &str) -> Api {
        Api { base: self.base.clone(), http: http_client(), token: Some(token.to_owned()) }
    }

    /// Adds a person straight to the store (no password: they count as invited).
    pub async fn add_person(&self, email: &str, name: &str, role: Role, manager: Option<i64>) -> Person {
        self.store
            .create_person(&NewPerson {
                email: Email::parse(email).expect("a valid test e-mail"),
                name: PersonName::parse(name).expect("a valid test name"),
                title: String::new(),
                department: None,
                manager_id: manager,
                role,
                // Department and title are left empty; tests that need them use the API.
            })
            .await
            .expect("create a test person")
    }

    /// Adds an admin.
    pub async fn add_admin(&self, email: &str, name: &str) -> Person {
        self.add_person(email, name, Role::Admin, None).await
    }

    /// Adds a member.
    pub async fn add_member(&self, email: &str, name: &str, manager: Option<i64>) -> Person {
        self.add_person(email, name, Role::Member, manager).await
    }

    /// Gives a person the password [`PASSWORD`].
    pub async fn set_password(&self, person_id: i64) {
        let hash = PASSWORD_HASH
            .get_or_init(|| async { foothold_web::hash_password(PASSWORD).await.expect("hash the test password") })
            .await;
        self.store.set_password_hash(person_id, hash).await.expect("store a password hash");
    }

    /// A fresh personal API token of a person.
    pub async fn token_for(&self, person_id: i64) -> String {
        self.store.create_api_token(person_id, "test").await.expect("create an API token").1
    }

    /// An API client authenticated as a person through a fresh token.
    pub async fn api_for(&self, person_id: i64) -> Api {
        let token = self.token_for(person_id).await;
        self.api_as(&token)
    }

    /// A browser holding a session made straight in the store (no password hashing).
    pub async fn browser_for(&self, person_id: i64) -> Browser {
        let session = self.store.create_session(person_id, chrono::Duration::hours(1)).await.expect("create a session");
        let b = self.browser();
        b.set_cookie(Some(session.token));
        b
    }

    /// Signs in through `POST /sign-in` and returns the browser holding the new session.
    pub async fn sign_in(&self, email: &str, password: &str) -> Browser {
        let b = self.browser();
        let res = b.post_form("/sign-in", &[("email", email), ("password", password)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in as {email} should succeed: {}", res.body);
        assert!(b.cookie().is_some(), "sign-in as {email} should set a session cookie");
        b
    }

    /// An admin in the store and an API client for them.
    pub async fn admin_api(&self) -> (Person, Api) {
        let admin = self.add_admin("admin@example.org", "Ada Admin").await;
        let api = self.api_for(admin.id).await;
        (admin, api)
    }

    /// Everyone in the store, for before/after comparisons.
    pub async fn people(&self) -> Vec<Person> {
        self.store.list_people().await.expect("list people")
    }

    /// One person, who must exist.
    pub async fn person(&self, id: i64) -> Person {
        self.store.person(id).await.expect("read a person").expect("the person exists")
    }
}

/// A client that follows no redirects and keeps no cookies of its own.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("build the HTTP client")
}

/// A response, read completely.
#[derive(Debug)]
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text.
    pub body: String,
}

impl Resp {
    async fn read(res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.expect("read the response body");
        Resp { status, headers, body }
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The `Set-Cookie` header of the session cookie, if any.
    pub fn session_set_cookie(&self) -> Option<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("foothold_session="))
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// Asserts an RFC 9457 problem with this status and returns it.
    pub fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.body);
        let p = self.json();
        assert_eq!(p["status"], status.as_u16(), "{p}");
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "a problem has a detail: {p}");
        p
    }
}

/// The value of a hidden `csrf` input in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned()).filter(|t| !t.is_empty())
}

/// A browser: a session cookie it keeps up to date from `Set-Cookie`, and
/// same-origin form posts (`Sec-Fetch-Site: same-origin`, as browsers send).
pub struct Browser {
    base: String,
    http: reqwest::Client,
    cookie: Mutex<Option<String>>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser { base: base.to_owned(), http: http_client(), cookie: Mutex::new(None) }
    }

    /// The current session cookie value.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("cookie lock").clone()
    }

    /// Replaces the session cookie (e.g. to replay an old one).
    pub fn set_cookie(&self, value: Option<String>) {
        *self.cookie.lock().expect("cookie lock") = value;
    }

    /// Another browser holding the same cookie.
    pub fn clone_session(&self) -> Browser {
        let b = Browser::new(&self.base);
        b.set_cookie(self.cookie());
        b
    }

    /// A request carrying the session cookie.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match self.cookie() {
            Some(c) => rb.header("cookie", format!("foothold_session={c}")),
            None => rb,
        }
    }

    /// Sends a request and remembers any session cookie it sets or clears.
    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        let res = Resp::read(rb.send().await.expect("send the request")).await;
        if let Some(set) = res.session_set_cookie() {
            let value = set.trim_start_matches("foothold_session=").split(';').next().unwrap_or_default();
            let cleared = value.is_empty() || set.contains("Max-Age=0");
            self.set_cookie((!cleared).then(|| value.to_owned()));
        }
        res
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    /// A same-origin urlencoded form post, exactly these fields.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.send(self.request(Method::POST, path).header("sec-fetch-site", "same-origin").form(fields)).await
    }

    /// This session's CSRF token, read from the profile page's forms.
    pub async fn csrf(&self) -> String {
        let page = self.get("/profile").await;
        assert_eq!(page.status, StatusCode::OK, "the profile page opens for a signed-in browser");
        csrf_in(&page.body).expect("the profile page has a csrf field")
    }

    /// A same-origin form post with this session's CSRF token added, as a page's form would send.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf().await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// A same-origin multipart post of a CSV file (field `file`), after the given text fields.
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], csv: &[u8]) -> Resp {
        let (content_type, body) = multipart(fields, csv);
        self.send(
            self.request(Method::POST, path)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}

/// Encodes text fields then a CSV file field `file` as `multipart/form-data`.
///
/// The boundary is mixed-case like Chrome's and Safari's (`----WebKitFormBoundary…`):
/// boundaries are case-sensitive, so a server that lower-cases the header breaks.
pub fn multipart(fields: &[(&str, &str)], csv: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A JSON API client, optionally with a bearer token.
#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl Api {
    /// A request with the bearer token, if any.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Sends a request.
    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        Resp::read(rb.send().await.expect("send the request")).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::PATCH, path).json(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    /// A request with this method and no body.
    pub async fn call(&self, method: Method, path: &str) -> Resp {
        self.send(self.request(method, path)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// `POST path` with a `text/csv` body.
    pub async fn post_csv(&self, path: &str, csv: impl Into<reqwest::Body>) -> Resp {
        self.send(
            self.request(Method::POST, path).header("content-type", HeaderValue::from_static("text/csv")).body(csv),
        )
        .await
    }

    /// Adds a person through `POST /api/v1/people`, which must succeed.
    pub async fn create_person(&self, body: Value) -> Value {
        let res = self.post_json("/api/v1/people", &body).await;
        assert_eq!(res.status, StatusCode::CREATED, "create {body}: {}", res.body);
        res.json()
    }
}

/// The `id` of a JSON object.
pub fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The hidden inputs of the form posting to `action` in a page, as a browser would send them.
pub fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!(r#"action="{action}""#)).unwrap_or_else(|| panic!("no form for {action}"));
    let form = &html[start..html[start..].find("</form>").map_or(html.len(), |e| start + e)];
    form.match_indices(r#"<input type="hidden""#)
        .filter_map(|(i, _)| {
            let tag = &form[i..i + form[i..].find('>')?];
            let attr = |name: &str| {
                let marker = format!(r#"{name}=""#);
                let s = tag.find(&marker)? + marker.len();
                Some(tag[s..s + tag[s..].find('"')?].to_owned())
            };
            Some((attr("name")?, attr("value").unwrap_or_default()))
        })
        .collect()
}
