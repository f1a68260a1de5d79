//! A full disk loses nothing that was acknowledged. The SQLite file lives on a small tmpfs that
//! the test fills while a clerk raises requests and sends messages: every `201` and every `ack`
//! is in the file after a restart and visible to the expert, every refusal is the documented
//! `storage_unavailable`, `/healthz` says 503 while the disk is full, and writes work again
//! once space is freed — without a restart. A security officer's daily check is refused the
//! same way and taken once there is room.
//!
//! Mounting needs root (CI runs as root); where it is impossible the test says why and passes.

use crate::common;

use common::{TestApp, Ws};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes zeros into `path` until the file system has no room left.
fn fill(path: &Path) -> PathBuf {
    let file = path.join("filler");
    let mut f = std::fs::File::create(&file).expect("filler file");
    let block = vec![0u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let small = vec![0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    file
}

/// The outcome of every write the clerk tried.
#[derive(Default)]
struct Ledger {
    tickets: Vec<i64>,
    acked: Vec<(i64, String)>,
    refused: usize,
}

impl Ledger {
    /// Raises a request; true when it was stored.
    async fn raise(&mut self, app: &TestApp, token: &str, title: &str) -> bool {
        let body = json!({ "item_code": "C04", "difficulty": "big", "title": title,
                           "body": "群众反映社保卡无法激活。".repeat(150) });
        let (status, v) = app.post(token, "/api/tickets", body).await;
        self.judge(status == 201, status, &v["error"]["code"], || {
            v["ticket"]["id"].as_i64().expect("id")
        })
        .map(|id| self.tickets.push(id))
        .is_some()
    }

    /// Sends one message over the socket; true when it was acknowledged.
    async fn send(&mut self, ws: &mut Ws, ticket: i64, cid: String) -> bool {
        let text = format!("{cid}：{}", "窗口系统提示参保状态异常。".repeat(150));
        ws.send(json!({ "type": "send", "ticket": ticket, "client_id": cid, "text": text }))
            .await;
        let v = loop {
            let v = ws.recv().await;
            if v["client_id"] == cid.as_str() {
                break v;
            }
        };
        let ok = v["type"] == "ack";
        self.judge(ok, if ok { 200 } else { 503 }, &v["code"], || ())
            .map(|()| self.acked.push((ticket, cid)))
            .is_some()
    }

    /// Every refusal must be the documented one.
    fn judge<T>(
        &mut self,
        ok: bool,
        status: u16,
        code: &Value,
        value: impl FnOnce() -> T,
    ) -> Option<T> {
        if ok {
            return Some(value());
        }
        assert_eq!(
            (status, code.as_str()),
            (503, Some("storage_unavailable")),
            "a refused write must say the store is unavailable"
        );
        self.refused += 1;
        None
    }
}

/// 大湾乡's officer records today's check; the status and the answer.
async fn daily_check(app: &TestApp, token: &str) -> (u16, Value) {
    let (_, list) = app.get(token, "/api/duty/checks/640424007").await;
    let results: Vec<Value> = list["check"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| json!({ "item": i, "ok": true }))
        .collect();
    let body = json!({ "results": results });
    app.post(token, "/api/duty/checks/640424007", body).await
}

async fn health(app: &TestApp) -> (u16, Value) {
    let r = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_full_disk_refuses_writes_loudly_loses_nothing_acknowledged_and_recovers() {
    if std::env::var("BACKSTOP_TEST_POSTGRES").is_ok() {
        eprintln!("disk_full: this test fills the disk under a SQLite file; skipped on PostgreSQL");
        return;
    }
    let tmpfs = match Tmpfs::mount("24m") {
        Ok(t) => t,
        Err(why) => {
            eprintln!("disk_full: SKIPPED — cannot mount a tmpfs here: {why}");
            return;
        }
    };
    let url = format!("sqlite://{}", tmpfs.path().join("backstop.db").display());
    let settings_url = url.clone();
    let mut app = TestApp::spawn_with(move |s| s.database_url = settings_url).await;
    let clerk = app.token("clerk.dawan").await;
    let officer = app.token("officer.dawan").await;
    let mut ledger = Ledger::default();
    assert!(ledger.raise(&app, &clerk, "磁盘写满之前").await);
    let chat = ledger.tickets[0];
    let mut ws = app.ws(&clerk).await;
    assert_eq!(health(&app).await.0, 200);

    let filler = fill(tmpfs.path());
    let mut in_a_row = 0;
    for round in 0..400 {
        let stored = if round % 2 == 0 {
            ledger
                .raise(&app, &clerk, &format!("写满时的求助 {round}"))
                .await
        } else {
            ledger.send(&mut ws, chat, format!("full-{round}")).await
        };
        in_a_row = if stored { 0 } else { in_a_row + 1 };
        if in_a_row == 6 {
            break;
        }
    }
    assert_eq!(in_a_row, 6, "the full disk never refused writes for good");
    let (status, body) = health(&app).await;
    assert_eq!(
        (status, body["database"].as_str()),
        (503, Some("disk_full")),
        "{body}"
    );
    assert_eq!(
        app.sign_in("expert.jingyuan", "backstop").await.0,
        503,
        "a correct login is not 'wrong password' while the disk is full"
    );

    // A daily check and a matrix import are refused as well, and neither is half-written.
    let check = daily_check(&app, &officer).await;
    assert_eq!(check.0, 503, "{}", check.1);
    assert_eq!(check.1["error"]["code"], "storage_unavailable");

    std::fs::remove_file(filler).expect("free the space");
    assert_eq!(
        daily_check(&app, &officer).await.0,
        201,
        "the check is taken once there is room"
    );
    assert!(
        ledger.raise(&app, &clerk, "空间释放之后").await,
        "writes resume without a restart"
    );
    assert!(ledger.send(&mut ws, chat, "after-free".into()).await);
    assert_eq!(health(&app).await.0, 200);
    assert!(ledger.refused > 0);
    eprintln!(
        "disk_full: {} requests and {} messages stored, {} writes refused while full",
        ledger.tickets.len(),
        ledger.acked.len(),
        ledger.refused
    );

    let expert = app.token("expert.jingyuan").await;
    for id in &ledger.tickets {
        assert_eq!(app.get(&expert, &format!("/api/tickets/{id}")).await.0, 200);
    }
    drop(ws);
    app.shut_down().await;

    let app = TestApp::spawn_with(move |s| s.database_url = url).await;
    let officer = app.token("officer.dawan").await;
    let (_, m) = app.get(&officer, "/api/duty/matrix?unit=640424007").await;
    assert_eq!(
        m["matrix"]["units"][0]["check"]["by"], "丁守",
        "the check answered 201 is kept"
    );
    let expert = app.token("expert.jingyuan").await;
    let (_, list) = app.get(&expert, "/api/tickets?all=true").await;
    let mut listed: Vec<i64> = list["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    listed.sort_unstable();
    let mut expected = ledger.tickets.clone();
    expected.sort_unstable();
    assert_eq!(
        listed, expected,
        "after the restart: exactly the requests answered 201"
    );
    let (_, log) = app
        .get(&expert, &format!("/api/tickets/{chat}?limit=1000"))
        .await;
    let stored: Vec<&str> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["client_id"].as_str())
        .collect();
    let acked: Vec<&str> = ledger.acked.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        stored, acked,
        "after the restart: exactly the acknowledged messages, in order"
    );
    drop(tmpfs);
}
