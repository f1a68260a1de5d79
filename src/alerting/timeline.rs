//! An incident's timeline: what happened to it, in order — opened, told, escalated,
//! acknowledged, resolved, webhook deliveries.

use crate::clock::Millis;
use sqlx::AnyConnection;

/// Appends to incident `id`'s timeline.
pub async fn log(
    conn: &mut AnyConnection,
    id: i64,
    at: Millis,
    kind: &str,
    person: Option<i64>,
    unit: Option<i64>,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, at, kind, person_id, unit_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(at)
    .bind(kind)
    .bind(person)
    .bind(unit)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}
