//! Server-rendered pages: what people see, and that what they typed cannot run as script.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp, hidden_fields, id_of};

#[tokio::test]
async fn home_greets_the_signed_in_person_with_their_manager_and_team() {
    let app = TestApp::spawn().await;
    let boss = app.add_member("boss@example.org", "Bea Boss", None).await;
    let kim = app.add_member("kim@example.org", "Kim Lee", Some(boss.id)).await;
    let _lou = app.add_member("lou@example.org", "Lou Park", Some(kim.id)).await;
    app.set_password(kim.id).await;
    let b = app.sign_in("kim@example.org", PASSWORD).await;
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Hello, Kim Lee"), "{}", home.body);
    assert!(home.body.contains("Your manager is <strong>Bea Boss</strong>"), "{}", home.body);
    assert!(home.body.contains("1 direct report.") && home.body.contains("Lou Park"), "{}", home.body);
    assert!(!home.body.contains(r#"href="/people""#), "members get no People menu");
    assert_eq!(app.browser().get("/").await.location(), Some("/sign-in"), "anonymous visitors sign in first");
}

#[tokio::test]
async fn an_admin_sees_imported_people_listed() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let csv = "email,name,title,department,manager_email\n\
               mo@example.org,Mo Diaz,Head of Platform,Platform,\n\
               kim@example.org,Kim Lee,Engineer,Platform,mo@example.org\n";
    assert_eq!(api.post_csv("/api/v1/people/import", csv).await.status, StatusCode::OK);
    let b = app.browser_for(admin.id).await;
    let page = b.get("/people").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in ["Mo Diaz", "mo@example.org", "Kim Lee", "kim@example.org", "Head of Platform", "Platform", "invited"] {
        assert!(page.body.contains(text), "{text} missing: {}", page.body);
    }
    let home = b.get("/").await;
    assert!(home.body.contains("3 people in Foothold."), "{}", home.body);
}

/// Whether the page shows `text` HTML-escaped (named or numeric entities).
fn shows_escaped(body: &str, text: &str) -> bool {
    let named = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let numeric = text.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;");
    let mixed = text.replace('&', "&amp;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;");
    [named, numeric, mixed].iter().any(|e| body.contains(e.as_str()))
}

#[tokio::test]
async fn names_and_titles_are_escaped_everywhere() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let evil = api
        .create_person(json!({"email": "evil@example.org", "name": "<script>alert(1)</script>",
                               "title": "\" onmouseover=\"alert(2)", "department": "<b>R&D</b>"}))
        .await;
    let id = id_of(&evil);
    let b = app.browser_for(admin.id).await;
    for path in ["/people".to_owned(), format!("/people/{id}"), format!("/people/{id}/edit")] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert(1)</script>"), "{path} echoes a script tag");
        assert!(shows_escaped(&page.body, "<script>alert(1)</script>"), "{path}: {}", page.body);
        assert!(!page.body.contains("\" onmouseover=\"alert(2)"), "{path} breaks out of an attribute");
        assert!(!page.body.contains("<b>R&D</b>"), "{path}");
    }
    let person = b.get(&format!("/people/{id}")).await;
    assert!(shows_escaped(&person.body, "\" onmouseover=\"alert(2)"), "{}", person.body);
    assert!(shows_escaped(&person.body, "<b>R&D</b>"), "{}", person.body);
    // The person's own pages escape their name too.
    app.set_password(id).await;
    let own = app.sign_in("evil@example.org", PASSWORD).await;
    for path in ["/", "/profile"] {
        let page = own.get(path).await;
        assert!(!page.body.contains("<script>alert(1)</script>"), "{path}");
        assert!(shows_escaped(&page.body, "<script>alert(1)</script>"), "{path}: {}", page.body);
    }
}

#[tokio::test]
async fn the_add_person_page_creates_someone_and_shows_the_invite_link() {
    let app = TestApp::spawn().await;
    let admin = app.add_admin("admin@example.org", "Ada Admin").await;
    let b = app.browser_for(admin.id).await;
    let form = b.get("/people/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let hidden = hidden_fields(&form.body, "/people/new");
    assert!(hidden.iter().any(|(k, v)| k == "csrf" && !v.is_empty()), "{hidden:?}");
    let fields = [
        ("name", "Kim Lee"),
        ("email", "Kim@Example.org"),
        ("title", "Engineer"),
        ("department", "Core"),
        ("manager_id", ""),
    ];
    let res = b.submit("/people/new", &fields).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Added. Send them the invite link below."), "{}", res.body);
    assert!(res.body.contains(&format!("{}/invite/", app.base)), "{}", res.body);
    let kim = app.store.person_by_email(&foothold_domain::Email::parse("kim@example.org").expect("e-mail")).await;
    let kim = kim.expect("read").expect("created");
    assert_eq!((kim.title.as_str(), kim.department.as_deref()), ("Engineer", Some("Core")));

    let again = b.submit("/people/new", &fields).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("already in Foothold"), "{}", again.body);
    let bad = b.submit("/people/new", &[("name", ""), ("email", "nope"), ("manager_id", "x")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in ["Name: name is required.", "E-mail: ", "Manager: choose someone from the list."] {
        assert!(bad.body.contains(text), "{text}: {}", bad.body);
    }
    assert_eq!(app.people().await.len(), 2);
}

#[tokio::test]
async fn the_edit_page_refuses_a_stale_form() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim Lee", "title": "Engineer"})).await;
    let id = id_of(&kim);
    let b = app.browser_for(admin.id).await;
    let form = b.get(&format!("/people/{id}/edit")).await;
    let hidden = hidden_fields(&form.body, &format!("/people/{id}/edit"));
    let version = hidden.iter().find(|(k, _)| k == "version").map(|(_, v)| v.clone()).expect("a version field");
    assert_eq!(version, "1");
    // Someone else changes Kim meanwhile.
    assert_eq!(api.patch_json(&format!("/api/v1/people/{id}"), &json!({"title": "Lead"})).await.status, StatusCode::OK);
    let fields = [
        ("name", "Kim Lee"),
        ("email", "kim@example.org"),
        ("title", "Principal"),
        ("active", "on"),
        ("version", version.as_str()),
    ];
    let res = b.submit(&format!("/people/{id}/edit"), &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Someone else changed this since you loaded it"), "{}", res.body);
    assert_eq!(app.person(id).await.title, "Lead", "the other change stands");

    let fresh =
        [("name", "Kim Lee"), ("email", "kim@example.org"), ("title", "Principal"), ("active", "on"), ("version", "2")];
    let res = b.submit(&format!("/people/{id}/edit"), &fresh).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(format!("/people/{id}").as_str()));
    assert_eq!(app.person(id).await.title, "Principal");
}

#[tokio::test]
async fn unknown_pages_and_api_paths_are_404_in_their_own_format() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    let api = app.anonymous_api().get("/api/v1/nothing-here").await;
    api.problem(StatusCode::NOT_FOUND);
    let css = app.browser().get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").is_some_and(|c| c.starts_with("text/css")));
}

#[tokio::test]
async fn an_api_token_opens_the_api_but_no_page() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::OK);
    for path in ["/", "/people", &format!("/people/{}", admin.id), "/profile", "/conversations"] {
        let res = api.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path} with a bearer token");
        assert!(res.location().is_some_and(|l| l.starts_with("/sign-in")), "{path}: {:?}", res.location());
    }
}

#[tokio::test]
async fn only_import_routes_take_large_multipart_bodies() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.admin_api().await;
    let b = app.browser_for(admin.id).await;
    let csrf = b.csrf().await;
    let before = app.store.api_tokens(admin.id).await.expect("tokens").len();
    let big = vec![b'x'; 2 * 1024 * 1024];
    let res = b.post_multipart("/profile/tokens", &[("csrf", &csrf)], &big).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert_eq!(app.store.api_tokens(admin.id).await.expect("tokens").len(), before, "nothing was made");
}
