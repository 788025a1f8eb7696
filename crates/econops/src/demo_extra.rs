//! Extra generated projects for the demo (`econops demo --extra-projects N`), to try the 项目库
//! at the scale of a large city (20,000 projects): deterministic, spread over stages, tracks and
//! towns, with Chinese names, inserted in bulk through the store in one transaction.

use crate::demo::DemoError;
use domain::project::Stage;
use store::land::NewProject;
use store::project_list::BulkProject;
use store::{Actor, Store};
use time::Duration;

const PLACES: [&str; 12] = [
    "海湾",
    "胶东",
    "少海",
    "云溪",
    "三里河",
    "洋河",
    "铺集",
    "里岔",
    "九龙",
    "李哥庄",
    "胶莱",
    "中云",
];
const KINDS: [&str; 12] = [
    "新能源汽车零部件",
    "高端装备",
    "新材料",
    "生物医药",
    "智能家电",
    "集成电路封测",
    "现代物流",
    "食品精深加工",
    "航空配套",
    "氢能储能",
    "纺织服装",
    "跨境电商",
];
const SUFFIXES: [&str; 8] = [
    "产业园",
    "生产基地",
    "扩产项目",
    "研发中心",
    "技改项目",
    "智能工厂",
    "供应链基地",
    "总部项目",
];
const INVESTORS: [&str; 8] = [
    "青岛某装备集团",
    "江苏某新材料股份公司",
    "深圳某科技公司",
    "韩国某株式会社",
    "上海某医药集团",
    "本地龙头企业",
    "某央企子公司",
    "某产业投资基金",
];

/// A small deterministic generator (SplitMix64): the same N gives the same projects.
pub(crate) struct Mix(pub(crate) u64);

impl Mix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The stage of the `i`-th generated project: the pipeline narrows from leads to capacity.
fn stage(roll: usize) -> Stage {
    match roll % 100 {
        0..=29 => Stage::Lead,
        30..=49 => Stage::Negotiating,
        50..=64 => Stage::Signed,
        65..=74 => Stage::Registered,
        75..=86 => Stage::Started,
        87..=94 => Stage::Producing,
        _ => Stage::AtCapacity,
    }
}

/// The generated projects of `region` (without inserting them): `n` projects over the
/// region's tracks and towns, reached their stage in the last three years, last active in
/// the last 120 days (so some are stalled), as of `today`.
pub async fn generate(
    store: &Store,
    region: &str,
    n: usize,
    today: time::Date,
) -> Result<Vec<BulkProject>, DemoError> {
    let tracks = store.tracks(region).await?;
    let towns = store.towns(region).await?;
    let mut mix = Mix(0x5EED_2025);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let stage = stage(mix.below(100));
        let track = (!tracks.is_empty()).then(|| &tracks[mix.below(tracks.len())]);
        let town = (!towns.is_empty()).then(|| &towns[mix.below(towns.len())]);
        // 0.2 亿 to 30 亿, in whole 10 万元.
        let investment = (20 + mix.below(2_980) as i64) * 1_000_000;
        let reached = today - Duration::days(mix.below(1_000) as i64 + 1);
        let idle = mix.below(120) as i64;
        let active = std::cmp::max(reached, today - Duration::days(idle));
        let name = format!(
            "{}{}{}（{}）",
            PLACES[mix.below(PLACES.len())],
            KINDS[mix.below(KINDS.len())],
            SUFFIXES[mix.below(SUFFIXES.len())],
            i + 1
        );
        let production = (stage >= Stage::Signed).then(|| {
            let d = reached + Duration::days(180 + mix.below(540) as i64);
            format!("{:04}-{:02}", d.year(), u8::from(d.month()))
        });
        out.push(BulkProject {
            project: NewProject {
                region_code: region.to_string(),
                name,
                // One in twenty negotiates under a code name.
                code_name: if i % 20 == 7 {
                    format!("代号-{:05}", i + 1)
                } else {
                    String::new()
                },
                investor_name: INVESTORS[mix.below(INVESTORS.len())].to_string(),
                track_id: track.map(|t| t.id),
                town_id: town.map(|t| t.id),
                total_investment: Some(investment),
                value_added_at_capacity: Some(investment / 10 * 3),
                expected_production_month: production,
                source_kind: "other".into(),
                ..Default::default()
            },
            stage,
            on_date: domain::period::format_date(reached),
            last_activity_at: format!("{}T09:00:00Z", domain::period::format_date(active)),
        });
    }
    Ok(out)
}

/// Generates and inserts `n` projects into `region` in one transaction; answers how many.
pub async fn load(store: &Store, region: &str, n: usize) -> Result<usize, DemoError> {
    let projects = generate(store, region, n, store.now().date()).await?;
    let mut tx = store.begin_write().await?;
    let inserted = tx
        .insert_projects_bulk(&Actor::system("演示数据生成"), region, &projects)
        .await?;
    tx.commit().await?;
    Ok(inserted)
}
