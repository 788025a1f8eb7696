//! Which annual targets are measured by the bureau's statistics, and how the bureau publishes
//! periods. A target whose metric is an indicator's growth takes its actual value from that
//! indicator's observations (one entry: the import), never from a value typed on the target.

use crate::Period;

/// (target metric, indicator code): growth targets whose actual is the indicator's
/// year-to-date growth as published (统计快报).
pub const OBSERVED_METRICS: [(&str, &str); 6] = [
    ("gdp_growth", "gdp"),
    ("agri_output_growth", "agri-output"),
    ("industrial_va_growth", "industrial-va"),
    ("retail_sales_growth", "retail-sales"),
    ("trade_growth", "trade"),
    ("budget_revenue_growth", "budget-revenue"),
];

/// The indicator whose observations give this target metric its actual value, if any.
pub fn observed_indicator(metric: &str) -> Option<&'static str> {
    OBSERVED_METRICS
        .iter()
        .find(|(m, _)| *m == metric)
        .map(|(_, i)| *i)
}

/// The period as the bureau publishes it: January is not published alone but with February
/// (1–2 月), so a request for January is answered with 1–2 月. Every other period is itself.
pub fn as_published(period: Period) -> Period {
    match period {
        Period::Month { year, month: 1 } => Period::Month { year, month: 2 },
        p => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_targets_name_their_indicator() {
        assert_eq!(observed_indicator("gdp_growth"), Some("gdp"));
        assert_eq!(observed_indicator("signed_projects"), None);
    }

    #[test]
    fn january_is_published_with_february() {
        let jan = Period::parse("2025-01").expect("period");
        assert_eq!(as_published(jan).to_string(), "2025-02");
        assert_eq!(as_published(jan).label(), "1–2 月");
        let sep = Period::parse("2025-09").expect("period");
        assert_eq!(as_published(sep), sep);
    }
}
