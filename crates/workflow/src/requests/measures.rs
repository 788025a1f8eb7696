//! The measures of requests per department, town and service manager (`analytics::requests`),
//! read by the measures page, its `.xlsx` export and the 赛马 ranking; and the 共性问题:
//! one category raised by many firms of one track within a period.

use std::collections::{BTreeMap, BTreeSet};

use analytics::requests::{measure_by, Measures, Outcome, Satisfaction};
use domain::request::{Category, Rating, RequestState};
use domain::{Principal, Role};
use store::requests::RequestFilter;
use store::Store;

use super::{calendar_error, day, today, Result};
use crate::Settings;

/// What the measures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Department,
    Town,
    Manager,
}

impl Grouping {
    pub fn parse(code: &str) -> Option<Grouping> {
        match code.trim() {
            "" | "department" => Some(Grouping::Department),
            "town" => Some(Grouping::Town),
            "manager" => Some(Grouping::Manager),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Grouping::Department => "department",
            Grouping::Town => "town",
            Grouping::Manager => "manager",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grouping::Department => "承办部门",
            Grouping::Town => "镇街",
            Grouping::Manager => "企业服务经理人",
        }
    }
}

/// One group's measures.
#[derive(Debug, Clone)]
pub struct MeasureRow {
    /// The department, town or person id (`None`: the office, no town, no manager).
    pub id: Option<i64>,
    pub name: String,
    pub measures: Measures,
}

/// The measures of the region's requests per group. Office, leaders and viewers see every group;
/// a department, town or manager only its own row.
pub async fn measures(
    store: &Store,
    principal: &Principal,
    region: &str,
    by: Grouping,
) -> Result<Vec<MeasureRow>> {
    measures_where(store, region, by, |key| match principal.role {
        Role::Admin | Role::Office | Role::Leader | Role::Viewer => true,
        Role::Department => {
            by == Grouping::Department && key.is_some() && key == principal.department_id
        }
        Role::Town => by == Grouping::Town && key.is_some() && key == principal.town_id,
        Role::ServiceManager => {
            by == Grouping::Manager && key.is_some() && key == principal.person_id
        }
    })
    .await
}

/// Every group's measures, for the 赛马 ranking (whose page each role reads whole).
pub(crate) async fn measures_all(
    store: &Store,
    region: &str,
    by: Grouping,
) -> Result<Vec<MeasureRow>> {
    measures_where(store, region, by, |_| true).await
}

async fn measures_where(
    store: &Store,
    region: &str,
    by: Grouping,
    visible: impl Fn(Option<i64>) -> bool,
) -> Result<Vec<MeasureRow>> {
    let rows = store
        .requests(&RequestFilter {
            region_code: region.to_string(),
            ..RequestFilter::default()
        })
        .await?;
    let mut ratings: BTreeMap<i64, Vec<Satisfaction>> = BTreeMap::new();
    for ev in store.request_events(region, None).await? {
        if let Some(r) = ev.rating {
            ratings.entry(ev.request_id).or_default().push(match r.0 {
                Rating::Satisfied => Satisfaction::Satisfied,
                Rating::Basic => Satisfaction::Basic,
                Rating::Dissatisfied => Satisfaction::Dissatisfied,
            });
        }
    }
    let calendar = crate::calendar::in_force(store).await?;
    let on = today(store);
    let mut names: BTreeMap<Option<i64>, String> = BTreeMap::new();
    let mut outcomes = Vec::with_capacity(rows.len());
    for r in &rows {
        let (key, name) = match by {
            Grouping::Department => (
                r.department_id,
                r.department_name
                    .clone()
                    .unwrap_or_else(|| "经济运行办公室".into()),
            ),
            Grouping::Town => (
                r.town_id,
                r.town_name.clone().unwrap_or_else(|| "未定镇街".into()),
            ),
            Grouping::Manager => (
                r.manager_person_id,
                r.manager_name
                    .clone()
                    .unwrap_or_else(|| "未指定服务经理人".into()),
            ),
        };
        if !visible(key) {
            continue;
        }
        names.insert(key, name);
        let submitted = day("requests.submitted_on", &r.submitted_on)?;
        let accept_due = day("requests.accept_due", &r.accept_due)?;
        let resolve_due = day("requests.resolve_due", &r.resolve_due)?;
        let accepted_on = r
            .accepted_on
            .as_deref()
            .map(|d| day("requests.accepted_on", d))
            .transpose()?;
        let resolved_on = r
            .resolved_on
            .as_deref()
            .map(|d| day("requests.resolved_on", d))
            .transpose()?;
        let accepted_on_time = match accepted_on {
            Some(a) => Some(a <= accept_due),
            None if on > accept_due => Some(false),
            None => None,
        };
        let resolved_on_time = match resolved_on {
            Some(d) => Some(d <= resolve_due),
            None if on > resolve_due => Some(false),
            None => None,
        };
        let working_days_to_resolve = match resolved_on {
            Some(d) => Some(
                calendar
                    .working_days_between(submitted, d)
                    .map_err(calendar_error)?,
            ),
            None => None,
        };
        outcomes.push((
            key,
            Outcome {
                accepted_on_time,
                resolved_on_time,
                closed: r.state.0 == RequestState::Confirmed,
                ratings: ratings.get(&r.id).cloned().unwrap_or_default(),
                working_days_to_resolve,
            },
        ));
    }
    let by_key = measure_by(&outcomes);
    let mut out: Vec<MeasureRow> = by_key
        .into_iter()
        .map(|(id, measures)| MeasureRow {
            id,
            name: names.get(&id).cloned().unwrap_or_default(),
            measures,
        })
        .collect();
    out.sort_by(|a, b| {
        b.measures
            .received
            .cmp(&a.measures.received)
            .then(a.name.cmp(&b.name))
    });
    Ok(out)
}

/// A 共性问题: one category raised by several firms of one track within the period.
#[derive(Debug, Clone)]
pub struct CommonProblem {
    pub track_id: i64,
    pub track_name: String,
    pub category: Category,
    pub firms: usize,
    pub requests: usize,
    pub lead_department_id: Option<i64>,
    pub lead_department_name: Option<String>,
}

/// The 共性问题 of the region as of today: at least `common_min_firms` firms of a track raised
/// requests of one category in the last `common_period_days` days. The office, leaders and
/// viewers see all; a department those of the tracks it leads.
pub async fn common_problems(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
    region: &str,
) -> Result<Vec<CommonProblem>> {
    let rules = &settings.requests;
    let on = today(store);
    let from = on - time::Duration::days(i64::from(rules.common_period_days));
    let rows = store
        .requests(&RequestFilter {
            region_code: region.to_string(),
            ..RequestFilter::default()
        })
        .await?;
    let mut groups: BTreeMap<(i64, Category), (BTreeSet<i64>, usize)> = BTreeMap::new();
    for r in &rows {
        let Some(track) = r.track_id else { continue };
        let submitted = day("requests.submitted_on", &r.submitted_on)?;
        if submitted <= from || submitted > on {
            continue;
        }
        let g = groups.entry((track, r.category.0)).or_default();
        g.0.insert(r.enterprise_id);
        g.1 += 1;
    }
    let tracks = store.tracks(region).await?;
    let mut out = Vec::new();
    for ((track_id, category), (firms, requests)) in groups {
        if firms.len() < rules.common_min_firms as usize {
            continue;
        }
        let Some(t) = tracks.iter().find(|t| t.id == track_id) else {
            continue;
        };
        let visible = match principal.role {
            Role::Admin | Role::Office | Role::Leader | Role::Viewer => true,
            Role::Department => {
                principal.department_id.is_some() && t.lead_department_id == principal.department_id
            }
            Role::Town | Role::ServiceManager => false,
        };
        if visible {
            out.push(CommonProblem {
                track_id,
                track_name: t.name.clone(),
                category,
                firms: firms.len(),
                requests,
                lead_department_id: t.lead_department_id,
                lead_department_name: t.lead_department_name.clone(),
            });
        }
    }
    out.sort_by(|a, b| b.firms.cmp(&a.firms).then(a.track_id.cmp(&b.track_id)));
    Ok(out)
}
