//! One clerk cannot bury everyone else's requests: their new requests are paced and capped
//! (`rate_limited`), queues come in pages of summaries so no frame outgrows the socket, and a
//! request another clerk raises afterwards still reaches the experts above them at once.

use crate::common;

use common::TestApp;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

fn long_request(n: usize) -> Value {
    json!({ "item_code": "C04", "difficulty": "hard", "title": format!("长描述求助 {n}"),
            "body": "群众反映社保卡密码多次输入错误被锁定，窗口无法重置。".repeat(160).chars().take(4000).collect::<String>() })
}

#[tokio::test]
async fn a_clerk_flooding_requests_is_rate_limited_and_others_still_reach_the_experts() {
    let app = TestApp::spawn().await;
    let flooder = app.token("clerk.dawan").await;
    let mut created = 0;
    let mut limited = 0;
    for n in 0..2100 {
        let body = if n < 100 {
            long_request(n)
        } else {
            json!({ "item_code": "C04", "difficulty": "small", "title": format!("刷单 {n}") })
        };
        let (status, v) = app.post(&flooder, "/api/tickets", body).await;
        match status {
            201 => created += 1,
            429 => {
                assert_eq!(v["error"]["code"], "rate_limited", "{v}");
                limited += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert!(created <= 10, "{created} requests got through");
    assert_eq!(created + limited, 2100);

    let expert = app.token("expert.jingyuan").await;
    let mut ws = app.ws(&expert).await;
    ws.send(json!({ "type": "subscribe_queue" })).await;
    let queue = ws.recv_type("queue").await;
    assert_eq!(queue["tickets"].as_array().map(Vec::len), Some(created));
    let agent = app.token("agent.niuying").await;
    let id = app.raise(&agent, "村里的真实求助").await;
    let seen = ws.recv_type("ticket").await;
    assert_eq!(seen["ticket"]["id"], id, "the new request appears live");
    let (_, list) = app.get(&expert, "/api/tickets").await;
    let ids: Vec<i64> = list["tickets"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(ids.contains(&id), "and in the list");
}

#[tokio::test]
async fn a_queue_of_long_requests_comes_in_small_pages_of_summaries() {
    let app = TestApp::spawn_with(|s| {
        s.helpdesk.max_open_requests = 500;
        s.helpdesk.request_burst = 500;
    })
    .await;
    let clerk = app.token("clerk.dawan").await;
    let mut last = 0;
    for n in 0..150 {
        let (status, v) = app.post(&clerk, "/api/tickets", long_request(n)).await;
        assert_eq!(status, 201, "{v}");
        last = v["ticket"]["id"].as_i64().expect("id");
    }
    let expert = app.token("expert.jingyuan").await;
    let mut ws = app.ws(&expert).await;
    ws.send(json!({ "type": "subscribe_queue" })).await;
    let mut tickets = 0;
    let mut pages = 0;
    loop {
        let Some(Ok(Message::Text(text))) = ws.inner.next().await else {
            panic!("the socket closed");
        };
        let frame: Value = serde_json::from_str(&text).expect("json");
        if frame["type"] != "queue" {
            continue;
        }
        assert!(
            text.len() < 64 * 1024,
            "a queue frame of {} bytes",
            text.len()
        );
        assert_eq!(frame["page"], pages);
        pages += 1;
        for t in frame["tickets"].as_array().expect("tickets") {
            assert!(t.get("body").is_none(), "lists carry no descriptions");
            tickets += 1;
        }
        if frame["has_more"] == false {
            break;
        }
    }
    assert_eq!((tickets, pages), (150, 2));
    ws.send(json!({ "type": "subscribe", "ticket": last }))
        .await;
    let snap = ws.recv_type("snapshot").await;
    assert_eq!(
        snap["ticket"]["body"].as_str().map(|b| b.chars().count()),
        Some(4000)
    );
}
