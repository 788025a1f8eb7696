//! Which firms hold an indicator back (METHODS §5): the growth of a panel of firms and each
//! firm's contribution to it, in 百分点, computed exactly. The panel P is the firms with both
//! this year's year-to-date value X and last year's X̄; its growth is g = (ΣX − ΣX̄) / ΣX̄ × 100
//! and firm i contributes cᵢ = (Xᵢ − X̄ᵢ) / ΣX̄ × 100, so Σcᵢ = g by construction. Amounts are
//! integers (元), so the sums are exact; the contributions are rounded to hundredths of a
//! 百分点 by largest remainders, so the rounded contributions add up exactly to the rounded
//! growth as displayed. Firms without last year's value (新入规) and without this year's
//! (退规) are kept apart, and the panel's growth is set beside the published figure: the
//! difference is coverage (firms outside the panel, and the bureau's own adjustments).

use serde::Serialize;

/// One firm's year-to-date value this year and the same months last year, in 元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmValues<K> {
    pub key: K,
    pub this_year: Option<i64>,
    pub last_year: Option<i64>,
}

/// A firm of the panel and its contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contribution<K> {
    pub key: K,
    pub this_year: i64,
    pub last_year: i64,
    /// (Xᵢ − X̄ᵢ) / ΣX̄ × 100 in hundredths of a 百分点, rounded so the panel's add up to
    /// [`Panel::growth_pp_e2`].
    pub contribution_e2: i64,
}

/// The panel's growth, its firms' contributions (most negative first) and the firms apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel<K> {
    pub firms: Vec<Contribution<K>>,
    /// ΣX and ΣX̄ over the panel, in 元.
    pub this_year: i64,
    pub last_year: i64,
    /// g in hundredths of a percent (rounded half away from zero); `None` when ΣX̄ ≤ 0.
    pub growth_e2: Option<i64>,
    /// Firms with this year's value but none last year (新入规), this year's value.
    pub entrants: Vec<(K, i64)>,
    /// Firms with last year's value but none this year (退规), last year's value.
    pub exits: Vec<(K, i64)>,
}

/// Rounds n / d (d > 0) to the nearest integer, halves away from zero.
fn round_div(n: i128, d: i128) -> i128 {
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    // n/d = q + r/d with 0 ≤ r < d.
    if 2 * r > d || (2 * r == d && n >= 0) {
        q + 1
    } else {
        q
    }
}

/// The panel of `firms` (any order); the contributions sorted ascending (most negative first,
/// ties in input order).
pub fn panel<K: Clone>(firms: &[FirmValues<K>]) -> Panel<K> {
    let mut members = Vec::new();
    let mut entrants = Vec::new();
    let mut exits = Vec::new();
    for f in firms {
        match (f.this_year, f.last_year) {
            (Some(x), Some(l)) => members.push((f.key.clone(), x, l)),
            (Some(x), None) => entrants.push((f.key.clone(), x)),
            (None, Some(l)) => exits.push((f.key.clone(), l)),
            (None, None) => {}
        }
    }
    let sum_x: i128 = members.iter().map(|m| i128::from(m.1)).sum();
    let sum_l: i128 = members.iter().map(|m| i128::from(m.2)).sum();
    let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    if sum_l <= 0 {
        return Panel {
            firms: members
                .into_iter()
                .map(|(key, x, l)| Contribution {
                    key,
                    this_year: x,
                    last_year: l,
                    contribution_e2: 0,
                })
                .collect(),
            this_year: clamp(sum_x),
            last_year: clamp(sum_l),
            growth_e2: None,
            entrants,
            exits,
        };
    }
    // In hundredths of a pp: 10,000 × (X − X̄) / ΣX̄. Floors, then the remainder handed to the
    // largest fractional parts so the rounded parts add up to the rounded whole.
    let total = round_div(10_000 * (sum_x - sum_l), sum_l);
    let mut parts: Vec<(usize, i128, i128)> = members
        .iter()
        .enumerate()
        .map(|(i, (_, x, l))| {
            let n = 10_000 * (i128::from(*x) - i128::from(*l));
            (i, n.div_euclid(sum_l), n.rem_euclid(sum_l))
        })
        .collect();
    let floors: i128 = parts.iter().map(|p| p.1).sum();
    let mut left = total - floors;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left <= 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    let mut out: Vec<Contribution<K>> = members
        .into_iter()
        .zip(parts)
        .map(|((key, x, l), (_, c, _))| Contribution {
            key,
            this_year: x,
            last_year: l,
            contribution_e2: clamp(c),
        })
        .collect();
    out.sort_by_key(|c| c.contribution_e2);
    Panel {
        firms: out,
        this_year: clamp(sum_x),
        last_year: clamp(sum_l),
        growth_e2: Some(clamp(total)),
        entrants,
        exits,
    }
}

/// Hundredths as text with two decimals: −123 → "-1.23".
pub fn e2_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// The panel's growth beside the published one, both in %, and what the difference means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub panel_growth_pct: f64,
    pub published_growth_pct: f64,
    /// Published − panel, in 百分点.
    pub difference_pp: f64,
}

/// The published growth minus the panel's: what the firms outside the panel (entrants, exits,
/// firms without figures) and the bureau's adjustments add.
pub fn coverage(panel_growth_e2: i64, published_growth_pct: f64) -> Option<Coverage> {
    if !published_growth_pct.is_finite() {
        return None;
    }
    let panel = panel_growth_e2 as f64 / 100.0;
    Some(Coverage {
        panel_growth_pct: panel,
        published_growth_pct,
        difference_pp: ((published_growth_pct - panel) * 100.0).round() / 100.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn f(key: u32, x: Option<i64>, l: Option<i64>) -> FirmValues<u32> {
        FirmValues {
            key,
            this_year: x,
            last_year: l,
        }
    }

    #[test]
    fn a_small_panel_by_hand() {
        // ΣX̄ = 300, ΣX = 318: g = 6 %; c = (−10, +20, +8)/300×100 = −3.333…, 6.666…, 2.666…:
        // rounded down −3.34, 6.66, 2.66 (5.98), the two missing hundredths to the largest
        // remainders (all equal: the first firms) make −3.33, 6.67, 2.66.
        let p = panel(&[
            f(1, Some(90), Some(100)),
            f(2, Some(120), Some(100)),
            f(3, Some(108), Some(100)),
            f(4, Some(50), None),
            f(5, None, Some(40)),
        ]);
        assert_eq!(p.growth_e2, Some(600));
        let c: Vec<(u32, i64)> = p.firms.iter().map(|c| (c.key, c.contribution_e2)).collect();
        assert_eq!(c, vec![(1, -333), (3, 266), (2, 667)]);
        assert_eq!(c.iter().map(|c| c.1).sum::<i64>(), 600);
        assert_eq!(p.entrants, vec![(4, 50)]);
        assert_eq!(p.exits, vec![(5, 40)]);
        assert_eq!(e2_text(-333), "-3.33");
        assert_eq!(e2_text(5), "0.05");
        let cov = coverage(600, 5.8).expect("finite");
        assert!((cov.difference_pp - (-0.2)).abs() < 1e-9);
    }

    #[test]
    fn no_base_no_growth() {
        let p = panel(&[f(1, Some(5), Some(0))]);
        assert_eq!(p.growth_e2, None);
        assert!(panel::<u32>(&[]).firms.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn contributions_add_up_to_the_growth(
            values in prop::collection::vec((0i64..10_000_000_000, 1i64..10_000_000_000), 1..60)
        ) {
            let firms: Vec<FirmValues<usize>> = values
                .iter()
                .enumerate()
                .map(|(i, (x, l))| f2(i, *x, *l))
                .collect();
            let p = panel(&firms);
            let g = p.growth_e2.expect("positive base");
            prop_assert_eq!(p.firms.iter().map(|c| c.contribution_e2).sum::<i64>(), g);
            // Each rounded part is within one hundredth of its exact value.
            let sum_l: i128 = values.iter().map(|v| i128::from(v.1)).sum();
            for c in &p.firms {
                let exact = 10_000 * (i128::from(c.this_year) - i128::from(c.last_year));
                let diff = i128::from(c.contribution_e2) * sum_l - exact;
                prop_assert!(diff.abs() < sum_l, "{diff} vs {sum_l}");
            }
            // Sorted most negative first.
            prop_assert!(p.firms.windows(2).all(|w| w[0].contribution_e2 <= w[1].contribution_e2));
        }
    }

    fn f2(key: usize, x: i64, l: i64) -> FirmValues<usize> {
        FirmValues {
            key,
            this_year: Some(x),
            last_year: Some(l),
        }
    }
}
