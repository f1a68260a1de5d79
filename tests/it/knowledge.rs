//! The knowledge base: experts write answers down (most from a ticket they resolved), everyone
//! finds them by Chinese words of two characters or more, and a clerk typing a new request is
//! offered them — and the resolved tickets of their own unit — before raising it. Runs on
//! SQLite and, in CI's second run, on PostgreSQL.

use crate::common;

use common::{url_encode, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// An expert writes an article from scratch; returns its id.
async fn write(app: &TestApp, token: &str, question: &str, answer: &str, item: &str) -> i64 {
    let body = json!({ "question": question, "answer": answer, "item_code": item });
    let (status, v) = app.post(token, "/api/knowledge", body).await;
    assert_eq!(status, 201, "{v}");
    v["article"]["id"].as_i64().expect("id")
}

/// The article most tests start from: how a social security card password is reset.
const RESET: &str = "社保卡密码重置步骤";

/// An expert writes the reset article; returns its id.
async fn write_reset(app: &TestApp, token: &str) -> i64 {
    write(app, token, RESET, "本人带身份证到窗口。", "C04").await
}

/// An expert writes each (question, answer, item), in order.
async fn write_all(app: &TestApp, token: &str, articles: &[(&str, &str, &str)]) {
    for (question, answer, item) in articles {
        write(app, token, question, answer, item).await;
    }
}

fn questions(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|a| a["question"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The questions `q` finds, best first.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let path = format!("/api/knowledge?q={}", url_encode(q));
    let (status, v) = app.get(token, &path).await;
    assert_eq!(status, 200, "{path}: {v}");
    questions(&v["articles"])
}

/// A clerk's request, claimed and resolved by the expert; returns the ticket id.
async fn resolved(app: &TestApp, clerk: &str, expert: &str, title: &str) -> i64 {
    let id = app.raise(clerk, title).await;
    for action in ["claim", "resolve"] {
        let path = format!("/api/tickets/{id}/{action}");
        let (status, v) = app.post(expert, &path, json!({})).await;
        assert_eq!(status, 200, "{action}: {v}");
    }
    id
}

/// Indexes a resolved ticket's title as the journal will when it resolves one.
async fn index_ticket(app: &TestApp, id: i64, title: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url)
        .await
        .expect("the test database");
    backstop::helpdesk::knowledge::index_ticket(&mut conn, id, title)
        .await
        .expect("indexed");
    conn.close().await.expect("closed");
}

#[tokio::test]
async fn a_two_character_word_finds_every_article_holding_it_and_no_other() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    write_all(
        &app,
        &expert,
        &[
            ("社保卡密码忘了怎么办", "本人带身份证到窗口重置。", "C04"),
            ("城乡居民养老保险怎么参保", "到村里登记即可。", "S01"),
            ("灵活就业人员补贴", "先办社保登记，再申领。", "E04"),
        ],
    )
    .await;
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        found(&app, &clerk, "社保").await,
        ["社保卡密码忘了怎么办", "灵活就业人员补贴"],
        "in the question before in the answer; 养老保险 holds no 社保"
    );
}

#[tokio::test]
async fn a_three_character_word_finds_the_articles_holding_it_first() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    write_all(
        &app,
        &expert,
        &[
            ("失业金怎么申领", "失业登记后在系统中申领。", "E02"),
            ("失业登记在哪里办", "乡镇民生服务中心。", "E02"),
            ("就业登记要带什么", "身份证。", "E01"),
        ],
    )
    .await;
    let clerk = app.token("clerk.dawan").await;
    let hits = found(&app, &clerk, "失业金").await;
    assert_eq!(hits[0], "失业金怎么申领", "{hits:?}");
    assert!(!hits.contains(&"就业登记要带什么".to_string()), "{hits:?}");
}

#[tokio::test]
async fn numbers_and_chinese_together_put_the_article_with_both_first() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    write_all(
        &app,
        &expert,
        &[
            ("4050人员社保补贴怎么申领", "携带身份证到乡镇申领。", "E04"),
            // Newer, and with only one of the two words.
            ("职业培训补贴申领", "培训结束后申领。", "E06"),
            ("UKey 无法识别", "重新插拔 UKey。", "C01"),
        ],
    )
    .await;
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        found(&app, &clerk, "4050 补贴").await,
        ["4050人员社保补贴怎么申领", "职业培训补贴申领"]
    );
    assert_eq!(
        found(&app, &clerk, "ukey").await,
        ["UKey 无法识别"],
        "ASCII words whole and regardless of case"
    );
}

#[tokio::test]
async fn the_exact_phrase_ranks_above_its_words_scattered() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    let q = "失业保险金";
    write_all(
        &app,
        &expert,
        &[
            ("失业保险金领取条件", "缴费满一年。", "E02"),
            ("领取期限是多久", "失业保险金最长领取24个月。", "E02"),
            // Every bigram of the phrase, but never the phrase itself; the newest too.
            ("失业保险缴费中断后风险金怎么算", "另行计算。", "E02"),
            ("失业人员的医疗保险和丧葬补助金", "按规定发放。", "E02"),
        ],
    )
    .await;
    let clerk = app.token("clerk.dawan").await;
    assert_eq!(
        found(&app, &clerk, q).await,
        [
            "失业保险金领取条件",
            "领取期限是多久",
            "失业保险缴费中断后风险金怎么算",
            "失业人员的医疗保险和丧葬补助金",
        ],
        "the phrase in the question, in the answer, all its words scattered, some of them"
    );
}

#[tokio::test]
async fn an_expert_turns_a_resolved_ticket_into_an_article_everyone_can_read() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk, "社保卡密码锁定").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let answer = "请群众本人持身份证到窗口，在密码器上重置密码。";
    let (status, _) = app
        .post(
            &expert,
            &format!("/api/tickets/{id}/messages"),
            json!({ "text": answer }),
        )
        .await;
    assert_eq!(status, 201);
    app.post(&expert, &format!("/api/tickets/{id}/resolve"), json!({}))
        .await;

    let path = format!("/api/tickets/{id}/article");
    let (status, draft) = app.get(&expert, &path).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["may_write"], true);
    assert_eq!(draft["draft"]["question"], "社保卡密码锁定\n群众忘记密码");
    assert_eq!(draft["draft"]["answer"], answer, "the expert's last words");
    assert_eq!(draft["draft"]["item_code"], "C04");

    let (status, v) = app.post(&expert, &path, json!({ "answer": answer })).await;
    assert_eq!(status, 201, "{v}");
    let article = &v["article"];
    assert_eq!(article["ticket_id"], id);
    assert_eq!(article["item_code"], "C04", "the ticket's item");
    assert_eq!(article["question"], "社保卡密码锁定\n群众忘记密码");
    assert_eq!(article["author_name"], "杨志刚");
    let article_id = article["id"].as_i64().expect("id");
    assert_eq!(
        app.get(&expert, &path).await.1["articles"][0]["id"],
        article_id
    );

    // Knowledge is shared across the province: a clerk of another city reads it.
    let far = app.token("clerk.zhenbeibao").await;
    assert_eq!(
        found(&app, &far, "密码").await,
        ["社保卡密码锁定\n群众忘记密码"]
    );
    let (status, read) = app.get(&far, &format!("/api/knowledge/{article_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read["article"]["answer"], answer);
    assert_eq!(read["article"]["may_change"], false);

    let admin = app.token("admin").await;
    let (_, trail) = app.get(&admin, "/api/audit?kind=article_written").await;
    let entry = &trail["entries"][0];
    assert_eq!(entry["actor"], "expert.jingyuan");
    assert_eq!(entry["detail"], format!("from ticket {id}"));
}

#[tokio::test]
async fn a_clerk_cannot_write_an_article() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = resolved(&app, &clerk, &expert, "社保卡密码锁定").await;
    let path = format!("/api/tickets/{id}/article");
    let (status, v) = app.get(&clerk, &path).await;
    assert_eq!(
        (status, &v["may_write"], &v["draft"]),
        (200, &json!(false), &json!(null))
    );
    let body = json!({ "answer": "自己写的" });
    let (status, v) = app.post(&clerk, &path, body.clone()).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let scratch = json!({ "question": "问", "answer": "答" });
    assert_eq!(app.post(&clerk, "/api/knowledge", scratch).await.0, 403);
    let boss = app.token("supervisor.jingyuan").await;
    assert_eq!(app.post(&boss, &path, body).await.0, 403, "nor a unit head");
    let (_, list) = app.get(&clerk, "/api/knowledge").await;
    assert_eq!(list["articles"], json!([]));
    assert_eq!(list["may_write"], false);
}

#[tokio::test]
async fn an_open_ticket_is_not_an_article_yet_and_a_ticket_out_of_sight_is_not_found() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let expert = app.token("expert.jingyuan").await;
    let id = app.raise(&clerk, "社保卡密码锁定").await;
    app.post(&expert, &format!("/api/tickets/{id}/claim"), json!({}))
        .await;
    let path = format!("/api/tickets/{id}/article");
    assert_eq!(app.get(&expert, &path).await.1["may_write"], false);
    let (status, v) = app.post(&expert, &path, json!({ "answer": "答" })).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
    app.post(&expert, &format!("/api/tickets/{id}/resolve"), json!({}))
        .await;
    let other = app.token("expert.yinchuan").await;
    let (status, _) = app.post(&other, &path, json!({ "answer": "答" })).await;
    assert_eq!(status, 404, "another city's expert does not see it");
    let (_, list) = app.get(&clerk, "/api/knowledge").await;
    assert_eq!(list["articles"], json!([]), "nothing was written");
}

#[tokio::test]
async fn a_clerk_browses_the_newest_articles_and_searches_with_snippets() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    let long = format!("{}最后一步：提交后等待审核。", "先核对信息。".repeat(40));
    write_all(
        &app,
        &expert,
        &[
            ("养老待遇认证", "用宁夏人社App刷脸。", "S02"),
            ("创业担保贷款流程", &long, "E05"),
        ],
    )
    .await;
    let clerk = app.token("clerk.dawan").await;
    let (status, v) = app.get(&clerk, "/api/knowledge").await;
    assert_eq!(status, 200);
    assert_eq!(
        questions(&v["articles"]),
        ["创业担保贷款流程", "养老待遇认证"],
        "newest first"
    );
    let path = format!("/api/knowledge?q={}", url_encode("审核"));
    let (_, v) = app.get(&clerk, &path).await;
    let hit = &v["articles"][0];
    assert!(hit.get("answer").is_none(), "lists carry a snippet: {hit}");
    let snippet = hit["snippet"].as_str().expect("snippet");
    assert!(
        snippet.starts_with('…') && snippet.contains("审核"),
        "{snippet}"
    );
    assert_eq!(hit["author_name"], "杨志刚");
    assert_eq!(hit["item_code"], "E05");
}

#[tokio::test]
async fn a_clerk_typing_a_request_is_offered_articles_and_their_units_resolved_tickets() {
    let app = TestApp::spawn().await;
    let dawan = app.token("clerk.dawan").await;
    let xixia = app.token("clerk.zhenbeibao").await;
    let jingyuan = app.token("expert.jingyuan").await;
    let yinchuan = app.token("expert.yinchuan").await;
    let mine = resolved(&app, &dawan, &jingyuan, "社保卡密码锁定无法重置").await;
    index_ticket(&app, mine, "社保卡密码锁定无法重置").await;
    let theirs = resolved(&app, &xixia, &yinchuan, "社保卡密码重置后仍提示错误").await;
    index_ticket(&app, theirs, "社保卡密码重置后仍提示错误").await;
    let open = app.raise(&dawan, "社保卡密码又被锁了").await;
    index_ticket(&app, open, "社保卡密码又被锁了").await;
    write_reset(&app, &jingyuan).await;
    write_all(
        &app,
        &jingyuan,
        &[
            ("社保卡密码与银行卡密码的区别", "两者不同。", "C02"),
            ("就业登记要带什么", "身份证。", "E01"),
        ],
    )
    .await;

    let path = format!(
        "/api/knowledge/suggest?q={}&item=C02",
        url_encode("社保卡密码")
    );
    let (status, v) = app.get(&dawan, &path).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        questions(&v["articles"]),
        ["社保卡密码与银行卡密码的区别", RESET],
        "the item asked about first among equals"
    );
    let tickets: Vec<i64> = v["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(tickets, [mine], "resolved, and of the clerk's own unit");
    assert_eq!(v["tickets"][0]["state"], "resolved");

    let path = format!("/api/knowledge/suggest?q={}", url_encode("密码"));
    let (_, v) = app.get(&xixia, &path).await;
    assert_eq!(v["tickets"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["tickets"][0]["id"], theirs);
    assert_eq!(v["articles"].as_array().map(Vec::len), Some(2));

    let (_, v) = app.get(&dawan, "/api/knowledge/suggest?q=%20").await;
    assert_eq!(v, json!({ "articles": [], "tickets": [] }));
    let (status, _) = app
        .get(&dawan, "/api/knowledge/suggest?q=ab&item=X99")
        .await;
    assert_eq!(status, 422, "an unknown item");
}

#[tokio::test]
async fn a_request_given_up_counts_once_per_clerk_session_and_article() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    let id = write_reset(&app, &expert).await;
    let clerk = app.token("clerk.dawan").await;
    let article = format!("/api/knowledge/{id}");
    let solved = format!("/api/knowledge/{id}/solved");
    assert_eq!(app.get(&clerk, &article).await.1["article"]["opened"], 1);
    assert_eq!(
        app.get(&clerk, &article).await.1["article"]["opened"],
        1,
        "once a session"
    );
    let (status, v) = app.post(&clerk, &solved, json!({})).await;
    assert_eq!((status, &v["counted"]), (200, &json!(true)));
    assert_eq!(
        app.post(&clerk, &solved, json!({})).await.1["counted"],
        false
    );
    let metric = "backstop_knowledge_requests_abandoned_total";
    assert_eq!(app.metric(metric).await, 1.0);

    let other = app.token("agent.niuying").await;
    assert_eq!(
        app.post(&other, &solved, json!({})).await.1["counted"],
        true
    );
    let (_, v) = app.get(&expert, &article).await;
    assert_eq!(
        (&v["article"]["solved"], &v["article"]["opened"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(app.metric(metric).await, 2.0);
    assert_eq!(
        app.metric("backstop_knowledge_articles_opened_total").await,
        2.0
    );

    let (status, _) = app.post(&expert, &solved, json!({})).await;
    assert_eq!(status, 403, "only a clerk gives up a request");
    assert_eq!(
        app.post(&clerk, "/api/knowledge/999999/solved", json!({}))
            .await
            .0,
        404
    );

    // A resolved ticket offered instead of an article counts the same way.
    let ticket = resolved(&app, &clerk, &expert, "社保卡密码锁定").await;
    let helped = format!("/api/tickets/{ticket}/helped");
    assert_eq!(
        app.post(&clerk, &helped, json!({})).await.1["counted"],
        true
    );
    assert_eq!(
        app.post(&clerk, &helped, json!({})).await.1["counted"],
        false
    );
    let far = app.token("clerk.zhenbeibao").await;
    assert_eq!(
        app.post(&far, &helped, json!({})).await.0,
        404,
        "out of sight"
    );
    assert_eq!(app.metric(metric).await, 3.0);
}

#[tokio::test]
async fn bad_articles_are_refused_with_the_field_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let expert = app.token("expert.jingyuan").await;
    let cases = [
        (
            json!({ "question": " ", "answer": "答" }),
            "invalid_input",
            "question:",
        ),
        (
            json!({ "question": "问".repeat(1001), "answer": "答" }),
            "too_long",
            "question",
        ),
        (
            json!({ "question": "问", "answer": "" }),
            "invalid_input",
            "answer:",
        ),
        (
            json!({ "question": "问", "answer": "答", "item_code": "X99" }),
            "invalid_input",
            "item_code:",
        ),
        (
            json!({ "question": "问\u{0}", "answer": "答" }),
            "invalid_input",
            "question:",
        ),
    ];
    for (body, code, field) in cases {
        let (status, v) = app.post(&expert, "/api/knowledge", body.clone()).await;
        assert_eq!(status, 422, "{body}: {v}");
        assert_eq!(v["error"]["code"], code, "{body}");
        let message = v["error"]["message"].as_str().expect("message");
        assert!(message.starts_with(field), "{message}");
    }
    let (status, v) = app
        .post(
            &expert,
            "/api/knowledge",
            json!({ "question": "问", "answer": "答", "extra": 1 }),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("bad_json"))
    );
    let long = format!("/api/knowledge?q={}", url_encode(&"问".repeat(101)));
    let (status, v) = app.get(&expert, &long).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("too_long"))
    );
    let (_, list) = app.get(&expert, "/api/knowledge").await;
    assert_eq!(list["articles"], json!([]), "nothing was written");
    assert_eq!(list["may_write"], true);
}

#[tokio::test]
async fn authors_and_the_unit_heads_above_them_change_and_remove_articles() {
    let app = TestApp::spawn().await;
    let author = app.token("expert.jingyuan").await;
    let id = write_reset(&app, &author).await;
    let path = format!("/api/knowledge/{id}");
    let change = json!({ "answer": "用宁夏人社App自助重置。" });
    let peer = app.token("expert.guyuan").await;
    assert_eq!(
        app.call(Method::PATCH, &peer, &path, change.clone())
            .await
            .0,
        403
    );
    let far_boss = app.token("supervisor.region").await;
    let near_boss = app.token("supervisor.jingyuan").await;
    let (status, v) = app.call(Method::PATCH, &near_boss, &path, change).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["article"]["question"], RESET, "what was left out stays");
    assert_eq!(v["article"]["item_code"], "C04");
    assert_eq!(v["article"]["may_change"], true);
    assert_eq!(
        found(&app, &author, "自助").await,
        ["社保卡密码重置步骤"],
        "indexed anew"
    );
    assert!(
        found(&app, &author, "窗口").await.is_empty(),
        "the old answer's words are gone"
    );

    let elsewhere = write(
        &app,
        &app.token("expert.yinchuan").await,
        "银川的问题",
        "答。",
        "C04",
    )
    .await;
    let theirs = format!("/api/knowledge/{elsewhere}");
    assert_eq!(
        app.call(Method::DELETE, &near_boss, &theirs, json!(null))
            .await
            .0,
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &far_boss, &theirs, json!(null))
            .await
            .0,
        204
    );
    assert_eq!(
        app.call(Method::DELETE, &author, &path, json!(null))
            .await
            .0,
        204
    );
    assert_eq!(app.get(&author, &path).await.0, 404);
    assert!(found(&app, &author, "社保").await.is_empty());
}

#[tokio::test]
async fn knowledge_searches_share_each_persons_pace_with_ticket_searches() {
    let app = TestApp::spawn().await;
    let clerk = app.token("clerk.dawan").await;
    let tickets = format!("/api/tickets?q={}", url_encode("无此内容"));
    for _ in 0..30 {
        assert_eq!(app.get(&clerk, &tickets).await.0, 200);
    }
    let path = format!("/api/knowledge?q={}", url_encode("社保"));
    assert_eq!(app.get(&clerk, &path).await.0, 429);
    assert_eq!(
        app.get(&clerk, "/api/knowledge").await.0,
        200,
        "the newest are no search"
    );
    app.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(app.get(&clerk, &path).await.0, 200);
}
