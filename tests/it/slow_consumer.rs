//! A client that stops reading is cut off with close code 4008 once its bounded queue is full;
//! the server's memory does not grow with it and other clients keep chatting.

use crate::common;

use common::TestApp;
use serde_json::json;

/// Resident memory of this process (the server runs in it), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("linux /proc");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb / 1024.0
}

/// How much the server may grow while a stuck client is fed: its queue is 16 frames of ~12 KiB.
const RSS_GROWTH_BOUND_MIB: f64 = 64.0;

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_with_4008_and_the_others_keep_flowing() {
    let app = TestApp::spawn_with(|s| s.live.outbound_queue = 16).await;
    let clerk_token = app.token("clerk.dawan").await;
    let expert_token = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk_token, "慢客户端").await;
    app.post(
        &expert_token,
        &format!("/api/tickets/{id}/claim"),
        json!({}),
    )
    .await;

    let mut stuck = app.ws_small_buffer(&expert_token).await;
    stuck
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    stuck.recv_type("snapshot").await;
    let mut clerk = app.ws(&clerk_token).await;
    clerk
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    clerk.recv_type("snapshot").await;

    let before = rss_mib();
    let text = "卡".repeat(4000);
    let mut sent = 0;
    while app.metric("backstop_slow_disconnects_total").await < 1.0 {
        assert!(sent < 3000, "the stuck client was never cut off");
        for _ in 0..10 {
            sent += 1;
            let cid = format!("m{sent}");
            clerk
                .send(json!({ "type": "send", "ticket": id, "client_id": cid, "text": text }))
                .await;
            // The clerk's own echo and ack keep arriving: its link is unaffected.
            assert_eq!(clerk.recv_type("ack").await["client_id"], cid.as_str());
        }
    }
    let grown = rss_mib() - before;
    assert!(
        grown < RSS_GROWTH_BOUND_MIB,
        "server grew by {grown:.1} MiB"
    );

    assert_eq!(stuck.close_code().await, Some(4008));
    clerk
        .send(json!({ "type": "send", "ticket": id, "client_id": "after", "text": "还在吗" }))
        .await;
    assert_eq!(clerk.recv_type("ack").await["client_id"], "after");
    let mut resumed = app.ws(&expert_token).await;
    resumed
        .send(json!({ "type": "subscribe", "ticket": id, "after_seq": 2 }))
        .await;
    let mut seen = 0;
    loop {
        let snap = resumed.recv_type("snapshot").await;
        seen += snap["events"].as_array().map_or(0, Vec::len);
        if snap["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, sent + 1, "after reconnecting, every message is there");
}
