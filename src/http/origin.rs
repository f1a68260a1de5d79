//! Requests that ride on the session cookie must come from the console's own page. A browser
//! sends the cookie with requests that other sites start, too; what another site cannot do is
//! send them from this origin, or add a header of its own choosing without the server's leave.
//! So every state-changing request that authenticates with the cookie needs both: an `Origin`
//! (or `Sec-Fetch-Site`) that is this very origin, scheme included, and a JSON body or the
//! console's `X-Requested-With` header. WebSocket upgrades with the cookie need the origin.
//! Served over HTTPS, every answer carries HSTS.

use crate::auth::actor::{token_source, TokenSource};
use crate::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header the console adds to its own requests.
pub const OWN_HEADER: &str = "x-requested-with";

/// Whether the console is served over HTTPS (then only `https://` origins are its own).
#[derive(Clone, Copy)]
pub struct Scheme {
    pub https: bool,
}

pub async fn same_site_only(State(scheme): State<Scheme>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_cookie = token_source(req.headers()) == Some(TokenSource::Cookie);
    if safe || !by_cookie {
        return with_hsts(next.run(req).await, scheme);
    }
    if !same_origin(req.headers(), scheme) || !own_request(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "refused a cookie-borne request from elsewhere");
        return with_hsts(AppError::CrossSite.into_response(), scheme);
    }
    with_hsts(next.run(req).await, scheme)
}

/// Served over HTTPS, the console tells browsers to come back only over HTTPS for a year.
fn with_hsts(mut response: Response, scheme: Scheme) -> Response {
    if scheme.https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// The request names this origin: `Origin` equal to scheme://Host, or, without an `Origin`,
/// `Sec-Fetch-Site: same-origin`. A request with neither came from no browser page at all.
pub fn same_origin(headers: &HeaderMap, scheme: Scheme) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let expected = if scheme.https { "https" } else { "http" };
            match (origin.split_once("://"), host) {
                (Some((s, o)), Some(h)) => s == expected && o == h,
                _ => false,
            }
        }
        None => match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some(site) => site == "same-origin",
            None => true,
        },
    }
}

/// A JSON body, or the console's own header: neither can be sent by another site's form.
fn own_request(headers: &HeaderMap) -> bool {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"));
    json || headers.contains_key(OWN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_static(o));
        }
        h
    }

    #[test]
    fn only_this_origin_with_its_scheme_is_our_own() {
        let http = Scheme { https: false };
        assert!(same_origin(&headers(Some("http://127.0.0.1:8080")), http));
        assert!(!same_origin(&headers(Some("https://127.0.0.1:8080")), http));
        assert!(!same_origin(&headers(Some("http://evil.example")), http));
        assert!(!same_origin(&headers(Some("null")), http));
        assert!(same_origin(
            &headers(Some("https://127.0.0.1:8080")),
            Scheme { https: true }
        ));
        let mut cross = headers(None);
        cross.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&cross, http));
    }

    #[test]
    fn forms_and_plain_text_are_not_our_own_requests() {
        let mut h = headers(None);
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!own_request(&h));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(own_request(&h));
        let mut h = headers(None);
        h.insert(OWN_HEADER, HeaderValue::from_static("backstop"));
        assert!(own_request(&h));
    }
}
