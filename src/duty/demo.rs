//! The demo's security officers: a primary for every unit of the four levels (the named demo
//! officers at 自治区, 固原市, 泾源县 and 大湾乡), deputies above the townships, day and night
//! rotations at the region and in the counties, and an override — with a few gaps left on
//! purpose: a township with nobody, one with a deputy only, a disabled officer, a rotation
//! that leaves the nights open, and an officer over four townships. Each start of the demo
//! completes the day's checks of every unit but a few, and 大湾乡's, so the demo officer has
//! one to do.

use super::sheets::matrix::assign;
use super::sheets::rosters::{replace, Entry};
use super::store::{self, Unit};
use super::Rules;
use crate::clock::Millis;
use crate::db::Db;
use crate::org::repo::{self, NewUser};
use crate::org::{Role, UnitLevel};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Units whose day's check the demo leaves undone: 大湾乡 for its officer, the rest missed.
const UNCHECKED: &[&str] = &[
    "640424007",
    "640402001",
    "640324002",
    "640323003",
    "640422003",
];
/// A township with nobody, and one with a deputy only.
const NOBODY: &str = "640422003";
const DEPUTY_ONLY: &str = "640422005";
/// A township whose primary's account is disabled (its deputy stands in).
const DISABLED: &str = "640423002";
/// A township whose rotation covers the days only.
const DAYS_ONLY: &str = "640522001";
/// Four townships under one officer, one more than the default maximum.
const SHARED: &[&str] = &["640425001", "640425002", "640425003", "640425004"];
/// The named demo officers and their units.
const NAMED: &[(&str, &str)] = &[
    ("officer.region", "640000"),
    ("officer.guyuan", "640400"),
    ("officer.jingyuan", "640424"),
    ("officer.dawan", "640424007"),
];

const SURNAMES: &[char] = &[
    '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭',
    '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '田',
];
const GIVEN: &[char] = &[
    '伟', '芳', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '霞',
    '平', '刚', '华', '兰', '萍', '鹏', '飞', '宏', '海', '春', '文', '斌', '辉', '宁', '东', '燕',
];

fn name(i: usize) -> String {
    let s = SURNAMES[i % SURNAMES.len()];
    let a = GIVEN[(i * 7 + i / SURNAMES.len()) % GIVEN.len()];
    if i % 3 == 0 {
        format!("{s}{a}")
    } else {
        format!("{s}{a}{}", GIVEN[(i * 13 + 5) % GIVEN.len()])
    }
}

/// Arranges the demo's officers once (when nobody answers for any unit yet); returns whether
/// it did. Then, every time, completes today's checks but for the units left undone.
pub async fn load(
    db: &Db,
    rules: &Rules,
    now: Millis,
    password_hash: &str,
) -> anyhow::Result<bool> {
    let today = rules.day_of(now);
    let day = today.to_string();
    let units = store::load(db, "/", now, &day).await?.units;
    let mut tx = db.begin().await?;
    let any = sqlx::query("SELECT COUNT(*) AS n FROM duty_roles")
        .fetch_one(&mut *tx)
        .await?;
    let fresh = any.try_get::<i64, _>("n")? == 0 && !units.is_empty();
    if fresh {
        arrange(&mut tx, &units, now, &day, password_hash).await?;
    }
    // Done in the early morning, one after another, when the demo starts after them; else now.
    let deadline = rules.deadline(today);
    let (from, spread) = match now >= deadline {
        true => (deadline - 100 * 60_000, 60_000),
        false => (now, 0),
    };
    check_today(&mut tx, &day, from, spread).await?;
    tx.commit().await?;
    Ok(fresh)
}

async fn arrange(
    conn: &mut AnyConnection,
    units: &[Unit],
    now: Millis,
    today: &str,
    hash: &str,
) -> anyhow::Result<()> {
    let mut named = HashMap::new();
    for (username, code) in NAMED {
        let id = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(*username)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = id {
            named.insert(*code, r.try_get::<i64, _>("id")?);
        }
    }
    let mut made = 0;
    let mut officer = |unit: &Unit, tag: &str| {
        made += 1;
        (unit.id, format!("officer.{}{tag}", unit.code), name(made))
    };
    let mut shared = None;
    for unit in units {
        let code = unit.code.as_str();
        if code == NOBODY {
            continue;
        }
        let primary = match named.get(code) {
            Some(id) => Some(*id),
            None if code == DEPUTY_ONLY => None,
            None if SHARED.contains(&code) => match shared {
                Some(id) => Some(id),
                None => {
                    let id = add(conn, officer(unit, ""), now, hash).await?;
                    shared = Some(id);
                    Some(id)
                }
            },
            None => Some(add(conn, officer(unit, ""), now, hash).await?),
        };
        let has_deputy =
            unit.level != UnitLevel::Township || code == DEPUTY_ONLY || code == DISABLED;
        let deputy = match has_deputy {
            true => Some(add(conn, officer(unit, ".b"), now, hash).await?),
            false => None,
        };
        let duties = duties(unit.level);
        assign(conn, unit.id, "primary", primary, duties, now).await?;
        assign(conn, unit.id, "deputy", deputy, duties, now).await?;
        if code == DISABLED {
            sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
                .bind(primary)
                .execute(&mut *conn)
                .await?;
        }
        rosters(conn, unit, primary, deputy, now, today).await?;
    }
    Ok(())
}

async fn add(
    conn: &mut AnyConnection,
    (unit_id, username, display): (i64, String, String),
    now: Millis,
    hash: &str,
) -> sqlx::Result<i64> {
    let user = NewUser {
        username: &username,
        display_name: &display,
        role: Role::Officer,
        unit_id,
        group_id: None,
        password_hash: hash,
    };
    repo::insert_user(conn, user, now).await
}

fn duties(level: UnitLevel) -> &'static str {
    match level {
        UnitLevel::Region => "人社一体化系统、宁政通、电子政务外网的全区运行保障",
        UnitLevel::City => "全市人社业务专网、社区E通及各县区链路",
        UnitLevel::County => "县级业务系统、与乡镇的网络链路、备份",
        _ => "服务中心终端、读卡器、打印机、网络与业务系统登录",
    }
}

/// Day and night shifts at the region, weekly turns in the counties, an override at 固原市
/// tomorrow, and days only at one township. The turns start the day the demo is first loaded,
/// the primary's first: the named officers are on duty in the demo's first week, whatever
/// week of the year that is.
async fn rosters(
    conn: &mut AnyConnection,
    unit: &Unit,
    primary: Option<i64>,
    deputy: Option<i64>,
    now: Millis,
    today: &str,
) -> sqlx::Result<()> {
    let both: Vec<i64> = primary.into_iter().chain(deputy).collect();
    let rotation = |shifts: &str, people: Vec<i64>| Entry::Rotation {
        unit_id: unit.id,
        starts_on: today.into(),
        period_days: 7,
        people,
        shifts: shifts.into(),
    };
    let mut entries = match unit.level {
        UnitLevel::Region => vec![rotation("08:00-20:00 20:00-08:00", both)],
        UnitLevel::County => vec![rotation("", both)],
        _ if unit.code == DAYS_ONLY => vec![rotation("08:00-18:00", both)],
        _ => Vec::new(),
    };
    if unit.code == "640400" {
        if let Some(person) = deputy {
            let from = now + 24 * 3_600_000;
            let (until, reason) = (from + 8 * 3_600_000, "主责安全员请假，副责代班".to_string());
            entries.push(Entry::Override {
                unit_id: unit.id,
                person,
                from,
                until,
                reason,
            });
        }
    }
    if entries.is_empty() {
        return Ok(());
    }
    replace(conn, &[unit.id], &entries, now).await
}

/// Today's checks of every unit with a primary but those left undone, by that primary: the
/// first at `from`, each unit up to 80 × `spread` later.
async fn check_today(
    conn: &mut AnyConnection,
    day: &str,
    from: Millis,
    spread: Millis,
) -> sqlx::Result<()> {
    let marks: Vec<String> = (0..UNCHECKED.len())
        .map(|i| format!("${}", i + 5))
        .collect();
    let sql = format!(
        "INSERT INTO duty_checks (unit_id, day, results, note, done_by, done_at, late) \
         SELECT r.unit_id, $1, $2, '', r.person_id, $3 + (r.unit_id % 80) * $4, 0 FROM duty_roles r \
         JOIN units n ON n.id = r.unit_id WHERE r.position = 'primary' AND r.ended_at IS NULL \
         AND n.code NOT IN ({}) ON CONFLICT (unit_id, day) DO NOTHING",
        marks.join(", ")
    );
    let results = r#"[{"item":"业务系统登录","ok":true,"note":""},{"item":"网络连通","ok":true,"note":""},{"item":"读卡器","ok":true,"note":""},{"item":"打印机","ok":true,"note":""},{"item":"数据备份","ok":true,"note":""}]"#;
    let mut q = sqlx::query(&sql)
        .bind(day)
        .bind(results)
        .bind(from)
        .bind(spread);
    for code in UNCHECKED {
        q = q.bind(*code);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}
