//! Liveness, readiness, metrics and the headers every response carries.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, id_of};

#[tokio::test]
async fn healthz_says_ok() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body.trim(), "ok");
}

#[tokio::test]
async fn readyz_checks_the_database() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/readyz").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body.trim(), "ready");
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    // Closing a clone closes the pool the server shares.
    app.store.clone().close().await;
    let res = app.browser().get("/readyz").await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    let alive = app.browser().get("/healthz").await;
    assert_eq!(alive.status, StatusCode::OK, "liveness does not depend on the database");
}

#[tokio::test]
async fn metrics_label_requests_by_route_template_and_report_the_pool() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let kim = api.create_person(json!({"email": "kim@example.org", "name": "Kim"})).await;
    let kim_id = id_of(&kim);
    assert_eq!(api.get(&format!("/api/v1/people/{kim_id}")).await.status, StatusCode::OK);
    assert_eq!(api.get(&format!("/api/v1/people/{kim_id}")).await.status, StatusCode::OK);
    assert_eq!(api.get("/api/v1/people/987654").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.browser().get("/no/such/page/4242").await.status, StatusCode::NOT_FOUND);

    let res = app.metrics().await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.header("content-type").is_some_and(|c| c.starts_with("text/plain")), "{:?}", res.headers);
    let text = res.body;
    assert!(text.contains("# TYPE foothold_http_requests_total counter"), "{text}");
    assert!(
        text.contains(r#"foothold_http_requests_total{method="GET",route="/api/v1/people/{id}",status="200"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"foothold_http_requests_total{method="GET",route="/api/v1/people/{id}",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"foothold_http_requests_total{method="POST",route="/api/v1/people",status="201"} 1"#),
        "{text}"
    );
    for raw in [format!("/api/v1/people/{kim_id}\""), "/987654".to_owned(), "/no/such".to_owned()] {
        assert!(!text.contains(&raw), "a raw path or id leaked into the labels ({raw}): {text}");
    }
    assert!(text.contains(r#"route="unmatched""#), "unrouted requests are grouped: {text}");
    assert!(text.contains("foothold_http_request_duration_seconds_bucket{"), "{text}");
    let gauge = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} gauge in {text}"))
            .trim()
            .parse()
            .expect("a number")
    };
    assert!(gauge("foothold_db_pool_connections") >= 1, "the pool has a connection open after queries");
    assert!(gauge("foothold_db_pool_idle_connections") <= gauge("foothold_db_pool_connections"));
}

fn assert_security_headers(res: &crate::harness::Resp, what: &str) {
    let csp = res.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{what}: CSP has no {name}: {csp}"))
            .to_owned()
    };
    let script = directive("script-src");
    assert!(!script.contains("'unsafe-inline'") && !script.contains("'unsafe-eval'"), "{what}: {csp}");
    assert!(script.contains("'self'"), "{what}: {csp}");
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'", "{what}: {csp}");
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(res.header("x-frame-options"), Some("DENY"), "{what}");
    let referrer = res.header("referrer-policy").unwrap_or_else(|| panic!("{what}: no Referrer-Policy"));
    assert!(
        ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"].contains(&referrer),
        "{what}: a referrer policy that keeps paths private, got {referrer}"
    );
}

#[tokio::test]
async fn security_headers_on_pages_and_api() {
    let app = TestApp::spawn().await;
    let (admin, api) = app.admin_api().await;
    let page = app.browser().get("/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_security_headers(&page, "sign-in page");
    assert_eq!(page.header("cache-control"), Some("no-store"), "pages hold personal data");

    let signed_in = app.browser_for(admin.id).await.get("/").await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert_security_headers(&signed_in, "home page");
    assert!(!signed_in.body.contains("<script>"), "no inline script on pages");

    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_security_headers(&me, "GET /api/v1/me");
    let denied = app.anonymous_api().get("/api/v1/me").await;
    assert_security_headers(&denied, "401 from the API");
    let missing = app.browser().get("/nope").await;
    assert_security_headers(&missing, "404 page");
    assert_eq!(missing.header("strict-transport-security"), None, "no HSTS for a plain-http base URL");
}

/// Reached over https, Foothold tells browsers to keep to https (HSTS) and
/// names its session cookie `__Host-`, which browsers accept only from this
/// host over TLS; a cookie of the plain name is not read there.
#[tokio::test]
async fn https_sites_send_hsts_and_a_host_only_session_cookie() {
    let app = TestApp::spawn_with(|c| c.base_url = url::Url::parse("https://foothold.example.org").expect("url")).await;
    let ann = app.add_member("ann@example.org", "Ann", None).await;
    app.set_password(ann.id).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let hsts = |res: &reqwest::Response| {
        res.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()).map(str::to_owned)
    };

    let page = http.get(app.url("/sign-in")).send().await.expect("sign-in page");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(hsts(&page).as_deref(), Some("max-age=31536000"));
    let signed = http
        .post(app.url("/sign-in"))
        .form(&[("email", "ann@example.org"), ("password", crate::harness::PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(hsts(&signed).as_deref(), Some("max-age=31536000"), "on redirects too");
    let set = signed.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a session cookie").to_owned();
    assert!(set.starts_with("__Host-foothold_session="), "{set}");
    assert!(set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let token = set.trim_start_matches("__Host-foothold_session=").split(';').next().expect("value").to_owned();

    let with = |cookie: String| http.get(app.url("/profile")).header("cookie", cookie).send();
    let profile = with(format!("__Host-foothold_session={token}")).await.expect("profile");
    assert_eq!(profile.status(), StatusCode::OK, "the __Host- cookie signs in");
    let plain = with(format!("foothold_session={token}")).await.expect("profile");
    assert_eq!(plain.status(), StatusCode::SEE_OTHER, "the plain name is not read over https");
    let api = http.get(app.url("/api/v1/me")).send().await.expect("api");
    assert_eq!(hsts(&api).as_deref(), Some("max-age=31536000"), "on API answers too");
}

/// `/metrics` answers the scraper holding the configured token and signed-in
/// admins; anyone else learns nothing of the service's routes and load.
#[tokio::test]
async fn metrics_are_for_the_scraper_and_admins() {
    let app = TestApp::spawn().await;
    let (admin, admin_api) = app.admin_api().await;
    let member = app.add_member("kim@example.org", "Kim Lee", None).await;
    let figures = |res: &crate::harness::Resp| res.body.contains("foothold_http_requests_total");

    let scraper = app.metrics().await;
    assert_eq!(scraper.status, StatusCode::OK);
    assert!(figures(&scraper), "{}", scraper.body);
    let admin_page = app.browser_for(admin.id).await.get("/metrics").await;
    assert_eq!(admin_page.status, StatusCode::OK);
    assert!(figures(&admin_page));

    let anonymous = app.browser().get("/metrics").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    assert!(anonymous.body.contains("FOOTHOLD_METRICS_TOKEN"), "{}", anonymous.body);
    let wrong = app.api_as("test-metrics-token-0123456780").get("/metrics").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let member_page = app.browser_for(member.id).await.get("/metrics").await;
    assert_eq!(member_page.status, StatusCode::FORBIDDEN);
    // An API token stands for a person in the API, not for the scraper.
    let token_holder = admin_api.get("/metrics").await;
    assert_eq!(token_holder.status, StatusCode::UNAUTHORIZED);
    for refused in [&anonymous, &wrong, &member_page, &token_holder] {
        assert!(!figures(refused), "{}", refused.body);
    }

    // The scraper is let in without the database: its figures matter most
    // when the database struggles.
    app.execute("DROP TABLE api_tokens", vec![]).await;
    let scraper = app.metrics().await;
    assert_eq!(scraper.status, StatusCode::OK, "{}", scraper.body);
    assert!(figures(&scraper) && scraper.body.contains("foothold_db_pool_connections"), "{}", scraper.body);

    // Without a token configured, only admins read them.
    let untokened = TestApp::spawn_with(|c| c.metrics_token = None).await;
    let res = untokened.api_as(crate::harness::METRICS_TOKEN).get("/metrics").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let admin = untokened.add_admin("ada@example.org", "Ada Admin").await;
    assert_eq!(untokened.browser_for(admin.id).await.get("/metrics").await.status, StatusCode::OK);
}
