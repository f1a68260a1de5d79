//! Test harness: the real application on port 0 with a fresh database (a SQLite file, or a new
//! PostgreSQL database when BACKSTOP_TEST_POSTGRES names a server), a clock the test moves,
//! and real HTTP and WebSocket clients.
#![allow(dead_code)]

pub mod database;
pub mod metrics;
pub mod process;
pub mod target;

use backstop::{Application, Clock, ManualClock, Settings};
use database::{hex_id, TestDatabase};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The token test servers give Prometheus.
pub const METRICS_TOKEN: &str = "test-scraper";

/// How long a test waits for a frame it expects before failing. Nothing waits for a deadline.
const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The server's job runner, to run due work at a moved clock.
    pub jobs: backstop::jobs::Jobs,
    /// The server's prober, to run due checks at a moved clock.
    pub uptime: backstop::uptime::Uptime,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_at(1_800_000_000_000, tweak).await
    }

    /// As [`TestApp::spawn_with`], the clock starting at `start` (ms since the epoch).
    pub async fn spawn_at(start: i64, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let db = database::fresh().await;
        let mut settings = Settings {
            listen: "127.0.0.1:0".into(),
            database_url: db.url.clone(),
            demo: true,
            metrics_token: Some(METRICS_TOKEN.into()),
            ..Settings::default()
        };
        // The demo's 108 monitors would write a result per check into every test's database,
        // contending for SQLite's write lock with what the test measures.
        settings.uptime.demo_monitors = false;
        tweak(&mut settings);
        let clock = Arc::new(ManualClock::new(start));
        Self::start(db, settings, clock).await
    }

    /// Shuts the server down as SIGTERM does and starts a new one on the same database, its
    /// clock where this one's was, with the same settings but `tweak`ed anew.
    pub async fn restart(mut self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        self.shut_down().await;
        let mut settings = Settings {
            listen: "127.0.0.1:0".into(),
            database_url: self.db.url.clone(),
            demo: true,
            metrics_token: Some(METRICS_TOKEN.into()),
            ..Settings::default()
        };
        // The demo's 108 monitors would write a result per check into every test's database,
        // contending for SQLite's write lock with what the test measures.
        settings.uptime.demo_monitors = false;
        tweak(&mut settings);
        let clock = Arc::new(ManualClock::new(self.clock.now()));
        let db = std::mem::replace(&mut self.db, database::placeholder());
        Self::start(db, settings, clock).await
    }

    async fn start(db: TestDatabase, settings: Settings, clock: Arc<ManualClock>) -> TestApp {
        let app = Application::build(settings, clock.clone())
            .await
            .expect("app builds");
        let addr = app.local_addr().expect("bound");
        let jobs = app.state().jobs.clone();
        let uptime = app.state().uptime.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            clock,
            http: reqwest::Client::new(),
            db,
            stop: Some(stop),
            server: Some(server),
            jobs,
            uptime,
        }
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down as SIGTERM does and waits until the server has closed its database.
    pub async fn shut_down(&mut self) {
        self.stop();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A bearer token for a demo login.
    pub async fn token(&self, username: &str) -> String {
        let (status, v) = self.sign_in(username, "backstop").await;
        assert_eq!(status, 200, "login of {username}: {v}");
        v["token"].as_str().expect("token").to_string()
    }

    /// Asks for a token (`POST /api/tokens`); the status and the answer.
    pub async fn sign_in(&self, username: &str, password: &str) -> (u16, Value) {
        let body = json!({ "username": username, "password": password });
        let r = self.http.post(self.url("/api/tokens")).json(&body).send();
        let r = r.await.expect("sign-in sent");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, token, path, body).await
    }

    /// A CSV file posted as it is (an import), signed in with `token`.
    pub async fn post_csv(&self, token: &str, path: &str, csv: &str) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "text/csv; charset=utf-8")
            .body(csv.to_string())
            .send()
            .await
            .expect("sent");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A JSON request of any method, signed in with `token`.
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let r = self
            .http
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Runs `backstop` with `args` against this app's database, `stdin` as its input. It may
    /// wait up to 30 s for the database (5 s by default): on a loaded two-core CI machine a
    /// command-line write once waited longer than 5 s for SQLite's write lock.
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let mut args = args.to_vec();
        args.extend(["--database-url", &self.db.url]);
        backstop_with(&args, stdin, &[("BACKSTOP_DATABASE_TIMEOUT_MS", "30000")])
    }

    /// A clerk raises a request about social security card passwords; returns the ticket id.
    pub async fn raise(&self, token: &str, title: &str) -> i64 {
        let body = json!({ "item_code": "C04", "difficulty": "small", "title": title, "body": "群众忘记密码" });
        let (status, v) = self.post(token, "/api/tickets", body).await;
        assert_eq!(status, 201, "{v}");
        v["ticket"]["id"].as_i64().expect("id")
    }

    /// A WebSocket signed in with `token` in the upgrade request; the hello is consumed.
    pub async fn ws(&self, token: &str) -> Ws {
        let mut ws = self.ws_anonymous_with(Some(token)).await;
        let hello = ws.recv_type("hello").await;
        assert!(hello["user"]["id"].is_i64());
        ws
    }

    /// A signed-in WebSocket over a socket with a tiny receive buffer, for a client that
    /// stops reading.
    pub async fn ws_small_buffer(&self, token: &str) -> Ws {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("buffer size");
        let stream = socket.connect(self.addr).await.expect("connects");
        let mut req = format!("ws://{}/ws", self.addr)
            .into_client_request()
            .expect("request");
        let v = format!("Bearer {token}").parse().expect("header");
        req.headers_mut().insert("authorization", v);
        let (inner, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(stream))
            .await
            .expect("ws handshake");
        let mut ws = Ws { inner };
        ws.recv_type("hello").await;
        ws
    }

    /// A counter or gauge from /metrics.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .http
            .get(self.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        metrics::sample(&text, name)
    }

    pub async fn ws_anonymous(&self) -> Ws {
        self.ws_anonymous_with(None).await
    }

    async fn ws_anonymous_with(&self, token: Option<&str>) -> Ws {
        let mut req = format!("ws://{}/ws", self.addr)
            .into_client_request()
            .expect("request");
        if let Some(t) = token {
            let v = format!("Bearer {t}").parse().expect("header");
            req.headers_mut().insert("authorization", v);
        }
        let (inner, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("ws connects");
        Ws { inner }
    }
}

pub struct Ws {
    pub inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub enum Received {
    Frame(Value),
    Closed(Option<u16>),
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        self.inner
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, m: Message) {
        self.inner.send(m).await.expect("send");
    }

    /// The next text frame or the close, skipping pings.
    pub async fn next(&mut self) -> Received {
        loop {
            let m = tokio::time::timeout(PATIENCE, self.inner.next())
                .await
                .expect("a frame in time");
            match m {
                Some(Ok(Message::Text(t))) => {
                    return Received::Frame(serde_json::from_str(&t).expect("json frame"))
                }
                Some(Ok(Message::Close(c))) => return Received::Closed(c.map(|c| c.code.into())),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Received::Closed(None),
            }
        }
    }

    pub async fn recv(&mut self) -> Value {
        match self.next().await {
            Received::Frame(v) => v,
            Received::Closed(code) => panic!("socket closed ({code:?}) while a frame was expected"),
        }
    }

    /// Frames until one of `kind`, which is returned.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let v = self.recv().await;
            if v["type"] == kind {
                return v;
            }
        }
    }

    /// Every frame before the pong answering a ping now: what the server had queued for us.
    pub async fn drain(&mut self) -> Vec<Value> {
        let r = format!("drain-{}", hex_id());
        self.send(json!({ "type": "ping", "ref": r })).await;
        let mut seen = Vec::new();
        loop {
            let v = self.recv().await;
            if v["type"] == "pong" && v["ref"] == r.as_str() {
                return seen;
            }
            seen.push(v);
        }
    }

    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            if let Received::Closed(code) = self.next().await {
                return code;
            }
        }
    }
}

/// `s` percent-encoded for a query string (UTF-8 bytes; unreserved ASCII as it is).
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs the `backstop` command with `args` and `stdin` as its input, apart from any database
/// named in the environment.
pub fn backstop(args: &[&str], stdin: &str) -> std::process::Output {
    backstop_with(args, stdin, &[])
}

/// `backstop` with some settings given in its environment.
pub fn backstop_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(args)
        .env_remove("BACKSTOP_DATABASE_URL")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("backstop runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("backstop ends")
}
