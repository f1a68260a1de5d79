//! The matrix and the rosters through a spreadsheet: exported as CSV with a BOM and imported
//! back they are the same; a change is kept as history; a file with errors of several kinds is
//! refused whole, each error with its line, and changes nothing.

use super::{download, upload, DAWAN};
use crate::common::TestApp;
use serde_json::Value;

const MATRIX: &str = "/api/duty/matrix.csv";
const ROSTERS: &str = "/api/duty/rosters.csv";

fn lines(problems: &Value) -> Vec<(i64, String)> {
    let rows = problems["error"]["rows"].as_array().expect("rows");
    rows.iter()
        .map(|r| {
            (
                r["line"].as_i64().expect("line"),
                r["reason"].as_str().expect("reason").into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_matrix_and_the_rosters_come_back_the_same_and_a_change_is_history() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let matrix = download(&app, &admin, MATRIX).await;
    assert!(
        matrix.starts_with('\u{feff}'),
        "Excel needs the BOM for Chinese"
    );
    assert_eq!(matrix.lines().count(), 1 + 270);
    assert!(matrix.contains("\"640424007\",\"大湾乡\",\"乡镇\",\"officer.dawan\",\"丁守\""));
    let (status, v) = upload(&app, &admin, MATRIX, &matrix).await;
    assert_eq!((status, v["changed"].as_i64()), (200, Some(0)), "{v}");
    assert_eq!(download(&app, &admin, MATRIX).await, matrix);

    let rosters = download(&app, &admin, ROSTERS).await;
    let written = rosters.lines().count() - 1;
    assert!(written > 20, "{rosters}");
    let (status, v) = upload(&app, &admin, ROSTERS, &rosters).await;
    assert_eq!(
        (status, v["changed"].as_u64()),
        (200, Some(written as u64)),
        "{v}"
    );
    assert_eq!(download(&app, &admin, ROSTERS).await, rosters);

    // 大湾乡 gets a deputy: one unit changes, the primary's responsibility stays as it was.
    let changed = matrix.replace(
        "\"640424007\",\"大湾乡\",\"乡镇\",\"officer.dawan\",\"丁守\",\"\",\"\"",
        "\"640424007\",\"大湾乡\",\"乡镇\",\"officer.dawan\",\"丁守\",\"officer.640424001\",\"\"",
    );
    assert_ne!(changed, matrix);
    let (status, v) = upload(&app, &admin, MATRIX, &changed).await;
    assert_eq!((status, v["changed"].as_i64()), (200, Some(1)), "{v}");
    let (_, v) = app
        .get(&admin, &format!("/api/duty/units/{DAWAN}/history"))
        .await;
    let history = v["history"].as_array().expect("history");
    assert_eq!(history.len(), 2, "{v}");
    assert_eq!(
        (
            history[0]["position"].as_str(),
            history[0]["username"].as_str()
        ),
        (Some("deputy"), Some("officer.640424001"))
    );
    assert!(history.iter().all(|h| h["until"].is_null()));
    // Taken away again, the deputy's time is closed, and kept.
    let (status, _) = upload(&app, &admin, MATRIX, &matrix).await;
    assert_eq!(status, 200);
    let (_, v) = app
        .get(&admin, &format!("/api/duty/units/{DAWAN}/history"))
        .await;
    assert!(v["history"][0]["until"].is_i64(), "{v}");
    assert_eq!(download(&app, &admin, MATRIX).await, matrix);
}

#[tokio::test]
async fn a_file_with_three_kinds_of_error_is_refused_whole_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let before = (
        download(&app, &admin, MATRIX).await,
        download(&app, &admin, ROSTERS).await,
    );
    let matrix = "\u{feff}单位代码,单位名称,层级,主责安全员,主责姓名,副责安全员,副责姓名,职责\n\
        640424001,香水镇,乡镇,officer.640424002,,,,改了\n\
        649999001,无此乡,乡镇,officer.dawan,,,,\n\
        640424002,新民乡,乡镇,officer.nobody,,,,\n\
        640424003,六盘山镇,乡镇,clerk.dawan,,,,\n\
        640424001,香水镇,乡镇,officer.640424001,,,,\n";
    let (status, v) = upload(&app, &admin, MATRIX, matrix).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("invalid_rows")),
        "{v}"
    );
    let expected = [
        (3, "unknown_unit"),
        (4, "unknown_person"),
        (5, "not_officer"),
        (6, "duplicate"),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(lines(&v), expected);

    let rosters = "单位代码,类型,人员,开始,结束,周期天数,班次,说明\n\
        640424007,轮值,officer.dawan,2027-01-11,,7,08:00-20:00,\n\
        640424007,轮值,officer.dawan,2027-01-11,,7,08:00-20:00,\n\
        640424007,替班,officer.ghost,2027-01-19 08:00,2027-01-19 12:00,,,\n\
        640424007,轮值,officer.dawan,2027-13-01,,7,8-20,\n";
    let (status, v) = upload(&app, &admin, ROSTERS, rosters).await;
    assert_eq!(status, 422, "{v}");
    let expected = [
        (3, "duplicate"),
        (4, "unknown_person"),
        (5, "bad_date"),
        (5, "bad_shift"),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(lines(&v), expected);
    let after = (
        download(&app, &admin, MATRIX).await,
        download(&app, &admin, ROSTERS).await,
    );
    assert!(after == before, "a refused file changed something");

    // A header from elsewhere, an officer importing, a unit head outside their area.
    let (status, v) = upload(&app, &admin, MATRIX, "username,name\nx,y\n").await;
    assert_eq!(
        (status, lines(&v)),
        (422, vec![(1, "bad_header".to_string())])
    );
    let officer = app.token("officer.region").await;
    assert_eq!(upload(&app, &officer, MATRIX, &before.0).await.0, 403);
    let head = app.token("supervisor.jingyuan").await;
    let (status, v) = upload(&app, &head, MATRIX, &before.0).await;
    assert_eq!(status, 422);
    assert!(lines(&v).iter().all(|(_, r)| r == "unknown_unit"));
    let own = download(&app, &head, MATRIX).await;
    assert_eq!(own.lines().count(), 1 + 8);
    assert_eq!(upload(&app, &head, MATRIX, &own).await.1["changed"], 0);
}

#[tokio::test]
async fn cells_that_do_not_fit_their_line_are_refused_not_dropped() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let matrix = "单位代码,单位名称,层级,主责安全员,主责姓名,副责安全员,副责姓名,职责\n\
        640422003,无人乡,乡镇,,,,,负责网络\n";
    let (status, v) = upload(&app, &admin, MATRIX, matrix).await;
    assert_eq!(
        (status, lines(&v)),
        (422, vec![(2, "duties_without_officer".to_string())])
    );
    // Friday 15 January 2027, 16:00: an override over last week is history, not a line.
    let rosters = "单位代码,类型,人员,开始,结束,周期天数,班次,说明\n\
        640424007,轮值,officer.dawan,2027-01-11,2027-02-01,7,,\n\
        640424007,替班,officer.640424001,2027-01-19 08:00,2027-01-19 12:00,7,,\n\
        640424007,替班,officer.640424001,2027-01-05 08:00,2027-01-06 08:00,,,\n\
        640424007,替班,officer.640424001,2027-01-19 08:00,2027-03-19 08:00,,,\n";
    let (status, v) = upload(&app, &admin, ROSTERS, rosters).await;
    assert_eq!(status, 422);
    let expected = [
        (2, "not_for_kind"),
        (3, "not_for_kind"),
        (4, "over"),
        (5, "too_long"),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(lines(&v), expected);
    // A file of nothing but bad lines says at most a hundred of them.
    let junk = format!(
        "{}{}",
        "单位代码,类型,人员,开始,结束,周期天数,班次,说明\n",
        "x\n".repeat(3000)
    );
    let (status, v) = upload(&app, &admin, ROSTERS, &junk).await;
    assert_eq!((status, lines(&v).len()), (422, 100));
}
