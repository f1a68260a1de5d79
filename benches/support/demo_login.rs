//! A bearer token for a demo login, for the benchmarks (included by path).

use serde_json::{json, Value};
use std::net::SocketAddr;

pub async fn token(http: &reqwest::Client, addr: SocketAddr, user: &str) -> String {
    let v: Value = http
        .post(format!("http://{addr}/api/tokens"))
        .json(&json!({ "username": user, "password": "backstop" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    v["token"].as_str().expect("token").to_string()
}
