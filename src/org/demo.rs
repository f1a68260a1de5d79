//! The Ningxia demo organisation: the real cities and counties, 242 townships, some villages
//! and grids, the expert groups that answer the clerks, and one login for every role at
//! several levels. Loading is idempotent: a database that has the region already is left alone.

use super::geography::{self, CITIES, GRIDS, VILLAGES};
use super::repo::{self, NewUser, Unit};
use super::{Role, UnitLevel};
use crate::clock::Millis;
use crate::db::Db;
use std::collections::HashMap;

/// Every demo login shares this password.
pub const DEMO_PASSWORD: &str = "backstop";

/// Expert groups: code, name, unit (by name), specialties.
const GROUPS: &[(&str, &str, &str, &str)] = &[
    (
        "legal",
        "自治区人社厅法规处",
        geography::REGION_NAME,
        "policy",
    ),
    (
        "datacenter",
        "自治区人社厅信息数据管理中心",
        geography::REGION_NAME,
        "it_fault",
    ),
    (
        "vendor",
        "人社一体化系统软件公司",
        geography::REGION_NAME,
        "it_fault",
    ),
    (
        "yinchuan",
        "银川市人社局",
        "银川市",
        "employment social_insurance labour sscard",
    ),
    (
        "guyuan",
        "固原市人社局",
        "固原市",
        "employment social_insurance labour sscard",
    ),
    (
        "jingyuan",
        "泾源县人社局",
        "泾源县",
        "employment social_insurance labour sscard",
    ),
    (
        "zhongning",
        "中宁县人社局",
        "中宁县",
        "employment social_insurance labour sscard",
    ),
    (
        "xixia",
        "西夏区人社局",
        "西夏区",
        "employment social_insurance labour sscard",
    ),
    (
        "approval-jingyuan",
        "泾源县行政审批局",
        "泾源县",
        "approval",
    ),
];

/// Demo people: username, name, role, unit (by name), expert group code.
pub const PEOPLE: &[(&str, &str, Role, &str, Option<&str>)] = &[
    (
        "admin",
        "系统管理员",
        Role::Admin,
        geography::REGION_NAME,
        None,
    ),
    ("clerk.dawan", "马小兰", Role::Clerk, "大湾乡", None),
    ("agent.niuying", "牛建国", Role::Clerk, "牛营村", None),
    ("clerk.zhenbeibao", "李静", Role::Clerk, "镇北堡镇", None),
    ("clerk.dazhanchang", "王芳", Role::Clerk, "大战场镇", None),
    ("grid.changsheng", "赵敏", Role::Clerk, "第一网格", None),
    (
        "expert.jingyuan",
        "杨志刚",
        Role::Expert,
        "泾源县",
        Some("jingyuan"),
    ),
    (
        "expert.guyuan",
        "海燕",
        Role::Expert,
        "固原市",
        Some("guyuan"),
    ),
    (
        "expert.yinchuan",
        "张伟",
        Role::Expert,
        "银川市",
        Some("yinchuan"),
    ),
    (
        "expert.zhongning",
        "田丽",
        Role::Expert,
        "中宁县",
        Some("zhongning"),
    ),
    (
        "expert.legal",
        "周律",
        Role::Expert,
        geography::REGION_NAME,
        Some("legal"),
    ),
    (
        "expert.datacenter",
        "陈数",
        Role::Expert,
        geography::REGION_NAME,
        Some("datacenter"),
    ),
    (
        "expert.vendor",
        "刘工",
        Role::Expert,
        geography::REGION_NAME,
        Some("vendor"),
    ),
    (
        "expert.approval",
        "苏审",
        Role::Expert,
        "泾源县",
        Some("approval-jingyuan"),
    ),
    (
        "officer.region",
        "马安全",
        Role::Officer,
        geography::REGION_NAME,
        None,
    ),
    ("officer.guyuan", "冯安", Role::Officer, "固原市", None),
    ("officer.jingyuan", "何平", Role::Officer, "泾源县", None),
    ("officer.dawan", "丁守", Role::Officer, "大湾乡", None),
    (
        "supervisor.region",
        "金督",
        Role::Supervisor,
        geography::REGION_NAME,
        None,
    ),
    (
        "supervisor.jingyuan",
        "兰长",
        Role::Supervisor,
        "泾源县",
        None,
    ),
    (
        "ops.datacenter",
        "白值",
        Role::Ops,
        geography::REGION_NAME,
        None,
    ),
];

/// Loads the demo once, every login with `password_hash` (of [`DEMO_PASSWORD`]). Returns
/// false when it was there already.
pub async fn load(db: &Db, now: Millis, password_hash: &str) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    if repo::unit_by_code(&mut tx, geography::REGION_CODE)
        .await?
        .is_some()
    {
        tx.rollback().await?;
        return Ok(false);
    }
    let units = insert_units(&mut tx).await?;
    let mut groups = HashMap::new();
    for (code, name, unit, specialties) in GROUPS {
        let unit_id = units[unit].id;
        let id = repo::insert_group(&mut tx, code, name, unit_id, specialties).await?;
        groups.insert(*code, id);
    }
    for (username, display_name, role, unit, group) in PEOPLE {
        let user = NewUser {
            username,
            display_name,
            role: *role,
            unit_id: units[unit].id,
            group_id: group.map(|g| groups[g]),
            password_hash,
        };
        repo::insert_user(&mut tx, user, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Units by name. Township names repeat across counties; the demo people live in unique ones.
async fn insert_units(conn: &mut sqlx::AnyConnection) -> sqlx::Result<HashMap<&'static str, Unit>> {
    let mut by_name = HashMap::new();
    let region = repo::insert_unit(
        conn,
        geography::REGION_CODE,
        geography::REGION_NAME,
        UnitLevel::Region,
        None,
    )
    .await?;
    for city in CITIES {
        let c =
            repo::insert_unit(conn, city.code, city.name, UnitLevel::City, Some(&region)).await?;
        for county in city.counties {
            let k = repo::insert_unit(conn, county.code, county.name, UnitLevel::County, Some(&c))
                .await?;
            for (i, name) in county.townships.iter().enumerate() {
                let code = format!("{}{:03}", county.code, i + 1);
                let t = repo::insert_unit(conn, &code, name, UnitLevel::Township, Some(&k)).await?;
                by_name.insert(*name, t);
            }
            by_name.insert(county.name, k);
        }
        by_name.insert(city.name, c);
    }
    for (township, villages) in VILLAGES {
        let parent = by_name[township].clone();
        for (i, name) in villages.iter().enumerate() {
            let code = format!("{}{:03}", parent.code, i + 1);
            let v = repo::insert_unit(conn, &code, name, UnitLevel::Village, Some(&parent)).await?;
            by_name.insert(*name, v);
        }
    }
    for (village, grids) in GRIDS {
        let parent = by_name[village].clone();
        for (i, name) in grids.iter().enumerate() {
            let code = format!("{}{:02}", parent.code, i + 1);
            let g = repo::insert_unit(conn, &code, name, UnitLevel::Grid, Some(&parent)).await?;
            by_name.insert(*name, g);
        }
    }
    by_name.insert(geography::REGION_NAME, region);
    Ok(by_name)
}
