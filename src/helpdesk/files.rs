//! Screenshots and documents: uploaded over HTTP, type decided by content (PNG, JPEG, WebP,
//! PDF), stored once per SHA-256, served with headers that keep a browser from treating them
//! as anything else, and readable by whoever may see a ticket that references them.

use super::allowed::reads_notes;
use super::{repo, Helpdesk};
use crate::auth::jurisdiction::may_see;
use crate::auth::{Actor, Auth};
use crate::error::{AppError, AppResult};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRef, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::Row;

pub fn router<S>(max_upload_bytes: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Helpdesk: FromRef<S>,
    Auth: FromRef<S>,
{
    Router::new()
        .route(
            "/api/files",
            post(upload).layer(DefaultBodyLimit::max(max_upload_bytes)),
        )
        .route("/api/files/{hash}", get(download))
}

/// The type of a file, from its first bytes; `None` for anything not accepted.
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

async fn upload(
    State(hd): State<Helpdesk>,
    actor: Actor,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let data = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        _ => AppError::BadJson(r.body_text()),
    })?;
    if data.is_empty() {
        return Err(AppError::invalid("file", "the upload is empty"));
    }
    let mime = sniff(&data).ok_or(AppError::UnsupportedType)?;
    super::uploads::within_quota(&hd, actor.id, data.len()).await?;
    let hash = hex::encode(Sha256::digest(&data));
    let now = hd.clock.now();
    hd.db
        .write(async {
            let mut tx = hd.db.begin().await?;
            sqlx::query(
                "INSERT INTO files (hash, mime, size, data, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
            )
            .bind(&hash)
            .bind(mime)
            .bind(data.len() as i64)
            .bind(data.to_vec())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO uploads (hash, uploader_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (hash, uploader_id) DO NOTHING",
            )
            .bind(&hash)
            .bind(actor.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let record = crate::trail::Record {
                kind: "file_uploaded",
                actor_id: Some(actor.id),
                actor: actor.username.clone(),
                unit_path: actor.unit_path.clone(),
                subject: format!("file {hash}"),
                detail: format!("{mime}, {} bytes", data.len()),
                ..Default::default()
            };
            crate::trail::append(&mut tx, hd.db.backend, &record, now).await?;
            tx.commit().await
        })
        .await?;
    let url = format!("/api/files/{hash}");
    let body = json!({ "hash": hash, "mime": mime, "size": data.len(), "url": url });
    Ok((StatusCode::CREATED, Json(body)))
}

fn valid_hash(hash: &str) -> bool {
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// A file may be attached by whoever uploaded it; anyone else's hash is "not found".
pub async fn check_own(hd: &Helpdesk, actor: &Actor, hash: &str) -> AppResult<()> {
    if !valid_hash(hash) {
        return Err(AppError::invalid("file", "a file is named by its SHA-256"));
    }
    if uploaded_by(hd, actor, hash).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("file"))
    }
}

async fn uploaded_by(hd: &Helpdesk, actor: &Actor, hash: &str) -> AppResult<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM uploads WHERE hash = $1 AND uploader_id = $2")
        .bind(hash)
        .bind(actor.id)
        .fetch_optional(hd.db.read());
    Ok(hd.db.timed(row).await?.is_some())
}

const ALL: &str = "SELECT DISTINCT ticket_id FROM ticket_events WHERE file_hash = $1";
const NOT_IN_NOTES: &str =
    "SELECT DISTINCT ticket_id FROM ticket_events WHERE file_hash = $1 AND kind <> 'note'";

/// Readable by its uploader and by whoever may see a ticket whose log references it.
async fn may_read(hd: &Helpdesk, actor: &Actor, hash: &str) -> AppResult<bool> {
    if uploaded_by(hd, actor, hash).await? {
        return Ok(true);
    }
    let tickets = hd
        .db
        .timed(async {
            let rows =
                // A file in an internal note is for those who read notes.
                sqlx::query(if reads_notes(actor) { ALL } else { NOT_IN_NOTES })
                    .bind(hash)
                    .fetch_all(hd.db.read())
                    .await?;
            let ids = rows
                .iter()
                .map(|r| r.try_get("ticket_id"))
                .collect::<Result<Vec<i64>, _>>()?;
            let mut conn = hd.db.read().acquire().await?;
            repo::get_many(&mut conn, &ids).await
        })
        .await?;
    Ok(tickets.iter().any(|t| may_see(actor, &t.scope())))
}

async fn download(
    State(hd): State<Helpdesk>,
    actor: Actor,
    Path(hash): Path<String>,
) -> AppResult<Response> {
    if !valid_hash(&hash) {
        return Err(AppError::NotFound("file"));
    }
    if !may_read(&hd, &actor, &hash).await? {
        super::record::refused(&hd, &actor, format!("file {hash}"), "not in sight").await;
        return Err(AppError::NotFound("file"));
    }
    super::record::audit(&hd, &actor, "file_downloaded", format!("file {hash}"), "").await;
    let row = sqlx::query("SELECT mime, data FROM files WHERE hash = $1")
        .bind(&hash)
        .fetch_optional(hd.db.read());
    let row = hd.db.timed(row).await?.ok_or(AppError::NotFound("file"))?;
    let mime: String = row.try_get("mime")?;
    let data: Vec<u8> = row.try_get("data")?;
    let disposition = if mime == "application/pdf" {
        format!("attachment; filename=\"{hash}.pdf\"")
    } else {
        "inline".to_string()
    };
    let mut response = data.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    // The name is the content: it never changes, but it is private to those who may see it.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_decided_by_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
    }

    #[test]
    fn hashes_are_lowercase_sha256_hex() {
        assert!(valid_hash(&"a".repeat(64)));
        assert!(!valid_hash(&"A".repeat(64)));
        assert!(!valid_hash("../etc/passwd"));
    }
}
