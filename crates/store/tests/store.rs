//! Store behaviour that needs a real database: replicas racing to migrate, session hygiene,
//! reads that combine several questions in one trip.

use foothold_store::{DatabaseUrl, Store};
use sea_orm::sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// A fresh database on the test PostgreSQL server, if one is configured.
async fn fresh_postgres() -> Option<DatabaseUrl> {
    // scripts/test runs this suite once without the variable (SQLite) and once with it.
    let Ok(admin) = std::env::var("FOOTHOLD_TEST_DATABASE_URL") else {
        eprintln!("FOOTHOLD_TEST_DATABASE_URL not set: PostgreSQL part skipped");
        return None;
    };
    let mut conn = PgConnection::connect(&admin).await.expect("PostgreSQL reachable");
    let name = format!("foothold_t_{}", &foothold_store::secret::hash_token(&admin_nonce())[..16]);
    conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&format!("/{name}"));
    Some(DatabaseUrl::parse(url.as_str()).expect("postgres url"))
}

fn admin_nonce() -> String {
    format!("{:?}{:?}", std::time::SystemTime::now(), std::thread::current().id())
}

async fn race(url: &DatabaseUrl) {
    let a = Store::connect(url, 2).await.expect("connect a");
    let b = Store::connect(url, 2).await.expect("connect b");
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    let total = ra.expect("a migrates") + rb.expect("b migrates");
    assert!(total >= 1, "the schema was created");
    // Each migration ran once in all: the second replica found it applied.
    let again = a.migrate().await.expect("idempotent");
    assert_eq!(again, 0);
    assert_eq!(total, migration_count().await, "each migration ran exactly once across both replicas");
    a.ping().await.expect("usable");
}

/// How many migrations exist, learned from a brand-new database.
async fn migration_count() -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("count.db")), 1).await.expect("connect");
    fresh.migrate().await.expect("migrate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replicas_migrate_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    race(&DatabaseUrl::sqlite_file(&dir.path().join("foothold.db"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replicas_migrate_once() {
    if let Some(url) = fresh_postgres().await {
        race(&url).await;
    }
}

#[tokio::test]
async fn expired_sessions_are_cleared_when_a_new_one_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("s.db")), 2).await.expect("connect");
    store.migrate().await.expect("migrate");
    let p = store
        .create_person(&foothold_store::NewPerson {
            email: foothold_domain::Email::parse("a@example.org").expect("email"),
            name: foothold_domain::PersonName::parse("A").expect("name"),
            title: String::new(),
            department: None,
            manager_id: None,
            role: foothold_domain::Role::Member,
        })
        .await
        .expect("person");
    let old = store.create_session(p.id, chrono::Duration::seconds(-1)).await.expect("expired session");
    assert!(store.session(&old.token).await.expect("lookup").is_none(), "an expired session does not sign anyone in");
    let live = store.create_session(p.id, chrono::Duration::hours(1)).await.expect("session");
    assert!(store.session(&live.token).await.expect("lookup").is_some());
    // The expired row is gone: signing out everywhere finds only the live one.
    assert_eq!(store.delete_sessions_of(p.id).await.expect("delete"), 1);
}

async fn add(store: &Store, email: &str, name: &str, manager_id: Option<i64>) -> foothold_store::Person {
    store
        .create_person(&foothold_store::NewPerson {
            email: foothold_domain::Email::parse(email).expect("email"),
            name: foothold_domain::PersonName::parse(name).expect("name"),
            title: String::new(),
            department: None,
            manager_id,
            role: foothold_domain::Role::Member,
        })
        .await
        .expect("person")
}

/// The home page's one read for a person's line: manager apart, reports
/// active first and by name, nobody else.
async fn manager_and_reports_in_one_read(store: &Store) {
    let ann = add(store, "ann@example.org", "Ann", None).await;
    let bo = add(store, "bo@example.org", "Bo", Some(ann.id)).await;
    let zed = add(store, "zed@example.org", "Zed", Some(bo.id)).await;
    let cy = add(store, "cy@example.org", "Cy", Some(bo.id)).await;
    let al = add(store, "al@example.org", "Al", Some(bo.id)).await;
    add(store, "other@example.org", "Other", Some(ann.id)).await;
    add(store, "grand@example.org", "Grandchild", Some(cy.id)).await;
    let off = foothold_store::PersonChanges { active: Some(false), ..Default::default() };
    store.update_person(al.id, &off, None).await.expect("deactivate");

    let (manager, reports) = store.manager_and_reports(bo.id, bo.manager_id).await.expect("read");
    assert_eq!(manager.map(|m| m.name), Some("Ann".to_owned()));
    let names: Vec<(&str, bool)> = reports.iter().map(|p| (p.name.as_str(), p.active)).collect();
    assert_eq!(names, [("Cy", true), ("Zed", true), ("Al", false)]);

    let (manager, reports) = store.manager_and_reports(ann.id, None).await.expect("read");
    assert!(manager.is_none(), "no manager, none read");
    let names: Vec<&str> = reports.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Bo", "Other"]);

    let (manager, reports) = store.manager_and_reports(zed.id, zed.manager_id).await.expect("read");
    assert_eq!(manager.map(|m| m.id), Some(bo.id));
    assert!(reports.is_empty());
}

#[tokio::test]
async fn sqlite_manager_and_reports_in_one_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("m.db")), 2).await.expect("connect");
    store.migrate().await.expect("migrate");
    manager_and_reports_in_one_read(&store).await;
}

#[tokio::test]
async fn postgres_manager_and_reports_in_one_read() {
    if let Some(url) = fresh_postgres().await {
        let store = Store::connect(&url, 2).await.expect("connect");
        store.migrate().await.expect("migrate");
        manager_and_reports_in_one_read(&store).await;
    }
}

/// A conversation's questions come with their answers in one read, and a
/// read of shared answers never carries a draft, not even of another
/// conversation that asked the same question text.
async fn questions_with_their_answers(store: &Store) {
    use foothold_domain::conversation::{Category, Question, Window};
    use foothold_store::{Answers, NewConversation, Saved};
    let leader = add(store, "lee@example.org", "Lee", None).await;
    let report = add(store, "ria@example.org", "Ria", Some(leader.id)).await;
    let ask = |text: &str, category| Question { category, text: text.to_owned() };
    let new = NewConversation {
        report_id: report.id,
        leader_id: leader.id,
        scheduled_at: chrono::Utc::now(),
        time_zone: "UTC".into(),
        duration_minutes: 60,
        window: Window::default(),
        note: String::new(),
        set_name: "Test".into(),
        questions: vec![
            ask("What went well?", Category::Past),
            ask("What fills your week?", Category::Present),
            ask("Where next?", Category::Future),
        ],
    };
    let c = store.create_conversation(&new).await.expect("conversation");
    let other = store.create_conversation(&new).await.expect("a second conversation");
    let asked = store.asked_questions(c.id).await.expect("questions");
    let (past, present) = (asked[0].id, asked[1].id);
    let save = |conv: i64, q: i64, text: &'static str| async move {
        match store.save_answer(conv, q, text, 0).await.expect("save") {
            Saved::Stored { .. } => {}
            Saved::Conflict { .. } => panic!("first save of {text} conflicted"),
        }
    };
    save(c.id, past, "Shipped the audit.").await;
    save(c.id, present, "A draft nobody sees.").await;
    store.set_shared(c.id, Some(past), true).await.expect("share");
    let theirs = store.asked_questions(other.id).await.expect("questions")[0].id;
    save(other.id, theirs, "Another conversation's draft.").await;

    let texts = |rows: Vec<(foothold_store::AskedQuestion, Option<foothold_store::Answer>)>| {
        rows.into_iter()
            .map(|(q, a)| (q.question.text, a.map(|a| (a.text, a.shared_at.is_some(), a.version))))
            .collect::<Vec<_>>()
    };
    let all = texts(store.asked_with_answers(c.id, Answers::All).await.expect("all"));
    assert_eq!(
        all,
        [
            ("What went well?".to_owned(), Some(("Shipped the audit.".to_owned(), true, 1))),
            ("What fills your week?".to_owned(), Some(("A draft nobody sees.".to_owned(), false, 1))),
            ("Where next?".to_owned(), None),
        ]
    );
    let shared = texts(store.asked_with_answers(c.id, Answers::Shared).await.expect("shared"));
    assert_eq!(
        shared,
        [
            ("What went well?".to_owned(), Some(("Shipped the audit.".to_owned(), true, 1))),
            ("What fills your week?".to_owned(), None),
            ("Where next?".to_owned(), None),
        ]
    );
    let none = texts(store.asked_with_answers(c.id, Answers::None).await.expect("none"));
    assert_eq!(
        none.iter().map(|(q, a)| (q.as_str(), a.is_none())).collect::<Vec<_>>(),
        [("What went well?", true), ("What fills your week?", true), ("Where next?", true)]
    );
    let theirs = texts(store.asked_with_answers(other.id, Answers::All).await.expect("other"));
    assert_eq!(theirs[0].1, Some(("Another conversation's draft.".to_owned(), false, 1)));
    assert!(theirs[1..].iter().all(|(_, a)| a.is_none()), "only the other conversation's own answer");
    // The questions are remembered after the first read; answers never are.
    save(c.id, asked[2].id, "Somewhere new.").await;
    let again = texts(store.asked_with_answers(c.id, Answers::All).await.expect("again"));
    assert_eq!(again[2].1, Some(("Somewhere new.".to_owned(), false, 1)), "a new answer shows at once");
    assert!(store.asked_with_answers(i64::MAX, Answers::All).await.expect("unknown").is_empty());
}

#[tokio::test]
async fn sqlite_questions_with_their_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("q.db")), 2).await.expect("connect");
    store.migrate().await.expect("migrate");
    questions_with_their_answers(&store).await;
}

#[tokio::test]
async fn postgres_questions_with_their_answers() {
    if let Some(url) = fresh_postgres().await {
        let store = Store::connect(&url, 2).await.expect("connect");
        store.migrate().await.expect("migrate");
        questions_with_their_answers(&store).await;
    }
}

/// Runs `f` and fails the test if it takes longer than a pool's wait would
/// need: a request that waited for a second connection would hang here.
async fn soon<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(5), f)
        .await
        .unwrap_or_else(|_| panic!("{what} waited for a connection the request itself held"))
}

/// A request's statements share one connection: with a pool of one, another
/// task cannot read until the request gives the connection back, and the
/// request itself still writes in transactions, streams rows and sees what
/// others wrote, because the held connection never carries a transaction.
async fn one_connection_per_request(url: &DatabaseUrl) {
    let store = Store::connect(url, 1).await.expect("connect");
    store.migrate().await.expect("migrate");
    let ann = add(&store, "ann@example.org", "Ann", None).await;
    let other = store.clone();
    foothold_store::with_held_connection(async {
        assert_eq!(store.person(ann.id).await.expect("read").map(|p| p.name), Some("Ann".to_owned()));
        // A write takes the pool's connection (on SQLite, reads like the one
        // above run on the request's thread and take none).
        store.put_setting("mine", "yes").await.expect("write");
        // Outside the request (a spawned task): the pool's one connection is held.
        let waiting = tokio::spawn(async move { other.put_setting("seen", "yes").await });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the request holds the pool's only connection");
        // Transactions and streams take the connection over instead of a second one.
        let bo = soon("a write transaction", add(&store, "bo@example.org", "Bo", Some(ann.id))).await;
        assert!(soon("a stream", store.pulse_rows()).await.expect("stream").is_empty());
        assert_eq!(store.person(bo.id).await.expect("read").map(|p| p.manager_id), Some(Some(ann.id)));
        // Given back (the transaction already let it go once), the other
        // task finishes, and its write is seen at once.
        foothold_store::release_held_connection().await;
        soon("the other task", waiting).await.expect("task").expect("write");
        assert_eq!(store.setting("seen").await.expect("read").as_deref(), Some("yes"));
    })
    .await;
    // And back in the pool when the request ends.
    soon("a read after the request", store.count_people()).await.expect("count");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_connection_per_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    one_connection_per_request(&DatabaseUrl::sqlite_file(&dir.path().join("h.db"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_connection_per_request() {
    if let Some(url) = fresh_postgres().await {
        one_connection_per_request(&url).await;
    }
}

/// Another request that writes setting `key` and then holds the pool's only
/// connection until the returned sender is used.
async fn hold_the_only_connection(
    store: &Store,
    key: &'static str,
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (taken, holding) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let holder = store.clone();
    let request = tokio::spawn(foothold_store::with_held_connection(async move {
        holder.put_setting(key, "yes").await.expect("write");
        let _ = taken.send(());
        let _ = released.await;
    }));
    holding.await.expect("the request took the pool's only connection");
    (release, request)
}

/// On SQLite, reads run on the request's own thread: they do not wait for
/// the pool's connections, which writes hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reads_do_not_wait_for_the_pool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("r.db")), 1).await.expect("connect");
    store.migrate().await.expect("migrate");
    let ann = add(&store, "ann@example.org", "Ann", None).await;
    let (release, request) = hold_the_only_connection(&store, "mine").await;
    let writer = store.clone();
    let write = tokio::spawn(async move { writer.put_setting("other", "yes").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!write.is_finished(), "a write waits for the pool's only connection");
    let read = soon("a read while the pool is busy", store.person(ann.id)).await.expect("read");
    assert_eq!(read.map(|p| p.name), Some("Ann".to_owned()));
    let setting = soon("another read", store.setting("mine")).await.expect("read");
    assert_eq!(setting.as_deref(), Some("yes"), "it sees the request's committed write");
    release.send(()).expect("release");
    request.await.expect("request");
    soon("the waiting write", write).await.expect("task").expect("write");
}

/// On SQLite a request's direct reads share one read transaction, which
/// ends before the request's own write: a read after it sees the write. With
/// a pool of one held by the request, debug builds cannot re-read on sqlx to
/// compare, so the direct read's own answer is what the test sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_request_reads_its_own_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("w.db")), 1).await.expect("connect");
    store.migrate().await.expect("migrate");
    let ann = add(&store, "ann@example.org", "Ann", None).await;
    foothold_store::with_held_connection(async {
        assert_eq!(store.setting("mine").await.expect("read"), None);
        assert_eq!(store.person(ann.id).await.expect("read").map(|p| p.name), Some("Ann".to_owned()));
        store.put_setting("mine", "first").await.expect("write");
        assert_eq!(store.setting("mine").await.expect("read").as_deref(), Some("first"));
        store.put_setting("mine", "second").await.expect("write");
        assert_eq!(store.setting("mine").await.expect("read").as_deref(), Some("second"));
    })
    .await;
}

/// A request that gives its connection back (before a write transaction, a
/// stream, or a wait) ends its read transaction too: its next read sees what
/// was written meanwhile. Another request holds the pool's only connection,
/// so debug builds cannot re-read on sqlx and the direct read's answer is
/// what the test sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_giving_the_connection_back_ends_the_read_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let store = Store::connect(&DatabaseUrl::sqlite_file(&path), 1).await.expect("connect");
    store.migrate().await.expect("migrate");
    let writer = Store::connect(&DatabaseUrl::sqlite_file(&path), 1).await.expect("connect a second store");
    let (release, other) = hold_the_only_connection(&store, "held").await;
    foothold_store::with_held_connection(async {
        assert_eq!(store.setting("news").await.expect("read"), None);
        foothold_store::release_held_connection().await;
        // Written outside this request (its statements would end the snapshot).
        let writer = writer.clone();
        tokio::spawn(async move { writer.put_setting("news", "written").await })
            .await
            .expect("task")
            .expect("write elsewhere");
        assert_eq!(store.setting("news").await.expect("read").as_deref(), Some("written"));
    })
    .await;
    release.send(()).expect("release");
    other.await.expect("other request");
}

/// A request that touches two databases sends each statement to its own.
#[tokio::test]
async fn a_held_connection_serves_only_its_own_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("a.db")), 2).await.expect("connect a");
    let b = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("b.db")), 2).await.expect("connect b");
    a.migrate().await.expect("migrate a");
    b.migrate().await.expect("migrate b");
    add(&a, "one@example.org", "One", None).await;
    add(&a, "two@example.org", "Two", None).await;
    add(&b, "three@example.org", "Three", None).await;
    foothold_store::with_held_connection(async {
        assert_eq!(a.count_people().await.expect("a"), 2);
        assert_eq!(b.count_people().await.expect("b"), 1);
        assert_eq!(a.count_people().await.expect("a again"), 2);
    })
    .await;
}

/// A plan's themes, steps and check-ins are remembered by version: a change
/// through the store shows at once, and (in debug builds) a change that did
/// not take a new version is caught instead of shown stale.
async fn plans_are_remembered_by_version(store: &Store, url: &DatabaseUrl) {
    use foothold_store::{NewPlan, PlanEdit};
    let kim = add(store, "kim@example.org", "Kim", None).await;
    let lou = add(store, "lou@example.org", "Lou", Some(kim.id)).await;
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    let plan = store
        .create_plan(
            &NewPlan {
                person_id: lou.id,
                leader_id: kim.id,
                conversation_id: None,
                starts_on: day(1, 15),
                ends_on: day(12, 15),
                time_zone: "UTC".into(),
                themes: vec![("craft".into(), "Craft".into()), ("reach".into(), "Reach".into())],
            },
            kim.id,
        )
        .await
        .expect("plan");
    let first = store.plan_detail(plan.id).await.expect("read").expect("plan");
    let again = store.plan_detail(plan.id).await.expect("read again").expect("plan");
    assert_eq!(first, again);
    let theme = first.themes[0].id;
    let rename = PlanEdit::RenameTheme { theme_id: theme, label: "Deep craft".into() };
    store.edit_plan(plan.id, Some(first.plan.version), kim.id, &rename).await.expect("rename");
    let renamed = store.plan_detail(plan.id).await.expect("read").expect("plan");
    assert_eq!(renamed.themes[0].label, "Deep craft", "a change through the store shows at once");
    assert_eq!(renamed.plan.version, first.plan.version + 1);

    // Behind the store's back, without a new version: the rule every change keeps, broken.
    let sql = format!("UPDATE plan_themes SET label = 'Sneaked in' WHERE id = {theme}");
    match url.engine() {
        Some(foothold_store::Engine::Postgres) => {
            let mut conn = PgConnection::connect(url.expose()).await.expect("connect");
            conn.execute(AssertSqlSafe(sql)).await.expect("sneak");
        }
        _ => {
            let mut conn = sea_orm::sqlx::SqliteConnection::connect(url.expose()).await.expect("connect");
            conn.execute(AssertSqlSafe(sql)).await.expect("sneak");
        }
    }
    let (reader, id) = (store.clone(), plan.id);
    let read = tokio::spawn(async move { reader.plan_detail(id).await }).await;
    if cfg!(debug_assertions) {
        assert!(read.expect_err("caught").is_panic(), "debug builds refuse a change that skipped the version");
    }
    // The next change through the store takes a new version: everything stored shows.
    let drop = PlanEdit::DropTheme { theme_id: first.themes[1].id, dropped: true };
    store.edit_plan(plan.id, Some(renamed.plan.version), kim.id, &drop).await.expect("drop");
    let after = store.plan_detail(plan.id).await.expect("read").expect("plan");
    assert_eq!(after.themes[0].label, "Sneaked in");
    assert!(after.themes[1].dropped);
}

#[tokio::test]
async fn sqlite_plans_are_remembered_by_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = DatabaseUrl::sqlite_file(&dir.path().join("p.db"));
    let store = Store::connect(&url, 2).await.expect("connect");
    store.migrate().await.expect("migrate");
    plans_are_remembered_by_version(&store, &url).await;
}

#[tokio::test]
async fn postgres_plans_are_remembered_by_version() {
    if let Some(url) = fresh_postgres().await {
        let store = Store::connect(&url, 2).await.expect("connect");
        store.migrate().await.expect("migrate");
        plans_are_remembered_by_version(&store, &url).await;
    }
}
