//! First run: the one-time set-up link that creates the first admin.

use foothold_domain::Role;
use reqwest::StatusCode;

use crate::harness::TestApp;

const TOKEN: &str = "first-run-token-0123456789";

async fn with_setup_token() -> TestApp {
    let app = TestApp::spawn().await;
    app.store
        .put_setting(foothold_web::SETUP_TOKEN_KEY, &foothold_store::secret::hash_token(TOKEN))
        .await
        .expect("store the set-up token hash");
    app
}

fn form<'a>(name: &'a str, email: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("token", TOKEN), ("name", name), ("email", email), ("password", password)]
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused() {
    let app = with_setup_token().await;
    let b = app.browser();
    for path in ["/setup?token=wrong-token", "/setup"] {
        let res = b.get(path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert!(res.body.contains("set-up link is not valid"), "{path}: {}", res.body);
        assert!(!res.body.contains("name=\"password\""), "{path}: no form is shown");
    }
    let res = b
        .post_form(
            "/setup",
            &[
                ("token", "wrong-token"),
                ("name", "Eve"),
                ("email", "eve@example.org"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.session_set_cookie().is_none());
    assert_eq!(app.people().await.len(), 0, "nobody was created");
}

#[tokio::test]
async fn the_right_token_creates_a_signed_in_admin_once() {
    let app = with_setup_token().await;
    let b = app.browser();
    let page = b.get(&format!("/setup?token={TOKEN}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!(r#"name="token" value="{TOKEN}""#)), "{}", page.body);
    assert!(page.body.contains(r#"name="password""#));

    let res = b.post_form("/setup", &form("Grace Hopper", "Grace@Example.org", "a sound first password")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/"));
    let cookie = res.session_set_cookie().expect("a session cookie").to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "no Secure flag on plain http: {cookie}");

    let people = app.people().await;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].role, Role::Admin);
    assert_eq!(people[0].email, "grace@example.org");
    assert!(people[0].has_password);

    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "the new admin is signed in");
    assert!(home.body.contains("Grace Hopper"), "{}", home.body);

    // The link is single-use.
    let again =
        app.browser().post_form("/setup", &form("Mallory", "mallory@example.org", "another long password")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    assert!(again.session_set_cookie().is_none());
    assert_eq!(app.browser().get(&format!("/setup?token={TOKEN}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.people().await.len(), 1, "the second use created nobody");
    // The admin's password works.
    app.sign_in("grace@example.org", "a sound first password").await;
}

#[tokio::test]
async fn bad_input_is_shown_again_and_creates_nobody() {
    let app = with_setup_token().await;
    let b = app.browser();
    let short = b.post_form("/setup", &form("Grace Hopper", "grace@example.org", "too short")).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.body);
    assert!(short.body.contains("must be at least 12 characters long"), "{}", short.body);
    assert!(short.body.contains(r#"value="Grace Hopper""#), "the name is kept: {}", short.body);
    assert!(short.session_set_cookie().is_none());

    let bad_email = b.post_form("/setup", &form("Grace Hopper", "grace-at-example", "a sound first password")).await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_email.body);
    assert!(bad_email.body.contains("is not an e-mail address"), "{}", bad_email.body);

    let no_name = b.post_form("/setup", &form("   ", "grace@example.org", "a sound first password")).await;
    assert_eq!(no_name.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_name.body);
    assert!(no_name.body.contains("Name is required"), "{}", no_name.body);

    assert_eq!(app.people().await.len(), 0, "nobody was created");
    assert_eq!(
        b.get(&format!("/setup?token={TOKEN}")).await.status,
        StatusCode::OK,
        "failed attempts do not use up the link"
    );
}
