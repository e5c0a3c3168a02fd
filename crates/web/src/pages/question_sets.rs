//! Question set pages: list, view, create, edit, delete, import with preview.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use foothold_domain::conversation::{Category, Question};
use foothold_domain::policy::{self, Denial, SetAction, SetOwner};
use foothold_domain::question_import::{self, ImportProblem};
use foothold_store::{QuestionSet, SetScope};

use super::{Chrome, render_with};
use crate::AppState;
use crate::auth::{Identity, Viewer};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::question_sets as uc;

fn scope_label(s: SetScope) -> &'static str {
    match s {
        SetScope::Builtin => "Built in",
        SetScope::Org => "Everyone",
        SetScope::Personal => "Only you",
    }
}

pub struct SetRow {
    id: i64,
    name: String,
    scope: &'static str,
    past: usize,
    present: usize,
    future: usize,
    editable: bool,
}

#[derive(Template)]
#[template(path = "question_sets.html")]
struct ListPage {
    chrome: Chrome,
    sets: Vec<SetRow>,
    can_create: bool,
    errors: Vec<String>,
    notice: String,
}

fn count(set: &QuestionSet, c: Category) -> usize {
    set.questions.iter().filter(|q| q.category == c).count()
}

/// Whether the person may make question sets at all: the policy's rule for
/// a set of their own (leaders and admins). The decision, not yet an error:
/// the list page only asks, and only a refused request is logged as one.
async fn create_decision(state: &AppState, v: &Identity) -> Result<Result<(), Denial>, AppError> {
    let leader = uc::is_leader(state.store(), v).await?;
    Ok(policy::may_create_set(v.actor(), leader, SetOwner::Personal(v.person.id)))
}

/// The sets a person may use.
pub async fn list(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    let sets = state
        .store()
        .question_sets_for(v.person.id)
        .await?
        .into_iter()
        .map(|s| SetRow {
            past: count(&s, Category::Past),
            present: count(&s, Category::Present),
            future: count(&s, Category::Future),
            editable: uc::may_edit(&v, &s),
            scope: scope_label(s.scope),
            id: s.id,
            name: s.name,
        })
        .collect();
    let can_create = create_decision(&state, &v).await?.is_ok();
    render_with(
        StatusCode::OK,
        &ListPage { chrome: Chrome::of(&v, "sets"), sets, can_create, errors: vec![], notice: String::new() },
    )
}

type Block = (&'static str, &'static str, &'static str, Vec<String>);

fn blocks(questions: &[Question]) -> Vec<Block> {
    Category::ALL
        .iter()
        .map(|c| {
            let qs = questions.iter().filter(|q| q.category == *c).map(|q| q.text.clone()).collect::<Vec<_>>();
            (c.as_str(), c.label(), c.purpose(), qs)
        })
        .filter(|b| !b.3.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "question_set.html")]
struct SetPage {
    chrome: Chrome,
    id: i64,
    name: String,
    scope: &'static str,
    editable: bool,
    blocks: Vec<Block>,
    errors: Vec<String>,
    notice: String,
}

/// One set.
pub async fn show(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let set = uc::load(state.store(), &v, id, SetAction::Use).await?;
    render_with(
        StatusCode::OK,
        &SetPage {
            chrome: Chrome::of(&v, "sets"),
            id,
            editable: uc::may_edit(&v, &set),
            scope: scope_label(set.scope),
            blocks: blocks(&set.questions),
            name: set.name,
            errors: vec![],
            notice: String::new(),
        },
    )
}

pub struct FormRow {
    order: String,
    category: String,
    text: String,
}

#[derive(Template)]
#[template(path = "question_set_form.html")]
struct FormPage {
    chrome: Chrome,
    editing: bool,
    id: i64,
    action: String,
    name: String,
    scope: String,
    version: String,
    can_publish: bool,
    rows: Vec<FormRow>,
    errors: Vec<String>,
    notice: String,
}

/// Empty rows offered for new questions.
const BLANK_ROWS: usize = 3;

fn rows_of(questions: &[Question]) -> Vec<FormRow> {
    let mut rows: Vec<FormRow> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| FormRow {
            order: (i + 1).to_string(),
            category: q.category.as_str().into(),
            text: q.text.clone(),
        })
        .collect();
    let next = rows.len();
    for i in 0..BLANK_ROWS {
        rows.push(FormRow { order: (next + i + 1).to_string(), category: "future".into(), text: String::new() });
    }
    rows
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    v: &Identity,
    id: Option<i64>,
    name: String,
    scope: &str,
    version: String,
    rows: Vec<FormRow>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &FormPage {
            chrome: Chrome::of(v, "sets"),
            editing: id.is_some(),
            id: id.unwrap_or(0),
            action: id.map(|i| format!("/question-sets/{i}/edit")).unwrap_or_else(|| "/question-sets".into()),
            name,
            scope: scope.into(),
            version,
            can_publish: v.person.role == foothold_domain::Role::Admin,
            rows,
            errors,
            notice: String::new(),
        },
    )
}

/// A blank set, starting from the practice's questions.
pub async fn new_form(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    create_decision(&state, &v).await?.map_err(AppError::from)?;
    let rows = rows_of(&foothold_domain::conversation::career_dreaming());
    form_page(&v, None, "My career questions".into(), "personal", String::new(), rows, vec![])
}

/// The submitted rows, ordered, with removed and blank rows dropped.
fn read_rows(fields: &HashMap<String, String>) -> (Vec<FormRow>, Vec<(String, String)>) {
    let n = fields.get("rows").and_then(|r| r.parse::<usize>().ok()).unwrap_or(0).min(200);
    let mut kept: Vec<(f64, usize, String, String)> = Vec::new();
    let mut echo = Vec::new();
    for i in 0..n {
        let get = |k: &str| fields.get(&format!("{k}-{i}")).cloned().unwrap_or_default();
        let (order, category, text) = (get("order"), get("category"), get("text"));
        let removed = fields.contains_key(&format!("remove-{i}"));
        if !removed && !text.trim().is_empty() {
            kept.push((order.trim().parse::<f64>().unwrap_or(i as f64 + 1.0), i, category.clone(), text.clone()));
            echo.push(FormRow { order, category, text });
        }
    }
    kept.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    (echo, kept.into_iter().map(|(_, _, c, t)| (c, t)).collect())
}

async fn save(
    state: &AppState,
    v: &Identity,
    id: Option<i64>,
    fields: HashMap<String, String>,
) -> Result<Response, PageError> {
    let name = fields.get("name").cloned().unwrap_or_default();
    let scope_s = fields.get("scope").cloned().unwrap_or_else(|| "personal".into());
    let version = fields.get("version").cloned().unwrap_or_default();
    let (mut echo, items) = read_rows(&fields);
    let result = async {
        let scope = uc::parse_scope(&scope_s)?;
        let questions = uc::check_questions(&items)?;
        match id {
            Some(id) => uc::update(state.store(), v, id, &name, scope, &questions, version.parse().ok()).await,
            None => uc::create(state.store(), v, &name, scope, &questions).await,
        }
    }
    .await;
    match result {
        Ok(set) => Ok(Redirect::to(&format!("/question-sets/{}", set.id)).into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Stale)) => {
            for i in 0..BLANK_ROWS {
                echo.push(FormRow {
                    order: (items.len() + i + 1).to_string(),
                    category: "future".into(),
                    text: String::new(),
                });
            }
            form_page(v, id, name, &scope_s, version, echo, vec![e.to_string()])
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates a set.
pub async fn create(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save(&state, &v, None, f).await
}

/// The edit form.
pub async fn edit_form(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let set = uc::load(state.store(), &v, id, SetAction::Edit).await?;
    let scope = if set.scope == SetScope::Org { "org" } else { "personal" };
    form_page(&v, Some(id), set.name.clone(), scope, set.version.to_string(), rows_of(&set.questions), vec![])
}

/// Saves an edit.
pub async fn update(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save(&state, &v, Some(id), f).await
}

/// Deletes a set.
pub async fn delete(
    State(state): State<AppState>,
    Viewer(v): Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    uc::delete(state.store(), &v, id).await?;
    Ok(Redirect::to("/question-sets").into_response())
}

pub struct MapRow {
    name: String,
    count: usize,
    sample: String,
    target: &'static str,
}

#[derive(Template)]
#[template(path = "question_set_import.html")]
struct ImportPage {
    chrome: Chrome,
    preview: bool,
    format: String,
    content: String,
    mapping: Vec<MapRow>,
    blocks: Vec<(&'static str, Vec<String>)>,
    count: usize,
    name: String,
    can_publish: bool,
    problems: Vec<String>,
    errors: Vec<String>,
    notice: String,
}

impl ImportPage {
    fn new(v: &Identity) -> Self {
        ImportPage {
            chrome: Chrome::of(v, "sets"),
            preview: false,
            format: "markdown".into(),
            content: String::new(),
            mapping: vec![],
            blocks: vec![],
            count: 0,
            name: String::new(),
            can_publish: v.person.role == foothold_domain::Role::Admin,
            problems: vec![],
            errors: vec![],
            notice: String::new(),
        }
    }
}

/// The import form.
pub async fn import_form(State(state): State<AppState>, Viewer(v): Viewer) -> Result<Response, PageError> {
    create_decision(&state, &v).await?.map_err(AppError::from)?;
    render_with(StatusCode::OK, &ImportPage::new(&v))
}

fn target(c: Option<Category>) -> &'static str {
    c.map(Category::as_str).unwrap_or("skip")
}

fn show_problem(p: &ImportProblem) -> String {
    let s = p.to_string();
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or(s)
}

/// Reads an upload (multipart) or a preview/save step (form), previews, and saves on request.
pub async fn import(State(state): State<AppState>, Viewer(v): Viewer, req: Request) -> Result<Response, PageError> {
    create_decision(&state, &v).await?.map_err(AppError::from)?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/"));
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut bytes: Vec<u8> = Vec::new();
    if multipart {
        let mut mp =
            Multipart::from_request(req, &state).await.map_err(|e| AppError::Rejected(e.status(), e.body_text()))?;
        while let Some(field) = mp.next_field().await.map_err(crate::extract::multipart_error)? {
            let name = field.name().unwrap_or_default().to_owned();
            let data = field.bytes().await.map_err(crate::extract::multipart_error)?;
            if name == "file" {
                if !data.is_empty() {
                    bytes = data.to_vec();
                }
            } else {
                fields.insert(name, String::from_utf8_lossy(&data).into_owned());
            }
        }
    } else {
        let PageForm(f) = PageForm::<HashMap<String, String>>::from_request(req, &state).await?;
        fields = f;
    }
    if bytes.is_empty() {
        bytes = fields.get("content").cloned().unwrap_or_default().into_bytes();
    }
    let mut page = ImportPage::new(&v);
    page.format =
        if fields.get("format").map(String::as_str) == Some("bank") { "bank".into() } else { "markdown".into() };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        page.errors.push("Choose a file or paste the questions.".into());
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let step = fields.get("step").cloned().unwrap_or_else(|| "upload".into());
    let parsed: Result<(Option<String>, Vec<Question>), Vec<String>> = if page.format == "bank" {
        match question_import::parse_question_bank(&bytes, "en") {
            Err(problems) => Err(problems.iter().map(show_problem).collect()),
            Ok(bank) => {
                let mapping: BTreeMap<String, Option<Category>> = if step == "upload" {
                    bank.suggested()
                } else {
                    (0..bank.categories.len())
                        .filter_map(|i| {
                            let name = fields.get(&format!("mapname-{i}"))?.clone();
                            let to = fields.get(&format!("map-{i}")).and_then(|t| Category::parse(t));
                            Some((name, to))
                        })
                        .collect()
                };
                page.mapping = bank
                    .categories
                    .iter()
                    .map(|c| MapRow {
                        name: c.name.clone(),
                        count: c.count,
                        sample: bank.texts(&c.name).next().unwrap_or_default().chars().take(80).collect(),
                        target: target(mapping.get(&c.name).copied().flatten()),
                    })
                    .collect();
                page.preview = true;
                bank.select(&mapping).map(|qs| (None, qs)).map_err(|p| vec![show_problem(&p)])
            }
        }
    } else {
        question_import::parse_markdown(&bytes)
            .map(|set| (set.name, set.questions))
            .map_err(|problems| problems.iter().map(show_problem).collect())
    };
    page.content = String::from_utf8_lossy(&bytes).into_owned();
    match parsed {
        Err(problems) => {
            page.problems = problems;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Ok((name, questions)) => {
            if step == "save" {
                let result = async {
                    let scope = uc::parse_scope(fields.get("scope").map(String::as_str).unwrap_or("personal"))?;
                    uc::create(
                        state.store(),
                        &v,
                        fields.get("name").map(String::as_str).unwrap_or(""),
                        scope,
                        &questions,
                    )
                    .await
                }
                .await;
                match result {
                    Ok(set) => return Ok(Redirect::to(&format!("/question-sets/{}", set.id)).into_response()),
                    Err(AppError::BadRequest(msg)) => page.errors.push(msg),
                    Err(e) => return Err(e.into()),
                }
            }
            page.preview = true;
            page.count = questions.len();
            page.name = fields.get("name").cloned().or(name).unwrap_or_else(|| "Imported questions".into());
            page.blocks = blocks(&questions).into_iter().map(|b| (b.1, b.3)).collect();
            let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            render_with(status, &page)
        }
    }
}
