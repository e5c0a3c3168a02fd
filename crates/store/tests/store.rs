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
