//! The web console: plain HTML, CSS and JavaScript modules compiled into the binary, so the
//! single executable serves everything. Each file carries an ETag of its content.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

macro_rules! asset {
    ($name:literal, $mime:literal) => {
        (
            $name,
            $mime,
            include_bytes!(concat!("../../web/", $name)) as &[u8],
        )
    };
}

static FILES: &[(&str, &str, &[u8])] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("live.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("chat.js", "text/javascript; charset=utf-8"),
    asset!("clerk.js", "text/javascript; charset=utf-8"),
    asset!("staff.js", "text/javascript; charset=utf-8"),
    asset!("search.js", "text/javascript; charset=utf-8"),
    asset!("transfer.js", "text/javascript; charset=utf-8"),
    asset!("replies.js", "text/javascript; charset=utf-8"),
    asset!("notify.js", "text/javascript; charset=utf-8"),
    asset!("people.js", "text/javascript; charset=utf-8"),
    asset!("format.js", "text/javascript; charset=utf-8"),
    asset!("tickets.js", "text/javascript; charset=utf-8"),
    asset!("workspace.js", "text/javascript; charset=utf-8"),
    asset!("store.js", "text/javascript; charset=utf-8"),
    asset!("attach.js", "text/javascript; charset=utf-8"),
    asset!("audit.js", "text/javascript; charset=utf-8"),
    asset!("sw.js", "text/javascript; charset=utf-8"),
];

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|headers: HeaderMap| async move { serve("index.html", &headers) }))
        // The service worker lives at the root so that it may serve the whole console.
        .route("/sw.js", get(service_worker))
        .route(
            "/assets/{name}",
            get(|Path(name): Path<String>, headers: HeaderMap| async move { serve(&name, &headers) }),
        )
}

/// sw.js with the list of files to keep offline filled in from `FILES`, so the two cannot drift.
async fn service_worker() -> Response {
    static BODY: OnceLock<String> = OnceLock::new();
    let body = BODY.get_or_init(|| {
        let source = FILES
            .iter()
            .find(|(n, _, _)| *n == "sw.js")
            .map(|(_, _, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let shell: Vec<String> = std::iter::once("/".to_string())
            .chain(
                FILES
                    .iter()
                    .filter(|(n, _, _)| !matches!(*n, "index.html" | "sw.js"))
                    .map(|(n, _, _)| format!("/assets/{n}")),
            )
            .collect();
        let list = serde_json::to_string(&shell).expect("strings serialise");
        source.replacen("const SHELL = [];", &format!("const SHELL = {list};"), 1)
    });
    // Served whole every time: its ETag would describe the template, not what is sent.
    let mut response = serve("sw.js", &HeaderMap::new());
    response.headers_mut().remove(header::ETAG);
    *response.body_mut() = body.clone().into();
    response
}

fn etags() -> &'static Vec<String> {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    TAGS.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, body)| format!("\"{}\"", &hex::encode(Sha256::digest(body))[..16]))
            .collect()
    })
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(i) = FILES.iter().position(|(n, _, _)| *n == name) else {
        return crate::error::AppError::NotFound("file").into_response();
    };
    let (_, mime, body) = FILES[i];
    let etag = &etags()[i];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    response
}
