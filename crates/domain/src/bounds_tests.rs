//! Edge tests of every range in `bounds`: the last value allowed and the first refused.

use super::*;
use time::macros::date;

const TODAY: Date = date!(2025 - 10 - 14);

#[test]
fn growth_rates_lie_within_a_hundred_percent() {
    assert_eq!(growth_pct("g", "增速", 100.0), Ok(100.0));
    assert_eq!(growth_pct("g", "增速", -100.0), Ok(-100.0));
    let e = growth_pct("ytd_growth_pct", "累计增长", 99_999_999.0).expect_err("absurd");
    assert_eq!(e.field, "ytd_growth_pct");
    assert_eq!(e.message, "累计增长 99,999,999% 超出允许范围 −100%–100%");
    assert!(growth_pct("g", "增速", 100.01).is_err());
    assert!(growth_pct("g", "增速", -100.01).is_err());
    assert!(growth_pct("g", "增速", f64::NAN).is_err());
    assert!(coefficient("c", "系数", 10.0).is_ok() && coefficient("c", "系数", -10.5).is_err());
}

#[test]
fn an_investment_has_a_hard_and_a_soft_limit() {
    let b = Bounds::default();
    let yi = |v: i64| v * YI;
    assert_eq!(
        b.investment("total_investment", "总投资", yi(300), false),
        Ok(yi(300))
    );
    assert_eq!(b.investment("total_investment", "总投资", 0, false), Ok(0));
    let soft = b
        .investment("total_investment", "总投资", yi(300) + 1, false)
        .expect_err("needs confirmation");
    assert_eq!(soft.confirm, Some(CONFIRM_INVESTMENT));
    assert!(soft.message.contains("须确认"), "{}", soft.message);
    assert_eq!(b.investment("x", "总投资", yi(2_000), true), Ok(yi(2_000)));
    let hard = b
        .investment("total_investment", "总投资", yi(99_999_999), true)
        .expect_err("absurd");
    assert_eq!(hard.confirm, None);
    assert_eq!(hard.field, "total_investment");
    assert_eq!(
        hard.message,
        "总投资 99,999,999 亿元 超出允许范围 0–2,000 亿元"
    );
    assert!(b.investment("x", "总投资", yi(2_000) + 1, true).is_err());
    assert!(b.investment("x", "总投资", -1, true).is_err());
}

#[test]
fn output_and_value_added_follow_the_investment() {
    let b = Bounds::default();
    let inv = Some(10 * YI);
    assert!(b.output_at_capacity(50 * YI, inv).is_ok());
    let e = b
        .output_at_capacity(50 * YI + 1, inv)
        .expect_err("too much");
    assert!(
        e.message.contains("0–50 亿元（不超过总投资的 5 倍）"),
        "{}",
        e.message
    );
    assert!(b.value_added_at_capacity(8 * YI, Some(8 * YI), inv).is_ok());
    let e = b
        .value_added_at_capacity(8 * YI + 1, Some(8 * YI), inv)
        .expect_err("above output");
    assert_eq!(e.field, "value_added_at_capacity");
    assert!(e.message.contains("不超过达产产值"), "{}", e.message);
    // Without an output: at most five times the investment, so six times is refused.
    assert!(b.value_added_at_capacity(50 * YI, None, inv).is_ok());
    assert!(b.value_added_at_capacity(60 * YI, None, inv).is_err());
    assert!(b.value_added_at_capacity(-1, None, inv).is_err());
    assert!(b.fixed_asset_investment(10 * YI, inv).is_ok());
    assert!(b.fixed_asset_investment(10 * YI + 1, inv).is_err());
}

#[test]
fn a_task_promises_at_most_the_order_of_its_gap() {
    let b = Bounds::default();
    // A gap of 0.05 pp allows 0.5 pp; no gap allows the absolute 2 pp.
    assert!(b.task_expected_pp(0.5, Some(0.05)).is_ok());
    let e = b.task_expected_pp(0.51, Some(0.05)).expect_err("beyond");
    assert!(
        e.message
            .contains("0–0.5 个百分点（短板缺口 0.05 个百分点的 10 倍以内）"),
        "{}",
        e.message
    );
    assert!(b.task_expected_pp(2.0, None).is_ok());
    assert!(b.task_expected_pp(2.01, None).is_err());
    assert!(b.task_expected_pp(2.0, Some(3.0)).is_ok());
    assert!(b.task_expected_pp(-0.01, None).is_err());
    assert!(b.task_expected_pp(0.0, Some(0.0)).is_ok());
    assert!(b.task_expected_pp(0.11, Some(0.0)).is_err());
    assert!(b.task_expected_pp(f64::INFINITY, None).is_err());
}

#[test]
fn quantities_lie_within_their_units_range() {
    let q = |t: &str, u| Quantity::parse(t, u).expect("parse");
    assert!(quantity("value", "累计完成", q("20000亿元", Unit::Yuan)).is_ok());
    let e = quantity("value", "累计完成", q("99999999", Unit::Yuan)).expect_err("absurd");
    assert_eq!(
        e.message,
        "累计完成 99,999,999 亿元 超出允许范围 0–20,000 亿元"
    );
    assert!(quantity("v", "目标", q("100", Unit::Percent)).is_ok());
    let e = quantity("v", "目标", q("99999999", Unit::Percent)).expect_err("absurd");
    assert_eq!(e.message, "目标 99,999,999% 超出允许范围 −100%–100%");
    assert!(quantity("v", "目标", q("-100.01", Unit::Percent)).is_err());
    assert!(quantity("v", "目标", q("100000", Unit::Count)).is_ok());
    let e = quantity("v", "目标", q("100001", Unit::Count)).expect_err("too many");
    assert_eq!(e.message, "目标 100,001 个 超出允许范围 0–100,000 个");
    assert!(quantity("v", "目标", q("10000000", Unit::Persons)).is_ok());
    assert!(quantity("v", "目标", q("10000001", Unit::Persons)).is_err());
    assert!(quantity("v", "目标", q("1000001", Unit::Firms)).is_err());
    assert!(quantity("v", "目标", q("3650", Unit::Days)).is_ok());
    assert!(quantity("v", "目标", q("3651", Unit::Days)).is_err());
}

#[test]
fn observations_lie_within_their_units_range() {
    assert!(observed_value("ytd_value", "累计值", "亿元", 100_000.0).is_ok());
    let e = observed_value("ytd_value", "累计值", "亿元", 100_000.5).expect_err("absurd");
    assert_eq!(
        e.message,
        "累计值 100,000.5 亿元 超出允许范围 −100,000–100,000 亿元"
    );
    assert!(observed_value("v", "累计值", "%", 101.0).is_err());
    assert!(observed_value("v", "累计值", "万元", 1e9).is_ok());
    assert!(observed_value("v", "累计值", "万元", 1e9 + 1.0).is_err());
    assert!(observed_value("v", "累计值", "吨", 1e12).is_ok());
    assert!(observed_value("v", "累计值", "吨", 1e13).is_err());
}

#[test]
fn dates_lie_in_plausible_years_and_in_order() {
    assert_eq!(year("year", "年度", 2035, TODAY), Ok(2035));
    assert!(year("year", "年度", 2036, TODAY).is_err());
    assert!(year("year", "年度", 1999, TODAY).is_err());
    assert!(done_date("on", "日期", TODAY, TODAY).is_ok());
    let e = done_date("happened_on", "服务日期", date!(2025 - 10 - 15), TODAY).expect_err("future");
    assert_eq!(
        e.message,
        "服务日期 2025-10-15 超出允许范围 2000-01-01 至 2025-10-14"
    );
    assert!(done_date("on", "日期", date!(1999 - 12 - 31), TODAY).is_err());
    assert!(plan_date("deadline", "期限", date!(2035 - 12 - 31), TODAY).is_ok());
    assert!(plan_date("deadline", "期限", date!(2036 - 01 - 01), TODAY).is_err());
    let signed = date!(2025 - 03 - 10);
    assert!(stage_date(signed, Some(signed), TODAY).is_ok());
    let e = stage_date(date!(2025 - 03 - 09), Some(signed), TODAY).expect_err("before");
    assert_eq!(e.field, "on");
    assert!(
        e.message.contains("2025-03-10 至 2025-10-14"),
        "{}",
        e.message
    );
    assert!(production_month("2025-03", Some(signed), TODAY).is_ok());
    let e = production_month("2025-02", Some(signed), TODAY).expect_err("before signing");
    assert_eq!(
        e.message,
        "预计投产月份 2025-02 超出允许范围 2025-03 至 2035-12（不早于签约月份）"
    );
    assert!(production_month("2036-01", None, TODAY).is_err());
    assert!(production_month("1999-12", None, TODAY).is_err());
}

#[test]
fn numbers_are_grouped() {
    assert_eq!(group("99999999"), "99,999,999");
    assert_eq!(group("-1728.04"), "-1,728.04");
    assert_eq!(group("100"), "100");
    assert_eq!(yi(172_804_000_000), "1,728.04");
    assert_eq!(yi(0), "0");
}
