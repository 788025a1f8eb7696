//! Every import contract against arbitrary tables: no panic, and all-or-nothing (an import
//! answers every data row or refuses with at least one placed problem, never a part). Plus the
//! refusals of issue 8 item 9: duplicated headers and numbers no column can hold.

mod support;

use domain::Period;
use io::imports;
use io::table::read_csv;
use io::{Cell, ImportErrors, Row, Table};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use support::cases;

fn known_indicators() -> HashMap<String, String> {
    HashMap::from([
        ("industrial-va".to_string(), "industrial-va".to_string()),
        ("规上工业增加值".to_string(), "industrial-va".to_string()),
    ])
}

fn tracks() -> HashMap<String, String> {
    HashMap::from([("智能家电".to_string(), "smart-appliances".to_string())])
}

fn towns() -> HashMap<String, String> {
    HashMap::from([("胶西街道".to_string(), "jiaoxi".to_string())])
}

fn latest() -> Period {
    Period::parse("2025-09").expect("period")
}

fn observations(t: &Table) -> Result<Vec<imports::ObservationRow>, ImportErrors> {
    imports::observations(t, &known_indicators(), latest(), &mut |_, _| {})
}

fn csv(text: &str) -> Table {
    read_csv("t.csv", text.as_bytes()).expect("csv")
}

fn reasons(e: &ImportErrors) -> Vec<(usize, String, String)> {
    e.0.iter()
        .map(|r| (r.row, r.column.clone(), r.reason.clone()))
        .collect()
}

#[test]
fn a_header_written_twice_is_refused() {
    let err = observations(&csv(
        "period,indicator,ytd_growth_pct,ytd_growth_pct\n2025-09,industrial-va,5.8,6.0\n",
    ))
    .expect_err("duplicated header");
    let r = reasons(&err);
    assert_eq!(r.len(), 1, "{err}");
    assert_eq!((r[0].0, r[0].1.as_str()), (1, "ytd_growth_pct"));
    assert!(r[0].2.contains("第 3 列和第 4 列"), "{err}");
}

#[test]
fn two_headers_naming_one_column_are_refused() {
    let err = observations(&csv(
        "period,指标代码,指标名称,ytd_growth_pct\n2025-09,industrial-va,规上工业增加值,5.8\n",
    ))
    .expect_err("two indicator columns");
    assert!(
        err.to_string()
            .contains("“指标代码”（第 2 列）和“指标名称”（第 3 列） 都表示“indicator”列"),
        "{err}"
    );
    let err = imports::indicators(
        &csv("code,指标代码,name,unit,frequency,kind\na,b,A,万元,monthly,accounting\n"),
        &HashMap::new(),
        false,
    )
    .expect_err("code twice");
    assert!(err.to_string().contains("都表示“code”列"), "{err}");
}

#[test]
fn numbers_no_column_can_hold_are_refused_with_their_place() {
    let t = csv(concat!(
        "period,indicator,ytd_value,ytd_growth_pct,last_year_total\n",
        "2025-09,industrial-va,1.79e308,5.8,\n",
        "2025-08,industrial-va,12345678901234567890123456789012345678,5.8,\n",
        "2025-07,industrial-va,100,20000,\n",
        "2025-06,industrial-va,100,5,-1e16\n",
        "2025-05,industrial-va,999999999999999,-99,1e15\n",
    ));
    let err = observations(&t).expect_err("out of range");
    let places: Vec<(usize, &str)> = err.0.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        places,
        vec![
            (2, "ytd_value"),
            (3, "ytd_value"),
            (4, "ytd_growth_pct"),
            (5, "last_year_total")
        ],
        "{err}"
    );
    assert!(err.0[0].reason.contains("超出可接受的范围"), "{err}");
    // A cell the spreadsheet holds as a number is held to the same range.
    let t = Table {
        file: "obs.xlsx".into(),
        sheet: Some("Sheet1".into()),
        headers: vec!["period".into(), "indicator".into(), "ytd_growth_pct".into()],
        rows: vec![Row {
            number: 2,
            cells: vec![
                Cell::Text("2025-09".into()),
                Cell::Text("industrial-va".into()),
                Cell::Number {
                    value: f64::MAX,
                    percent: true,
                },
            ],
        }],
    };
    let err = observations(&t).expect_err("infinite percentage");
    assert_eq!(err.0[0].column, "ytd_growth_pct", "{err}");
}

#[test]
fn money_beyond_what_yuan_can_hold_is_refused() {
    let t = csv(concat!(
        "项目名称,投资方,赛道,镇街,总投资(亿元),阶段,阶段日期\n",
        "甲,某公司,智能家电,胶西街道,1.79e308,签约,2025-08-01\n",
        "乙,某公司,智能家电,胶西街道,12345678901234567890123456789012345678,签约,2025-08-01\n",
    ));
    let err = imports::projects(&t, &tracks(), &towns(), "2025-10-14", &Default::default())
        .expect_err("too much");
    let places: Vec<(usize, &str)> = err
        .0
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .filter(|(_, c)| *c == "总投资(亿元)")
        .collect();
    assert_eq!(
        places,
        vec![(2, "总投资(亿元)"), (3, "总投资(亿元)")],
        "{err}"
    );
}

// ----- arbitrary tables ----------------------------------------------------------------------

/// Values people and programs put in cells, good and bad.
fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2025-09".to_string()),
        Just("2025年9月".to_string()),
        Just("2099-01".to_string()),
        Just("2025-08-01".to_string()),
        Just("industrial-va".to_string()),
        Just("规上工业增加值".to_string()),
        Just("智能家电".to_string()),
        Just("胶西街道".to_string()),
        Just("签约".to_string()),
        Just("线索".to_string()),
        Just("monthly".to_string()),
        Just("accounting".to_string()),
        Just("secondary".to_string()),
        Just("stock".to_string()),
        Just("是".to_string()),
        Just("5.8%".to_string()),
        Just("1,000".to_string()),
        Just("1.79e308".to_string()),
        Just("-1e309".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("12345678901234567890123456789012345678".to_string()),
        Just("-".to_string()),
        Just("".to_string()),
        "[a-z0-9\\-_]{1,8}",
        "[\\PC]{0,12}",
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Empty),
        text_value().prop_map(Cell::Text),
        (
            prop_oneof![
                any::<f64>(),
                Just(f64::INFINITY),
                Just(f64::NAN),
                Just(1e308),
                -200.0..200.0f64,
                0.0..1.0f64
            ],
            any::<bool>()
        )
            .prop_map(|(value, percent)| Cell::Number { value, percent }),
    ]
}

/// A table whose headers are drawn from `columns` (names and aliases) and a few strangers.
fn table(columns: &'static [imports::Column]) -> impl Strategy<Value = Table> {
    let names: Vec<String> = columns
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
        .map(str::to_string)
        .chain(["备注".to_string(), String::new()])
        .collect();
    let headers =
        proptest::sample::subsequence(names.clone(), 0..=names.len().min(12)).prop_shuffle();
    headers.prop_flat_map(|headers| {
        let width = headers.len() + 1;
        (
            Just(headers),
            proptest::collection::vec(proptest::collection::vec(cell(), 0..=width), 0..6),
        )
            .prop_map(|(headers, rows)| Table {
                file: "t.csv".into(),
                sheet: None,
                headers,
                rows: rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, cells)| Row {
                        number: i + 2,
                        cells,
                    })
                    .collect(),
            })
    })
}

/// All or nothing: every data row answered, in order, or at least one problem at a real place.
fn all_or_nothing<T>(
    table: &Table,
    result: &Result<Vec<T>, ImportErrors>,
    row_of: impl Fn(&T) -> usize,
) -> Result<(), TestCaseError> {
    match result {
        Ok(rows) => {
            let got: Vec<usize> = rows.iter().map(row_of).collect();
            let want: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
            prop_assert_eq!(got, want, "an accepted import answers every row");
        }
        Err(e) => {
            prop_assert!(!e.0.is_empty());
            let numbers: HashSet<usize> = table.rows.iter().map(|r| r.number).collect();
            for problem in &e.0 {
                prop_assert!(
                    problem.row <= 1 || numbers.contains(&problem.row),
                    "placed at a real row: {}",
                    problem
                );
                prop_assert!(!problem.reason.is_empty());
            }
        }
    }
    Ok(())
}

/// A table written out as CSV (quoted), so the reader and the contract are fuzzed together.
fn as_csv(t: &Table) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = t
        .headers
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for r in &t.rows {
        let line: Vec<String> = r
            .cells
            .iter()
            .map(|c| match c {
                Cell::Empty => String::new(),
                Cell::Text(s) => quote(s),
                Cell::Number { value, .. } => value.to_string(),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn observations_are_all_or_nothing(t in table(imports::OBSERVATION_COLUMNS)) {
        all_or_nothing(&t, &observations(&t), |r| r.row)?;
        if let Ok(t) = read_csv("t.csv", as_csv(&t).as_bytes()) {
            all_or_nothing(&t, &observations(&t), |r| r.row)?;
        }
    }

    #[test]
    fn indicators_are_all_or_nothing(t in table(imports::INDICATOR_COLUMNS), targets in any::<bool>()) {
        let existing = HashMap::from([("cpi".to_string(), None)]);
        all_or_nothing(&t, &imports::indicators(&t, &existing, targets), |r| r.row)?;
        if let Ok(t) = read_csv("t.csv", as_csv(&t).as_bytes()) {
            all_or_nothing(&t, &imports::indicators(&t, &existing, targets), |r| r.row)?;
        }
    }

    #[test]
    fn models_are_all_or_nothing(
        industries in table(imports::INDUSTRY_COLUMNS),
        drivers in table(imports::DRIVER_COLUMNS),
    ) {
        let known = HashSet::from(["industrial-va".to_string()]);
        match imports::model(&industries, &drivers, &known) {
            Ok((i, d)) => {
                all_or_nothing(&industries, &Ok::<_, ImportErrors>(i), |r| r.row)?;
                all_or_nothing(&drivers, &Ok::<_, ImportErrors>(d), |r| r.row)?;
            }
            Err(e) => prop_assert!(!e.0.is_empty()),
        }
    }

    #[test]
    fn remedies_are_all_or_nothing(t in table(imports::REMEDY_COLUMNS)) {
        let result = imports::remedies(&t, &known_indicators(), &tracks());
        all_or_nothing(&t, &result, |r| r.row)?;
    }

    #[test]
    fn projects_are_all_or_nothing(t in table(imports::PROJECT_COLUMNS)) {
        let result = imports::projects(&t, &tracks(), &towns(), "2025-10-14", &Default::default());
        all_or_nothing(&t, &result, |r| r.row)?;
        if let Ok(rows) = &result {
            for r in rows {
                for v in [r.total_investment, r.fixed_asset_investment, r.output_at_capacity, r.value_added_at_capacity].into_iter().flatten() {
                    prop_assert!(v >= 0);
                }
            }
        }
    }
}
