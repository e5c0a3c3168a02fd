//! Nothing typed is lost: versioned saves of answers and notes, conflicts that
//! return the stored text, concurrent first saves, the 20,000-character limit,
//! Unicode kept byte for byte, and HTML kept verbatim in the API but escaped in pages.

use foothold_store::NoteKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conversations::{Team, answer, conv, detail, save, save_note, save_ok, schedule, share, team};
use crate::harness::TestApp;

/// The answer text stored for a question, straight from the store.
async fn stored(app: &TestApp, id: i64, qid: i64) -> Option<(String, i64)> {
    app.store
        .answers_of_report(id)
        .await
        .expect("read answers")
        .into_iter()
        .find(|a| a.question_id == qid)
        .map(|a| (a.text, a.version))
}

#[tokio::test]
async fn a_stale_save_is_a_conflict_that_returns_the_stored_text() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;

    assert_eq!(save_ok(&t.report_api, id, q[0], "Written in the first tab.", 0).await, 1);
    // The second tab loaded before the first saved.
    let res = save(&t.report_api, id, q[0], "Written in the second tab.", 0).await;
    let p = res.problem(StatusCode::CONFLICT);
    assert_eq!(p["current"], json!({"text": "Written in the first tab.", "version": 1}), "{p}");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("Nothing was overwritten")), "{p}");
    assert_eq!(stored(&app, id, q[0]).await, Some(("Written in the first tab.".into(), 1)));

    // Saving what is stored already, even from a stale version, is no conflict.
    let res = save(&t.report_api, id, q[0], "Written in the first tab.", 0).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["version"], 1, "nothing new was stored");
    let res = save(&t.report_api, id, q[0], "Written in the first tab.", 7).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Merged, with the version the conflict returned.
    assert_eq!(save_ok(&t.report_api, id, q[0], "Merged from both tabs.", 1).await, 2);
    save(&t.report_api, id, q[0], "Old tab again.", 1).await.problem(StatusCode::CONFLICT);
    save(&t.report_api, id, q[0], "A version from the future.", 3).await.problem(StatusCode::CONFLICT);
    assert_eq!(stored(&app, id, q[0]).await, Some(("Merged from both tabs.".into(), 2)));

    // A first save claiming a version that does not exist is a conflict with nothing.
    let p = save(&t.report_api, id, q[1], "Thought there was one.", 4).await.problem(StatusCode::CONFLICT);
    assert_eq!(p["current"], json!({"text": "", "version": 0}));
    assert_eq!(stored(&app, id, q[1]).await, None);

    // An empty answer is an answer too.
    assert_eq!(save_ok(&t.report_api, id, q[2], "", 0).await, 1);
    assert_eq!(save_ok(&t.report_api, id, q[2], "Now with text.", 1).await, 2);

    // A question of another conversation is not there.
    let (other, other_q) = schedule(&t).await;
    save(&t.report_api, id, other_q[0], "Wrong place.", 0).await.problem(StatusCode::NOT_FOUND);
    save(&t.report_api, id, 999_999, "Nowhere.", 0).await.problem(StatusCode::NOT_FOUND);
    share(&t.report_api, id, other_q[0], true).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(stored(&app, other, other_q[0]).await, None);
}

#[tokio::test]
async fn notes_are_versioned_like_answers() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, _) = schedule(&t).await;
    let res = save_note(&t.leader_api, id, "shared", "Leader's agenda.", 0).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["version"], 1);
    let p = save_note(&t.report_api, id, "shared", "Report's agenda.", 0).await.problem(StatusCode::CONFLICT);
    assert_eq!(p["current"], json!({"text": "Leader's agenda.", "version": 1}));
    let res = save_note(&t.report_api, id, "shared", "Leader's agenda.", 0).await;
    assert_eq!(res.status, StatusCode::OK, "the same text is no conflict: {}", res.body);
    let res = save_note(&t.report_api, id, "shared", "Both agendas.", 1).await;
    assert_eq!(res.json()["version"], 2);
    let n = app.store.note(id, NoteKind::Shared).await.expect("read").expect("notes");
    assert_eq!((n.text.as_str(), n.version, n.updated_by), ("Both agendas.", 2, t.report.id));
    let p = save_note(&t.leader_api, id, "private", "Mine.", 3).await.problem(StatusCode::CONFLICT);
    assert_eq!(p["current"], json!({"text": "", "version": 0}));
}

/// Races two first saves (version 0, different texts) of one answer and checks
/// that exactly one is stored and the other gets it back in `current`.
async fn race_first_saves(app: &TestApp, t: &Team, id: i64, qid: i64, what: &str) {
    let (a, b) = (format!("Tab A, {what}."), format!("Tab B, {what}."));
    let (ra, rb) = tokio::join!(save(&t.report_api, id, qid, &a, 0), save(&t.report_api, id, qid, &b, 0));
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{what}: exactly one wins: A {} {} / B {} {}",
        ra.status,
        ra.body,
        rb.status,
        rb.body
    );
    let (winner, loser, winner_text) = if ra.status == StatusCode::OK { (ra, rb, a) } else { (rb, ra, b) };
    assert_eq!(winner.json()["version"], 1);
    let p = loser.problem(StatusCode::CONFLICT);
    assert_eq!(
        p["current"],
        json!({"text": winner_text, "version": 1}),
        "{what}: the loser gets the winner's text: {p}"
    );
    assert_eq!(stored(app, id, qid).await, Some((winner_text, 1)), "{what}");
    assert_eq!(detail(&t.report_api, id).await["state"], "preparing", "{what}");
}

/// Two first saves of one answer at once (two tabs): one wins, the other gets its text back. Never a 500.
#[tokio::test]
async fn concurrent_first_saves_store_one_and_return_it_to_the_other() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    // While the report is already preparing.
    let (id, q) = schedule(&t).await;
    save_ok(&t.report_api, id, q[0], "Started.", 0).await;
    for (round, qid) in q.iter().enumerate().skip(1) {
        race_first_saves(&app, &t, id, *qid, &format!("preparing, round {round}")).await;
    }
    // The very first saves of fresh conversations, which also move them from scheduled to preparing.
    for round in 0..16 {
        let (id, q) = schedule(&t).await;
        race_first_saves(&app, &t, id, q[round % q.len()], &format!("scheduled, round {round}")).await;
    }
}

/// Two first saves of the same notes at once (autosave in two tabs): one wins, the other gets its text back.
#[tokio::test]
async fn concurrent_first_note_saves_store_one_and_return_it_to_the_other() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    for round in 0..12 {
        let (id, _) = schedule(&t).await;
        for (kind, api_a, api_b) in
            [("shared", &t.leader_api, &t.report_api), ("private", &t.leader_api, &t.leader_api)]
        {
            let (a, b) = (format!("{kind} A {round}"), format!("{kind} B {round}"));
            let (ra, rb) = tokio::join!(save_note(api_a, id, kind, &a, 0), save_note(api_b, id, kind, &b, 0));
            let mut statuses = [ra.status, rb.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::OK, StatusCode::CONFLICT],
                "{kind} notes, round {round}: A {} {} / B {} {}",
                ra.status,
                ra.body,
                rb.status,
                rb.body
            );
            let (loser, winner_text) = if ra.status == StatusCode::OK { (rb, a) } else { (ra, b) };
            let p = loser.problem(StatusCode::CONFLICT);
            assert_eq!(p["current"], json!({"text": winner_text, "version": 1}), "{kind} notes, round {round}");
        }
    }
}

#[tokio::test]
async fn answers_and_notes_hold_up_to_20000_characters() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    // Characters, not bytes: 20,000 four-byte characters are fine.
    let longest = "🧗".repeat(20_000);
    assert_eq!(save_ok(&t.report_api, id, q[0], &longest, 0).await, 1);
    assert_eq!(stored(&app, id, q[0]).await, Some((longest.clone(), 1)));
    let too_long = format!("{longest}!");
    let p = save(&t.report_api, id, q[0], &too_long, 1).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let detail_text = p["detail"].as_str().expect("detail");
    assert!(detail_text.contains("20,000") && detail_text.contains("20001"), "{p}");
    assert_eq!(stored(&app, id, q[0]).await, Some((longest.clone(), 1)), "the previous text is unchanged");
    let p = save(&t.report_api, id, q[1], &"x".repeat(20_001), 0).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("20,000")), "{p}");
    assert_eq!(stored(&app, id, q[1]).await, None);

    let res = save_note(&t.leader_api, id, "private", &"n".repeat(20_000), 0).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let p = save_note(&t.leader_api, id, "private", &"n".repeat(20_001), 1).await;
    let p = p.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("20,000")), "{p}");
    let n = app.store.note(id, NoteKind::Private).await.expect("read").expect("notes");
    assert_eq!((n.text.chars().count(), n.version), (20_000, 1));
    let p = save_note(&t.report_api, id, "shared", &"s".repeat(20_001), 0).await;
    p.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.note(id, NoteKind::Shared).await.expect("read").is_none());
}

/// Texts that break naive handling: ZWJ emoji, right-to-left scripts, CJK,
/// combining marks, both kinds of line break, tabs and invisible characters.
fn unicode_samples() -> [&'static str; 9] {
    [
        "👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 🧑🏿‍🚀 astronaut",
        "مرحبا بالعالم، أريد أن أتعلم. שלום עולם, אני רוצה ללמוד. mixed עם English",
        "你好，世界。日本語のテキスト、한국어 텍스트。𠜎𠜱𠝹",
        "e\u{301}te\u{301}, n\u{303}, Z\u{335}\u{321}a\u{336}\u{31b}l\u{338}g\u{337}o\u{334}, \u{1100}\u{1161}\u{11a8}",
        "line one\r\nline two\r\n\r\nline four after a blank line\r\n",
        "lone\nnew\nlines\n\nand\ttabs\tinside\t",
        "\u{200b}zero width\u{200d}joiner\u{feff} bom \u{202e}override\u{202c} \u{00a0}nbsp",
        "   leading and trailing spaces   ",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math \u{1F600} and the replacement char \u{FFFD} and \u{7f}\u{1b}[31m escape",
    ]
}

#[tokio::test]
async fn any_unicode_round_trips_byte_for_byte() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (id, q) = schedule(&t).await;
    let samples = unicode_samples();
    for (qid, text) in q.iter().zip(samples) {
        save_ok(&t.report_api, id, *qid, text, 0).await;
    }
    let res = t.report_api.call(Method::POST, &conv(id, "/share")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["changed"], 9);
    for (who, d) in [("report", detail(&t.report_api, id).await), ("leader", detail(&t.leader_api, id).await)] {
        for (qid, text) in q.iter().zip(samples) {
            let got = answer(&d, *qid)["text"].as_str().map(str::as_bytes).map(<[u8]>::to_vec);
            assert_eq!(got.as_deref(), Some(text.as_bytes()), "{who}: {text:?}");
        }
    }
    for (qid, text) in q.iter().zip(samples) {
        assert_eq!(stored(&app, id, *qid).await.map(|(s, _)| s.into_bytes()), Some(text.as_bytes().to_vec()));
        // Saving the same text again is recognised as unchanged, byte for byte.
        let res = save(&t.report_api, id, *qid, text, 0).await;
        assert_eq!(res.status, StatusCode::OK, "{text:?}: {}", res.body);
        assert_eq!(res.json()["version"], 1, "{text:?}");
    }
    // A sample that differs only by normalisation is a different text (NFC é vs NFD é).
    let p = save(&t.report_api, id, q[3], &samples[3].replace("e\u{301}", "\u{e9}"), 0).await;
    assert_eq!(p.problem(StatusCode::CONFLICT)["current"]["text"], samples[3]);

    let all = samples.join("\u{2028}");
    for kind in ["shared", "private"] {
        let res = save_note(&t.leader_api, id, kind, &all, 0).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = t.leader_api.get(&conv(id, &format!("/notes/{kind}"))).await;
        assert_eq!(res.json()["text"].as_str().map(str::as_bytes), Some(all.as_bytes()), "{kind} notes");
    }
    let res = t.report_api.get(&conv(id, "/notes/shared")).await;
    assert_eq!(res.json()["text"].as_str(), Some(all.as_str()));
}

#[tokio::test]
async fn html_is_kept_verbatim_by_the_api_and_escaped_in_pages() {
    let app = TestApp::spawn().await;
    let t: Team = team(&app).await;
    let (id, q) = schedule(&t).await;
    let evil = r#"<script>alert("owned")</script> & <img src=x onerror=alert(1)> 'quoted' </textarea><b>"#;
    save_ok(&t.report_api, id, q[0], evil, 0).await;
    assert_eq!(share(&t.report_api, id, q[0], true).await.status, StatusCode::OK);
    save_ok(&t.report_api, id, q[1], evil, 0).await;
    let res = save_note(&t.leader_api, id, "shared", evil, 0).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = save_note(&t.leader_api, id, "private", evil, 0).await;
    assert_eq!(res.status, StatusCode::OK);

    let d = detail(&t.leader_api, id).await;
    assert_eq!(answer(&d, q[0])["text"], evil, "the API returns the text as typed");
    assert_eq!(t.leader_api.get(&conv(id, "/notes/private")).await.json()["text"], evil);
    assert_eq!(detail(&t.report_api, id).await["questions"][1]["answer"]["text"], evil);

    for who in [t.leader.id, t.report.id] {
        let html = app.browser_for(who).await.get(&format!("/conversations/{id}")).await;
        assert_eq!(html.status, StatusCode::OK);
        // Named (`&lt;`) or numeric (`&#60;`, what Askama writes) entities are both escaping.
        let escaped = ["&lt;script&gt;alert(", "&#60;script&#62;alert("];
        assert!(escaped.iter().any(|e| html.body.contains(e)), "escaped for {who}");
        assert!(
            ["&lt;/textarea&gt;&lt;b&gt;", "&#60;/textarea&#62;&#60;b&#62;"].iter().any(|e| html.body.contains(e)),
            "escaped for {who}"
        );
        assert!(!html.body.contains("<script>alert("), "never raw for {who}");
        assert!(!html.body.contains("<img src=x"), "never raw for {who}");
        assert!(!html.body.contains("</textarea><b>"), "a text cannot close its textarea for {who}");
    }
    let res = t.leader_api.get(&conv(id, "")).await;
    assert_eq!(res.header("content-type"), Some("application/json"));
    let v: Value = res.json();
    assert_eq!(v["id"], id);
}
