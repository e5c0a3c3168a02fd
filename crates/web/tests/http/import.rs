//! CSV import through the API (`text/csv`) and the page (multipart): all rows or none.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Api, TestApp};

const HEADER: &str = "email,name,title,department,manager_email\n";

/// Three people; the manager comes after her reports, so the importer must reorder.
const TEAM: &str = "email,name,title,department,manager_email\n\
                    kim@example.org,Kim Lee,Engineer,Platform,mo@example.org\n\
                    lou@example.org,Lou Park,Designer,Platform,mo@example.org\n\
                    mo@example.org,Mo Diaz,Head of Platform,Platform,\n";

async fn import(api: &Api, csv: impl Into<reqwest::Body>) -> crate::harness::Resp {
    api.post_csv("/api/v1/people/import", csv).await
}

/// The `(line, reason)` pairs of a 422 import problem.
fn row_errors(res: &crate::harness::Resp) -> Vec<(u64, String)> {
    let p = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("Nothing was imported")), "{p}");
    p["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors list in {p}"))
        .iter()
        .map(|e| (e["line"].as_u64().expect("line"), e["reason"].as_str().expect("reason").to_owned()))
        .collect()
}

fn has(errors: &[(u64, String)], line: u64, text: &str) -> bool {
    errors.iter().any(|(l, r)| *l == line && r.contains(text))
}

#[tokio::test]
async fn a_valid_file_creates_everyone_with_their_managers() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let res = import(&api, TEAM).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let out = res.json();
    let created: Vec<i64> =
        out["created"].as_array().expect("created").iter().map(|v| v.as_i64().expect("id")).collect();
    assert_eq!(created.len(), 3);
    assert_eq!((out["updated"].clone(), out["unchanged"].clone()), (json!(0), json!(0)));
    let mo = app.store.person_by_email(&"mo@example.org".parse_email()).await.expect("read").expect("mo");
    let kim = app.store.person_by_email(&"kim@example.org".parse_email()).await.expect("read").expect("kim");
    assert!(created.contains(&mo.id) && created.contains(&kim.id));
    assert_eq!(kim.manager_id, Some(mo.id));
    assert_eq!(kim.title, "Engineer");
    assert_eq!(kim.department.as_deref(), Some("Platform"));
    assert_eq!(mo.manager_id, None);
    assert!(!kim.has_password, "imported people are invited, not signed up");
    assert_eq!(app.people().await.len(), 4);
}

trait ParseEmail {
    fn parse_email(&self) -> foothold_domain::Email;
}

impl ParseEmail for str {
    fn parse_email(&self) -> foothold_domain::Email {
        foothold_domain::Email::parse(self).expect("a valid e-mail")
    }
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    assert_eq!(import(&api, TEAM).await.status, StatusCode::OK);
    let before = app.people().await;
    let res = import(&api, TEAM).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let out = res.json();
    assert_eq!(out["created"], json!([]));
    assert_eq!(out["updated"], 0, "{out}");
    assert_eq!(out["unchanged"], 3, "{out}");
    assert_eq!(app.people().await, before, "no version bump, no updated_at change");
}

#[tokio::test]
async fn a_changed_title_updates_the_person_by_email() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    assert_eq!(import(&api, TEAM).await.status, StatusCode::OK);
    let kim_before = app.store.person_by_email(&"kim@example.org".parse_email()).await.expect("read").expect("kim");
    let changed =
        TEAM.replace("Kim Lee,Engineer", "Kim Lee,Staff Engineer").replace("kim@example.org", "KIM@example.org");
    let res = import(&api, changed).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let out = res.json();
    assert_eq!(out["created"], json!([]), "matched by e-mail, whatever its case");
    let updated = out["updated"].as_u64().expect("updated");
    assert!(updated >= 1 && updated + out["unchanged"].as_u64().expect("unchanged") == 3, "{out}");
    let kim = app.person(kim_before.id).await;
    assert_eq!(kim.title, "Staff Engineer");
    assert_eq!(kim.version, kim_before.version + 1);
    assert_eq!(kim.email, "kim@example.org");
    assert_eq!(app.people().await.len(), 4);
}

#[tokio::test]
async fn reimport_counts_only_rows_that_really_changed() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    assert_eq!(import(&api, TEAM).await.status, StatusCode::OK);
    let lou_before = app.store.person_by_email(&"lou@example.org".parse_email()).await.expect("read").expect("lou");
    let res = import(&api, TEAM.replace("Kim Lee,Engineer", "Kim Lee,Staff Engineer")).await;
    let out = res.json();
    assert_eq!((out["updated"].clone(), out["unchanged"].clone()), (json!(1), json!(2)), "{out}");
    assert_eq!(app.person(lou_before.id).await, lou_before, "an unchanged row keeps its version");
}

#[tokio::test]
async fn a_bom_and_rfc4180_quoting_are_understood() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let mut csv = b"\xEF\xBB\xBF".to_vec();
    csv.extend_from_slice(
        "email,name,title,department,manager_email\r\n\
         \"jo@example.org\",\"Smith, Jo\",\"Says \"\"hi\"\"\",\"R&D, Labs\",\r\n\
         zoe@example.org,Zoë Ørsted,,,jo@example.org\r\n"
            .as_bytes(),
    );
    let res = import(&api, csv).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["created"].as_array().map(Vec::len), Some(2));
    let jo = app.store.person_by_email(&"jo@example.org".parse_email()).await.expect("read").expect("jo");
    assert_eq!(jo.name, "Smith, Jo");
    assert_eq!(jo.title, "Says \"hi\"");
    assert_eq!(jo.department.as_deref(), Some("R&D, Labs"));
    let zoe = app.store.person_by_email(&"zoe@example.org".parse_email()).await.expect("read").expect("zoe");
    assert_eq!(zoe.name, "Zoë Ørsted");
    assert_eq!(zoe.manager_id, Some(jo.id));
}

#[tokio::test]
async fn every_bad_row_is_listed_with_its_line_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    assert_eq!(import(&api, TEAM).await.status, StatusCode::OK);
    let before = app.people().await;
    let mut csv = Vec::new();
    csv.extend_from_slice(HEADER.as_bytes()); // line 1
    csv.extend_from_slice(b",No Email,Engineer,Core,\n"); // 2
    csv.extend_from_slice(b"bad-email,Bad Email,Engineer,Core,\n"); // 3
    csv.extend_from_slice(b"ann@example.org,Ann,Engineer,Core,nobody@example.org\n"); // 4
    csv.extend_from_slice(b"ann@example.org,Ann Again,Engineer,Core,\n"); // 5
    csv.extend_from_slice(b"x@example.org,X,Engineer,Core,y@example.org\n"); // 6
    csv.extend_from_slice(b"y@example.org,Y,Engineer,Core,x@example.org\n"); // 7
    csv.extend_from_slice(b"z@example.org,Z,\xff\xfeEngineer,Core,\n"); // 8
    csv.extend_from_slice(b"w@example.org,W,Engineer,Core,,extra\n"); // 9
    csv.extend_from_slice(b"q@example.org,\"Q \"\"multi\nline\"\"\",Engineer,Core,\n"); // 10-11
    csv.extend_from_slice(b"v@example.org,V,Engineer,Core,v@example.org\n"); // 12
    csv.extend_from_slice(b"\n"); // 13: blank lines are not people
    csv.extend_from_slice(b"kim@example.org,Kim Lee,Engineer,Platform,mo@example.org\n"); // 14: fine
    csv.extend_from_slice(b"ok@example.org,Fine Person,Engineer,Core,mo@example.org\n"); // 15: fine
    let res = import(&api, csv).await;
    let errors = row_errors(&res);
    let lines: std::collections::BTreeSet<u64> = errors.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines.into_iter().collect::<Vec<_>>(), vec![2, 3, 4, 5, 6, 7, 8, 9, 10, 12], "{errors:#?}");
    assert!(has(&errors, 2, "the e-mail address is missing"), "{errors:#?}");
    assert!(has(&errors, 3, "'bad-email' is not an e-mail address"), "{errors:#?}");
    assert!(
        has(&errors, 4, "manager 'nobody@example.org' is neither in this file nor already in Foothold"),
        "{errors:#?}"
    );
    assert!(has(&errors, 5, "'ann@example.org' appears again (first on line 4)"), "{errors:#?}");
    for line in [6, 7] {
        assert!(has(&errors, line, "reporting cycle x@example.org → y@example.org → x@example.org"), "{errors:#?}");
        assert!(has(&errors, line, "(lines 6, 7)"), "{errors:#?}");
    }
    assert!(has(&errors, 8, "the title column is not valid UTF-8 text"), "{errors:#?}");
    assert!(has(&errors, 9, "expected 5 fields but found 6"), "{errors:#?}");
    assert!(has(&errors, 10, "name contains control characters"), "{errors:#?}");
    assert!(has(&errors, 12, "listed as their own manager"), "{errors:#?}");
    let sorted: Vec<u64> = errors.iter().map(|(l, _)| *l).collect();
    assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "errors are in line order: {sorted:?}");
    assert_eq!(app.people().await, before, "nothing was imported or changed");
}

#[tokio::test]
async fn a_cycle_through_people_already_in_foothold_is_refused() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    assert_eq!(import(&api, TEAM).await.status, StatusCode::OK);
    let before = app.people().await;
    let csv = format!("{HEADER}mo@example.org,Mo Diaz,Head of Platform,Platform,kim@example.org\n");
    let errors = row_errors(&import(&api, csv).await);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        has(&errors, 2, "reporting cycle mo@example.org → kim@example.org (already in Foothold) → mo@example.org"),
        "{errors:#?}"
    );
    assert_eq!(app.people().await, before);
}

#[tokio::test]
async fn a_wrong_header_or_an_empty_file_is_refused() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let cases: [(&str, u64, &str); 4] = [
        (
            "mail,name,title,department,manager\nkim@example.org,Kim,,,\n",
            1,
            "missing the column(s) email, manager_email",
        ),
        ("kim@example.org,Kim,,,\n", 1, "the first line must be the header"),
        ("email,name,title,department,manager_email,email\nkim@example.org,Kim,,,,\n", 1, "more than once"),
        ("", 0, "the file is empty"),
    ];
    for (csv, line, text) in cases {
        let errors = row_errors(&import(&api, csv).await);
        assert!(has(&errors, line, text), "{csv:?}: {errors:#?}");
    }
    let errors = row_errors(&import(&api, HEADER).await);
    assert!(has(&errors, 0, "no people"), "{errors:#?}");
    assert_eq!(app.people().await.len(), 1);
}

#[tokio::test]
async fn the_api_wants_text_csv_and_at_most_8_mib() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    for content_type in ["application/json", "multipart/form-data; boundary=x", "text/plain"] {
        let res = api
            .send(api.request(Method::POST, "/api/v1/people/import").header("content-type", content_type).body(TEAM))
            .await;
        let p = res.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("text/csv")), "{p}");
    }
    let ok = api
        .send(
            api.request(Method::POST, "/api/v1/people/import")
                .header("content-type", "text/csv; charset=utf-8")
                .body(TEAM),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "parameters are fine: {}", ok.body);

    let mut big = HEADER.as_bytes().to_vec();
    big.resize(foothold_web::IMPORT_LIMIT + 1, b'a');
    import(&api, big).await.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.people().await.len(), 4);
}

/// A file of about 3 MiB: over the 2 MiB default body limit, under the 8 MiB import limit,
/// whose one person has an over-long title (so that it is refused quickly and cheaply).
fn three_mib_file() -> Vec<u8> {
    let mut csv = HEADER.as_bytes().to_vec();
    csv.extend_from_slice(b"kim@example.org,Kim,");
    csv.resize(3 * 1024 * 1024, b't');
    csv.extend_from_slice(b",Core,\n");
    csv
}

#[tokio::test]
async fn the_api_reads_files_over_the_default_body_limit() {
    let app = TestApp::spawn().await;
    let (_, api) = app.admin_api().await;
    let errors = row_errors(&import(&api, three_mib_file()).await);
    assert!(has(&errors, 2, "title is longer than 200 characters"), "{errors:#?}");
}

#[tokio::test]
async fn members_cannot_import() {
    let app = TestApp::spawn().await;
    let kim = app.add_member("kim@example.org", "Kim", None).await;
    let api = app.api_for(kim.id).await;
    import(&api, TEAM).await.problem(StatusCode::FORBIDDEN);
    let b = app.browser_for(kim.id).await;
    assert_eq!(b.get("/people/import").await.status, StatusCode::FORBIDDEN);
    let csrf = b.csrf().await;
    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], TEAM.as_bytes()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.people().await.len(), 1);
}

/// The import page, as a browser submits it.
async fn admin_page(app: &TestApp) -> (crate::harness::Browser, String) {
    let admin = app.add_admin("admin@example.org", "Ada Admin").await;
    let b = app.browser_for(admin.id).await;
    let form = b.get("/people/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"enctype="multipart/form-data""#));
    let csrf = crate::harness::csrf_in(&form.body).expect("the import form carries a csrf field");
    (b, csrf)
}

#[tokio::test]
async fn the_page_imports_and_shows_invite_links() {
    let app = TestApp::spawn().await;
    let (b, csrf) = admin_page(&app).await;
    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], TEAM.as_bytes()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Imported: 3 added, 0 updated, 0 unchanged."), "{}", res.body);
    let links: Vec<&str> = res
        .body
        .match_indices(&format!("{}/invite/", app.base))
        .map(|(i, _)| {
            let rest = &res.body[i..];
            &rest[..rest.find('"').expect("end of the link")]
        })
        .collect();
    assert_eq!(links.len(), 3, "one invite link per new person");
    let invite = links[0].trim_start_matches(app.base.as_str()).to_owned();
    assert_eq!(app.browser().get(&invite).await.status, StatusCode::OK, "the links work");
    assert_eq!(app.people().await.len(), 4);
}

#[tokio::test]
async fn the_page_lists_bad_rows_and_imports_nothing() {
    let app = TestApp::spawn().await;
    let (b, csrf) = admin_page(&app).await;
    let csv = format!("{HEADER}kim@example.org,Kim,,,\nbad-email,Bad,,,\nlou@example.org,Lou,,,boss@example.org\n");
    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], csv.as_bytes()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Nothing was imported"), "{}", res.body);
    assert!(res.body.contains("Line 3: &#39;bad-email&#39; is not an e-mail address"), "{}", res.body);
    assert!(res.body.contains("Line 4: manager &#39;boss@example.org&#39;"), "{}", res.body);
    assert_eq!(app.people().await.len(), 1);

    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], b"").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Choose a CSV file to import."), "{}", res.body);
}

#[tokio::test]
async fn the_page_refuses_files_over_8_mib() {
    let app = TestApp::spawn().await;
    let (b, csrf) = admin_page(&app).await;
    let mut big = HEADER.as_bytes().to_vec();
    big.resize(foothold_web::IMPORT_LIMIT + 1, b'a');
    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], &big).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert_eq!(app.people().await.len(), 1);
}

#[tokio::test]
async fn the_page_accepts_files_between_2_and_8_mib() {
    let app = TestApp::spawn().await;
    let (b, csrf) = admin_page(&app).await;
    let res = b.post_multipart("/people/import", &[("csrf", &csrf)], &three_mib_file()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "read, then refused for its content: {}", res.body);
    assert!(res.body.contains("Line 2: title is longer than 200 characters"), "{}", res.body);
}
