//! People arrive in spreadsheets: a CSV file is checked whole — every bad line reported with
//! its number, nothing written — and a good one adds everyone in one go, ready to sign in.

use crate::common;

use common::TestApp;
use serde_json::{json, Value};

async fn import(app: &TestApp, token: &str, csv: &str) -> (u16, Value) {
    app.post_csv(token, "/api/people/import", csv).await
}

const HEADER: &str = "\u{feff}username,name,role,unit,group,password\n";

#[tokio::test]
async fn a_file_with_bad_lines_is_refused_whole_with_their_numbers() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let csv = format!(
        "{HEADER}clerk.xiangshui,马香水,clerk,640424,,香水镇经办2026\n\
         clerk.nowhere,无此地,clerk,999999,,无此地经办2026\n\
         clerk.weak,弱密码,clerk,640424,,12345678\n\
         clerk.xiangshui,重名,clerk,640424,,香水镇经办2027\n\
         clerk.dawan,已存在,clerk,640424,,已存在经办2026\n\
         expert.nogroup,无组专家,expert,640424,,无组专家2026\n"
    );
    let (status, v) = import(&app, &admin, &csv).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("invalid_rows")),
        "{v}"
    );
    let found: Vec<(i64, String)> = v["error"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().unwrap_or(0),
                r["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected = [
        (3, "unit"),
        (4, "password"),
        (5, "username"),
        (6, "username"),
        (7, "group"),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(l, f)| (*l, f.to_string())).collect();
    assert_eq!(found, expected);
    let (_, listed) = app.get(&admin, "/api/people?q=xiangshui").await;
    assert_eq!(
        listed["people"],
        json!([]),
        "not even the good line was added"
    );
    assert_eq!(
        app.sign_in("clerk.xiangshui", "香水镇经办2026").await.0,
        401
    );

    let (status, v) = import(&app, &admin, "name,username\nx,y\n").await;
    assert_eq!(
        (status, v["error"]["rows"][0]["line"].as_i64()),
        (422, Some(1)),
        "the header is checked"
    );
}

#[tokio::test]
async fn a_good_file_adds_everyone_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let csv = format!(
        "{HEADER}clerk.xiangshui,马香水,clerk,640424,,香水镇经办2026\n\
         \"expert.liupan\",\"六盘山, 专家\",expert,640424,jingyuan,六盘山专家2026\n\
         officer.xinmin,新民安全员,officer,640424,,\n"
    );
    let (status, v) = import(&app, &admin, &csv).await;
    assert_eq!(status, 201, "{v}");
    let added = v["added"].as_array().expect("added");
    assert_eq!(added.len(), 3);
    assert!(
        added[0]["password"].is_null(),
        "given passwords are not echoed"
    );
    let generated = added[2]["password"].as_str().expect("a generated password");
    assert_eq!(generated.chars().count(), 12);
    assert_eq!(
        app.sign_in("clerk.xiangshui", "香水镇经办2026").await.0,
        200
    );
    let (status, me) = app.sign_in("expert.liupan", "六盘山专家2026").await;
    assert_eq!(status, 200);
    let token = me["token"].as_str().expect("token");
    let me = app.get(token, "/api/me").await.1;
    assert_eq!(me["user"]["display_name"], "六盘山, 专家");
    assert_eq!(me["user"]["group_name"], "泾源县人社局");
    assert_eq!(app.sign_in("officer.xinmin", generated).await.0, 200);
    let (_, trail) = app.get(&admin, "/api/audit?kind=person_created").await;
    assert_eq!(trail["entries"].as_array().map(Vec::len), Some(3));

    let (_, listed) = app.get(&admin, "/api/people?q=xiangshui").await;
    assert_eq!(listed["people"][0]["unit_name"], "泾源县");
    let officer = app.token("officer.region").await;
    assert_eq!(import(&app, &officer, &csv).await.0, 403);
    assert_eq!(app.get(&officer, "/api/people").await.0, 403);
}

#[tokio::test]
async fn a_file_of_more_than_five_hundred_people_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let rows: String = (0..501)
        .map(|n| format!("clerk.many{n},经办{n},clerk,640424,,\n"))
        .collect();
    let (status, v) = import(&app, &admin, &format!("{HEADER}{rows}")).await;
    assert_eq!(status, 422);
    assert_eq!(v["error"]["rows"][0]["reason"], "too_many");
    assert_eq!(v["error"]["rows"][0]["line"], 502);
}
