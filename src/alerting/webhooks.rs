//! Outbound webhooks per unit: a WeCom (企业微信) or DingTalk group robot (their `text` message
//! format) or plain JSON. Each message is kept with the change that raised it and delivered by
//! the job `alerting.deliver`, retried with the job runner's backoff until it is delivered or
//! `[alerting] webhook_attempts` are spent; every failure is kept, and shows on the webhook
//! and in the incident's timeline.

use super::timeline::log;
use super::Alerting;
use crate::clock::Millis;
use crate::jobs::Handler;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use std::time::Duration;

pub const KIND: &str = "alerting.deliver";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    WeCom,
    DingTalk,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "wecom" => Some(Format::WeCom),
            "dingtalk" => Some(Format::DingTalk),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// What happened, in the words a group robot posts.
fn verb(event: &str) -> &'static str {
    match event {
        "notified" => "新告警",
        "escalated" => "告警升级",
        "acknowledged" => "已确认",
        "resolved" => "已处置",
        _ => "已恢复",
    }
}

/// The message for `format` about an incident.
pub fn body(format: Format, event: &str, incident: &Value) -> Value {
    let text = format!(
        "【Backstop {}】{}\n单位：{}\n当前级别：{}\n详情：{}\n事件编号：{}",
        verb(event),
        incident["title"].as_str().unwrap_or(""),
        incident["unit"]["name"].as_str().unwrap_or(""),
        incident["reached"]["name"].as_str().unwrap_or(""),
        incident["detail"].as_str().unwrap_or(""),
        incident["id"],
    );
    match format {
        Format::WeCom | Format::DingTalk => {
            json!({ "msgtype": "text", "text": { "content": text } })
        }
        Format::Json => json!({ "event": event, "incident": incident, "text": text }),
    }
}

/// Keeps a message about incident `id` for each enabled webhook of `unit`, in the caller's
/// transaction, and schedules its delivery.
pub async fn queue(
    conn: &mut AnyConnection,
    id: i64,
    unit: i64,
    event: &str,
    at: Millis,
) -> sqlx::Result<()> {
    let hooks = sqlx::query("SELECT id, kind FROM webhooks WHERE unit_id = $1 AND enabled = 1")
        .bind(unit)
        .fetch_all(&mut *conn)
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let incident = super::view::one(&mut *conn, id).await?;
    for h in hooks {
        let format = Format::parse(&h.try_get::<String, _>("kind")?).unwrap_or(Format::Json);
        let message = body(format, event, &incident).to_string();
        let row = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, incident_id, body, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(h.try_get::<i64, _>("id")?)
        .bind(id)
        .bind(message)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
        let delivery: i64 = row.try_get("id")?;
        crate::jobs::schedule(conn, KIND, &delivery.to_string(), at, "").await?;
    }
    Ok(())
}

pub fn job(alerting: Alerting) -> Handler {
    Arc::new(move |job| {
        let alerting = alerting.clone();
        Box::pin(async move { deliver(&alerting, job.key.parse()?).await })
    })
}

/// Posts delivery `id`; an error makes the job runner try again later.
pub async fn deliver(alerting: &Alerting, id: i64) -> anyhow::Result<()> {
    let db = &alerting.db;
    let q = sqlx::query(
        "SELECT d.incident_id, d.body, d.status, d.attempts, w.kind, w.url FROM webhook_deliveries d \
         JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
    )
    .bind(id);
    let Some(r) = db.timed(q.fetch_optional(db.read())).await? else {
        return Ok(());
    };
    if r.try_get::<String, _>("status")? != "pending" {
        return Ok(());
    }
    let (url, body): (String, String) = (r.try_get("url")?, r.try_get("body")?);
    let format = Format::parse(&r.try_get::<String, _>("kind")?).unwrap_or(Format::Json);
    let outcome = post(alerting, format, &url, body.into_bytes()).await;
    let attempts = r.try_get::<i64, _>("attempts")? + 1;
    let incident: i64 = r.try_get("incident_id")?;
    let spent = attempts >= i64::from(alerting.settings.webhook_attempts.max(1));
    let now = alerting.clock.now();
    let (status, error) = match &outcome {
        Ok(()) => ("delivered", String::new()),
        Err(e) if spent => ("failed", e.clone()),
        Err(e) => ("pending", e.clone()),
    };
    db.write(async {
        let mut tx = db.begin().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = $2, last_error = $3, \
             delivered_at = CASE WHEN $1 = 'delivered' THEN $4 ELSE NULL END WHERE id = $5",
        )
        .bind(status)
        .bind(attempts)
        .bind(&error)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if status != "pending" {
            let kind = format!("webhook_{status}");
            log(&mut tx, incident, now, &kind, None, None, &error).await?;
        }
        tx.commit().await
    })
    .await?;
    match outcome {
        Err(e) if !spent => Err(anyhow::anyhow!("webhook delivery {id}: {e}")),
        _ => Ok(()),
    }
}

/// Posts `body`; a robot's own error code counts as a failure too.
async fn post(alerting: &Alerting, format: Format, url: &str, body: Vec<u8>) -> Result<(), String> {
    let req = crate::outbound::Request {
        method: hyper::Method::POST,
        url,
        headers: &[("content-type", "application/json")],
        body,
        timeout: Duration::from_millis(alerting.settings.webhook_timeout_ms.max(100)),
    };
    let answer = crate::outbound::send(&alerting.client, req)
        .await
        .map_err(|e| e.to_string())?;
    if !(200..300).contains(&answer.status) {
        return Err(format!("状态码 {}", answer.status));
    }
    if format == Format::Json {
        return Ok(());
    }
    let reply: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    match reply["errcode"].as_i64() {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "errcode {code}: {}",
            reply["errmsg"].as_str().unwrap_or("")
        )),
        None => Err("应答不是机器人格式".into()),
    }
}
