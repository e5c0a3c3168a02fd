//! Server-rendered pages. Each works without JavaScript.

pub(crate) use insight::resolve as insight_resolve;
pub(crate) use people::INVITE_DAYS;
pub use session::SETUP_TOKEN_KEY;

mod conversations;
mod engagement;
mod export;
mod home;
pub(crate) mod insight;
mod ops;
mod people;
pub(crate) mod plans;
mod profile;
mod question_sets;
mod session;
mod themes;

use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::auth::Identity;
use crate::error::{AppError, PageError};

/// What the layout needs on every page.
pub struct Chrome {
    pub signed_in: bool,
    pub name: String,
    pub is_admin: bool,
    /// Admins reach insight from the menu; leaders from their home page.
    pub sees_insight: bool,
    pub csrf: String,
    pub section: &'static str,
}

impl Chrome {
    /// For a signed-in person.
    pub fn of(identity: &Identity, section: &'static str) -> Self {
        Chrome {
            signed_in: true,
            name: identity.person.name.clone(),
            is_admin: identity.person.role == foothold_domain::Role::Admin,
            sees_insight: identity.person.role == foothold_domain::Role::Admin,
            csrf: identity.csrf().to_owned(),
            section,
        }
    }

    /// For someone not signed in.
    pub fn anonymous() -> Self {
        Chrome {
            signed_in: false,
            name: String::new(),
            is_admin: false,
            sees_insight: false,
            csrf: String::new(),
            section: "",
        }
    }
}

/// Renders a template as a page.
pub fn render<T: Template>(t: &T) -> Result<Response, PageError> {
    render_with(axum::http::StatusCode::OK, t)
}

/// Renders a template with a status (a form shown again with its errors is 422).
pub fn render_with<T: Template>(status: axum::http::StatusCode, t: &T) -> Result<Response, PageError> {
    // Pages run to some tens of kilobytes, far past what askama guesses from
    // the template: growing from its guess copied the page over and over (a
    // thirtieth of the plan page's CPU).
    let mut body = String::with_capacity(T::SIZE_HINT.max(PAGE_BYTES));
    t.render_into(&mut body).map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok((status, Html(body)).into_response())
}

/// Room made for a page before it is rendered.
const PAGE_BYTES: usize = 32 * 1024;

/// `s` escaped as templates escape it, for HTML written once and kept.
fn escaped(s: &str) -> String {
    match askama::filters::escape(s, askama::filters::Html) {
        Ok(e) => e.to_string(),
    }
}

/// One choice of a `<select>` or a radio group, written out once with its
/// value and label escaped, both as it is and chosen. A plan page shows some
/// ninety choices: written piece by piece on every view, they were a quarter
/// of its rendering.
pub(crate) struct Choice {
    value: String,
    plain: String,
    chosen: String,
}

impl Choice {
    /// `<option value="…">…</option>`, `selected` when chosen.
    pub(crate) fn option(value: &str, label: &str) -> Choice {
        let (v, l) = (escaped(value), escaped(label));
        Choice {
            value: value.to_owned(),
            plain: format!("<option value=\"{v}\">{l}</option>"),
            chosen: format!("<option value=\"{v}\" selected>{l}</option>"),
        }
    }

    /// A labelled radio button named `name`, `checked` when chosen.
    pub(crate) fn radio(name: &str, value: &str, label: &str) -> Choice {
        let (n, v, l) = (escaped(name), escaped(value), escaped(label));
        let input = format!("<label class=\"check\"><input type=\"radio\" name=\"{n}\" value=\"{v}\"");
        Choice {
            value: value.to_owned(),
            plain: format!("{input}> {l}</label>"),
            chosen: format!("{input} checked> {l}</label>"),
        }
    }

    /// Its HTML, chosen when `chosen` is its value.
    pub(crate) fn html(&self, chosen: &str) -> &str {
        if self.value == chosen { &self.chosen } else { &self.plain }
    }

    /// Its HTML, not chosen.
    pub(crate) fn as_is(&self) -> &str {
        &self.plain
    }
}

/// A local path to go to after sign-in; anything else (other sites, `//host`) goes home.
pub fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and newlines and read `\` as `/`, so `/\t/evil` or
    // `/\\evil` would leave the site; a newline would also break the header.
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if local { next } else { "/" }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/setup", get(session::setup_form).post(session::setup))
        .route("/sign-in", get(session::sign_in_form).post(session::sign_in))
        .route("/sign-out", post(session::sign_out))
        .route("/sign-out-everywhere", post(session::sign_out_everywhere))
        .route("/invite/{token}", get(session::invite_form).post(session::accept_invite))
        .route("/people", get(people::list))
        .route("/people/new", get(people::new_form).post(people::create))
        .route(
            "/people/import",
            get(people::import_form)
                .post(people::import)
                .layer(axum::extract::DefaultBodyLimit::max(crate::IMPORT_LIMIT)),
        )
        .route("/people/{id}", get(people::show))
        .route("/people/{id}/edit", get(people::edit_form).post(people::update))
        .route("/people/{id}/invite", post(people::invite))
        .route("/conversations", get(conversations::list).post(conversations::create))
        .route("/conversations/new", get(conversations::new_form))
        .route("/conversations/{id}", get(conversations::show))
        .route("/conversations/{id}/answers", post(conversations::save_answers))
        .route("/conversations/{id}/notes", post(conversations::save_notes))
        .route("/conversations/{id}/held", post(conversations::held))
        .route("/conversations/{id}/cancel", post(conversations::cancel))
        .route("/conversations/{id}/reschedule", get(conversations::reschedule_form).post(conversations::reschedule))
        .route("/conversations/{id}/access", post(conversations::access))
        .route("/conversations/{id}/themes", post(conversations::decide_themes))
        .route("/conversations/{id}/plan", post(plans::start))
        .route("/plans", get(plans::list))
        .route("/plans/{id}", get(plans::show).post(plans::edit))
        .route("/plans/{id}/history", get(plans::history))
        .route("/plans/{id}/print", get(plans::print))
        .route("/plans/{id}/plan.md", get(plans::markdown))
        .route("/plans/{id}/checkins/{number}", get(plans::checkin_form).post(plans::checkin))
        .route("/people/{id}/roles", post(plans::record_role))
        .route("/question-sets", get(question_sets::list).post(question_sets::create))
        .route("/question-sets/new", get(question_sets::new_form))
        .route(
            "/question-sets/import",
            get(question_sets::import_form)
                .post(question_sets::import)
                .layer(axum::extract::DefaultBodyLimit::max(crate::IMPORT_LIMIT)),
        )
        .route("/question-sets/{id}", get(question_sets::show))
        .route("/question-sets/{id}/edit", get(question_sets::edit_form).post(question_sets::update))
        .route("/question-sets/{id}/delete", post(question_sets::delete))
        .route("/themes", get(themes::show).post(themes::save))
        .route("/pulse", get(engagement::pulse).post(engagement::answer))
        .route("/insight", get(insight::show))
        .route("/insight.csv", get(insight::csv))
        .route("/insight/settings", post(insight::settings))
        .route("/insight/rounds", post(insight::open_round))
        .route("/people/{id}/performance", get(engagement::performance).post(engagement::write))
        .route("/performance/{id}/comment", post(engagement::comment))
        .route("/profile", get(profile::show))
        .route("/profile/export", get(export::download))
        .route("/profile/audit", get(profile::audit))
        .route("/profile/password", post(profile::change_password))
        .route("/profile/tokens", post(profile::create_token))
        .route("/profile/tokens/{id}/revoke", post(profile::revoke_token))
        .route("/profile/calendar-feed", post(profile::regenerate_feed))
        .route("/profile/calendar-feed/delete", post(profile::delete_feed))
        .route("/profile/reminders", post(profile::set_reminders))
}

/// Anything not routed: a problem document under `/api/`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(AppError::NotFound).into_response()
    } else {
        PageError(AppError::NotFound).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::{Choice, safe_next};

    #[test]
    fn a_choice_is_written_escaped_and_chosen_by_its_value() {
        let o = Choice::option("q\"><x>", "<b>Q1</b> & 'more'");
        assert_eq!(o.as_is(), o.html("other"));
        assert_eq!(
            o.html("other"),
            "<option value=\"q&#34;&#62;&#60;x&#62;\">&#60;b&#62;Q1&#60;/b&#62; &#38; &#39;more&#39;</option>"
        );
        assert_eq!(
            o.html("q\"><x>"),
            "<option value=\"q&#34;&#62;&#60;x&#62;\" selected>&#60;b&#62;Q1&#60;/b&#62; &#38; &#39;more&#39;</option>"
        );
        let r = Choice::radio("kind", "step_up", "Step <up>");
        assert_eq!(
            r.html(""),
            "<label class=\"check\"><input type=\"radio\" name=\"kind\" value=\"step_up\"> Step &#60;up&#62;</label>"
        );
        assert_eq!(
            r.html("step_up"),
            "<label class=\"check\"><input type=\"radio\" name=\"kind\" value=\"step_up\" checked> Step &#60;up&#62;</label>"
        );
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/people/3"), "/people/3");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "people",
            "/\t/evil.example",
            "/\n/x",
            "/ /x",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }
}
