use super::*;
use proptest::prelude::*;

fn d(s: &str) -> Date {
    parse_date(s).expect("date")
}

fn tracks() -> Vec<(i64, String)> {
    vec![(1, "智能家电".into()), (2, "新一代信息技术".into())]
}

fn towns() -> Vec<(i64, String)> {
    vec![(10, "胶北街道".into()), (11, "九龙街道".into())]
}

fn names() -> Names {
    Names {
        tracks: tracks().into_iter().collect(),
        towns: towns().into_iter().collect(),
    }
}

fn firm() -> FirmFacts {
    FirmFacts {
        industry_code: Some("3856".into()),
        tracks: vec![1],
        above_scale: true,
        scale_kind: Some(ScaleKind::Industry),
        tags: vec![Tag::Specialised],
        town: Some(10),
        founded_on: Some(d("2015-06-01")),
        registered_capital_wan: Some(5_000.0),
        employees: Some(300),
    }
}

fn parse(input: ConditionInput) -> Result<Conditions, PolicyError> {
    input.parse(&tracks(), &towns())
}

#[test]
fn written_conditions_parse_into_typed_rules() {
    let c = parse(ConditionInput {
        industry: "38；39".into(),
        tracks: "智能家电".into(),
        scale: "规上工业".into(),
        tags: "专精特新、高企".into(),
        towns: "胶北街道,九龙街道".into(),
        founded_from: "2010-01-01".into(),
        capital_min: "1,000".into(),
        employees_max: "500".into(),
        ..ConditionInput::default()
    })
    .expect("valid");
    assert_eq!(c.industry_prefixes, vec!["38", "39"]);
    assert_eq!(c.tracks, vec![1]);
    assert!(c.above_scale);
    assert_eq!(c.scale_kinds, vec![ScaleKind::Industry]);
    assert_eq!(c.tags, vec![Tag::Specialised, Tag::HighTech]);
    assert_eq!(c.towns, vec![10, 11]);
    assert_eq!(c.founded.min, Some(d("2010-01-01")));
    assert_eq!(c.registered_capital_wan.min, Some(1_000.0));
    assert_eq!(c.employees.max, Some(500));
    assert!(c.eligible(&firm(), &names()));
    // Written back and parsed again: the same rules.
    assert_eq!(parse(ConditionInput::of(&c, &names())).expect("again"), c);
    assert_eq!(c.words(&names()).len(), 8);
}

#[test]
fn refusals_name_the_field_in_chinese() {
    let cases: Vec<(ConditionInput, &str, &str)> = vec![
        (
            ConditionInput {
                industry: "3".into(),
                ..Default::default()
            },
            "industry",
            "行业代码前缀",
        ),
        (
            ConditionInput {
                tracks: "造船".into(),
                ..Default::default()
            },
            "tracks",
            "产业赛道",
        ),
        (
            ConditionInput {
                scale: "中型".into(),
                ..Default::default()
            },
            "scale",
            "规模",
        ),
        (
            ConditionInput {
                tags: "独角兽".into(),
                ..Default::default()
            },
            "tags",
            "企业标签",
        ),
        (
            ConditionInput {
                towns: "李哥庄".into(),
                ..Default::default()
            },
            "towns",
            "镇街",
        ),
        (
            ConditionInput {
                founded_from: "去年".into(),
                ..Default::default()
            },
            "founded_from",
            "成立日期起",
        ),
        (
            ConditionInput {
                founded_from: "2020-01-01".into(),
                founded_to: "2019-01-01".into(),
                ..Default::default()
            },
            "founded_from",
            "成立日期",
        ),
        (
            ConditionInput {
                capital_min: "-5".into(),
                ..Default::default()
            },
            "capital_min",
            "注册资本下限",
        ),
        (
            ConditionInput {
                employees_min: "300".into(),
                employees_max: "20".into(),
                ..Default::default()
            },
            "employees_min",
            "从业人员",
        ),
        (
            ConditionInput {
                employees_max: "1.5".into(),
                ..Default::default()
            },
            "employees_max",
            "从业人员上限",
        ),
        (
            ConditionInput {
                revenue: "2000".into(),
                ..Default::default()
            },
            "revenue",
            "营业收入",
        ),
    ];
    for (input, field, label) in cases {
        let e = parse(input.clone()).expect_err("refused");
        assert_eq!(e.field, field, "{input:?}");
        assert!(e.message.starts_with(label), "{}", e.message);
    }
}

#[test]
fn stored_conditions_are_checked_again() {
    let c = Conditions {
        tracks: vec![99],
        ..Conditions::default()
    };
    assert_eq!(
        c.check(&[1, 2], &[10]).expect_err("unknown").field,
        "tracks"
    );
    let c = Conditions {
        industry_prefixes: vec!["C38".into()],
        ..Conditions::default()
    };
    assert!(c.check(&[], &[]).is_err());
    let c = Conditions {
        scale_kinds: vec![ScaleKind::Retail],
        ..Conditions::default()
    };
    assert!(c.check(&[], &[]).is_err(), "a survey without above-scale");
}

fn only(c: Conditions) -> (bool, Vec<Check>) {
    let checks = c.evaluate(&firm(), &names());
    (c.eligible(&firm(), &names()), checks)
}

#[test]
fn each_condition_decides_on_its_own_field() {
    let base = Conditions::default();
    assert!(base.is_empty());
    assert!(only(base.clone()).0, "no conditions: every firm");

    let ind = |p: &str| Conditions {
        industry_prefixes: vec![p.into()],
        ..base.clone()
    };
    assert!(only(ind("385")).0);
    let (ok, checks) = only(ind("39"));
    assert!(!ok);
    assert_eq!(checks[0].kind, ConditionKind::Industry);
    assert!(checks[0].reason.contains("3856"));

    let tr = |t: i64| Conditions {
        tracks: vec![t],
        ..base.clone()
    };
    assert!(only(tr(1)).0);
    assert!(!only(tr(2)).0);

    let sc = |kinds: Vec<ScaleKind>| Conditions {
        above_scale: true,
        scale_kinds: kinds,
        ..base.clone()
    };
    assert!(only(sc(vec![])).0);
    assert!(only(sc(vec![ScaleKind::Industry, ScaleKind::Retail])).0);
    assert!(!only(sc(vec![ScaleKind::Retail])).0);
    let mut small = firm();
    small.above_scale = false;
    assert!(!sc(vec![]).eligible(&small, &names()));

    let tg = |t: Tag| Conditions {
        tags: vec![t],
        ..base.clone()
    };
    assert!(only(tg(Tag::Specialised)).0);
    assert!(!only(tg(Tag::Listed)).0);

    let tw = |t: i64| Conditions {
        towns: vec![t],
        ..base.clone()
    };
    assert!(only(tw(10)).0);
    assert!(!only(tw(11)).0);

    let fd = |min: Option<&str>, max: Option<&str>| Conditions {
        founded: Range {
            min: min.map(d),
            max: max.map(d),
        },
        ..base.clone()
    };
    assert!(
        only(fd(Some("2015-06-01"), Some("2015-06-01"))).0,
        "inclusive"
    );
    assert!(!only(fd(Some("2016-01-01"), None)).0);
    assert!(!only(fd(None, Some("2010-01-01"))).0);

    let cap = |min: Option<f64>, max: Option<f64>| Conditions {
        registered_capital_wan: Range { min, max },
        ..base.clone()
    };
    assert!(only(cap(Some(5_000.0), None)).0);
    assert!(!only(cap(Some(5_000.01), None)).0);
    assert!(!only(cap(None, Some(1_000.0))).0);

    let emp = |min: Option<i64>, max: Option<i64>| Conditions {
        employees: Range { min, max },
        ..base.clone()
    };
    assert!(only(emp(Some(100), Some(300))).0);
    assert!(!only(emp(Some(301), None)).0);
}

#[test]
fn a_field_the_registry_lacks_fails_its_condition() {
    let unknown = FirmFacts::default();
    let c = Conditions {
        industry_prefixes: vec!["38".into()],
        towns: vec![10],
        founded: Range {
            min: Some(d("2000-01-01")),
            max: None,
        },
        registered_capital_wan: Range {
            min: Some(1.0),
            max: None,
        },
        employees: Range {
            min: Some(1),
            max: None,
        },
        ..Conditions::default()
    };
    let checks = c.evaluate(&unknown, &names());
    assert_eq!(checks.len(), 5);
    assert!(checks
        .iter()
        .all(|c| !c.met && c.reason.starts_with("未登记")));
}

#[test]
fn validity_is_inclusive() {
    assert!(in_force(d("2025-01-01"), None, d("2025-01-01")));
    assert!(in_force(
        d("2025-01-01"),
        Some(d("2025-12-31")),
        d("2025-12-31")
    ));
    assert!(!in_force(
        d("2025-01-01"),
        Some(d("2025-12-31")),
        d("2026-01-01")
    ));
    assert!(!in_force(d("2025-01-01"), None, d("2024-12-31")));
}

fn arb_firm() -> impl Strategy<Value = FirmFacts> {
    (
        prop::option::of(prop::sample::select(vec!["3856", "3911", "5211", "6110"])),
        prop::collection::vec(1i64..4, 0..3),
        any::<bool>(),
        prop::option::of(prop::sample::select(ScaleKind::ALL.to_vec())),
        prop::collection::vec(prop::sample::select(Tag::ALL.to_vec()), 0..3),
        prop::option::of(10i64..13),
        prop::option::of(0i64..20_000),
        prop::option::of(0.0f64..20_000.0),
        prop::option::of(0i64..2_000),
    )
        .prop_map(
            |(ind, tracks, above, kind, tags, town, days, cap, emp)| FirmFacts {
                industry_code: ind.map(str::to_string),
                tracks,
                above_scale: above,
                scale_kind: kind,
                tags,
                town,
                founded_on: days.map(|n| d("1980-01-01") + time::Duration::days(n)),
                registered_capital_wan: cap,
                employees: emp,
            },
        )
}

fn arb_conditions() -> impl Strategy<Value = Conditions> {
    (
        prop::collection::vec(prop::sample::select(vec!["38", "39", "52", "3856"]), 0..2),
        prop::collection::vec(1i64..4, 0..2),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(Tag::ALL.to_vec()), 0..2),
        prop::collection::vec(10i64..13, 0..2),
        prop::option::of(0i64..20_000),
        prop::option::of(0.0f64..20_000.0),
        prop::option::of(0i64..2_000),
    )
        .prop_map(
            |(ind, tracks, above, tags, towns, from, cap, emp)| Conditions {
                industry_prefixes: ind.into_iter().map(str::to_string).collect(),
                tracks,
                above_scale: above,
                scale_kinds: Vec::new(),
                tags,
                towns,
                founded: Range {
                    min: from.map(|n| d("1980-01-01") + time::Duration::days(n)),
                    max: None,
                },
                registered_capital_wan: Range {
                    min: cap,
                    max: None,
                },
                employees: Range {
                    min: None,
                    max: emp,
                },
            },
        )
}

proptest! {
    /// A firm failing any one condition is not eligible; a firm meeting all of them is.
    #[test]
    fn failing_any_condition_means_not_eligible(c in arb_conditions(), f in arb_firm()) {
        let checks = c.evaluate(&f, &names());
        let eligible = c.eligible(&f, &names());
        prop_assert_eq!(eligible, checks.iter().all(|x| x.met));
        if checks.iter().any(|x| !x.met) {
            prop_assert!(!eligible);
        }
        // Each condition alone agrees with its check in the full evaluation.
        for (kind, alone) in single_conditions(&c) {
            let met_alone = alone.eligible(&f, &names());
            let in_full = checks.iter().find(|x| x.kind == kind).map(|x| x.met);
            prop_assert_eq!(Some(met_alone), in_full);
            if !met_alone {
                prop_assert!(!eligible);
            }
        }
    }
}

fn single_conditions(c: &Conditions) -> Vec<(ConditionKind, Conditions)> {
    let e = Conditions::default();
    let mut out = Vec::new();
    if !c.industry_prefixes.is_empty() {
        out.push((
            ConditionKind::Industry,
            Conditions {
                industry_prefixes: c.industry_prefixes.clone(),
                ..e.clone()
            },
        ));
    }
    if !c.tracks.is_empty() {
        out.push((
            ConditionKind::Track,
            Conditions {
                tracks: c.tracks.clone(),
                ..e.clone()
            },
        ));
    }
    if c.above_scale {
        out.push((
            ConditionKind::Scale,
            Conditions {
                above_scale: true,
                ..e.clone()
            },
        ));
    }
    if !c.tags.is_empty() {
        out.push((
            ConditionKind::Tag,
            Conditions {
                tags: c.tags.clone(),
                ..e.clone()
            },
        ));
    }
    if !c.towns.is_empty() {
        out.push((
            ConditionKind::Town,
            Conditions {
                towns: c.towns.clone(),
                ..e.clone()
            },
        ));
    }
    if !c.founded.is_empty() {
        out.push((
            ConditionKind::Founded,
            Conditions {
                founded: c.founded,
                ..e.clone()
            },
        ));
    }
    if !c.registered_capital_wan.is_empty() {
        out.push((
            ConditionKind::Capital,
            Conditions {
                registered_capital_wan: c.registered_capital_wan,
                ..e.clone()
            },
        ));
    }
    if !c.employees.is_empty() {
        out.push((
            ConditionKind::Employees,
            Conditions {
                employees: c.employees,
                ..e.clone()
            },
        ));
    }
    out
}

#[test]
fn who_writes_and_pushes() {
    use crate::access::EnterpriseFacts;
    use crate::{Principal, Role};
    let who = |role, person: Option<i64>, dept: Option<i64>, town: Option<i64>| Principal {
        user_id: 1,
        username: "u".into(),
        role,
        person_id: person,
        department_id: dept,
        town_id: town,
    };
    let office = who(Role::Office, None, None, None);
    let dept = who(Role::Department, None, Some(5), None);
    let manager = who(Role::ServiceManager, Some(7), None, None);
    let town = who(Role::Town, None, None, Some(10));
    let viewer = who(Role::Viewer, None, None, None);
    assert!(can_write_policy(&office, None));
    assert!(can_write_policy(&dept, Some(5)));
    assert!(!can_write_policy(&dept, Some(6)));
    assert!(!can_write_policy(&dept, None));
    for p in [&manager, &town, &viewer] {
        assert!(!can_write_policy(p, None));
    }
    let mine = EnterpriseFacts {
        town: Some(10),
        service_manager: Some(7),
        track_leaders: vec![],
    };
    let other = EnterpriseFacts {
        town: Some(11),
        service_manager: Some(8),
        track_leaders: vec![],
    };
    assert!(can_push_policy(&office, None, &other));
    assert!(can_push_policy(&manager, None, &mine));
    assert!(!can_push_policy(&manager, None, &other));
    assert!(can_push_policy(&dept, Some(5), &other));
    assert!(!can_push_policy(&dept, Some(6), &other));
    assert!(!can_push_policy(&town, None, &mine));
    assert!(!can_push_policy(&viewer, None, &mine));
}
