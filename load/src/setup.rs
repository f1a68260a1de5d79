//! The people and tickets a run needs, made through the API as they would be for real: the
//! administrator imports clerks of 大湾乡 and experts of 泾源县's group from CSV files, each
//! signs in once for a token, each clerk raises requests and an expert claims each one. A
//! pair is one ticket with its clerk and its expert.

use anyhow::{anyhow, bail};
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::{json, Value};

pub const METRICS_TOKEN: &str = "backstop-load";
const PASSWORD: &str = "Backstop-Load-2026";
const TOWNSHIP: &str = "大湾乡";
const GROUP: &str = "jingyuan";
/// Rows per imported file (the server takes at most 500).
const PER_FILE: usize = 500;
/// Requests in flight during setup.
const AT_ONCE: usize = 32;

#[derive(Clone, Debug)]
pub struct Pair {
    pub ticket: i64,
    pub clerk: String,
    pub expert: String,
}

pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            base,
        }
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?;
        answer(res, path).await
    }

    pub async fn get(&self, token: &str, path: &str) -> anyhow::Result<Value> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        answer(res, path).await
    }

    pub async fn token(&self, username: &str, password: &str) -> anyhow::Result<String> {
        let res = self
            .http
            .post(format!("{}/api/tokens", self.base))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await?;
        let v = answer(res, "/api/tokens").await?;
        Ok(text(&v["token"])?.to_string())
    }

    /// The server's metrics, as Prometheus would scrape them.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        let res = self
            .http
            .get(format!("{}/metrics", self.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await?;
        Ok(res.error_for_status()?.text().await?)
    }
}

async fn answer(res: reqwest::Response, path: &str) -> anyhow::Result<Value> {
    let status = res.status();
    let body = res.text().await?;
    if !status.is_success() {
        bail!("{path}: {status}: {body}");
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    // A plain-text answer (`/healthz`) comes back as a string.
    Ok(serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

fn text(v: &Value) -> anyhow::Result<&str> {
    v.as_str()
        .ok_or_else(|| anyhow!("expected a string, got {v}"))
}

/// `pairs` tickets, each person holding at most `per_person` of them.
pub async fn pairs(api: &Api, pairs: usize, per_person: usize) -> anyhow::Result<Vec<Pair>> {
    let per_person = per_person.max(1);
    let people = pairs.div_ceil(per_person).max(1);
    let admin = api
        .token("admin", backstop::org::demo::DEMO_PASSWORD)
        .await?;
    let units = api.get(&admin, "/api/units").await?;
    let township = units["units"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["name"] == TOWNSHIP))
        .ok_or_else(|| anyhow!("the demo has no {TOWNSHIP}"))?;
    let township = text(&township["code"])?.to_string();
    let run = std::process::id();
    let clerks: Vec<String> = (0..people).map(|i| format!("load{run}.c{i}")).collect();
    let experts: Vec<String> = (0..people).map(|i| format!("load{run}.e{i}")).collect();
    let mut rows: Vec<String> = clerks
        .iter()
        .map(|u| format!("{u},压测办事员,clerk,{township},,{PASSWORD}"))
        .collect();
    rows.extend(
        experts
            .iter()
            .map(|u| format!("{u},压测专家,expert,640424,{GROUP},{PASSWORD}")),
    );
    for chunk in rows.chunks(PER_FILE) {
        let csv = format!(
            "username,name,role,unit,group,password\n{}\n",
            chunk.join("\n")
        );
        let res = api
            .http
            .post(format!("{}/api/people/import", api.base))
            .bearer_auth(&admin)
            .body(csv)
            .send()
            .await?;
        answer(res, "/api/people/import").await?;
    }
    let clerks = tokens(api, &clerks).await?;
    let experts = tokens(api, &experts).await?;
    stream::iter(0..pairs)
        .map(|p| {
            let (clerk, expert) = (clerks[p / per_person].clone(), experts[p / per_person].clone());
            async move {
                let body = json!({ "item_code": "C04", "difficulty": "small", "title": format!("压测求助 {p}") });
                let v = api.post(&clerk, "/api/tickets", &body).await?;
                let ticket = v["ticket"]["id"]
                    .as_i64()
                    .ok_or_else(|| anyhow!("no ticket id in {v}"))?;
                api.post(&expert, &format!("/api/tickets/{ticket}/claim"), &json!({}))
                    .await?;
                Ok::<_, anyhow::Error>(Pair {
                    ticket,
                    clerk,
                    expert,
                })
            }
        })
        .buffered(AT_ONCE)
        .try_collect()
        .await
}

async fn tokens(api: &Api, usernames: &[String]) -> anyhow::Result<Vec<String>> {
    stream::iter(usernames)
        .map(|u| api.token(u, PASSWORD))
        .buffered(4)
        .try_collect()
        .await
}
