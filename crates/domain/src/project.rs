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
}
