//! Chinese statistics are published cumulatively (累计, "1–9 月"). This module derives what the
//! cumulative figures imply: the value and growth of each single month or quarter between two
//! releases (当期), and σ, the share of last year's full-year total reached by a release.

/// One cumulative release of an indicator: the year to date up to `end_month`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cumulative {
    pub end_month: u32,
    /// The year-to-date value, when published.
    pub ytd_value: Option<f64>,
    /// The year-to-date growth in percent (同比), when published.
    pub ytd_growth_pct: Option<f64>,
}

/// The single period between two releases (or from January to the first one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SinglePeriod {
    pub start_month: u32,
    pub end_month: u32,
    /// This year's value of the single period.
    pub value: Option<f64>,
    /// Its growth on the same period last year, in percent.
    pub growth_pct: Option<f64>,
}

/// The single periods of a year's releases, in release order. For releases *a* then *b*:
/// value = X_b − X_a; last year's value = X_b / (1 + n_b/100) − X_a / (1 + n_a/100);
/// growth = (value / last year's value − 1) × 100. The first release is its own single period.
/// A period whose inputs are missing has no value; a zero base has no growth.
pub fn single_periods(releases: &[Cumulative]) -> Vec<SinglePeriod> {
    let mut out = Vec::with_capacity(releases.len());
    let mut prev: Option<&Cumulative> = None;
    for r in releases {
        let (value, growth_pct) = match (prev, r.ytd_value, r.ytd_growth_pct) {
            (Some(p), Some(x), Some(n)) => match (p.ytd_value, p.ytd_growth_pct) {
                (Some(px), Some(pn)) => {
                    let this = x - px;
                    let last = x / (1.0 + n / 100.0) - px / (1.0 + pn / 100.0);
                    (
                        Some(this),
                        (last.abs() > 1e-12).then(|| (this / last - 1.0) * 100.0),
                    )
                }
                _ => (None, None),
            },
            (None, Some(x), _) => (Some(x), r.ytd_growth_pct),
            _ => (None, None),
        };
        out.push(SinglePeriod {
            start_month: prev.map(|p| p.end_month + 1).unwrap_or(1),
            end_month: r.end_month,
            value,
            growth_pct,
        });
        prev = Some(r);
    }
    out
}

/// σ: the share of last year's full-year total that last year had reached by this release,
/// X / (1 + n/100) / T. None unless it lies in [0, 1) — a release of the whole year, or
/// inconsistent figures, give no share.
pub fn share_reached(ytd_value: f64, ytd_growth_pct: f64, last_year_total: f64) -> Option<f64> {
    if last_year_total <= 0.0 {
        return None;
    }
    Some(ytd_value / (1.0 + ytd_growth_pct / 100.0) / last_year_total)
        .filter(|s| (0.0..1.0).contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn single_periods_follow_from_the_cumulative_releases() {
        let rows = [
            Cumulative {
                end_month: 2,
                ytd_value: Some(110.0),
                ytd_growth_pct: Some(10.0),
            },
            Cumulative {
                end_month: 3,
                ytd_value: Some(170.0),
                ytd_growth_pct: Some(6.25),
            },
            Cumulative {
                end_month: 6,
                ytd_value: None,
                ytd_growth_pct: Some(5.0),
            },
        ];
        let s = single_periods(&rows);
        assert_eq!((s[0].start_month, s[0].end_month), (1, 2));
        assert!(close(s[0].value, 110.0) && close(s[0].growth_pct, 10.0));
        // March: 170 − 110 = 60 this year; last year 160 − 100 = 60; growth 0 %.
        assert_eq!((s[1].start_month, s[1].end_month), (3, 3));
        assert!(close(s[1].value, 60.0));
        assert!(close(s[1].growth_pct, 0.0), "{:?}", s[1].growth_pct);
        // No value published for 1–6 月: no single quarter either.
        assert_eq!((s[2].start_month, s[2].end_month, s[2].value), (4, 6, None));
    }

    #[test]
    fn sigma_is_the_share_of_last_years_total_reached() {
        // 1–9 月 this year 798 (+5 %): last year's 1–9 月 was 760 of a 1,000 year.
        assert!(close(share_reached(798.0, 5.0, 1000.0), 0.76));
        assert_eq!(share_reached(1050.0, 5.0, 1000.0), None, "the whole year");
        assert_eq!(share_reached(798.0, 5.0, 0.0), None);
    }
}
