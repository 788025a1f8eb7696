//! The demo region: Jiaozhou (胶州市) in 2025, loaded from an embedded TOML file through the
//! same audited store operations as any other data. Real facts from the city's published
//! plan carry `sample = false`; invented ones are flagged and shown as 示例数据.

use domain::{Quantity, RegionCode, Role, Scope, ScopeKind, TargetKind, Unit, Uscc};
use serde::Deserialize;
use std::collections::HashMap;
use store::reference::{
    NewEnterprise, NewHostArea, NewNamed, NewPerson, NewPlatform, NewProgramme, NewTier, NewTrack,
};
use store::targets::{NewActual, NewTarget};
use store::users::NewUser;
use store::{Actor, Store};

pub const DEMO_TOML: &str = include_str!("../demo/jiaozhou-2025.toml");
pub const DEMO_PASSWORD: &str = "econops-demo";

/// The demo's statistics (January–September 2025), loaded through the same import path as a
/// user's files.
const LOCATE_INDICATORS: &str = include_str!("../demo/locate/indicators.csv");
const LOCATE_INDUSTRIES: &str = include_str!("../demo/locate/industries.csv");
const LOCATE_DRIVERS: &str = include_str!("../demo/locate/drivers.csv");
const LOCATE_OBSERVATIONS: &str = include_str!("../demo/locate/observations.csv");
/// The demo's remedy library (解决方案库).
const CLAIM_REMEDIES: &str = include_str!("../demo/claim/remedies.csv");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo data is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("demo data: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("demo statistics: {0}")]
    Workflow(#[from] workflow::Error),
    #[error("demo statistics: {0}")]
    Rejected(#[from] io::ImportErrors),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoData {
    pub region: DemoRegion,
    pub towns: Vec<DemoTown>,
    pub departments: Vec<DemoDepartment>,
    pub people: Vec<DemoPerson>,
    pub host_areas: Vec<DemoHostArea>,
    pub platforms: Vec<DemoPlatform>,
    pub programmes: Vec<DemoProgramme>,
    pub tiers: Vec<DemoTier>,
    pub tracks: Vec<DemoTrack>,
    pub enterprises: Vec<DemoEnterprise>,
    pub targets: Vec<DemoTarget>,
    pub users: Vec<DemoUser>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRegion {
    pub code: String,
    pub name: String,
    pub parent_code: String,
    pub parent_name: String,
    pub province_code: String,
    pub province_name: String,
    pub year: i32,
    pub as_of: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTown {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDepartment {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPerson {
    pub code: String,
    pub name: String,
    pub title: String,
    pub department: Option<String>,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoHostArea {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub town: Option<String>,
    pub attributes: Vec<String>,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPlatform {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoProgramme {
    pub code: String,
    pub name: String,
    pub lead_department: Option<String>,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTier {
    pub code: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTrack {
    pub code: String,
    pub name: String,
    pub tier: String,
    pub lead_leader: Option<String>,
    #[serde(default)]
    pub responsible_leaders: Vec<String>,
    pub lead_department: Option<String>,
    #[serde(default)]
    pub host_areas: Vec<String>,
    #[serde(default)]
    pub chain_leaders: Vec<String>,
    #[serde(default)]
    pub description: String,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoEnterprise {
    pub code: String,
    pub name: String,
    pub uscc: Option<String>,
    pub town: Option<String>,
    pub track: Option<String>,
    #[serde(default)]
    pub above_scale: bool,
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTarget {
    pub code: String,
    pub metric: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub value: String,
    pub scope: String,
    pub parent: Option<String>,
    #[serde(default)]
    pub source: String,
    pub sample: bool,
    #[serde(default)]
    pub actuals: Vec<DemoActual>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoActual {
    pub as_of: String,
    pub value: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub person: Option<String>,
    pub department: Option<String>,
    pub town: Option<String>,
}

/// The demo's "today": two weeks after its data's last day (2025-09-30 → 2025-10-14).
pub fn default_today(data: &DemoData) -> Result<time::Date, DemoError> {
    let as_of = domain::period::parse_date(&data.region.as_of)
        .map_err(|e| DemoError::Invalid(e.to_string()))?;
    Ok(as_of + time::Duration::days(14))
}

pub fn parse() -> Result<DemoData, DemoError> {
    Ok(toml::from_str(DEMO_TOML)?)
}

fn lookup(map: &HashMap<String, i64>, what: &str, code: &str) -> Result<i64, DemoError> {
    map.get(code)
        .copied()
        .ok_or_else(|| DemoError::Invalid(format!("unknown {what} “{code}”")))
}

fn lookup_opt(
    map: &HashMap<String, i64>,
    what: &str,
    code: &Option<String>,
) -> Result<Option<i64>, DemoError> {
    code.as_deref().map(|c| lookup(map, what, c)).transpose()
}

/// Loads the demo region in one transaction; nothing is written if any part fails.
/// Returns the demo's "as of" date.
pub async fn load(store: &Store) -> Result<DemoData, DemoError> {
    let data = parse()?;
    let actor = Actor::system("示例数据");
    let r = &data.region;
    let region = RegionCode::parse(&r.code).map_err(|e| DemoError::Invalid(e.to_string()))?;
    let parent =
        RegionCode::parse(&r.parent_code).map_err(|e| DemoError::Invalid(e.to_string()))?;
    let province =
        RegionCode::parse(&r.province_code).map_err(|e| DemoError::Invalid(e.to_string()))?;
    let rc = region.to_string();
    let mut tx = store.begin_write().await?;
    tx.insert_region(&actor, &province, &r.province_name, None)
        .await?;
    tx.insert_region(&actor, &parent, &r.parent_name, Some(&province))
        .await?;
    tx.insert_region(&actor, &region, &r.name, Some(&parent))
        .await?;

    let mut towns = HashMap::new();
    for t in &data.towns {
        let id = tx
            .insert_town(
                &actor,
                &NewNamed {
                    region_code: rc.clone(),
                    code: t.code.clone(),
                    name: t.name.clone(),
                    kind: t.kind.clone(),
                    is_sample: false,
                },
            )
            .await?;
        towns.insert(t.code.clone(), id);
    }
    let mut departments = HashMap::new();
    for d in &data.departments {
        let id = tx
            .insert_department(
                &actor,
                &NewNamed {
                    region_code: rc.clone(),
                    code: d.code.clone(),
                    name: d.name.clone(),
                    kind: d.kind.clone(),
                    is_sample: d.sample,
                },
            )
            .await?;
        departments.insert(d.code.clone(), id);
    }
    let mut people = HashMap::new();
    for p in &data.people {
        let id = tx
            .insert_person(
                &actor,
                &NewPerson {
                    region_code: rc.clone(),
                    code: p.code.clone(),
                    name: p.name.clone(),
                    title: p.title.clone(),
                    department_id: lookup_opt(&departments, "department", &p.department)?,
                    is_sample: p.sample,
                },
            )
            .await?;
        people.insert(p.code.clone(), id);
    }
    let mut areas = HashMap::new();
    for h in &data.host_areas {
        let id = tx
            .insert_host_area(
                &actor,
                &NewHostArea {
                    region_code: rc.clone(),
                    code: h.code.clone(),
                    name: h.name.clone(),
                    kind: h.kind.clone(),
                    town_id: lookup_opt(&towns, "town", &h.town)?,
                    attributes: h.attributes.clone(),
                    is_sample: h.sample,
                },
            )
            .await?;
        areas.insert(h.code.clone(), id);
    }
    for p in &data.platforms {
        tx.insert_platform(
            &actor,
            &NewPlatform {
                region_code: rc.clone(),
                code: p.code.clone(),
                name: p.name.clone(),
                kind: p.kind.clone(),
                description: p.description.clone(),
                is_sample: p.sample,
            },
        )
        .await?;
    }
    let mut programmes = HashMap::new();
    for (i, g) in data.programmes.iter().enumerate() {
        let id = tx
            .insert_programme(
                &actor,
                &NewProgramme {
                    region_code: rc.clone(),
                    code: g.code.clone(),
                    name: g.name.clone(),
                    ordinal: i as i64 + 1,
                    lead_department_id: lookup_opt(&departments, "department", &g.lead_department)?,
                    is_sample: g.sample,
                },
            )
            .await?;
        programmes.insert(g.code.clone(), id);
    }
    let mut tiers = HashMap::new();
    for (i, t) in data.tiers.iter().enumerate() {
        let id = tx
            .insert_tier(
                &actor,
                &NewTier {
                    region_code: rc.clone(),
                    code: t.code.clone(),
                    name: t.name.clone(),
                    description: t.description.clone(),
                    ordinal: i as i64 + 1,
                },
            )
            .await?;
        tiers.insert(t.code.clone(), id);
    }
    let mut tracks = HashMap::new();
    for (i, t) in data.tracks.iter().enumerate() {
        let id = tx
            .insert_track(
                &actor,
                &NewTrack {
                    region_code: rc.clone(),
                    tier_id: lookup(&tiers, "tier", &t.tier)?,
                    code: t.code.clone(),
                    name: t.name.clone(),
                    description: t.description.clone(),
                    lead_leader_id: lookup_opt(&people, "person", &t.lead_leader)?,
                    lead_department_id: lookup_opt(&departments, "department", &t.lead_department)?,
                    responsible_leader_ids: t
                        .responsible_leaders
                        .iter()
                        .map(|c| lookup(&people, "person", c))
                        .collect::<Result<_, _>>()?,
                    host_area_ids: t
                        .host_areas
                        .iter()
                        .map(|c| lookup(&areas, "host area", c))
                        .collect::<Result<_, _>>()?,
                    ordinal: i as i64 + 1,
                    is_sample: t.sample,
                },
            )
            .await?;
        tracks.insert(t.code.clone(), id);
    }
    let mut enterprises = HashMap::new();
    for (i, e) in data.enterprises.iter().enumerate() {
        let uscc = match &e.uscc {
            Some(u) => {
                Uscc::parse(u).map_err(|err| DemoError::Invalid(format!("{}: {err}", e.code)))?
            }
            // Sample codes: legal-person enterprise (91), the region's division code, a serial.
            None => Uscc::with_check(&format!("91{rc}MA{:07}", 3_100_000 + i))
                .map_err(|err| DemoError::Invalid(format!("{}: {err}", e.code)))?,
        };
        let id = tx
            .insert_enterprise(
                &actor,
                &NewEnterprise {
                    region_code: rc.clone(),
                    code: e.code.clone(),
                    uscc,
                    name: e.name.clone(),
                    town_id: lookup_opt(&towns, "town", &e.town)?,
                    track_id: lookup_opt(&tracks, "track", &e.track)?,
                    above_scale: e.above_scale,
                    is_sample: e.sample,
                },
            )
            .await?;
        enterprises.insert(e.code.clone(), id);
    }
    for t in &data.tracks {
        for c in &t.chain_leaders {
            tx.add_chain_leader(
                &actor,
                lookup(&tracks, "track", &t.code)?,
                lookup(&enterprises, "enterprise", c)?,
            )
            .await?;
        }
    }
    crate::demo_serve::load_track_rules(&mut tx, &actor, &rc, &tracks).await?;
    let mut targets: HashMap<String, i64> = HashMap::new();
    for t in &data.targets {
        let unit = Unit::parse(&t.unit)
            .ok_or_else(|| DemoError::Invalid(format!("{}: unknown unit {}", t.code, t.unit)))?;
        let kind = TargetKind::parse(&t.kind)
            .ok_or_else(|| DemoError::Invalid(format!("{}: unknown kind {}", t.code, t.kind)))?;
        let value = Quantity::parse(&t.value, unit)
            .map_err(|e| DemoError::Invalid(format!("{}: {e}", t.code)))?;
        let scope = match t.scope.split_once(':') {
            None if t.scope == "city" => Scope::city(),
            Some((kind, code)) => {
                let (map, what) = match kind {
                    "tier" => (&tiers, "tier"),
                    "track" => (&tracks, "track"),
                    "town" => (&towns, "town"),
                    "department" => (&departments, "department"),
                    "programme" => (&programmes, "programme"),
                    other => {
                        return Err(DemoError::Invalid(format!(
                            "{}: unknown scope {other}",
                            t.code
                        )))
                    }
                };
                let kind = ScopeKind::parse(kind)
                    .ok_or_else(|| DemoError::Invalid(format!("scope {kind}")))?;
                Scope::of(kind, lookup(map, what, code)?)
            }
            None => {
                return Err(DemoError::Invalid(format!(
                    "{}: unknown scope {}",
                    t.code, t.scope
                )))
            }
        };
        let id = tx
            .insert_target(
                &actor,
                &NewTarget {
                    region_code: rc.clone(),
                    year: r.year,
                    code: t.code.clone(),
                    metric: t.metric.clone(),
                    name: t.name.clone(),
                    unit,
                    kind,
                    value: value.raw,
                    scope,
                    parent_id: lookup_opt(&targets, "target", &t.parent)?,
                    source: t.source.clone(),
                    is_sample: t.sample,
                },
            )
            .await?;
        targets.insert(t.code.clone(), id);
        for a in &t.actuals {
            let v = Quantity::parse(&a.value, unit)
                .map_err(|e| DemoError::Invalid(format!("{} actual {}: {e}", t.code, a.as_of)))?;
            tx.record_actual(
                &actor,
                &NewActual {
                    target_id: id,
                    value: v.raw,
                    as_of: a.as_of.clone(),
                    source: a.source.clone(),
                    note: "示例数据".into(),
                },
            )
            .await?;
        }
    }
    for u in &data.users {
        let role = Role::parse(&u.role)
            .ok_or_else(|| DemoError::Invalid(format!("unknown role {}", u.role)))?;
        tx.create_user(
            &actor,
            &NewUser {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                password: DEMO_PASSWORD.to_string(),
                role,
                region_code: Some(rc.clone()),
                person_id: lookup_opt(&people, "person", &u.person)?,
                department_id: lookup_opt(&departments, "department", &u.department)?,
                town_id: lookup_opt(&towns, "town", &u.town)?,
            },
        )
        .await?;
    }
    // Requests (诉求) are routed by category to the responsible department; 其他 stays with
    // the office.
    for (category, dept) in [
        (domain::request::Category::Land, "zrzyj"),
        (domain::request::Category::Labour, "rsj"),
        (domain::request::Category::Finance, "jrb"),
        (domain::request::Category::Energy, "fgj"),
        (domain::request::Category::Approval, "xzspj"),
        (domain::request::Category::Policy, "gxj"),
        (domain::request::Category::Logistics, "swj"),
        (domain::request::Category::Market, "swj"),
    ] {
        let id = lookup_opt(&departments, "department", &Some(dept.to_string()))?;
        tx.set_request_route(&actor, &rc, category, id).await?;
    }
    tx.commit().await?;
    load_statistics(store, &rc, r.year).await?;
    load_claims(store, &data, &rc, r.year).await?;
    crate::demo_projects::load(store, &data, &rc).await?;
    crate::demo_firms::load(store, &data, &rc).await?;
    crate::demo_service::load(store, &rc, store.now().date()).await?;
    crate::demo_requests::load(store, &rc).await?;
    // The firms' figures go in through the figures import, which also draws the watch lists
    // and tells each firm's town and service manager.
    let figures = crate::demo_firms::firm_figures_csv(&data)?;
    workflow::serve::figures::load_firm_figures(
        store,
        &rc,
        "示例企业月度数据.csv",
        figures.into_bytes(),
        &Actor::system("示例数据"),
    )
    .await?;
    crate::demo_policies::load(store, &rc).await?;
    crate::demo_matching::load(store, &rc).await?;
    Ok(data)
}

/// Loads the remedy library, the towns' leaders, shortfalls from the analysis, and tasks in
/// every state — some of them overdue — as they stand on the demo's "today".
async fn load_claims(
    store: &Store,
    data: &DemoData,
    region: &str,
    year: i32,
) -> Result<(), DemoError> {
    use domain::Route;
    use store::claim::{NewLead, NewTask};
    let actor = Actor::system("示例数据");
    let remedies = io::table::read_csv("remedies.csv", CLAIM_REMEDIES.as_bytes())?;
    workflow::imports::remedies(store, &actor, region, &remedies, true).await?;

    let people = store.people(region).await?;
    let towns = store.towns(region).await?;
    let tracks = store.tracks(region).await?;
    let departments = store.departments(region).await?;
    let users = store.users().await?;
    let person = |code: &str| people.iter().find(|p| p.code == code).map(|p| p.id);
    let user_of = |name: &str| users.iter().find(|u| u.username == name);
    let track = |name: &str| tracks.iter().find(|t| t.name == name).map(|t| t.id);
    let town = |code: &str| towns.iter().find(|t| t.code == code).map(|t| t.id);
    let dept = |code: &str| departments.iter().find(|d| d.code == code).map(|d| d.id);

    // Each town answers to a city leader (包联领导): the leaders with user accounts first.
    let mut leaders: Vec<i64> = data
        .users
        .iter()
        .filter(|u| u.role == "leader")
        .filter_map(|u| u.person.as_deref().and_then(person))
        .collect();
    for p in &people {
        if p.title.contains("副市长") && !leaders.contains(&p.id) {
            leaders.push(p.id);
        }
    }
    let mut tx = store.begin_write().await?;
    if !leaders.is_empty() {
        for (i, t) in towns.iter().enumerate() {
            tx.add_town_leader(&actor, t.id, leaders[i % leaders.len()])
                .await?;
        }
    }
    tx.commit().await?;

    let period = domain::Period::month(year, 9).map_err(|e| DemoError::Invalid(e.to_string()))?;
    let rules = analytics::WarningRules::default();
    let smart = track("智能家电");
    // The demo acts as the system administrator: the office's gate applies as to anyone.
    let system = domain::Principal {
        user_id: 0,
        username: "demo".into(),
        role: domain::Role::Admin,
        person_id: None,
        department_id: None,
        town_id: None,
    };
    let caller = workflow::claim::Caller {
        principal: &system,
        actor: &actor,
    };
    let open = |indicator: &str, analysis: &str, tracks: Vec<i64>| workflow::claim::OpenShortfall {
        region: region.to_string(),
        period,
        indicator: indicator.to_string(),
        analysis: analysis.to_string(),
        tracks: tracks.into_iter().map(workflow::claim::Ref::Id).collect(),
        towns: vec![],
        enterprises: vec![],
    };
    let industry_shortfall = workflow::claim::open_shortfall(
        store,
        &rules,
        caller,
        &open(
            "industrial-va",
            "规上工业增加值累计增长低于目标 3.2 个百分点：智能家电、智能装备链主企业订单下滑，部分配套企业产能利用率不足七成；新投产项目达产慢，增量接续不足。",
            smart.into_iter().collect(),
        ),
    )
    .await
    .map_err(|e| DemoError::Invalid(e.to_string()))?;
    let housing_shortfall = workflow::claim::open_shortfall(
        store,
        &rules,
        caller,
        &open(
            "housing-sales-area",
            "商品房销售面积累计下降 6.0%：改善型需求观望，存量房源去化周期拉长，拖累房地产业增加值。",
            vec![],
        ),
    )
    .await
    .map_err(|e| DemoError::Invalid(e.to_string()))?;

    let today = store.now().date();
    let day = |offset: i64| domain::period::format_date(today + time::Duration::days(offset));
    let remedy_id = |code: &str| {
        let code = code.to_string();
        async move {
            store
                .remedies(region, None)
                .await
                .map(|all| all.into_iter().find(|r| r.code == code).map(|r| r.id))
        }
    };
    struct Plan<'a> {
        title: &'a str,
        shortfall: Option<i64>,
        remedy: Option<&'a str>,
        route: Route,
        track: Option<&'a str>,
        town: Option<&'a str>,
        dept: &'a str,
        deadline: i64,
        claim_by: Option<&'a str>,
        progress: &'a [&'a str],
        finish: bool,
        cancel: bool,
    }
    let plans = [
        Plan {
            title: "智能家电链主企业稳产扩产专项服务",
            shortfall: Some(industry_shortfall),
            remedy: Some("ind-smart-appliance-expansion"),
            route: Route::Stock,
            track: Some("智能家电"),
            town: None,
            dept: "gxj",
            deadline: 50,
            claim_by: Some("leader"),
            progress: &[
                "走访海尔、中集冷藏箱等 6 家重点企业，梳理订单、用工、用能诉求 11 项。",
                "协调供电公司完成 2 家企业用电增容，推动 3 家配套企业接入上合经贸综服平台。",
            ],
            finish: false,
            cancel: false,
        },
        Plan {
            title: "智能家电产业链“订单式”招商",
            shortfall: Some(industry_shortfall),
            remedy: Some("ind-smart-appliance-chain-attract"),
            route: Route::Attract,
            track: Some("智能家电"),
            town: None,
            dept: "tzcj",
            deadline: 70,
            claim_by: None,
            progress: &[],
            finish: false,
            cancel: false,
        },
        Plan {
            title: "规上工业企业技改项目提速",
            shortfall: Some(industry_shortfall),
            remedy: None,
            route: Route::Stock,
            track: Some("智能装备"),
            town: None,
            dept: "gxj",
            deadline: -5,
            claim_by: Some("leader"),
            progress: &["梳理在建技改项目 14 个，其中 4 个设备到货延迟。"],
            finish: false,
            cancel: false,
        },
        Plan {
            title: "绿色食品企业扩大出口订单",
            shortfall: None,
            remedy: None,
            route: Route::Both,
            track: Some("绿色食品"),
            town: None,
            dept: "swj",
            deadline: 30,
            claim_by: Some("leader2"),
            progress: &["组织 8 家食品企业参加上合组织国家进口商对接会。"],
            finish: false,
            cancel: false,
        },
        Plan {
            title: "胶西街道新签约工业项目攻坚",
            shortfall: Some(industry_shortfall),
            remedy: None,
            route: Route::Attract,
            track: None,
            town: Some("jiaoxi"),
            dept: "tzcj",
            deadline: 20,
            claim_by: None,
            progress: &[],
            finish: false,
            cancel: false,
        },
        Plan {
            title: "存量商品房去化专项行动",
            shortfall: Some(housing_shortfall),
            remedy: None,
            route: Route::Stock,
            track: None,
            town: Some("fuan"),
            dept: "zjj",
            deadline: -10,
            claim_by: None,
            progress: &[],
            finish: false,
            cancel: false,
        },
        Plan {
            title: "香辛料企业技改贷款贴息兑现",
            shortfall: None,
            remedy: None,
            route: Route::Stock,
            track: Some("香辛料调味品"),
            town: None,
            dept: "gxj",
            deadline: 5,
            claim_by: Some("leader2"),
            progress: &["完成 5 家企业贴息资金拨付。"],
            finish: true,
            cancel: false,
        },
        Plan {
            title: "原定：帽饰企业集中参展补贴",
            shortfall: None,
            remedy: None,
            route: Route::Stock,
            track: None,
            town: Some("jiaodong"),
            dept: "swj",
            deadline: 40,
            claim_by: None,
            progress: &[],
            finish: false,
            cancel: true,
        },
    ];
    for p in &plans {
        let remedy = match p.remedy {
            Some(code) => remedy_id(code).await?,
            None => None,
        };
        let mut tx = store.begin_write().await?;
        let id = tx
            .create_task(
                &actor,
                &NewTask {
                    region_code: region.to_string(),
                    shortfall_id: p.shortfall,
                    remedy_id: remedy,
                    title: p.title.to_string(),
                    description: String::new(),
                    route: p.route,
                    track_id: p.track.and_then(track),
                    town_id: p.town.and_then(town),
                    owner_department_id: dept(p.dept),
                    co_department_ids: vec![],
                    deadline: day(p.deadline),
                    // A task on a shortfall states what it is expected to close (the gap ledger counts it).
                    expected_pp: p.shortfall.map(|_| 0.02),
                    milestones: if p.deadline > 20 {
                        vec![("完成摸底调研".to_string(), day(7))]
                    } else {
                        vec![]
                    },
                },
            )
            .await?;
        if let Some(who) = p.claim_by.and_then(user_of) {
            let leader = Actor::user(who.id, who.display_name.clone());
            if let Some(pid) = who.person_id {
                tx.claim_task(&leader, id, pid).await?;
            }
            for body in p.progress {
                tx.report_progress(&leader, id, body, &[]).await?;
            }
            if p.finish {
                // 办结 with 成效 and 佐证, then the office's 验收: only then is it done.
                tx.submit_completion(
                    &leader,
                    id,
                    &store::supervision::NewCompletion {
                        outcome: p.progress.join("").to_string(),
                        realised_pp: None,
                        files: vec![(
                            "办结佐证.txt".to_string(),
                            "text/plain".to_string(),
                            p.progress.join("\n").into_bytes(),
                        )],
                    },
                )
                .await?;
                tx.decide_completion(&actor, id, true, "").await?;
            }
        }
        if p.route.serves_enterprises() && p.claim_by.is_some() {
            let firms = store.enterprises(region).await?;
            if let Some(f) = firms
                .iter()
                .find(|e| e.track_id.is_some() && e.track_id == p.track.and_then(track))
            {
                tx.add_task_enterprise(&actor, id, f.id).await?;
                tx.add_service_action(&actor, id, f.id, "上门走访，收集订单与用工诉求", &day(-3))
                    .await?;
            }
        }
        if p.route.sources_projects() {
            tx.add_lead(
                &actor,
                &NewLead {
                    region_code: region.to_string(),
                    task_id: Some(id),
                    track_id: p.track.and_then(track),
                    chain_link: "上游·核心零部件".into(),
                    name: format!("{}·配套项目线索", p.track.unwrap_or("胶西")),
                    investor: "某长三角配套企业（示例）".into(),
                    estimated_investment: Some(1_500_000_000),
                },
            )
            .await?;
        }
        if p.cancel {
            tx.cancel_task(&actor, id, "与市级补贴政策重复，改由商务部门统筹")
                .await?;
        }
        tx.commit().await?;
    }
    // Tasks whose deadline has already passed become overdue, as they would overnight.
    let mut tx = store.begin_write().await?;
    tx.sweep_overdue(&domain::period::format_date(today))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Loads the demo's indicator catalogue, accounting model and observations.
async fn load_statistics(store: &Store, region: &str, year: i32) -> Result<(), DemoError> {
    let actor = Actor::system("示例数据");
    let csv = |name: &str, text: &str| io::table::read_csv(name, text.as_bytes());
    let indicators = csv("indicators.csv", LOCATE_INDICATORS)?;
    workflow::imports::indicators(store, &actor, &indicators, Some((region, year)), true).await?;
    let industries = csv("industries.csv", LOCATE_INDUSTRIES)?;
    let drivers = csv("drivers.csv", LOCATE_DRIVERS)?;
    workflow::imports::model(store, &actor, region, year, &industries, &drivers, true).await?;
    let observations = csv("observations.csv", LOCATE_OBSERVATIONS)?;
    workflow::imports::observations(store, &actor, region, &observations, true, &mut |_, _| {})
        .await?;
    Ok(())
}
