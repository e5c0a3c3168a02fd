//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document that is
//! generated from these handlers.

mod conversations;
mod engagement;
mod export;
mod insight;
mod me;
mod people;
mod plans;
mod question_sets;
mod rules;
mod themes;
mod tokens;

use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Foothold API", description = "Career conversations on a climbing wall. Authenticate with a personal API token: `Authorization: Bearer <token>`. Errors are `application/problem+json` (RFC 9457)."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "people", description = "People and reporting lines"), (name = "tokens", description = "Personal API tokens"),
         (name = "profile", description = "Your calendar feed, email reminder preferences and who read or changed your data"),
         (name = "conversations", description = "Career conversations: answers, sharing, notes"),
         (name = "question-sets", description = "Past, Present and Future questions, and their importers"),
         (name = "themes", description = "The theme taxonomy, organisation themes, a person's themes over time"),
         (name = "engagement", description = "The pulse (your own answers only) and quarterly performance views"),
         (name = "plans", description = "Growth plans: priority themes, steps, history, quarterly check-ins, role history"))
)]
struct ApiDoc;

/// A value that breaks a rule answers 422 in the API (the use-cases say 400,
/// which is what a malformed request gets).
fn unprocessable(e: crate::error::AppError) -> crate::error::AppError {
    use crate::error::AppError;
    match e {
        AppError::BadRequest(m) => AppError::Rejected(axum::http::StatusCode::UNPROCESSABLE_ENTITY, m),
        other => other,
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Answers every operation can give: a malformed request (400) and missing
/// or bad credentials (401); and every operation with a body: one too large
/// (413), of another type (415) or, for JSON, one that does not fit (422).
/// All are problem documents.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            for op in
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
            {
                let responses = &mut op.responses.responses;
                responses.entry("400".into()).or_insert_with(|| {
                    problem("The request is malformed (a path value, header or body); `detail` says which.")
                });
                responses.entry("401".into()).or_insert_with(|| problem("Missing, unknown or revoked credentials."));
                let Some(body) = &op.request_body else { continue };
                responses
                    .entry("413".into())
                    .or_insert_with(|| problem("The body is larger than this operation takes."));
                responses
                    .entry("415".into())
                    .or_insert_with(|| problem("The body is missing or not sent with the documented `Content-Type`."));
                let json = match body {
                    RefOr::T(b) => b.content.contains_key("application/json"),
                    RefOr::Ref(_) => false,
                };
                if json {
                    responses.entry("422".into()).or_insert_with(|| {
                        problem("The body does not fit its schema, or a value breaks a rule; `detail` says which.")
                    });
                }
            }
        }
    }
}

fn documented() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(people::me))
        .routes(routes!(people::list, people::create))
        .routes(routes!(people::get_one, people::update))
        .routes(routes!(people::invite))
        .routes(routes!(people::import))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(me::get_feed, me::regenerate_feed, me::delete_feed))
        .routes(routes!(me::get_preferences, me::update_preferences))
        .routes(routes!(me::audit))
        .routes(routes!(conversations::list, conversations::create))
        .routes(routes!(conversations::get_one, conversations::update))
        .routes(routes!(conversations::save_answer))
        .routes(routes!(conversations::share, conversations::unshare))
        .routes(routes!(conversations::share_all))
        .routes(routes!(conversations::get_note, conversations::save_note))
        .routes(routes!(conversations::grant, conversations::revoke))
        .routes(routes!(themes::list, themes::decide))
        .routes(routes!(themes::undo))
        .routes(routes!(themes::taxonomy))
        .routes(routes!(themes::put_custom, themes::delete_custom))
        .routes(routes!(themes::history))
        .routes(routes!(export::export))
        .routes(routes!(insight::get))
        .routes(routes!(engagement::mine))
        .routes(routes!(engagement::answer))
        .routes(routes!(engagement::list))
        .routes(routes!(engagement::write))
        .routes(routes!(engagement::comment))
        .routes(routes!(plans::list, plans::create))
        .routes(routes!(plans::get_one, plans::update))
        .routes(routes!(plans::add_theme))
        .routes(routes!(plans::update_theme))
        .routes(routes!(plans::add_step))
        .routes(routes!(plans::update_step))
        .routes(routes!(plans::history))
        .routes(routes!(plans::checkin))
        .routes(routes!(plans::roles, plans::record_role))
        .routes(routes!(question_sets::list, question_sets::create))
        .routes(routes!(question_sets::import))
        .routes(routes!(question_sets::get_one, question_sets::update, question_sets::delete));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

/// utoipa writes `additionalProperties: false` for a struct that denies
/// unknown fields, but not for the variants of an internally tagged enum
/// (`#[serde(tag = "action")]`), whose unknown fields serde refuses too.
struct ClosedVariants(&'static [&'static str]);

impl Modify for ClosedVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        let Some(components) = openapi.components.as_mut() else { return };
        for name in self.0 {
            if let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get_mut(*name) {
                for variant in &mut one_of.items {
                    if let RefOr::T(Schema::Object(o)) = variant {
                        o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                    }
                }
            }
        }
    }
}

/// The routes and their document, with the problems every operation can answer.
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = documented().split_for_parts();
    // After the routes are added: a modifier on the derive runs before they exist.
    CommonProblems.modify(&mut doc);
    ClosedVariants(&["DecideIn"]).modify(&mut doc);
    (router, doc)
}

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The API routes, with the document at `/api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, doc) = parts();
    let json = std::sync::Arc::new(doc.to_json().unwrap_or_else(|_| "{}".into()));
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let json = json.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], (*json).clone()) }
        }),
    )
}
