//! Tests of the demo's firms: valid codes and classes, the import's own reader accepts the
//! registry file, scale flags agree with revenue, and the panel follows the demo's growth.

use super::*;
use std::collections::BTreeMap;

fn firms() -> (DemoData, DemoFirms) {
    let data = crate::demo::parse().expect("demo data");
    let firms = generate(&data).expect("firms");
    (data, firms)
}

/// (this year, last year) sums of a column pair by period.
fn panel(csv: &str, this: usize, last: usize) -> BTreeMap<String, (f64, f64)> {
    let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let e = out.entry(c[0].to_string()).or_default();
        e.0 += c[this].parse::<f64>().unwrap_or(0.0);
        e.1 += c[last].parse::<f64>().unwrap_or(0.0);
    }
    out
}

#[test]
fn counts_codes_and_classes() {
    let (data, f) = firms();
    let above = f.firms.iter().filter(|x| x.above_scale).count();
    let others = f.firms.len() - above;
    assert!((1_050..=1_150).contains(&above), "above-scale {above}");
    assert!((3_900..=4_100).contains(&others), "others {others}");
    let mut usccs = HashSet::new();
    for x in &f.firms {
        let u = Uscc::parse(x.uscc.as_str()).expect("valid USCC");
        assert_eq!(u.region_part(), "370281");
        assert!(
            usccs.insert(u.as_str().to_string()),
            "duplicate {}",
            u.as_str()
        );
        domain::industry::class(x.class).expect("valid class");
        assert!(!x.name.is_ascii() && !x.name.chars().any(|c| c.is_ascii_alphabetic()));
    }
    let names: HashSet<&str> = f.firms.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), f.firms.len(), "names are unique");
    // Every chain leader of the demo is a registry row with its name, tagged 链主.
    for t in &data.tracks {
        for c in &t.chain_leaders {
            let e = data
                .enterprises
                .iter()
                .find(|e| &e.code == c)
                .expect("leader");
            let firm = f.firms.iter().find(|x| x.name == e.name).expect("row");
            assert!(firm.own && firm.tags.contains(&Tag::ChainLeader));
        }
    }
    for tag in [Tag::Specialised, Tag::HighTech, Tag::Listed] {
        assert!(f.firms.iter().any(|x| x.tags.contains(&tag)), "{tag:?}");
    }
}

#[test]
fn same_firms_every_time() {
    let (data, a) = firms();
    let b = generate(&data).expect("firms");
    assert_eq!(a.registry_csv(), b.registry_csv());
    assert_eq!(a.figures_csv(), b.figures_csv());
}

#[test]
fn the_registry_import_reads_the_file_without_a_problem() {
    let (data, f) = firms();
    let towns: HashMap<String, i64> = data
        .towns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i as i64))
        .collect();
    let ctx = io::firms::FirmContext {
        towns: &towns,
        today: "2025-10-14",
    };
    let file = io::firms::read_firms(
        "示例企业名录.csv",
        f.registry_csv().into_bytes(),
        &io::ReadLimits::default(),
        &ctx,
        &mut |_, _| {},
    )
    .expect("the import accepts the demo's registry");
    assert_eq!(file.rows.len(), f.firms.len());
}

#[test]
fn the_demo_firms_stay_on_their_tracks() {
    let (data, f) = firms();
    let ids: HashMap<String, i64> = data
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.code.clone(), i as i64))
        .collect();
    let rules = crate::demo_serve::track_rules(&ids).expect("rules");
    for e in &data.enterprises {
        let firm = f.firms.iter().find(|x| x.name == e.name).expect("row");
        let got = enterprise::tracks_for(&rules, Some(firm.class), &firm.name);
        let want = e.track.as_ref().map(|t| ids[t]);
        assert_eq!(got.first().copied(), want, "{}", e.code);
    }
}

#[test]
fn scale_flags_agree_with_revenue() {
    let (_, f) = firms();
    let csv = f.figures_csv();
    let mut revenue: HashMap<(&str, &str), f64> = HashMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        if let Ok(v) = c[3].parse::<f64>() {
            revenue.insert((c[0], c[1]), v);
        }
    }
    for x in &f.firms {
        let line = domain::industry::class(x.class)
            .ok()
            .and_then(|c| enterprise::scale_line(&c))
            .map(|l| l.threshold_wan as f64);
        let u = x.uscc.as_str();
        match (x.above_scale, revenue.get(&("2024-12", u)), line) {
            // Above the line last year.
            (true, Some(r), Some(t)) => assert!(*r >= t, "{} {r} < {t}", x.name),
            // New this year: the year so far, annualised, is above the line.
            (true, None, Some(t)) if !x.own => {
                let r = revenue[&("2025-09", u)] * 12.0 / 9.0;
                assert!(r >= t, "{} {r} < {t}", x.name);
            }
            // Below the line with figures: it fell below (none this year), or it reports its
            // revenue from below the line (the 小升规 watch's firms).
            (false, Some(r), Some(t)) if revenue.contains_key(&("2025-09", u)) => {
                assert!(*r < t, "{} {r} >= {t}", x.name)
            }
            (false, Some(_), _) => assert!(!revenue.contains_key(&("2025-09", u))),
            _ => {}
        }
    }
}

#[test]
fn the_panel_follows_the_reported_growth() {
    let (_, f) = firms();
    let csv = f.figures_csv();
    assert_eq!(csv.lines().next(), Some(FIGURES_HEADER));
    let sums = panel(&csv, 2, 7);
    for (period, reported) in reported_growth().expect("reported") {
        let (this, last) = sums[&period];
        let growth = (this - last) / last * 100.0;
        println!("{period}: panel {growth:.2}% reported {reported:.1}%");
        assert!(
            (growth - reported).abs() <= 1.5,
            "{period}: {growth} vs {reported}"
        );
        assert!((growth - reported).abs() >= 0.2, "{period}: coverage shows");
    }
    // Entrants, exits and firms that fell hard are all there.
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("2025-09"))
        .map(|l| l.split(',').collect())
        .collect();
    let industrial: Vec<_> = rows
        .iter()
        .filter(|c| !c[7].is_empty() || !c[2].is_empty())
        .collect();
    let entrants = industrial.iter().filter(|c| c[7].is_empty()).count();
    let exits = industrial.iter().filter(|c| c[2].is_empty()).count();
    let falling = industrial
        .iter()
        .filter(|c| {
            let (a, b) = (c[2].parse::<f64>(), c[7].parse::<f64>());
            matches!((a, b), (Ok(a), Ok(b)) if a < b * 0.85)
        })
        .count();
    assert!(
        entrants >= 40 && exits >= 20 && falling >= 60,
        "{entrants} {exits} {falling}"
    );
    // Last year's value of a period is what the firm reported a year before.
    let mut by_key: HashMap<(&str, &str), &str> = HashMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        by_key.insert((c[0], c[1]), c[2]);
    }
    for c in &industrial {
        if !c[7].is_empty() {
            assert_eq!(by_key.get(&("2024-09", c[1])).copied(), Some(c[7]));
        }
    }
}

#[test]
fn organisation_codes_carry_their_check() {
    // GB 11714 example: 12345678 → check 8 (weights 3,7,9,10,5,8,4,2).
    assert_eq!(org_check(b"12345678"), '8');
}
