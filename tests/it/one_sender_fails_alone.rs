//! One sender's bad messages are that sender's alone: the other clerks' messages in the same
//! journal groups are all acknowledged and stored, on SQLite and on PostgreSQL.

use crate::common;

use common::{TestApp, Ws};
use serde_json::json;
use std::collections::HashMap;

/// Sends `texts` on `ticket`, keeping up to `window` unanswered, and returns each client id's
/// answer: `Ok(seq)` for an ack, `Err(code)` for an error.
async fn send_all(
    ws: &mut Ws,
    ticket: i64,
    tag: String,
    texts: Vec<String>,
    window: usize,
) -> HashMap<String, Result<i64, String>> {
    let total = texts.len();
    let mut answers = HashMap::new();
    let mut texts = texts.into_iter().enumerate();
    let mut in_flight = 0;
    while answers.len() < total {
        while in_flight < window {
            let Some((n, text)) = texts.next() else { break };
            let cid = format!("{tag}-{n}");
            ws.send(json!({ "type": "send", "ticket": ticket, "client_id": cid, "text": text }))
                .await;
            in_flight += 1;
        }
        let v = ws.recv().await;
        let answer = match v["type"].as_str() {
            Some("ack") => Ok(v["seq"].as_i64().expect("seq")),
            Some("error") => Err(v["code"].as_str().unwrap_or("").to_string()),
            _ => continue,
        };
        let cid = v["client_id"].as_str().expect("client id").to_string();
        answers.insert(cid, answer);
        in_flight -= 1;
    }
    answers
}

/// The chat messages stored in a ticket's log.
async fn stored_messages(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let (_, v) = app
        .get(token, &format!("/api/tickets/{id}?limit=1000"))
        .await;
    v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "message")
        .map(|e| e["body"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn nul_messages_are_refused_and_three_clerks_900_messages_are_all_stored() {
    let app = TestApp::spawn().await;
    let clerks = ["clerk.dawan", "clerk.zhenbeibao", "clerk.dazhanchang"];
    let mut runs = Vec::new();
    for (i, name) in clerks.iter().enumerate() {
        let token = app.token(name).await;
        let id = app.raise(&token, &format!("并发测试 {i}")).await;
        let ws = app.ws(&token).await;
        let texts: Vec<String> = (0..300).map(|n| format!("{name} 第{n}条")).collect();
        runs.push((token, id, ws, texts));
    }
    let bad_token = app.token("grid.changsheng").await;
    let bad_id = app.raise(&bad_token, "坏消息").await;
    let mut bad_ws = app.ws(&bad_token).await;
    let bad_texts: Vec<String> = (0..150).map(|n| format!("含空字符\0{n}\u{1}")).collect();

    let senders = runs.iter_mut().map(|(_, id, ws, texts)| {
        let texts = std::mem::take(texts);
        send_all(ws, *id, "ok".into(), texts, 16)
    });
    let (answers, bad) = tokio::join!(
        futures_util::future::join_all(senders),
        send_all(&mut bad_ws, bad_id, "nul".into(), bad_texts, 16)
    );

    assert!(
        bad.values()
            .all(|a| a.as_ref().err().map(String::as_str) == Some("invalid_input")),
        "NUL messages answered {bad:?}"
    );
    for ((token, id, _, _), answers) in runs.iter().zip(answers) {
        assert_eq!(answers.len(), 300);
        assert!(answers.values().all(Result::is_ok), "{answers:?}");
        assert_eq!(stored_messages(&app, token, *id).await.len(), 300);
    }
    assert!(stored_messages(&app, &bad_token, bad_id).await.is_empty());
}

/// Installs a rule in the database that refuses one message body, as a constraint the
/// application does not check would.
async fn refuse_poison(app: &TestApp) {
    let url = &app.db.url;
    let statements: &[&str] = if url.starts_with("postgres") {
        &[
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.body = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END \
             $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON ticket_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
        ]
    } else {
        &[
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON ticket_events \
           WHEN NEW.body = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ]
    };
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connects to the test database");
    for s in statements {
        sqlx::Executor::execute(&mut conn, *s)
            .await
            .expect("installs the rule");
    }
}

#[tokio::test]
async fn a_message_the_database_refuses_fails_alone_inside_its_group() {
    let app = TestApp::spawn().await;
    refuse_poison(&app).await;
    let token = app.token("clerk.dawan").await;
    let id = app.raise(&token, "分组隔离").await;
    // Ten sockets at once, so that messages share journal groups.
    let mut sockets = Vec::new();
    for _ in 0..10 {
        sockets.push(app.ws(&token).await);
    }
    let sends = sockets.iter_mut().enumerate().map(|(c, ws)| {
        let texts: Vec<String> = (0..20)
            .map(|n| match n % 10 {
                3 => "poison".to_string(),
                _ => format!("正常 {c}-{n}"),
            })
            .collect();
        send_all(ws, id, format!("p{c}"), texts, 20)
    });
    let answers: Vec<_> = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .flatten()
        .collect();
    let refused: Vec<_> = answers.iter().filter(|(_, a)| a.is_err()).collect();
    assert_eq!(
        refused.len(),
        20,
        "only the poison messages fail: {refused:?}"
    );
    assert!(refused
        .iter()
        .all(|(_, a)| a.as_ref().err().map(String::as_str) == Some("internal")));
    let stored = stored_messages(&app, &token, id).await;
    assert_eq!(stored.len(), 180);
    assert!(stored.iter().all(|b| b != "poison"));
    // Acknowledged seqs are exactly the stored ones, with no gaps.
    let mut seqs: Vec<i64> = answers
        .iter()
        .filter_map(|(_, a)| a.as_ref().ok().copied())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (2..=181).collect::<Vec<_>>());
    let groups = app.metric("backstop_journal_group_size_count").await;
    assert!(groups < 150.0, "messages were grouped ({groups} groups)");
}

#[tokio::test]
async fn control_characters_in_a_title_body_or_message_are_invalid_input() {
    let app = TestApp::spawn().await;
    let token = app.token("clerk.dawan").await;
    let id = app.raise(&token, "正常的求助").await;
    let bad = [
        json!({ "item_code": "C04", "difficulty": "small", "title": "标题\0" }),
        json!({ "item_code": "C04", "difficulty": "small", "title": "标题", "body": "正文\u{1b}[31m" }),
        json!({ "item_code": "C04", "difficulty": "small", "title": "两行\n标题" }),
    ];
    for body in bad {
        let (status, v) = app.post(&token, "/api/tickets", body.clone()).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (422, Some("invalid_input")),
            "{body}"
        );
    }
    let path = format!("/api/tickets/{id}/messages");
    let (status, v) = app.post(&token, &path, json!({ "text": "a\0b" })).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );
    let (status, _) = app
        .post(&token, &path, json!({ "text": "换行\n和\t制表符可以" }))
        .await;
    assert_eq!(status, 201);
    let (_, list) = app.get(&token, "/api/tickets").await;
    assert_eq!(list["tickets"].as_array().map(Vec::len), Some(1));
}
