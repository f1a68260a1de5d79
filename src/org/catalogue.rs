//! The catalogue of the 20 service items delegated to the township centres, in four families.

use super::Specialty;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ServiceItem {
    pub code: &'static str,
    pub name: &'static str,
    /// The name in the console's English mode.
    pub name_en: &'static str,
    pub family: Specialty,
}

const fn item(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    family: Specialty,
) -> ServiceItem {
    ServiceItem {
        code,
        name,
        name_en,
        family,
    }
}

use Specialty::{Employment as E, Labour as L, SocialInsurance as S, SsCard as C};

pub static ITEMS: [ServiceItem; 20] = [
    item("E01", "就业登记", "Employment registration", E),
    item("E02", "失业登记", "Unemployment registration", E),
    item(
        "E03",
        "就业困难人员认定",
        "Recognition of people with employment difficulties",
        E,
    ),
    item(
        "E04",
        "灵活就业人员社会保险补贴申领",
        "Social insurance subsidy for flexible workers",
        E,
    ),
    item(
        "E05",
        "创业担保贷款申请",
        "Business start-up guaranteed loan",
        E,
    ),
    item("E06", "职业培训补贴申领", "Vocational training subsidy", E),
    item(
        "S01",
        "城乡居民养老保险参保登记",
        "Residents' pension enrolment",
        S,
    ),
    item(
        "S02",
        "城乡居民养老保险待遇申领",
        "Residents' pension benefit claim",
        S,
    ),
    item(
        "S03",
        "个人权益记录查询打印",
        "Personal rights record printout",
        S,
    ),
    item(
        "S04",
        "养老保险关系转移接续",
        "Pension transfer between schemes",
        S,
    ),
    item(
        "S05",
        "城乡居民养老保险缴费档次变更",
        "Residents' pension contribution level change",
        S,
    ),
    item(
        "S06",
        "参保人员基本信息变更",
        "Insured person's details change",
        S,
    ),
    item("L01", "劳动用工备案", "Employment filing", L),
    item(
        "L02",
        "拖欠农民工工资投诉受理",
        "Complaint about unpaid migrant wages",
        L,
    ),
    item(
        "L03",
        "劳动人事争议调解申请",
        "Labour dispute mediation request",
        L,
    ),
    item(
        "C01",
        "社会保障卡申领",
        "Social security card application",
        C,
    ),
    item(
        "C02",
        "社会保障卡挂失与解挂",
        "Card loss report and recovery",
        C,
    ),
    item("C03", "社会保障卡补换", "Card replacement", C),
    item("C04", "社会保障卡密码重置", "Card password reset", C),
    item("C05", "社会保障卡应用状态启用", "Card activation", C),
];

/// The catalogue as the console reads it: the items and the families' names.
pub fn to_json() -> serde_json::Value {
    let families: Vec<serde_json::Value> = Specialty::ALL
        .iter()
        .map(|s| serde_json::json!({ "code": s, "name": specialty_name(*s), "name_en": specialty_name_en(*s) }))
        .collect();
    serde_json::json!({ "items": &ITEMS[..], "specialties": families })
}

pub fn find(code: &str) -> Option<&'static ServiceItem> {
    ITEMS.iter().find(|item| item.code == code)
}

/// The English name of each specialty, for the console's English mode.
pub fn specialty_name_en(s: Specialty) -> &'static str {
    match s {
        Specialty::Employment => "Employment",
        Specialty::SocialInsurance => "Social insurance",
        Specialty::Labour => "Labour relations",
        Specialty::SsCard => "Social security card",
        Specialty::ItFault => "System faults",
        Specialty::Policy => "Policy",
        Specialty::Approval => "Approvals",
    }
}

/// The Chinese name of each specialty, for the console and the demo data.
pub fn specialty_name(s: Specialty) -> &'static str {
    match s {
        Specialty::Employment => "就业创业",
        Specialty::SocialInsurance => "社会保险",
        Specialty::Labour => "劳动关系",
        Specialty::SsCard => "社会保障卡",
        Specialty::ItFault => "系统故障",
        Specialty::Policy => "政策咨询",
        Specialty::Approval => "审批业务",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn twenty_items_in_four_families_with_unique_codes() {
        let codes: HashSet<_> = ITEMS.iter().map(|i| i.code).collect();
        assert_eq!(codes.len(), 20);
        let families: HashSet<_> = ITEMS.iter().map(|i| i.family).collect();
        assert_eq!(families.len(), 4);
        assert_eq!(find("C04").map(|i| i.name), Some("社会保障卡密码重置"));
    }
}
