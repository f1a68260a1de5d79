//! One check of one monitor: an HTTP(S) answer with the expected status, keyword and latency
//! (and the certificate's end of validity), a TCP connect, or a DNS resolution — each bounded by
//! the monitor's timeout, so a hanging target costs only its own check.

use super::monitor::{split_port, Kind, Monitor};
use crate::clock::Millis;
use crate::outbound::{self, Client};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Outcome {
    pub ok: bool,
    pub latency_ms: i64,
    /// Why it failed, or what it saw, in words ops staff read.
    pub detail: String,
    pub cert_expires_at: Option<Millis>,
}

impl Outcome {
    fn failed(detail: String, started: Instant) -> Self {
        Self {
            ok: false,
            latency_ms: millis(started.elapsed()),
            detail,
            cert_expires_at: None,
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub async fn run(client: &Client, m: &Monitor) -> Outcome {
    let timeout = Duration::from_millis(u64::try_from(m.timeout_ms).unwrap_or(10_000));
    let started = Instant::now();
    match m.kind {
        Kind::Http => http(client, m, timeout, started).await,
        Kind::Tcp => tcp(m, timeout, started).await,
        Kind::Dns => dns(m, timeout, started).await,
    }
}

async fn http(client: &Client, m: &Monitor, timeout: Duration, started: Instant) -> Outcome {
    let req = outbound::Request {
        method: hyper::Method::GET,
        url: &m.target,
        headers: &[],
        body: Vec::new(),
        timeout,
    };
    let answer = match outbound::send(client, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::failed(e.to_string(), started),
    };
    let latency_ms = millis(answer.elapsed);
    let e = &m.expect;
    let problem = if !e.status.holds(answer.status) {
        Some(format!("状态码 {}", answer.status))
    } else if !e.keyword.is_empty() {
        let body = String::from_utf8_lossy(&answer.body);
        match (body.contains(&e.keyword), e.keyword_absent) {
            (false, false) => Some(format!("页面中没有“{}”", e.keyword)),
            (true, true) => Some(format!("页面中出现“{}”", e.keyword)),
            _ => None,
        }
    } else {
        None
    };
    let slow = e.max_latency_ms > 0 && latency_ms > e.max_latency_ms;
    let detail = match (&problem, slow) {
        (Some(p), _) => p.clone(),
        (None, true) => format!("响应 {latency_ms} 毫秒，超过 {} 毫秒", e.max_latency_ms),
        (None, false) => format!("状态码 {}", answer.status),
    };
    Outcome {
        ok: problem.is_none() && !slow,
        latency_ms,
        detail,
        cert_expires_at: answer.cert_expires_at,
    }
}

async fn tcp(m: &Monitor, timeout: Duration, started: Instant) -> Outcome {
    let Some((host, port)) = split_port(&m.target) else {
        return Outcome::failed("地址应为 主机:端口".into(), started);
    };
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(_)) => Outcome {
            ok: true,
            latency_ms: millis(started.elapsed()),
            detail: "端口可连接".into(),
            cert_expires_at: None,
        },
        Ok(Err(e)) => Outcome::failed(format!("无法连接：{e}"), started),
        Err(_) => Outcome::failed(
            format!("超时（{} 毫秒内无应答）", timeout.as_millis()),
            started,
        ),
    }
}

async fn dns(m: &Monitor, timeout: Duration, started: Instant) -> Outcome {
    let lookup = tokio::net::lookup_host((m.target.as_str(), 0));
    let addresses: Vec<String> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(found)) => found.map(|a| a.ip().to_string()).collect(),
        Ok(Err(e)) => return Outcome::failed(format!("解析失败：{e}"), started),
        Err(_) => {
            return Outcome::failed(
                format!("超时（{} 毫秒内无应答）", timeout.as_millis()),
                started,
            )
        }
    };
    let want = &m.expect.address;
    let ok = !addresses.is_empty() && (want.is_empty() || addresses.iter().any(|a| a == want));
    let mut seen = addresses;
    seen.dedup();
    let detail = if ok {
        format!("解析为 {}", seen.join(" "))
    } else {
        format!("解析为 {}，不含 {want}", seen.join(" "))
    };
    Outcome {
        ok,
        latency_ms: millis(started.elapsed()),
        detail,
        cert_expires_at: None,
    }
}
