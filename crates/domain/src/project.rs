//! Projects (打项目): the stages from lead to full capacity, what each stage needs, and stall
//! warnings. A project moves forward one stage at a time; each move is checked here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Lead,
    Negotiating,
    Signed,
    Registered,
    Started,
    Producing,
    AtCapacity,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Lead,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Registered,
        Stage::Started,
        Stage::Producing,
        Stage::AtCapacity,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        let c = code.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.code() == c || s.label() == c)
    }

    pub fn code(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Negotiating => "negotiating",
            Stage::Signed => "signed",
            Stage::Registered => "registered",
            Stage::Started => "started",
            Stage::Producing => "producing",
            Stage::AtCapacity => "at_capacity",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Lead => "线索",
            Stage::Negotiating => "在谈",
            Stage::Signed => "签约",
            Stage::Registered => "落地",
            Stage::Started => "开工",
            Stage::Producing => "投产",
            Stage::AtCapacity => "达产",
        }
    }

    pub fn next(self) -> Option<Stage> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL.get(i + 1).copied()
    }

    /// Whether this stage counts as signed (签约 and every later stage).
    pub fn is_signed(self) -> bool {
        self >= Stage::Signed
    }

    pub fn is_started(self) -> bool {
        self >= Stage::Started
    }
}

/// What a project has, as far as moving it to a stage is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageFacts {
    pub total_investment: Option<i64>,
    pub investor_named: bool,
    pub host_named: bool,
    /// Names of approval items that gate starting construction and are not yet done.
    pub open_start_gates: Vec<String>,
    pub expected_production_month: bool,
}

/// Why a project cannot move to a stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("项目已处于“{0}”阶段")]
    Same(&'static str),
    #[error("阶段只能逐级推进：当前“{from}”，下一阶段应为“{expected}”，不能直接到“{to}”")]
    Skip {
        from: &'static str,
        expected: &'static str,
        to: &'static str,
    },
    #[error("项目已达产，没有后续阶段")]
    Last,
    #[error("签约前须填写总投资额")]
    NoInvestment,
    #[error("签约前须明确投资方")]
    NoInvestor,
    #[error("落地前须明确承载区域或镇街")]
    NoHost,
    #[error("开工前须完成审批事项：{0}")]
    OpenGates(String),
    #[error("投产前须填写预计投产月份")]
    NoProductionMonth,
}

/// Checks a move from `from` to `to`.
pub fn check_move(from: Stage, to: Stage, facts: &StageFacts) -> Result<(), StageError> {
    if from == to {
        return Err(StageError::Same(to.label()));
    }
    let Some(expected) = from.next() else {
        return Err(StageError::Last);
    };
    if to != expected {
        return Err(StageError::Skip {
            from: from.label(),
            expected: expected.label(),
            to: to.label(),
        });
    }
    match to {
        Stage::Signed => {
            if facts.total_investment.is_none_or(|v| v <= 0) {
                return Err(StageError::NoInvestment);
            }
            if !facts.investor_named {
                return Err(StageError::NoInvestor);
            }
        }
        Stage::Registered if !facts.host_named => return Err(StageError::NoHost),
        Stage::Started if !facts.open_start_gates.is_empty() => {
            return Err(StageError::OpenGates(facts.open_start_gates.join("、")));
        }
        Stage::Producing if !facts.expected_production_month => {
            return Err(StageError::NoProductionMonth)
        }
        _ => {}
    }
    Ok(())
}

/// Stall warning: days without a stage change or a service record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StallRules {
    pub watch_days: i64,
    pub alarm_days: i64,
}

impl Default for StallRules {
    fn default() -> Self {
        Self {
            watch_days: 30,
            alarm_days: 60,
        }
    }
}

impl StallRules {
    /// The status for a project idle for `idle_days` at `stage` (projects at capacity never stall).
    pub fn status(&self, stage: Stage, idle_days: i64) -> crate::Status {
        if stage == Stage::AtCapacity {
            crate::Status::Green
        } else if idle_days > self.alarm_days {
            crate::Status::Red
        } else if idle_days > self.watch_days {
            crate::Status::Yellow
        } else {
            crate::Status::Green
        }
    }
}

/// The value added at capacity assumed for a project that has none yet, as a whole percent of
/// its investment (decision 30: output ≈ 1.2 × investment, value-added rate ≈ 25 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueAddedRule {
    pub percent: i64,
}

impl Default for ValueAddedRule {
    fn default() -> Self {
        Self { percent: 30 }
    }
}

impl ValueAddedRule {
    /// `percent` % of `investment`, rounded down (exactly `investment / 10 * 3` at 30 % for
    /// investments in whole tens of yuan, as before).
    pub fn assumed(&self, investment: i64) -> i64 {
        let v = i128::from(investment) * i128::from(self.percent) / 100;
        i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    }
}

/// The investment from which a project counts as a major project (亿元以上项目): 1 亿元.
pub const MAJOR_PROJECT_YUAN: i64 = 100_000_000;

/// Whether a project of this total investment (in 元) is a major project.
pub fn is_major(total_investment: Option<i64>) -> bool {
    total_investment.is_some_and(|v| v >= MAJOR_PROJECT_YUAN)
}

/// A project field refused by the rules below: which input, and why (for the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// A project's name: required, at most 100 characters, no control characters.
pub fn project_name(raw: &str) -> Result<String, FieldError> {
    crate::BoundedText::parse(raw, "项目名称", 100)
        .map(crate::BoundedText::into_string)
        .map_err(|e| FieldError::new("name", e.to_string()))
}

/// An optional short text of a project (investor, code name): trimmed, at most `max`
/// characters, no control characters; empty when not given.
fn optional_text(
    raw: &str,
    field: &'static str,
    label: &str,
    max: usize,
) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{label}最多 {max} 个字符，且不能含控制字符"),
        ));
    }
    Ok(t.to_string())
}

/// The investor (投资方): at most 100 characters.
pub fn investor_name(raw: &str, field: &'static str) -> Result<String, FieldError> {
    optional_text(raw, field, "投资方", 100)
}

/// The code name (代号) under which a confidential project is shown: at most 50 characters.
pub fn code_name(raw: &str) -> Result<String, FieldError> {
    optional_text(raw, "code_name", "代号", 50)
}

/// The expected production month, written 2025-11; stored as "YYYY-MM".
pub fn production_month(raw: &str) -> Result<String, FieldError> {
    match crate::Period::parse(raw.trim()) {
        Ok(crate::Period::Month { year, month }) => Ok(format!("{year:04}-{month:02}")),
        _ => Err(FieldError::new(
            "expected_production_month",
            format!("预计投产月份“{}”格式应为 2025-11", raw.trim()),
        )),
    }
}

/// A date that records something done (a stage reached, an approval started or finished)
/// cannot lie after today.
pub fn done_on(date: time::Date, today: time::Date, field: &'static str) -> Result<(), FieldError> {
    if date > today {
        return Err(FieldError::new(field, "日期不能晚于今天"));
    }
    Ok(())
}

/// An approval item finishes on or after the day it started, and cannot finish unstarted.
pub fn approval_dates(start: Option<&str>, end: Option<&str>) -> Result<(), FieldError> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(FieldError::new(
            "actual_end",
            format!("办结日期 {e} 早于开始日期 {s}"),
        )),
        (None, Some(_)) => Err(FieldError::new("actual_start", "须先填写开始办理日期")),
        _ => Ok(()),
    }
}

/// An item of an approval plan: a code of 1–40 characters without blanks, a name of at most
/// 50 characters, 0–3650 days, and a stage it gates that exists.
pub fn approval_item(
    code: &str,
    name: &str,
    days: i64,
    gates_stage: Option<&str>,
) -> Result<(), FieldError> {
    let code_ok = (1..=40).contains(&code.chars().count())
        && !code.chars().any(|c| c.is_control() || c.is_whitespace());
    if !code_ok {
        return Err(FieldError::new(
            "items",
            "审批事项代码须为 1–40 个字符，不含空白或控制字符",
        ));
    }
    crate::BoundedText::parse(name, "审批事项名称", 50)
        .map_err(|e| FieldError::new("items", e.to_string()))?;
    if !(0..=3650).contains(&days) {
        return Err(FieldError::new("items", "办理时限须为 0–3650 天"));
    }
    if let Some(g) = gates_stage {
        if Stage::parse(g).is_none_or(|s| s.code() != g) {
            return Err(FieldError::new("items", format!("阶段“{g}”无效")));
        }
    }
    Ok(())
}

/// Which projects a user reads, in a form a query can apply (so a page of a list is full of
/// projects the user reads). It states [`crate::Principal::can_read_project`] for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    /// Every project of the region.
    All,
    /// Only the projects lying in this town.
    Town(i64),
    /// None at all (a town account without a town).
    Nothing,
}

impl ReadScope {
    pub fn of(p: &crate::Principal) -> Self {
        match p.role {
            crate::Role::Town => p.town_id.map_or(ReadScope::Nothing, ReadScope::Town),
            crate::Role::Admin
            | crate::Role::Office
            | crate::Role::Leader
            | crate::Role::Department
            | crate::Role::ServiceManager
            | crate::Role::Viewer => ReadScope::All,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready() -> StageFacts {
        StageFacts {
            total_investment: Some(1),
            investor_named: true,
            host_named: true,
            open_start_gates: vec![],
            expected_production_month: true,
        }
    }

    #[test]
    fn stages_move_one_at_a_time() {
        assert_eq!(
            check_move(Stage::Lead, Stage::Negotiating, &ready()),
            Ok(())
        );
        assert!(matches!(
            check_move(Stage::Lead, Stage::Signed, &ready()),
            Err(StageError::Skip { .. })
        ));
        assert_eq!(
            check_move(Stage::Signed, Stage::Signed, &ready()),
            Err(StageError::Same("签约"))
        );
        assert_eq!(
            check_move(Stage::AtCapacity, Stage::Lead, &ready()),
            Err(StageError::Last)
        );
    }

    #[test]
    fn each_stage_checks_what_it_needs() {
        let mut f = ready();
        f.total_investment = None;
        assert_eq!(
            check_move(Stage::Negotiating, Stage::Signed, &f),
            Err(StageError::NoInvestment)
        );
        let f = StageFacts {
            open_start_gates: vec!["施工许可".into()],
            ..ready()
        };
        assert_eq!(
            check_move(Stage::Registered, Stage::Started, &f),
            Err(StageError::OpenGates("施工许可".into()))
        );
        let f = StageFacts {
            host_named: false,
            ..ready()
        };
        assert_eq!(
            check_move(Stage::Signed, Stage::Registered, &f),
            Err(StageError::NoHost)
        );
        assert!(
            Stage::Producing.is_signed()
                && Stage::Producing.is_started()
                && !Stage::Negotiating.is_signed()
        );
        assert_eq!(Stage::parse("签约"), Some(Stage::Signed));
    }

    #[test]
    fn idle_projects_turn_yellow_then_red() {
        let r = StallRules::default();
        assert_eq!(r.status(Stage::Negotiating, 10), crate::Status::Green);
        assert_eq!(r.status(Stage::Negotiating, 45), crate::Status::Yellow);
        assert_eq!(r.status(Stage::Negotiating, 90), crate::Status::Red);
        assert_eq!(r.status(Stage::AtCapacity, 400), crate::Status::Green);
    }

    #[test]
    fn assumed_value_added_matches_the_old_rule_at_thirty_percent() {
        let r = ValueAddedRule::default();
        for v in [0_i64, 10, 1_000, 50_000_000, 123_456_780] {
            assert_eq!(r.assumed(v), v / 10 * 3);
        }
        assert_eq!(ValueAddedRule { percent: 25 }.assumed(1_000), 250);
        assert_eq!(
            r.assumed(i64::MAX),
            i64::MAX / 100 * 30 + i64::MAX % 100 * 30 / 100
        );
    }

    #[test]
    fn a_major_project_starts_at_one_yi() {
        assert!(is_major(Some(100_000_000)));
        assert!(!is_major(Some(99_999_999)));
        assert!(!is_major(None));
    }

    #[test]
    fn project_texts_are_bounded() {
        assert_eq!(project_name("  新材料项目 ").as_deref(), Ok("新材料项目"));
        assert_eq!(project_name(" ").map_err(|e| e.field), Err("name"));
        assert!(project_name(&"项".repeat(101)).is_err());
        assert_eq!(investor_name("", "investor").as_deref(), Ok(""));
        assert_eq!(
            investor_name(&"投".repeat(101), "investor_name").map_err(|e| e.field),
            Err("investor_name")
        );
        assert!(code_name(&"代".repeat(50)).is_ok());
        assert!(code_name(&"代".repeat(51)).is_err());
        assert!(code_name("a\u{7}b").is_err());
    }

    #[test]
    fn production_months_are_written_as_months() {
        assert_eq!(production_month("2025-11").as_deref(), Ok("2025-11"));
        assert!(production_month("2025").is_err());
        assert!(production_month("2025-11-03").is_err());
    }

    #[test]
    fn done_dates_are_not_in_the_future_and_in_order() {
        let today = time::macros::date!(2025 - 10 - 14);
        assert!(done_on(today, today, "on").is_ok());
        assert_eq!(
            done_on(time::macros::date!(2025 - 10 - 15), today, "on").map_err(|e| e.field),
            Err("on")
        );
        assert!(approval_dates(Some("2025-10-01"), Some("2025-10-01")).is_ok());
        assert_eq!(
            approval_dates(Some("2025-10-02"), Some("2025-10-01")).map_err(|e| e.field),
            Err("actual_end")
        );
        assert_eq!(
            approval_dates(None, Some("2025-10-01")).map_err(|e| e.field),
            Err("actual_start")
        );
    }

    #[test]
    fn approval_items_are_checked() {
        assert!(approval_item("land", "用地预审", 20, Some("started")).is_ok());
        assert!(approval_item("", "用地预审", 20, None).is_err());
        assert!(approval_item("a b", "用地预审", 20, None).is_err());
        assert!(approval_item("land", "用地预审", 3651, None).is_err());
        assert!(approval_item("land", "用地预审", -1, None).is_err());
        assert!(approval_item("land", "用地预审", 1, Some("开工")).is_err());
        assert!(approval_item("land", " ", 1, None).is_err());
    }

    #[test]
    fn the_read_scope_states_the_read_rule() {
        use crate::{Principal, ProjectFacts, Role};
        let user = |role, town_id| Principal {
            user_id: 1,
            username: "u".into(),
            role,
            person_id: None,
            department_id: None,
            town_id,
        };
        let in_town = |town| ProjectFacts {
            town,
            confidential: false,
            track: None,
            town_leaders: vec![],
        };
        for (p, scope) in [
            (user(Role::Town, Some(3)), ReadScope::Town(3)),
            (user(Role::Town, None), ReadScope::Nothing),
            (user(Role::Viewer, None), ReadScope::All),
            (user(Role::Department, Some(3)), ReadScope::All),
        ] {
            assert_eq!(ReadScope::of(&p), scope);
            for town in [None, Some(3), Some(4)] {
                let listed = match scope {
                    ReadScope::All => true,
                    ReadScope::Town(t) => town == Some(t),
                    ReadScope::Nothing => false,
                };
                assert_eq!(p.can_read_project(&in_town(town)), listed);
            }
        }
    }
}
