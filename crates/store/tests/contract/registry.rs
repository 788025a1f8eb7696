//! The registry's search against a plain filter of the same firms: whatever path a query takes
//! (the name index's candidates, their intersection with an industry when a word is too
//! common, the above-scale partial index, a USCC range, a scan), it finds exactly the firms a
//! plain reading of the filters finds, in id order, page by page.

use store::enterprises::{FirmQuery, FirmRecord, FirmRow};
use store::{Dialect, Store};

const REGION: &str = "370281";

/// More firms than `name_index::MAX_CANDIDATES` hold the word 济南, so that a search for it
/// alone is a scan and one within an industry goes through the intersection.
fn firms() -> Vec<FirmRecord> {
    let n = store::name_index::MAX_CANDIDATES + 1_500;
    (0..n)
        .map(|i| {
            let word = match i % 7 {
                0 => "华盛",
                1 | 2 => "鑫泰",
                _ => "",
            };
            let place = if i % 23 == 0 { "青岛" } else { "济南" };
            let industry = ["3851", "3812", "1713", "5211", "3511"][i % 5];
            FirmRecord {
                uscc: format!("91370281T{i:08}X"),
                name: format!("{place}{word}测试有限公司{i}"),
                legal_form: "企业".into(),
                industry_code: Some(industry.into()),
                scale_kind: "industry".into(),
                town_id: None,
                founded_on: None,
                registered_capital_wan: None,
                employees: None,
                tags: if i % 11 == 0 {
                    "listed".into()
                } else {
                    String::new()
                },
                track_ids: Vec::new(),
            }
        })
        .collect()
}

fn matches(f: &FirmRow, q: &FirmQuery) -> bool {
    let text_ok = q
        .text
        .as_deref()
        .is_none_or(|t| f.name.contains(t) || f.uscc.starts_with(t));
    let industry_ok = q
        .industry
        .as_deref()
        .is_none_or(|i| f.industry_code.as_deref().is_some_and(|c| c.starts_with(i)));
    let above_ok = q.above_scale.is_none_or(|a| (f.above_scale != 0) == a);
    let tag_ok = q
        .tag
        .as_deref()
        .is_none_or(|t| f.tags.split(';').any(|x| x == t));
    text_ok && industry_ok && above_ok && tag_ok
}

pub async fn search_agrees_with_a_plain_filter(dialect: Dialect) {
    let Some((store, _db)) = super::store_for(dialect).await else {
        return;
    };
    super::seed(&store).await;
    let firms = firms();
    let mut tx = store.begin_write().await.expect("begin");
    tx.import_firms(
        &super::actor(),
        REGION,
        "测试.csv",
        &firms,
        &[],
        &mut |_, _| {},
    )
    .await
    .expect("import");
    // Every 97th firm is above scale.
    let above: Vec<String> = firms.iter().step_by(97).map(|f| f.uscc.clone()).collect();
    tx.set_firm_flags(&super::actor(), REGION, &above, true, false)
        .await
        .expect("flags");
    tx.commit().await.expect("commit");
    // Every firm, 200 (the most a page holds) at a time.
    let mut all: Vec<FirmRow> = Vec::new();
    loop {
        let (rows, more) = search(
            &store,
            &query(None, None, None, None),
            all.len() as i64,
            200,
        )
        .await;
        all.extend(rows);
        if !more {
            break;
        }
    }
    assert_eq!(all.len(), firms.len());
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "in id order");
    let cases = [
        query(Some("济南"), None, None, None),
        query(Some("济南"), Some("38"), None, None),
        query(Some("济南"), Some("3851"), None, Some("listed")),
        query(Some("济南华盛"), Some("38"), None, None),
        query(Some("青岛"), Some("17"), None, None),
        query(Some("鑫泰测试"), None, None, None),
        query(Some("不存在"), Some("38"), None, None),
        query(None, Some("38"), None, None),
        query(None, None, Some(true), None),
        query(None, None, Some(true), Some("listed")),
        query(None, Some("5211"), Some(true), None),
        query(None, None, Some(false), None),
        query(Some("91370281T0000"), None, None, None),
    ];
    for q in &cases {
        let expected: Vec<i64> = all.iter().filter(|f| matches(f, q)).map(|f| f.id).collect();
        for (offset, limit) in [
            (0, 20),
            (20, 20),
            (expected.len().saturating_sub(5) as i64, 20),
        ] {
            let (rows, more) = search(&store, q, offset, limit).await;
            let got: Vec<i64> = rows.iter().map(|f| f.id).collect();
            let want: Vec<i64> = expected
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .copied()
                .collect();
            assert_eq!(got, want, "{q:?} offset {offset}");
            assert_eq!(more, expected.len() > (offset + limit) as usize, "{q:?}");
        }
    }
}

fn query(
    text: Option<&str>,
    industry: Option<&str>,
    above_scale: Option<bool>,
    tag: Option<&str>,
) -> FirmQuery {
    FirmQuery {
        region: REGION.into(),
        text: text.map(str::to_string),
        industry: industry.map(str::to_string),
        above_scale,
        tag: tag.map(str::to_string),
        ..Default::default()
    }
}

async fn search(store: &Store, q: &FirmQuery, offset: i64, limit: i64) -> (Vec<FirmRow>, bool) {
    let q = FirmQuery {
        offset,
        limit,
        ..q.clone()
    };
    store.search_firms(&q).await.expect("search")
}
