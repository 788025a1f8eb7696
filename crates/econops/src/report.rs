//! Plain-text renderings for the terminal, in Chinese, aligned for CJK characters (which take
//! two columns).

use workflow::figures::AnalysisAnswer;

/// Display width: CJK and full-width characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn left(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn right(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| "—".into())
}

/// The locate analysis as a readable table, headed by the headline figures.
pub fn locate_text(answer: &AnalysisAnswer) -> String {
    let (r, h) = (&answer.report, &answer.headline);
    let mut out = String::new();
    let gap = h.gap_pp.value;
    let gap_word = if gap < 0.0 { "低于" } else { "高于" };
    out.push_str(&format!(
        "{} {}：地区生产总值累计增长 {:.1}%（{}，{}），{gap_word}目标（{:.1}%）{:.1} 个百分点\n",
        r.region_name,
        h.period_label,
        h.gdp_growth.value,
        h.gdp_growth.basis_label,
        h.gdp_growth.as_of_label,
        h.target_growth_pct,
        gap.abs()
    ));
    if let Some(e) = h.model_error_pp {
        out.push_str(&format!(
            "模型测算 {:.1}%，与统计快报相差 {e:+.2} 个百分点（模型误差）\n",
            h.gdp_model.value
        ));
    }
    out.push_str(&format!(
        "新签约项目 {} 个，签约投资 {:.2} 亿元（{}·项目库，{}）\n",
        h.signed_projects.value,
        h.signed_investment.value as f64 / 1e8,
        h.signed_projects.basis_label,
        h.signed_projects.as_of_label
    ));
    if let (Some(n), false) = (r.rest_of_year_growth_needed_pct, r.rest_label.is_empty()) {
        out.push_str(&format!("完成全年目标，{}需增长 {n:.1}%\n", r.rest_label));
    }
    out.push_str("\n行业拉动与拖累（个百分点）\n");
    out.push_str(&format!(
        "{}{}{}{}{}\n",
        left("行业", 34),
        right("权重", 8),
        right("增速%", 9),
        right("拉动", 8),
        right("拖累", 8)
    ));
    for i in &r.industries {
        out.push_str(&format!(
            "{}{}{}{}{}\n",
            left(&i.name, 34),
            right(&format!("{:.3}", i.weight), 8),
            right(&format!("{:.1}", i.growth_pct), 9),
            right(&format!("{:.2}", i.pull_pp), 8),
            right(&format!("{:.2}", i.drag_pp), 8)
        ));
    }
    out.push_str("\n制约全年核算的指标（按拖累 GDP 排序）\n");
    out.push_str(&format!(
        "{}{}{}{}{}{}{}\n",
        left("指标", 34),
        right("增速%", 8),
        right("目标%", 8),
        right("敏感度", 8),
        right("拖累", 8),
        right("单独需%", 9),
        right("  状态", 8)
    ));
    for k in &r.indicators {
        out.push_str(&format!(
            "{}{}{}{}{}{}{}\n",
            left(&k.name, 34),
            right(&opt(k.real_growth_pct, 1), 8),
            right(&format!("{:.1}", k.target_growth_pct), 8),
            right(&format!("{:.3}", k.sensitivity), 8),
            right(&opt(k.shortfall_pp, 2), 8),
            right(&opt(k.growth_needed_alone_pct, 1), 9),
            right(&k.status_label, 8)
        ));
    }
    out.push_str("\n预警\n");
    for k in r
        .indicators
        .iter()
        .filter(|k| k.status == "red" || k.status == "yellow")
    {
        out.push_str(&format!("  [{}] {}\n", k.status_label, k.sentence));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn measures_cjk_width() {
        assert_eq!(super::width("规上工业"), 8);
        assert_eq!(super::width("GDP 5.6%"), 8);
        assert_eq!(super::left("工业", 6), "工业  ");
    }
}
