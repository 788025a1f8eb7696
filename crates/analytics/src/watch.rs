//! Watch lists over firms' year-to-date figures (重点企业运行监测): which firms below the
//! statistical line are about to cross it (小升规 candidates), which above-scale firms risk
//! falling below it (退规 risk), and which firms' output or electricity use fell sharply
//! year on year. Pure: the workflow reads the figures and names the reasons in Chinese.

use serde::{Deserialize, Serialize};

/// The thresholds of the lists (`[watch]` in the deployment's configuration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchRules {
    /// A firm below the line is a 小升规 candidate when its annualised revenue reaches this
    /// share of the line (0.8 = 80 %).
    pub candidate_share: f64,
    /// An above-scale firm is at 退规 risk when its annualised revenue is below the line times
    /// (1 + this margin) and lower than last year's.
    pub exit_margin: f64,
    /// A fall in year-to-date output or electricity of more than this many percent.
    pub fall_pct: f64,
}

impl Default for WatchRules {
    fn default() -> Self {
        Self {
            candidate_share: 0.8,
            exit_margin: 0.1,
            fall_pct: 20.0,
        }
    }
}

impl WatchRules {
    /// Checks configured rules; the key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if !(self.candidate_share > 0.0 && self.candidate_share < 1.0) {
            return Err((
                "watch.candidate_share",
                format!("must be between 0 and 1, not {}", self.candidate_share),
            ));
        }
        if !(0.0..=1.0).contains(&self.exit_margin) {
            return Err((
                "watch.exit_margin",
                format!("must be 0–1, not {}", self.exit_margin),
            ));
        }
        if !(self.fall_pct > 0.0 && self.fall_pct < 100.0) {
            return Err((
                "watch.fall_pct",
                format!("must be between 0 and 100, not {}", self.fall_pct),
            ));
        }
        Ok(())
    }
}

/// One firm's year-to-date facts as of a month.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FirmYtd {
    pub id: i64,
    pub above_scale: bool,
    /// The firm's statistical line (annual revenue, 万元); `None` when its class has none.
    pub threshold_wan: Option<f64>,
    /// Months covered by the year-to-date values (1–12).
    pub months: u32,
    pub revenue_wan: Option<f64>,
    pub revenue_last_wan: Option<f64>,
    pub output_wan: Option<f64>,
    pub output_last_wan: Option<f64>,
    pub electricity_kwh: Option<f64>,
    pub electricity_last_kwh: Option<f64>,
}

/// The lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchKind {
    /// 小升规 candidate.
    Candidate,
    /// 退规 risk.
    ExitRisk,
    /// Output fell sharply.
    OutputFall,
    /// Electricity use fell sharply.
    ElectricityFall,
}

impl WatchKind {
    pub const ALL: [WatchKind; 4] = [
        WatchKind::Candidate,
        WatchKind::ExitRisk,
        WatchKind::OutputFall,
        WatchKind::ElectricityFall,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WatchKind::Candidate => "candidate",
            WatchKind::ExitRisk => "exit_risk",
            WatchKind::OutputFall => "output_fall",
            WatchKind::ElectricityFall => "electricity_fall",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A firm on a list, with the numbers behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WatchHit {
    pub id: i64,
    pub kind: WatchKind,
    /// Annualised revenue (万元) for the scale lists; this year's year-to-date value for falls.
    pub value: f64,
    /// The line (万元) for the scale lists; last year's year-to-date value for falls.
    pub reference: f64,
    /// value / line for the scale lists; the year-on-year change in percent for falls.
    pub measure: f64,
}

fn annualised(ytd: f64, months: u32) -> f64 {
    ytd * 12.0 / f64::from(months)
}

fn change_pct(now: f64, last: f64) -> Option<f64> {
    (last > 0.0 && now.is_finite()).then(|| (now - last) / last * 100.0)
}

/// The lists a firm is on.
pub fn assess(rules: &WatchRules, f: &FirmYtd) -> Vec<WatchHit> {
    let mut hits = Vec::new();
    if let (Some(line), Some(rev), true) =
        (f.threshold_wan, f.revenue_wan, (1..=12).contains(&f.months))
    {
        let year = annualised(rev, f.months);
        let share = if line > 0.0 { year / line } else { f64::NAN };
        if share.is_finite() {
            if !f.above_scale && share >= rules.candidate_share {
                hits.push(WatchHit {
                    id: f.id,
                    kind: WatchKind::Candidate,
                    value: year,
                    reference: line,
                    measure: share,
                });
            }
            let falling = f.revenue_last_wan.is_some_and(|last| rev < last);
            if f.above_scale && share < 1.0 + rules.exit_margin && falling {
                hits.push(WatchHit {
                    id: f.id,
                    kind: WatchKind::ExitRisk,
                    value: year,
                    reference: line,
                    measure: share,
                });
            }
        }
    }
    for (kind, now, last) in [
        (WatchKind::OutputFall, f.output_wan, f.output_last_wan),
        (
            WatchKind::ElectricityFall,
            f.electricity_kwh,
            f.electricity_last_kwh,
        ),
    ] {
        if let (Some(now), Some(last)) = (now, last) {
            if let Some(c) = change_pct(now, last) {
                if c < -rules.fall_pct {
                    hits.push(WatchHit {
                        id: f.id,
                        kind,
                        value: now,
                        reference: last,
                        measure: c,
                    });
                }
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firm() -> FirmYtd {
        FirmYtd {
            id: 1,
            threshold_wan: Some(2000.0),
            months: 9,
            ..FirmYtd::default()
        }
    }

    #[test]
    fn a_small_firm_whose_annualised_revenue_nears_the_line_is_a_candidate() {
        let r = WatchRules::default();
        // 1–9 月 1,200 万元 → 1,600 万元 a year = 80 % of 2,000.
        let f = FirmYtd {
            revenue_wan: Some(1200.0),
            ..firm()
        };
        let hits = assess(&r, &f);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, WatchKind::Candidate);
        assert!((hits[0].value - 1600.0).abs() < 1e-9);
        assert!((hits[0].measure - 0.8).abs() < 1e-9);
        let f = FirmYtd {
            revenue_wan: Some(1199.0),
            ..firm()
        };
        assert!(assess(&r, &f).is_empty());
    }

    #[test]
    fn an_above_scale_firm_near_the_line_and_falling_is_at_risk() {
        let r = WatchRules::default();
        let f = FirmYtd {
            above_scale: true,
            revenue_wan: Some(1600.0),
            revenue_last_wan: Some(1700.0),
            ..firm()
        };
        let hits = assess(&r, &f);
        assert_eq!(
            hits.iter().map(|h| h.kind).collect::<Vec<_>>(),
            [WatchKind::ExitRisk]
        );
        // Near the line but growing: not at risk.
        let f = FirmYtd {
            revenue_last_wan: Some(1500.0),
            ..f
        };
        assert!(assess(&r, &f).is_empty());
        // Far above the line: not at risk.
        let f = FirmYtd {
            revenue_wan: Some(9000.0),
            revenue_last_wan: Some(9500.0),
            ..f
        };
        assert!(assess(&r, &f).is_empty());
    }

    #[test]
    fn falls_beyond_the_share_are_listed_with_their_change() {
        let r = WatchRules::default();
        let f = FirmYtd {
            output_wan: Some(790.0),
            output_last_wan: Some(1000.0),
            electricity_kwh: Some(81.0),
            electricity_last_kwh: Some(100.0),
            ..firm()
        };
        let hits = assess(&r, &f);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, WatchKind::OutputFall);
        assert!((hits[0].measure + 21.0).abs() < 1e-9);
        // Nothing last year: no change to judge.
        let f = FirmYtd {
            output_last_wan: Some(0.0),
            ..f
        };
        assert!(assess(&r, &f).is_empty());
    }

    #[test]
    fn absurd_inputs_list_nothing_and_do_not_panic() {
        let r = WatchRules::default();
        for f in [
            FirmYtd {
                months: 0,
                revenue_wan: Some(1e12),
                ..firm()
            },
            FirmYtd {
                months: 13,
                revenue_wan: Some(1e12),
                ..firm()
            },
            FirmYtd {
                threshold_wan: Some(0.0),
                revenue_wan: Some(5.0),
                ..firm()
            },
            FirmYtd {
                revenue_wan: Some(f64::NAN),
                ..firm()
            },
            FirmYtd {
                output_wan: Some(f64::INFINITY),
                output_last_wan: Some(1.0),
                ..firm()
            },
        ] {
            assert!(assess(&r, &f).is_empty(), "{f:?}");
        }
        assert!(WatchRules {
            candidate_share: 1.0,
            ..r
        }
        .check()
        .is_err());
        assert!(WatchRules { fall_pct: 0.0, ..r }.check().is_err());
        assert!(r.check().is_ok());
    }
}
