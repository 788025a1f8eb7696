//! What pages and the API show of a target: its numbers formatted the way Chinese statistics
//! write them, and its progress against time-elapsed progress (序时进度) with a status that
//! always carries its word as well as its colour.

use domain::{Principal, Progress, ProgressThresholds, Status, TargetKind};
use serde::Serialize;
use store::targets::TargetRow;

#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    pub id: i64,
    pub code: String,
    pub metric: String,
    pub name: String,
    pub scope_kind: String,
    pub scope_label: String,
    pub scope_id: Option<i64>,
    pub scope_name: String,
    pub parent_id: Option<i64>,
    pub unit: String,
    pub unit_label: String,
    pub kind: String,
    pub kind_label: String,
    pub year: i64,
    pub target_value: String,
    pub target_text: String,
    pub actual_value: Option<String>,
    pub actual_text: String,
    pub actual_as_of: Option<String>,
    /// Actual / target in percent, one decimal.
    pub completion_pct: Option<f64>,
    pub elapsed_pct: f64,
    /// Percentage points behind time-elapsed progress (cumulative targets).
    pub lag_pp: Option<f64>,
    /// Actual minus target in the display unit.
    pub difference: Option<f64>,
    pub status: String,
    pub status_label: String,
    /// One sentence for people.
    pub summary: String,
    pub source: String,
    pub is_sample: bool,
    #[serde(skip)]
    pub depth: usize,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl TargetView {
    pub fn build(row: &TargetRow, elapsed: f64, thresholds: &ProgressThresholds) -> Self {
        let kind = row.kind();
        let target = row.target_quantity();
        let actual = row.actual_quantity();
        let progress = Progress::assess(kind, target, actual, elapsed, thresholds);
        let scope_kind = row.scope().kind;
        let summary = summary(row, &progress);
        TargetView {
            id: row.id,
            code: row.code.clone(),
            metric: row.metric.clone(),
            name: row.name.clone(),
            scope_kind: row.scope_kind.clone(),
            scope_label: scope_kind.label().to_string(),
            scope_id: row.scope_id,
            scope_name: row.scope_name.clone().unwrap_or_default(),
            parent_id: row.parent_id,
            unit: row.unit.clone(),
            unit_label: row.unit().label().to_string(),
            kind: kind.code().to_string(),
            kind_label: kind.label().to_string(),
            year: row.year,
            target_value: target.input_text(),
            target_text: target.text(),
            actual_value: actual.map(|a| a.input_text()),
            actual_text: actual.map(|a| a.text()).unwrap_or_else(|| "—".to_string()),
            actual_as_of: row.actual_as_of.clone(),
            completion_pct: progress.completion.map(|c| round1(c * 100.0)),
            elapsed_pct: round1(progress.elapsed_share * 100.0),
            lag_pp: progress.lag_pp.map(round1),
            difference: progress.difference.map(|d| (d * 100.0).round() / 100.0),
            status: progress.status.code().to_string(),
            status_label: progress.status.label().to_string(),
            summary,
            source: row.source.clone(),
            is_sample: row.is_sample != 0,
            depth: 0,
        }
    }

    pub fn is_cumulative(&self) -> bool {
        self.kind == "cumulative"
    }

    /// Width of the progress bar, 0–100.
    pub fn bar_pct(&self) -> f64 {
        self.completion_pct.unwrap_or(0.0).clamp(0.0, 100.0)
    }

    pub fn completion_text(&self) -> String {
        self.completion_pct
            .map(|c| format!("{c:.1}%"))
            .unwrap_or_else(|| "—".into())
    }

    /// "落后 11.7 个百分点" / "超前 4.2 个百分点" for cumulative targets; the difference for levels.
    pub fn gap_text(&self) -> String {
        if self.is_cumulative() {
            match self.lag_pp {
                Some(l) if l > 0.05 => format!("落后 {l:.1} 个百分点"),
                Some(l) if l < -0.05 => format!("超前 {:.1} 个百分点", -l),
                Some(_) => "持平".into(),
                None => "—".into(),
            }
        } else {
            match self.difference {
                Some(d) if self.unit == "percent" => {
                    if d < -0.005 {
                        format!("低于目标 {:.1} 个百分点", -d)
                    } else if d > 0.005 {
                        format!("高于目标 {d:.1} 个百分点")
                    } else {
                        "达到目标".into()
                    }
                }
                Some(_) => match self.completion_pct {
                    Some(c) => format!("完成目标 {c:.1}%"),
                    None => "—".into(),
                },
                None => "—".into(),
            }
        }
    }

    pub fn indent_class(&self) -> &'static str {
        if self.depth > 0 {
            "child"
        } else {
            ""
        }
    }
}

fn summary(row: &TargetRow, p: &Progress) -> String {
    let target = row.target_quantity().text();
    let Some(actual) = row.actual_quantity() else {
        return format!("{}：目标 {target}，尚未填报完成情况", row.name);
    };
    match row.kind() {
        TargetKind::Cumulative => {
            let completion = p.completion.map(|c| c * 100.0).unwrap_or(0.0);
            let lag = p.lag_pp.unwrap_or(0.0);
            let position = if lag > 0.05 {
                format!("落后序时进度 {lag:.1} 个百分点")
            } else {
                format!("快于序时进度 {:.1} 个百分点", -lag)
            };
            format!(
                "{}：全年目标 {target}，累计完成 {}，完成 {completion:.1}%，{position}",
                row.name,
                actual.text()
            )
        }
        TargetKind::Level => {
            let d = p.difference.unwrap_or(0.0);
            if row.unit() == domain::Unit::Percent {
                let rel = if d < -0.005 {
                    format!("低于目标 {:.1} 个百分点", -d)
                } else {
                    format!("高于目标 {d:.1} 个百分点")
                };
                format!("{}：目标 {target}，实际 {}，{rel}", row.name, actual.text())
            } else {
                format!("{}：目标 {target}，实际 {}", row.name, actual.text())
            }
        }
    }
}

/// Targets the user may read, arranged as trees: each root followed by its breakdowns.
pub fn readable_tree(
    rows: &[TargetRow],
    principal: &Principal,
    elapsed: f64,
    thresholds: &ProgressThresholds,
) -> Vec<TargetView> {
    let visible: Vec<&TargetRow> = rows
        .iter()
        .filter(|r| principal.can_read(r.scope()))
        .collect();
    let mut out = Vec::new();
    fn push_children(
        parent: i64,
        depth: usize,
        visible: &[&TargetRow],
        out: &mut Vec<TargetView>,
        elapsed: f64,
        thresholds: &ProgressThresholds,
    ) {
        for r in visible.iter().filter(|r| r.parent_id == Some(parent)) {
            let mut v = TargetView::build(r, elapsed, thresholds);
            v.depth = depth;
            out.push(v);
            if depth < 4 {
                push_children(r.id, depth + 1, visible, out, elapsed, thresholds);
            }
        }
    }
    for r in visible
        .iter()
        .filter(|r| r.parent_id.is_none() || !visible.iter().any(|p| Some(p.id) == r.parent_id))
    {
        out.push(TargetView::build(r, elapsed, thresholds));
        push_children(r.id, 1, &visible, &mut out, elapsed, thresholds);
    }
    out
}

/// How many targets are in each status.
#[derive(Debug, Default, Serialize, Clone)]
pub struct StatusCounts {
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub unknown: usize,
}

impl StatusCounts {
    pub fn of<'a>(views: impl Iterator<Item = &'a TargetView>) -> Self {
        let mut c = Self::default();
        for v in views {
            match v.status.as_str() {
                s if s == Status::Green.code() => c.green += 1,
                s if s == Status::Yellow.code() => c.yellow += 1,
                s if s == Status::Red.code() => c.red += 1,
                _ => c.unknown += 1,
            }
        }
        c
    }
}
