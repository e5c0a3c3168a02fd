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

#[tokio::test]
async fn every_operation_documents_its_400_and_401_problems() {
    let app = TestApp::spawn().await;
    let doc = app.anonymous_api().get("/api/v1/openapi.json").await.json();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            operations += 1;
            for status in ["400", "401"] {
                let content = &op["responses"][status]["content"]["application/problem+json"];
                assert!(content.is_object(), "{method} {path} does not document {status}");
            }
        }
    }
    assert!(operations >= 35, "{operations} operations");
}

#[tokio::test]
async fn a_malformed_path_value_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    for path in ["/api/v1/people/abc", "/api/v1/conversations/1.5", "/api/v1/question-sets/99999999999999999999"] {
        let problem = api.get(path).await.problem(StatusCode::BAD_REQUEST);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {problem}");
    }
}
