//! "Download all my data": everything Foothold holds that a person wrote or
//! that is about them, in one zip archive of JSON files plus each plan in
//! Markdown. It holds exactly what that person may read: their own drafts,
//! their own private notes as a leader, never a report's unshared words.

use std::io::Write;

use foothold_store::{Answers, NoteKind, Person, Store};
use serde_json::{Value, json};

use crate::error::AppError;

fn zip_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("export archive: {e}"))
}

/// The person's data as `(file name, bytes)` pairs.
pub async fn files(store: &Store, me: &Person) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let json_file = |name: &str, v: &Value| -> Result<(String, Vec<u8>), AppError> {
        Ok((name.to_owned(), serde_json::to_vec_pretty(v).map_err(zip_err)?))
    };

    out.push(json_file(
        "person.json",
        &json!({"id": me.id, "name": me.name, "email": me.email, "title": me.title,
                "department": me.department, "manager_id": me.manager_id, "role": me.role.as_str()}),
    )?);

    // Conversations in which the person reflected: every answer, drafts included, and the shared notes.
    let mut reflections = Vec::new();
    for c in store.conversations_of_report(me.id).await? {
        let questions: Vec<Value> = store
            .asked_with_answers(c.id, Answers::All)
            .await?
            .into_iter()
            .map(|(q, a)| {
                let a = a.as_ref();
                json!({"category": q.question.category.as_str(), "question": q.question.text,
                       "answer": a.map(|a| a.text.clone()),
                       "shared_at": a.and_then(|a| a.shared_at), "updated_at": a.map(|a| a.updated_at)})
            })
            .collect();
        let themes: Vec<Value> = store
            .conversation_themes(c.id)
            .await?
            .into_iter()
            .map(|t| {
                json!({"key": t.key, "label": t.label, "valence": t.valence,
                            "status": format!("{:?}", t.status).to_lowercase(), "decided_by": t.decided_by,
                            "decided_at": t.decided_at})
            })
            .collect();
        let shared_notes = store.note(c.id, NoteKind::Shared).await?.map(|n| n.text);
        reflections.push(json!({"id": c.id, "leader_id": c.leader_id, "scheduled_at": c.scheduled_at,
            "time_zone": c.time_zone, "state": c.state.as_str(), "question_set": c.set_name,
            "questions": questions, "shared_notes": shared_notes, "themes": themes}));
    }
    out.push(json_file("conversations.json", &Value::Array(reflections))?);

    // Conversations the person led: only what they wrote themselves.
    let mut led = Vec::new();
    for c in store.conversations_led_by(me.id).await? {
        let private = store.note(c.id, NoteKind::Private).await?.map(|n| n.text);
        led.push(json!({"id": c.id, "report_id": c.report_id, "scheduled_at": c.scheduled_at,
                        "state": c.state.as_str(), "private_notes": private}));
    }
    out.push(json_file("conversations-led.json", &Value::Array(led))?);

    let mut plans = Vec::new();
    for p in store.plans_of(me.id).await? {
        let Some(d) = store.plan_detail(p.id).await? else { continue };
        let history: Vec<Value> = store
            .plan_history(p.id)
            .await?
            .into_iter()
            .map(|h| json!({"person_id": h.person_id, "changed_at": h.changed_at, "summary": h.summary}))
            .collect();
        let names = store.names(&[d.plan.person_id, d.plan.leader_id]).await?;
        out.push((format!("plans/plan-{}.md", p.id), crate::plans::markdown(&d, &names).into_bytes()));
        plans.push(json!({
            "id": p.id, "leader_id": p.leader_id, "conversation_id": p.conversation_id,
            "starts_on": p.starts_on, "ends_on": p.ends_on, "state": p.state.as_str(), "review": p.review,
            "themes": d.themes.iter().map(|t| json!({"id": t.id, "label": t.label, "dropped": t.dropped})).collect::<Vec<_>>(),
            "steps": d.steps.iter().map(|s| json!({"theme_id": s.theme_id, "kind": s.kind.as_str(), "what": s.what,
                "signal": s.signal, "support": s.support, "target_quarter": s.target_quarter,
                "status": s.status.as_str(), "progress": s.progress})).collect::<Vec<_>>(),
            "checkins": d.checkins.iter().map(|c| json!({"number": c.number, "due_on": c.due_on,
                "completed_at": c.completed_at, "what_changed": c.what_changed})).collect::<Vec<_>>(),
            "history": history,
        }));
    }
    out.push(json_file("plans.json", &Value::Array(plans))?);

    let roles: Vec<Value> = store
        .roles_of(me.id)
        .await?
        .into_iter()
        .map(|r| json!({"title": r.title, "department": r.department, "started_on": r.started_on, "ended_on": r.ended_on}))
        .collect();
    out.push(json_file("roles.json", &Value::Array(roles))?);

    let pulses: Vec<Value> = store
        .pulses_of(me.id)
        .await?
        .into_iter()
        .map(|p| json!({"quarter": p.quarter, "scores": p.answer.scores, "enps": p.answer.enps, "answered_at": p.answered_at}))
        .collect();
    out.push(json_file("pulses.json", &Value::Array(pulses))?);
    let views: Vec<Value> = store
        .performance_of(me.id)
        .await?
        .into_iter()
        .map(|v| {
            json!({"quarter": v.quarter, "rating": v.rating, "narrative": v.narrative,
                        "your_comment": v.member_comment, "leader_id": v.leader_id})
        })
        .collect();
    out.push(json_file("performance.json", &Value::Array(views))?);
    out.push((
        "README.txt".into(),
        format!(
            "Everything Foothold holds that {} wrote or that is about them, exported {}.\n\n\
             person.json             who you are in Foothold\n\
             conversations.json      your career conversations: every reflection (drafts too), shared notes, themes\n\
             conversations-led.json  conversations you led: your own private notes\n\
             plans.json              your growth plans with their steps, check-ins and history\n\
             plans/*.md              each plan in Markdown\n\
             roles.json              the roles you have held\n\
             pulses.json             your own pulse answers (nobody else ever sees them)\n\
             performance.json        your leader's quarterly views and your comments\n",
            me.name,
            foothold_store::now().format("%Y-%m-%d %H:%M UTC")
        )
        .into_bytes(),
    ));
    Ok(out)
}

/// The person's data as one zip archive.
pub async fn archive(store: &Store, me: &Person) -> Result<Vec<u8>, AppError> {
    let files = files(store, me).await?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(format!("foothold-export/{name}"), options).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(zip_err)?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}
