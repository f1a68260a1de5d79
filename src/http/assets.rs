//! The web console: plain HTML, CSS and JavaScript modules compiled into the binary, so the
//! single executable serves everything — shaped for slow rural links:
//! - every file is compressed once (gzip) and sent compressed to browsers that take it;
//! - files live under `/assets/{version}/`, the version a hash of them all, and are cached for
//!   a year (`immutable`): a release changes the version, so nothing stale is ever used;
//! - the page lists the modules the first screen needs (`modulepreload`), so they load in one
//!   round trip instead of one per level of imports;
//! - the service worker keeps the shell and answers from it first (see `web/sw.js`).
//!
//! The page is served fresh (`no-cache`) and says whether demo logins exist (`--demo`).

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::OnceLock;

macro_rules! asset {
    ($name:literal, $mime:expr) => {
        (
            $name,
            $mime,
            include_bytes!(concat!("../../web/", $name)) as &[u8],
        )
    };
}

const JS: &str = "text/javascript; charset=utf-8";

static FILES: &[(&str, &str, &[u8])] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("live.js", JS),
    asset!("i18n.js", JS),
    asset!("lang-en.js", JS),
    asset!("chat.js", JS),
    asset!("clerk.js", JS),
    asset!("staff.js", JS),
    asset!("search.js", JS),
    asset!("transfer.js", JS),
    asset!("replies.js", JS),
    asset!("suggest.js", JS),
    asset!("knowledge.js", JS),
    asset!("board.js", JS),
    asset!("matrix.js", JS),
    asset!("checklist.js", JS),
    asset!("roster.js", JS),
    asset!("ops.js", JS),
    asset!("monitors.js", JS),
    asset!("monitor-form.js", JS),
    asset!("incidents.js", JS),
    asset!("unit-alarms.js", JS),
    asset!("alarms.js", JS),
    asset!("rating.js", JS),
    asset!("notify.js", JS),
    asset!("people.js", JS),
    asset!("format.js", JS),
    asset!("tickets.js", JS),
    asset!("workspace.js", JS),
    asset!("store.js", JS),
    asset!("attach.js", JS),
    asset!("audit.js", JS),
    asset!("sw.js", JS),
];

/// The modules every signed-in screen starts with, and the clerk's (the people on the
/// slowest links); other screens' modules load when first needed.
const PRELOAD: &[&str] = &[
    "app.js",
    "api.js",
    "live.js",
    "i18n.js",
    "format.js",
    "store.js",
    "notify.js",
    "tickets.js",
    "workspace.js",
    "chat.js",
    "clerk.js",
    "suggest.js",
];

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const YEAR: &str = "public, max-age=31536000, immutable";

/// A file as sent: its bytes, gzipped where that is smaller, and its tag.
struct Prepared {
    name: &'static str,
    mime: &'static str,
    raw: Vec<u8>,
    gzip: Option<Vec<u8>>,
    etag: String,
}

impl Prepared {
    fn new(name: &'static str, mime: &'static str, raw: Vec<u8>) -> Self {
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&raw))[..16]);
        let gzip = gzip(&raw).filter(|z| z.len() + 64 < raw.len());
        Self {
            name,
            mime,
            raw,
            gzip,
            etag,
        }
    }
}

fn gzip(raw: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw).ok()?;
    encoder.finish().ok()
}

/// Everything served, prepared once: the files, the page for this mode, the service worker.
struct Console {
    version: String,
    files: Vec<Prepared>,
    page: Prepared,
    worker: Prepared,
}

fn console(demo: bool) -> &'static Console {
    static READY: [OnceLock<Console>; 2] = [OnceLock::new(), OnceLock::new()];
    READY[usize::from(demo)].get_or_init(|| {
        let mut all = Sha256::new();
        for (name, _, body) in FILES {
            all.update(name.as_bytes());
            all.update(body);
        }
        let version = hex::encode(all.finalize())[..12].to_string();
        let text = |name: &str| {
            FILES
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, _, b)| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        let base = format!("/assets/{version}/");
        let preload: String = PRELOAD
            .iter()
            .map(|m| format!("  <link rel=\"modulepreload\" href=\"{base}{m}\">\n"))
            .collect();
        let page = text("index.html")
            .replace("/assets/", &base)
            .replace("  <!-- preload -->\n", &preload)
            .replace("data-demo=\"\"", &format!("data-demo=\"{demo}\""))
            // Data, not a script: the page reads it instead of asking for it.
            .replace(
                "<!-- catalogue -->",
                &format!(
                    "<script type=\"application/json\" id=\"catalogue\">{}</script>",
                    crate::org::catalogue::to_json()
                        .to_string()
                        .replace('<', "\\u003c")
                ),
            );
        let shell: Vec<String> = std::iter::once("/".to_string())
            .chain(
                FILES
                    .iter()
                    .filter(|(n, _, _)| !matches!(*n, "index.html" | "sw.js"))
                    .map(|(n, _, _)| format!("{base}{n}")),
            )
            .collect();
        let list = serde_json::to_string(&shell).unwrap_or_else(|_| "[]".into());
        let worker = text("sw.js")
            .replacen("const SHELL = [];", &format!("const SHELL = {list};"), 1)
            .replacen(
                "const VERSION = \"\";",
                &format!("const VERSION = \"{version}\";"),
                1,
            );
        Console {
            files: FILES
                .iter()
                .map(|(n, m, b)| Prepared::new(n, m, b.to_vec()))
                .collect(),
            page: Prepared::new("index.html", "text/html; charset=utf-8", page.into_bytes()),
            worker: Prepared::new("sw.js", JS, worker.into_bytes()),
            version,
        }
    })
}

pub fn router<S: Clone + Send + Sync + 'static>(demo: bool) -> Router<S> {
    console(demo);
    Router::new()
        .route(
            "/",
            get(move |h: HeaderMap| async move { send(&console(demo).page, &h, "no-cache") }),
        )
        // The service worker lives at the root so that it may serve the whole console.
        .route(
            "/sw.js",
            get(move |h: HeaderMap| async move { send(&console(demo).worker, &h, "no-cache") }),
        )
        .route(
            "/favicon.ico",
            get(move |h: HeaderMap| async move { file(demo, "icon.svg", &h, "public, max-age=86400") }),
        )
        .route(
            "/assets/{version}/{name}",
            get(
                move |Path((version, name)): Path<(String, String)>, h: HeaderMap| async move {
                    // Another version's page may still ask: it gets today's file, not cached.
                    let current = version == console(demo).version;
                    file(demo, &name, &h, if current { YEAR } else { "no-cache" })
                },
            ),
        )
        .route(
            "/assets/{name}",
            get(move |Path(name): Path<String>, h: HeaderMap| async move {
                file(demo, &name, &h, "no-cache")
            }),
        )
}

fn file(demo: bool, name: &str, headers: &HeaderMap, cache: &'static str) -> Response {
    match console(demo).files.iter().find(|f| f.name == name) {
        Some(f) if !matches!(name, "index.html" | "sw.js") => send(f, headers, cache),
        _ => crate::error::AppError::NotFound("file").into_response(),
    }
}

fn send(f: &Prepared, headers: &HeaderMap, cache: &'static str) -> Response {
    let takes_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let sent_gzip = takes_gzip && f.gzip.is_some();
    let fresh = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        let tag = v.as_bytes();
        match sent_gzip {
            true => tag.strip_suffix(b"-gz\"") == f.etag.as_bytes().strip_suffix(b"\""),
            false => tag == f.etag.as_bytes(),
        }
    });
    let mut response = match (fresh, &f.gzip) {
        (true, _) => StatusCode::NOT_MODIFIED.into_response(),
        (false, Some(z)) if takes_gzip => z.clone().into_response(),
        (false, _) => f.raw.clone().into_response(),
    };
    let h = response.headers_mut();
    if !fresh && sent_gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(f.mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The policies concern documents and workers; scripts and styles do without the bytes.
    if matches!(f.name, "index.html" | "sw.js") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    // Each encoding is its own representation, so it has its own tag.
    let tag = match sent_gzip {
        true => format!("{}-gz\"", f.etag.trim_end_matches('"')),
        false => f.etag.clone(),
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    response
}
