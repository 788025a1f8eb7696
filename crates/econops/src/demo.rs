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

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo data is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("demo data: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("demo statistics: {0}")]
    Import(#[from] web::importing::ImportError),
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
    let actor = Actor::system("demo");
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
    tx.commit().await?;
    load_statistics(store, &rc, r.year).await?;
    Ok(data)
}

/// Loads the demo's indicator catalogue, accounting model and observations.
async fn load_statistics(store: &Store, region: &str, year: i32) -> Result<(), DemoError> {
    let actor = Actor::system("demo");
    let csv = |name: &str, text: &str| io::table::read_csv(name, text.as_bytes());
    let indicators = csv("indicators.csv", LOCATE_INDICATORS)?;
    web::importing::indicators(store, &actor, &indicators, Some((region, year)), true).await?;
    let industries = csv("industries.csv", LOCATE_INDUSTRIES)?;
    let drivers = csv("drivers.csv", LOCATE_DRIVERS)?;
    web::importing::model(store, &actor, region, year, &industries, &drivers, true).await?;
    let observations = csv("observations.csv", LOCATE_OBSERVATIONS)?;
    web::importing::observations(store, &actor, region, &observations, true, &mut |_, _| {})
        .await?;
    Ok(())
}
