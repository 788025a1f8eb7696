//! Measures of enterprise requests (诉求) per department, town or service manager: how many were
//! received, accepted and resolved within their deadlines, how many closed, how satisfied the
//! firms were and how long resolution took in working days (docs/methods.md, "诉求考核").
//! Pure numerics over one outcome per request; the workflow counts the working days.

use std::collections::BTreeMap;

/// How a firm rated the resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Satisfaction {
    Satisfied,
    Basic,
    Dissatisfied,
}

/// What one request came to, as far as it has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `Some(on_time)` once accepted, or once its acceptance deadline passed unaccepted
    /// (`Some(false)`); `None` while it may still be accepted on time.
    pub accepted_on_time: Option<bool>,
    /// The same for resolution.
    pub resolved_on_time: Option<bool>,
    /// Confirmed by the firm (closed).
    pub closed: bool,
    /// Every rating the firm gave (a reopened request may have been rated 不满意 first).
    pub ratings: Vec<Satisfaction>,
    /// Working days from submission to the (latest) resolution, once resolved.
    pub working_days_to_resolve: Option<u32>,
}

/// The measures of one group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measures {
    pub received: u32,
    /// Requests whose acceptance is decided (accepted, or late unaccepted).
    pub accept_due: u32,
    pub accepted_on_time: u32,
    pub resolve_due: u32,
    pub resolved_on_time: u32,
    pub closed: u32,
    pub rated: u32,
    pub satisfied: u32,
    pub basic: u32,
    /// Share of decided acceptances that were on time, percent.
    pub accepted_on_time_pct: Option<f64>,
    /// Share of decided resolutions that were on time, percent.
    pub resolved_on_time_pct: Option<f64>,
    /// Closed (confirmed) requests as a share of those received, percent.
    pub closure_pct: Option<f64>,
    /// 满意 and 基本满意 as a share of all ratings, percent.
    pub satisfaction_pct: Option<f64>,
    /// Mean working days from submission to resolution over resolved requests.
    pub avg_days_to_resolve: Option<f64>,
}

fn pct(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) * 100.0 / f64::from(whole))
}

/// The measures of one group of outcomes.
pub fn measure<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Measures {
    let mut m = Measures::default();
    let (mut days, mut resolved) = (0u64, 0u32);
    for o in outcomes {
        m.received += 1;
        if let Some(on_time) = o.accepted_on_time {
            m.accept_due += 1;
            m.accepted_on_time += u32::from(on_time);
        }
        if let Some(on_time) = o.resolved_on_time {
            m.resolve_due += 1;
            m.resolved_on_time += u32::from(on_time);
        }
        m.closed += u32::from(o.closed);
        for r in &o.ratings {
            m.rated += 1;
            match r {
                Satisfaction::Satisfied => m.satisfied += 1,
                Satisfaction::Basic => m.basic += 1,
                Satisfaction::Dissatisfied => {}
            }
        }
        if let Some(d) = o.working_days_to_resolve {
            days += u64::from(d);
            resolved += 1;
        }
    }
    m.accepted_on_time_pct = pct(m.accepted_on_time, m.accept_due);
    m.resolved_on_time_pct = pct(m.resolved_on_time, m.resolve_due);
    m.closure_pct = pct(m.closed, m.received);
    m.satisfaction_pct = pct(m.satisfied + m.basic, m.rated);
    m.avg_days_to_resolve = (resolved > 0).then(|| days as f64 / f64::from(resolved));
    m
}

/// The measures per group key, in key order.
pub fn measure_by<K: Ord + Clone>(rows: &[(K, Outcome)]) -> BTreeMap<K, Measures> {
    let mut groups: BTreeMap<K, Vec<&Outcome>> = BTreeMap::new();
    for (k, o) in rows {
        groups.entry(k.clone()).or_default().push(o);
    }
    groups.into_iter().map(|(k, v)| (k, measure(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(
        acc: Option<bool>,
        res: Option<bool>,
        closed: bool,
        ratings: Vec<Satisfaction>,
        days: Option<u32>,
    ) -> Outcome {
        Outcome {
            accepted_on_time: acc,
            resolved_on_time: res,
            closed,
            ratings,
            working_days_to_resolve: days,
        }
    }

    #[test]
    fn rates_count_only_what_is_decided() {
        let rows = [
            o(
                Some(true),
                Some(true),
                true,
                vec![Satisfaction::Satisfied],
                Some(4),
            ),
            o(
                Some(false),
                Some(true),
                true,
                vec![Satisfaction::Dissatisfied, Satisfaction::Basic],
                Some(10),
            ),
            o(Some(true), None, false, vec![], None),
            o(None, None, false, vec![], None),
        ];
        let m = measure(&rows);
        assert_eq!(m.received, 4);
        assert_eq!((m.accept_due, m.accepted_on_time), (3, 2));
        assert_eq!((m.resolve_due, m.resolved_on_time), (2, 2));
        assert_eq!(m.closure_pct, Some(50.0));
        let s = m.satisfaction_pct.expect("rated");
        assert!((s - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.avg_days_to_resolve, Some(7.0));
        let empty = measure(&[]);
        assert_eq!(empty.closure_pct, None);
        assert_eq!(empty.satisfaction_pct, None);
        assert_eq!(empty.avg_days_to_resolve, None);
    }

    #[test]
    fn groups_are_measured_apart() {
        let rows = vec![
            ("a", o(Some(true), None, false, vec![], None)),
            ("b", o(Some(false), None, false, vec![], None)),
            (
                "a",
                o(
                    Some(true),
                    Some(false),
                    true,
                    vec![Satisfaction::Dissatisfied],
                    Some(20),
                ),
            ),
        ];
        let by = measure_by(&rows);
        assert_eq!(by["a"].received, 2);
        assert_eq!(by["a"].satisfaction_pct, Some(0.0));
        assert_eq!(by["b"].accepted_on_time_pct, Some(0.0));
    }
}
