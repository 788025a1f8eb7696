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

/// One firm by id or USCC within its region only; a region's firms by town, track and manager,
/// in id order, at most a limit.
pub async fn firms_are_read_one_at_a_time_and_by_filter(dialect: Dialect) {
    use store::reference::{FirmFilter, FirmKey};
    let Some((store, _db)) = super::store_for(dialect).await else {
        return;
    };
    let (town, _) = super::seed(&store).await;
    let mut firms: Vec<FirmRecord> = firms().into_iter().take(5).collect();
    for f in firms.iter_mut().step_by(2) {
        f.town_id = Some(town);
    }
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
    tx.commit().await.expect("commit");
    let all = store.enterprises(REGION).await.expect("all");
    assert_eq!(all.len(), 5);
    let third = &all[2];
    for key in [FirmKey::Id(third.id), FirmKey::Uscc(&third.uscc)] {
        let got = store.enterprise_in(REGION, key).await.expect("q");
        assert_eq!(got.map(|e| e.id), Some(third.id), "{key:?}");
        let elsewhere = store.enterprise_in("370282", key).await.expect("q");
        assert!(elsewhere.is_none(), "{key:?} is not another region's");
    }
    assert!(store
        .enterprise_in(REGION, FirmKey::Id(i64::MAX))
        .await
        .expect("q")
        .is_none());
    let ids =
        |v: Vec<store::reference::Enterprise>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let in_town = ids(store
        .enterprises_where(
            REGION,
            &FirmFilter {
                town: Some(town),
                ..Default::default()
            },
        )
        .await
        .expect("town"));
    assert_eq!(in_town, vec![all[0].id, all[2].id, all[4].id]);
    let first_two = ids(store
        .enterprises_where(
            REGION,
            &FirmFilter {
                town: Some(town),
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .expect("limit"));
    assert_eq!(first_two, vec![all[0].id, all[2].id]);
    let nobody = store
        .enterprises_where(
            REGION,
            &FirmFilter {
                manager: Some(1),
                track: Some(1),
                ..Default::default()
            },
        )
        .await
        .expect("manager");
    assert!(nobody.is_empty());
}
