//! What of a request may go into the logs: never a secret its path carries.
//! Invite links and calendar feeds are reached by a secret in the path, and
//! the set-up link carries its token in the query; logs are read by more
//! people, and kept longer, than the database.

use axum::extract::{MatchedPath, Request};

/// Route templates whose paths hold a secret: logs show the template.
const SECRET_ROUTES: [&str; 2] = ["/invite/{token}", "/calendar/{file}"];

/// The path to log for a request that matched `route`: the template when the
/// path holds a secret, else the path itself. Never the query string.
pub(crate) fn loggable_path<'a>(route: Option<&'a str>, path: &'a str) -> &'a str {
    match route {
        Some(template) if SECRET_ROUTES.contains(&template) => template,
        _ => path,
    }
}

/// The span every request is traced in (at debug level, like tower-http's
/// default, but without the query string or a secret path).
pub(crate) fn request_span(req: &Request) -> tracing::Span {
    let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    tracing::debug_span!(
        "request",
        method = %req.method(),
        path = loggable_path(route, req.uri().path()),
        version = ?req.version(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_paths_are_logged_as_their_template() {
        assert_eq!(loggable_path(Some("/invite/{token}"), "/invite/s3cr3t"), "/invite/{token}");
        assert_eq!(loggable_path(Some("/calendar/{file}"), "/calendar/s3cr3t.ics"), "/calendar/{file}");
        assert_eq!(loggable_path(Some("/people/{id}"), "/people/42"), "/people/42", "ids are not secrets");
        assert_eq!(loggable_path(None, "/nowhere"), "/nowhere");
    }
}
