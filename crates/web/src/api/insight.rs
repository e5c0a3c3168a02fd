//! `/api/v1/insight`: a group's quarterly figures, the same the insight page
//! shows. Aggregates only, under the anonymity rules; never a single answer.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::insight as uc;

/// One quarter of a group.
#[derive(Serialize, ToSchema)]
pub struct QuarterOut {
    /// `2027-Q1`.
    quarter: String,
    /// Distinct people behind the pulse figure; absent when withheld.
    respondents: Option<usize>,
    /// Engagement index 0–100.
    engagement: Option<f64>,
    /// eNPS −100–100.
    enps: Option<i32>,
    /// First and last quarter pooled, when pooled.
    pooled: Option<(String, String)>,
    /// Why the pulse figure is withheld.
    withheld: Option<String>,
    /// People in the group now; absent for groups smaller than N.
    people: Option<usize>,
    /// Of whom had a career conversation in the six months to the quarter's end.
    covered: Option<usize>,
    /// Of whom had a growth plan running at the quarter's end.
    with_plan: Option<usize>,
    /// People per rating 1–5; absent when fewer than N were rated.
    ratings: Option<[usize; 5]>,
}

/// Engagement before and after career conversations, paired per person.
#[derive(Serialize, ToSchema)]
pub struct BeforeAfterOut {
    people: usize,
    before: f64,
    after: f64,
    change: f64,
}

/// A group's insight.
#[derive(Serialize, ToSchema)]
pub struct InsightOut {
    /// `org`, `dept-{id}` or `tree-{leader id}`.
    group: String,
    label: String,
    /// The smallest group shown.
    min_respondents: usize,
    quarters: Vec<QuarterOut>,
    before_after: Option<BeforeAfterOut>,
    /// Steps done and planned in running plans (absent below N people).
    steps: Option<(usize, usize)>,
}

/// Which group.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// `org`, `dept-{id}` or `tree-{leader id}`; the caller's own tree (or the organisation for an admin) when left out.
    #[serde(default)]
    #[param(schema_with = super::rules::insight_group)]
    group: String,
}

/// Team insight for a group the caller may see: admins any group, leaders their own tree and the trees within it.
#[utoipa::path(get, path = "/insight", tag = "engagement", params(GroupQuery),
    responses((status = 200, body = InsightOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(c): Caller,
    ApiQuery(q): ApiQuery<GroupQuery>,
) -> Result<Json<InsightOut>, ApiError> {
    let (snap, g) = crate::pages::insight_resolve(&state, &c, &q.group).await?;
    let quarters = snap
        .shown()
        .iter()
        .map(|q| {
            let f = snap.figure(g, *q);
            let facts = snap.facts(g, *q);
            QuarterOut {
                quarter: q.iso(),
                respondents: f.as_ref().ok().map(|f| f.respondents),
                engagement: f.as_ref().ok().map(|f| (f.engagement * 10.0).round() / 10.0),
                enps: f.as_ref().ok().map(|f| f.enps),
                pooled: f.as_ref().ok().and_then(|f| f.pooled).map(|(a, b)| (a.iso(), b.iso())),
                withheld: f.as_ref().err().map(|w| w.to_string()),
                people: facts.map(|x| x.people),
                covered: facts.map(|x| x.covered),
                with_plan: facts.map(|x| x.with_plan),
                ratings: facts.and_then(|x| x.ratings),
            }
        })
        .collect();
    Ok(Json(InsightOut {
        group: uc::group_param(g),
        label: snap.label(g),
        min_respondents: snap.rules.min_respondents(),
        quarters,
        before_after: snap.before_after(g).ok().map(|b| BeforeAfterOut {
            people: b.people,
            before: b.before,
            after: b.after,
            change: b.change,
        }),
        steps: snap.steps(g),
    }))
}
