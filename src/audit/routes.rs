//! `GET /api/audit` (JSON pages) and `GET /api/audit.csv` (UTF-8 with a BOM, so a spreadsheet
//! opens the Chinese text right), for security officers and administrators over their subtree.

use super::repo::{self, Entry, Filter};
use crate::auth::{Actor, Auth};
use crate::error::{AppError, AppResult};
use crate::org::Role;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
{
    Router::new()
        .route("/api/audit", get(list))
        .route("/api/audit.csv", get(csv))
}

async fn read(
    auth: &Auth,
    actor: &Actor,
    query: Result<Query<Filter>, QueryRejection>,
) -> AppResult<(Vec<Entry>, Option<i64>)> {
    if !matches!(actor.role, Role::Officer | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let Query(filter) = query.map_err(|e| AppError::invalid("query", e.body_text()))?;
    // The region's people also see the rows that belong to no unit.
    let region = actor.unit_path.matches('/').count() <= 2;
    Ok(repo::page(&auth.db, &actor.unit_path, region, &filter).await?)
}

async fn list(
    State(auth): State<Auth>,
    actor: Actor,
    query: Result<Query<Filter>, QueryRejection>,
) -> AppResult<Json<serde_json::Value>> {
    let (entries, next) = read(&auth, &actor, query).await?;
    Ok(Json(json!({ "entries": entries, "next": next })))
}

async fn csv(
    State(auth): State<Auth>,
    actor: Actor,
    query: Result<Query<Filter>, QueryRejection>,
) -> AppResult<Response> {
    let (entries, _) = read(&auth, &actor, query).await?;
    let mut out = String::from("\u{feff}id,at,kind,actor,subject,detail,address,agent\r\n");
    for e in entries {
        let fields = [
            e.id.to_string(),
            e.at.to_string(),
            e.kind,
            e.actor,
            e.subject,
            e.detail,
            e.address,
            e.agent,
        ];
        let cells: Vec<String> = fields.iter().map(|f| crate::text::csv_cell(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit.csv\"",
        ),
    ];
    Ok((headers, out).into_response())
}
