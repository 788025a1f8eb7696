//! Plausible input: the range every number and date typed into EconOps must fall in.
//!
//! A value can be well-formed and still absurd (an investment of 99,999,999 亿元, a growth of
//! 99,999,999 %, a value added six times the investment, a production month before the
//! signing). The pages, the API, the command line and the imports all check their numbers and
//! dates here, so one rule holds whichever way a value comes in. Each refusal names the field
//! (its Chinese label), the value and the allowed range, e.g.
//! "总投资 99,999,999 亿元 超出允许范围 0–2,000 亿元". The limits a deployment may want to
//! move (the largest investment, the confirmation threshold, the output per investment, a
//! task's expected effect) are [`Bounds`], the `[plausible]` section of the configuration.

use crate::money::Yuan;
use crate::target::{Quantity, Unit};
use serde::{Deserialize, Serialize};
use time::Date;

/// One 亿元 in 元.
const YI: i64 = 100_000_000;

/// The first year any date or period may lie in.
pub const EARLIEST_YEAR: i32 = 2000;

/// How many years ahead a planned date (a deadline, a production month) may lie.
pub const PLAN_YEARS_AHEAD: i32 = 10;

/// The configurable limits (defaults: decision 95).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// The largest total investment of one project, in 亿元 (hard limit).
    pub investment_max_yi: i64,
    /// Above this investment, in 亿元, an entry must be confirmed explicitly (soft limit).
    pub investment_confirm_yi: i64,
    /// Output at capacity is at most this many times the total investment.
    pub output_per_investment_max: i64,
    /// A task's expected effect, in 百分点 of GDP growth, is at most this.
    pub task_pp_max: f64,
    /// ... and at most this many times its shortfall's gap (the same order of magnitude).
    pub task_pp_gap_multiple: f64,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            investment_max_yi: 2_000,
            investment_confirm_yi: 300,
            output_per_investment_max: 5,
            task_pp_max: 2.0,
            task_pp_gap_multiple: 10.0,
        }
    }
}

/// A value outside its range, or one that needs an explicit confirmation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OutOfRange {
    /// The input's key (form field, JSON member, import column).
    pub field: String,
    /// The whole sentence for the user.
    pub message: String,
    /// Set when the value is allowed once confirmed: the key of the confirmation field.
    pub confirm: Option<&'static str>,
}

/// The key of the confirmation a large investment needs (form checkbox and API member).
pub const CONFIRM_INVESTMENT: &str = "confirm_large_investment";

fn refuse(field: &str, label: &str, value: &str, range: &str) -> OutOfRange {
    OutOfRange {
        field: field.to_string(),
        message: format!("{label} {value} 超出允许范围 {range}"),
        confirm: None,
    }
}

/// "99999999.5" → "99,999,999.5": thousands separators on the integer part (one formatter for
/// the whole program, `decimal::grouped`; a number already grouped is left as it is).
pub fn group(number: &str) -> String {
    crate::decimal::grouped(number)
}

/// A number as people read it: at most `decimals` places, trailing zeros dropped, grouped.
fn num(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    group(if s == "-0" { "0" } else { &s })
}

/// An amount of 元 in 亿元 as people read it ("1,728.04", "99,999,999").
pub fn yi(yuan: i64) -> String {
    let t = Yuan(yuan).yi_text();
    group(t.strip_suffix(".00").unwrap_or(&t))
}

/// A growth rate or another rate in percent: −100 % to 100 %.
pub fn growth_pct(field: &str, label: &str, v: f64) -> Result<f64, OutOfRange> {
    if v.is_finite() && (-100.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(refuse(
            field,
            label,
            &format!("{}%", num(v, 2)),
            "−100%–100%",
        ))
    }
}

/// A coefficient of the accounting model (an indicator's influence on an industry): −10 to 10.
pub fn coefficient(field: &str, label: &str, v: f64) -> Result<f64, OutOfRange> {
    if v.is_finite() && (-10.0..=10.0).contains(&v) {
        Ok(v)
    } else {
        Err(refuse(field, label, &num(v, 4), "−10–10"))
    }
}

impl Bounds {
    /// A project's (or a lead's) total investment in 元: 0 to the hard limit; above the soft
    /// limit only when `confirmed`.
    pub fn investment(
        &self,
        field: &str,
        label: &str,
        yuan: i64,
        confirmed: bool,
    ) -> Result<i64, OutOfRange> {
        let max = self.investment_max_yi.saturating_mul(YI);
        if !(0..=max).contains(&yuan) {
            return Err(refuse(
                field,
                label,
                &format!("{} 亿元", yi(yuan)),
                &format!("0–{} 亿元", group(&self.investment_max_yi.to_string())),
            ));
        }
        if yuan > self.investment_confirm_yi.saturating_mul(YI) && !confirmed {
            return Err(OutOfRange {
                field: CONFIRM_INVESTMENT.to_string(),
                message: format!(
                    "{label} {} 亿元 超过 {} 亿元，须确认：请核对后勾选“确认投资额无误”再提交（允许范围 0–{} 亿元）",
                    yi(yuan),
                    group(&self.investment_confirm_yi.to_string()),
                    group(&self.investment_max_yi.to_string()),
                ),
                confirm: Some(CONFIRM_INVESTMENT),
            });
        }
        Ok(yuan)
    }

    /// A fixed-asset investment: 0 to the project's total investment (when known), else the
    /// hard limit.
    pub fn fixed_asset_investment(&self, yuan: i64, total: Option<i64>) -> Result<i64, OutOfRange> {
        let (max, why) = match total {
            Some(t) => (t, "，不超过总投资"),
            None => (self.investment_max_yi.saturating_mul(YI), ""),
        };
        if (0..=max).contains(&yuan) {
            Ok(yuan)
        } else {
            Err(refuse(
                "fixed_asset_investment",
                "固定资产投资",
                &format!("{} 亿元", yi(yuan)),
                &format!("0–{} 亿元{why}", yi(max)),
            ))
        }
    }

    /// The largest output at capacity a project of this investment may plan.
    fn output_max(&self, investment: Option<i64>) -> i64 {
        investment
            .unwrap_or(self.investment_max_yi.saturating_mul(YI))
            .saturating_mul(self.output_per_investment_max)
    }

    /// Output at capacity (达产产值) per year: 0 to `output_per_investment_max` × investment.
    pub fn output_at_capacity(
        &self,
        yuan: i64,
        investment: Option<i64>,
    ) -> Result<i64, OutOfRange> {
        let max = self.output_max(investment);
        if (0..=max).contains(&yuan) {
            Ok(yuan)
        } else {
            Err(refuse(
                "output_at_capacity",
                "达产产值",
                &format!("{} 亿元", yi(yuan)),
                &format!(
                    "0–{} 亿元（不超过总投资的 {} 倍）",
                    yi(max),
                    self.output_per_investment_max
                ),
            ))
        }
    }

    /// Value added at capacity (达产增加值): not above the output at capacity, and without
    /// one not above the largest output the investment allows.
    pub fn value_added_at_capacity(
        &self,
        yuan: i64,
        output: Option<i64>,
        investment: Option<i64>,
    ) -> Result<i64, OutOfRange> {
        let (max, why) = match output {
            Some(o) => (o, "不超过达产产值".to_string()),
            None => (
                self.output_max(investment),
                format!("不超过总投资的 {} 倍", self.output_per_investment_max),
            ),
        };
        if (0..=max).contains(&yuan) {
            Ok(yuan)
        } else {
            Err(refuse(
                "value_added_at_capacity",
                "达产增加值",
                &format!("{} 亿元", yi(yuan)),
                &format!("0–{} 亿元（{why}）", yi(max)),
            ))
        }
    }

    /// The largest effect a task may promise, in 百分点: `task_pp_gap_multiple` times its
    /// shortfall's gap (at least 0.01 pp of gap), never more than `task_pp_max`.
    pub fn task_pp_limit(&self, gap_pp: Option<f64>) -> f64 {
        match gap_pp.filter(|g| g.is_finite()) {
            Some(g) => (g.abs().max(0.01) * self.task_pp_gap_multiple).min(self.task_pp_max),
            None => self.task_pp_max,
        }
    }

    /// A task's expected effect (预期成效) in 百分点: 0 to [`Bounds::task_pp_limit`].
    pub fn task_expected_pp(&self, pp: f64, gap_pp: Option<f64>) -> Result<f64, OutOfRange> {
        let max = self.task_pp_limit(gap_pp);
        if pp.is_finite() && (0.0..=max + 1e-9).contains(&pp) {
            Ok(pp)
        } else {
            let why = match gap_pp {
                Some(g) if max < self.task_pp_max => format!(
                    "（短板缺口 {} 个百分点的 {} 倍以内）",
                    num(g.abs(), 3),
                    num(self.task_pp_gap_multiple, 1)
                ),
                _ => String::new(),
            };
            Err(refuse(
                "expected_pp",
                "预期成效",
                &format!("{} 个百分点", num(pp, 3)),
                &format!("0–{} 个百分点{why}", num(max, 3)),
            ))
        }
    }
}

/// A target's value or an actual (累计完成) in its unit: percentages −100–100, money 0–20,000
/// 亿元, counts 0–100,000 个, people 0–10,000,000 人, firms 0–1,000,000 家, days 0–3,650 天.
pub fn quantity(field: &str, label: &str, q: Quantity) -> Result<Quantity, OutOfRange> {
    let (lo, hi) = quantity_range(q.unit);
    if (lo..=hi).contains(&q.raw) {
        Ok(q)
    } else {
        let lo_q = Quantity::from_raw(q.unit, lo);
        let hi_q = Quantity::from_raw(q.unit, hi);
        let text = |x: Quantity| match x.unit {
            Unit::Yuan => format!("{} 亿元", yi(x.raw)),
            Unit::Percent => format!("{}%", num(x.raw as f64 / 100.0, 2)),
            u => format!("{} {}", group(&x.number_text()), u.label()),
        };
        let range = match q.unit {
            Unit::Yuan => format!("{}–{} 亿元", yi(lo), yi(hi)),
            Unit::Percent => "−100%–100%".to_string(),
            u => format!(
                "{}–{} {}",
                group(&lo_q.number_text()),
                group(&hi_q.number_text()),
                u.label()
            ),
        };
        Err(refuse(field, label, &text(q), &range))
    }
}

/// The stored (raw) range of a quantity in `unit`.
pub fn quantity_range(unit: Unit) -> (i64, i64) {
    match unit {
        Unit::Percent => (-10_000, 10_000),
        Unit::Yuan => (0, 20_000 * YI),
        Unit::Count => (0, 100_000),
        Unit::Persons => (0, 10_000_000),
        Unit::Firms => (0, 1_000_000),
        Unit::Days => (0, 3_650),
    }
}

/// A statistical observation (累计值) in its indicator's unit as written in the catalogue:
/// % −100–100; 亿元 ±100,000; 万元 ±10 亿 (10^9); anything else ±10^12.
pub fn observed_value(field: &str, label: &str, unit: &str, v: f64) -> Result<f64, OutOfRange> {
    let unit = unit.trim();
    let (max, range) = match unit {
        "%" | "％" => return growth_pct(field, label, v),
        "亿元" => (1e5, "−100,000–100,000 亿元".to_string()),
        "万元" => (1e9, "−1,000,000,000–1,000,000,000 万元".to_string()),
        u => (1e12, format!("−1,000,000,000,000–1,000,000,000,000 {u}")),
    };
    if v.is_finite() && v.abs() <= max {
        Ok(v)
    } else {
        Err(refuse(
            field,
            label,
            &format!("{} {unit}", num(v, 4)),
            range.trim_end(),
        ))
    }
}

/// A year (of a target, a model, an import): 2000 to ten years after `today`.
pub fn year(field: &str, label: &str, y: i32, today: Date) -> Result<i32, OutOfRange> {
    let hi = today.year() + PLAN_YEARS_AHEAD;
    if (EARLIEST_YEAR..=hi).contains(&y) {
        Ok(y)
    } else {
        Err(refuse(
            field,
            label,
            &format!("{y} 年"),
            &format!("{EARLIEST_YEAR}–{hi} 年"),
        ))
    }
}

/// A date that records something done (a stage reached, an approval, a service visit, an
/// actual's date): from 2000-01-01 to today, never in the future.
pub fn done_date(field: &str, label: &str, d: Date, today: Date) -> Result<Date, OutOfRange> {
    between(field, label, d, first_day(), today)
}

/// A date that plans something (a deadline, a milestone, a plan's start): from 2000-01-01
/// to ten years after today.
pub fn plan_date(field: &str, label: &str, d: Date, today: Date) -> Result<Date, OutOfRange> {
    between(field, label, d, first_day(), last_plan_day(today))
}

/// A date of a stage: not before the stage reached before it, and not after today.
pub fn stage_date(d: Date, previous: Option<Date>, today: Date) -> Result<Date, OutOfRange> {
    between("on", "阶段日期", d, previous.unwrap_or(first_day()), today)
}

/// The expected production month ("YYYY-MM"): not before the month of signing (when the
/// project is signed), and within the planning horizon.
pub fn production_month(
    month: &str,
    signed_on: Option<Date>,
    today: Date,
) -> Result<(), OutOfRange> {
    let lo = signed_on
        .map(|d| format!("{:04}-{:02}", d.year(), d.month() as u8))
        .unwrap_or_else(|| format!("{EARLIEST_YEAR:04}-01"));
    let hi = format!("{:04}-12", today.year() + PLAN_YEARS_AHEAD);
    if month >= lo.as_str() && month <= hi.as_str() {
        Ok(())
    } else {
        let why = if signed_on.is_some() {
            "（不早于签约月份）"
        } else {
            ""
        };
        Err(refuse(
            "expected_production_month",
            "预计投产月份",
            month,
            &format!("{lo} 至 {hi}{why}"),
        ))
    }
}

fn first_day() -> Date {
    Date::from_calendar_date(EARLIEST_YEAR, time::Month::January, 1).unwrap_or(Date::MIN)
}

fn last_plan_day(today: Date) -> Date {
    Date::from_calendar_date(today.year() + PLAN_YEARS_AHEAD, time::Month::December, 31)
        .unwrap_or(Date::MAX)
}

fn between(field: &str, label: &str, d: Date, lo: Date, hi: Date) -> Result<Date, OutOfRange> {
    if (lo..=hi).contains(&d) {
        Ok(d)
    } else {
        let f = crate::period::format_date;
        Err(refuse(
            field,
            label,
            &f(d),
            &format!("{} 至 {}", f(lo), f(hi)),
        ))
    }
}

/// The largest year-to-date amount of one firm (产值, 营业收入, 税收), in 万元: 10,000 亿元.
pub const FIRM_AMOUNT_MAX_WAN: i64 = 100_000_000;

/// One firm's year-to-date amount in 元 (the file gives 万元): 0 to
/// [`FIRM_AMOUNT_MAX_WAN`] 万元; `may_be_negative` (税收, after refunds) allows as much below 0.
pub fn firm_amount(
    field: &str,
    label: &str,
    yuan: i64,
    may_be_negative: bool,
) -> Result<i64, OutOfRange> {
    let max = FIRM_AMOUNT_MAX_WAN.saturating_mul(10_000);
    let min = if may_be_negative { -max } else { 0 };
    if (min..=max).contains(&yuan) {
        return Ok(yuan);
    }
    let value = crate::decimal::format_scaled(yuan, 4, 4);
    let value = value.trim_end_matches('0').trim_end_matches('.');
    let range = if may_be_negative {
        "−100,000,000–100,000,000 万元"
    } else {
        "0–100,000,000 万元"
    };
    Err(refuse(
        field,
        label,
        &format!("{} 万元", group(value)),
        range,
    ))
}

/// One firm's count (从业人员, 人) or electricity use (千瓦时): 0 to `max`.
pub fn firm_count(
    field: &str,
    label: &str,
    v: i64,
    max: i64,
    unit: &str,
) -> Result<i64, OutOfRange> {
    if (0..=max).contains(&v) {
        Ok(v)
    } else {
        Err(refuse(
            field,
            label,
            &format!("{} {unit}", group(&v.to_string())),
            &format!("0–{} {unit}", group(&max.to_string())),
        ))
    }
}

#[cfg(test)]
#[path = "bounds_tests.rs"]
mod tests;
