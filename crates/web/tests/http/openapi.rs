//! The OpenAPI document describes the whole API.

use reqwest::StatusCode;

use crate::harness::TestApp;

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_operation() {
    let app = TestApp::spawn().await;
    let res = app.anonymous_api().get("/api/v1/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK, "the description needs no credentials");
    assert_eq!(res.header("content-type"), Some("application/json"));
    let doc = res.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    let expected: [(&str, &[&str]); 7] = [
        ("/api/v1/me", &["get"]),
        ("/api/v1/people", &["get", "post"]),
        ("/api/v1/people/{id}", &["get", "patch"]),
        ("/api/v1/people/{id}/invites", &["post"]),
        ("/api/v1/people/import", &["post"]),
        ("/api/v1/tokens", &["get", "post"]),
        ("/api/v1/tokens/{id}", &["delete"]),
    ];
    for (path, methods) in expected {
        let item = paths.get(path).unwrap_or_else(|| panic!("{path} is missing; paths: {:?}", paths.keys()));
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} is missing");
        }
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let import = &paths["/api/v1/people/import"]["post"];
    assert!(import["requestBody"]["content"].get("text/csv").is_some(), "{import}");
    let problem = &paths["/api/v1/people"]["post"]["responses"]["409"]["content"];
    assert!(problem.get("application/problem+json").is_some(), "{problem}");
    assert_eq!(doc, serde_json::to_value(foothold_web::openapi()).expect("serialise"), "served as generated");
}
