//! One party's flood never costs the other party its connection: a socket that floods
//! `typing` and `presence` is folded, refused with `rate_limited` and finally closed with 4029,
//! while the other side of the ticket sees a handful of hints and keeps chatting.

use crate::common;

use common::TestApp;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_typing_and_presence_flood_is_limited_and_closed_and_the_other_party_stays() {
    let app = TestApp::spawn().await;
    let clerk_token = app.token("clerk.dawan").await;
    let expert_token = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk_token, "刷屏测试").await;
    app.post(
        &expert_token,
        &format!("/api/tickets/{id}/claim"),
        json!({}),
    )
    .await;
    let mut clerk = app.ws(&clerk_token).await;
    clerk
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    clerk.recv_type("snapshot").await;
    let mut expert = app.ws(&expert_token).await;
    expert
        .send(json!({ "type": "subscribe", "ticket": id }))
        .await;
    expert.recv_type("snapshot").await;

    let (mut out, mut inbox) = expert.inner.split();
    let reader = tokio::spawn(async move {
        let (mut limited, mut close) = (0, None);
        while let Some(Ok(m)) = inbox.next().await {
            match m {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).expect("json");
                    if v["code"] == "rate_limited" {
                        limited += 1;
                    }
                }
                Message::Close(frame) => {
                    close = frame.map(|f| u16::from(f.code));
                    break;
                }
                _ => {}
            }
        }
        (limited, close)
    });
    let statuses = ["online", "away", "on_duty"];
    for n in 0..3000 {
        let frame = if n % 3 == 0 {
            json!({ "type": "presence", "status": statuses[n % statuses.len()] })
        } else {
            json!({ "type": "typing", "ticket": id })
        };
        if out
            .send(Message::Text(frame.to_string().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let (limited, close) = reader.await.expect("reader");
    assert!(
        limited > 0,
        "frames over the rate are answered rate_limited"
    );
    assert_eq!(close, Some(4029), "a socket that keeps flooding is closed");

    let seen = clerk.drain().await;
    let hints = seen
        .iter()
        .filter(|f| f["type"] == "typing" || f["type"] == "presence")
        .count();
    assert!(hints <= 12, "the other party saw {hints} hints");
    clerk
        .send(
            json!({ "type": "send", "ticket": id, "client_id": "still-here", "text": "我还在线" }),
        )
        .await;
    assert_eq!(clerk.recv_type("ack").await["client_id"], "still-here");
}
