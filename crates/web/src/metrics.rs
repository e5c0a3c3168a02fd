//! Prometheus metrics: requests and latency by route, and the database pool.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters kept in memory; each replica reports its own.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let s = routes.entry((method.to_owned(), route.to_owned())).or_default();
        *s.by_status.entry(status).or_default() += 1;
        s.count += 1;
        s.sum += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                s.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition; outbox figures when they could be read.
    pub fn render(&self, pool: foothold_store::PoolStats, outbox: Option<foothold_store::OutboxStats>) -> String {
        let mut out = String::new();
        out.push_str("# HELP foothold_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE foothold_http_requests_total counter\n");
        let routes = match self.routes.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ((method, route), s) in routes.iter() {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "foothold_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP foothold_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE foothold_http_request_duration_seconds histogram\n");
        for ((method, route), s) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (le, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(out, "foothold_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}");
            }
            let _ = writeln!(out, "foothold_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "foothold_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "foothold_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        out.push_str("# HELP foothold_db_pool_connections Open database connections.\n");
        out.push_str("# TYPE foothold_db_pool_connections gauge\n");
        let _ = writeln!(out, "foothold_db_pool_connections {}", pool.size);
        out.push_str("# HELP foothold_db_pool_idle_connections Idle database connections.\n");
        out.push_str("# TYPE foothold_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "foothold_db_pool_idle_connections {}", pool.idle);
        if let Some(o) = outbox {
            // From the database: the same on every replica, since they share the outbox.
            out.push_str("# HELP foothold_outbox_messages Mails in the outbox by state.\n");
            out.push_str("# TYPE foothold_outbox_messages gauge\n");
            for (state, n) in
                [("pending", o.pending), ("retrying", o.retrying), ("sent", o.sent), ("abandoned", o.abandoned)]
            {
                let _ = writeln!(out, "foothold_outbox_messages{{state=\"{state}\"}} {n}");
            }
            out.push_str("# HELP foothold_outbox_oldest_pending_seconds Age of the oldest unsent mail (0: none).\n");
            out.push_str("# TYPE foothold_outbox_oldest_pending_seconds gauge\n");
            let _ = writeln!(out, "foothold_outbox_oldest_pending_seconds {}", o.oldest_pending_seconds);
        }
        out
    }
}

/// Middleware: times each request under its route template (never the raw
/// path, which would put ids and tokens into label values).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let res = next.run(req).await;
    let route = route.unwrap_or_else(|| "unmatched".into());
    state.0.metrics.observe(&method, &route, res.status().as_u16(), start.elapsed().as_secs_f64());
    res
}

/// Renders the metrics of this replica, with the shared outbox's figures.
pub async fn render(state: &AppState) -> String {
    let outbox = match state.store().outbox_stats(foothold_store::now()).await {
        Ok(o) => Some(o),
        Err(e) => {
            tracing::warn!(error = %e, "outbox figures unavailable");
            None
        }
    };
    state.0.metrics.render(state.store().pool_stats(), outbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/people/{id}", 200, 0.003);
        m.observe("GET", "/people/{id}", 404, 0.2);
        let outbox = foothold_store::OutboxStats { pending: 4, retrying: 1, ..Default::default() };
        let text = m.render(foothold_store::PoolStats { size: 3, idle: 2 }, Some(outbox));
        assert!(text.contains("foothold_outbox_messages{state=\"pending\"} 4"));
        assert!(text.contains("foothold_outbox_messages{state=\"retrying\"} 1"));
        assert!(text.contains("foothold_http_requests_total{method=\"GET\",route=\"/people/{id}\",status=\"404\"} 1"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("foothold_db_pool_connections 3"));
    }
}
