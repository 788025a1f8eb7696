//! The demo's project pipeline: about 200 projects spread over tiers, tracks, towns and stages,
//! generated deterministically so that the counts the targets take from the pipeline agree with
//! the demo's reported figures to 2025-09-30 (signed and started by tier, by track and by town,
//! and signed investment), with approval plans, service logs and some stalled projects.

use crate::demo::{DemoData, DemoError};
use domain::project::Stage;
use store::land::{NewApproval, NewProject};
use store::{Actor, Store};
use time::{Date, Duration};

const SUFFIXES: [&str; 10] = [
    "智能制造基地",
    "扩产",
    "研发中心",
    "配套产业园",
    "技改升级",
    "区域总部",
    "新建生产线",
    "供应链中心",
    "数字化工厂",
    "关键零部件",
];
const INVESTORS: [&str; 8] = [
    "长三角某制造集团",
    "珠三角某科技公司",
    "青岛某上市公司",
    "日韩某外资企业",
    "京津某央企子公司",
    "本地龙头企业",
    "某上合国家企业",
    "某产业基金",
];

/// The last reported value of a demo target, as a count.
fn actual(data: &DemoData, code: &str) -> i64 {
    data.targets
        .iter()
        .find(|t| t.code == code)
        .and_then(|t| t.actuals.last())
        .and_then(|a| domain::decimal::parse_scaled(a.value.trim_end_matches("亿元"), 0).ok())
        .unwrap_or(0)
}

fn date(s: &str) -> Result<Date, DemoError> {
    domain::period::parse_date(s).map_err(|e| DemoError::Invalid(e.to_string()))
}

fn fmt(d: Date) -> String {
    domain::period::format_date(d)
}

/// Spreads `total` over `slots`, those with a fixed count first.
fn allocate(total: i64, fixed: &[(i64, i64)], others: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    for (id, n) in fixed {
        for _ in 0..*n {
            out.push(*id);
        }
    }
    let mut i = 0;
    while (out.len() as i64) < total && !others.is_empty() {
        out.push(others[i % others.len()]);
        i += 1;
    }
    out.truncate(total.max(0) as usize);
    out
}

pub async fn load(store: &Store, data: &DemoData, region: &str) -> Result<(), DemoError> {
    let actor = Actor::system("示例数据");
    let as_of = date(&data.region.as_of)?;
    let year_start = date(&format!("{}-01-01", data.region.year))?;
    let today = store.now().date();
    let tiers = store.tiers(region).await?;
    let tracks = store.tracks(region).await?;
    let towns = store.towns(region).await?;
    let areas = store.host_areas(region).await?;
    let templates = store.approval_templates().await?;

    // Towns: those with a signed-projects target get its reported count.
    let mut town_fixed = Vec::new();
    for t in &towns {
        let n = actual(data, &format!("signed-projects-{}", t.code));
        if n > 0 {
            town_fixed.push((t.id, n));
        }
    }
    let town_others: Vec<i64> = towns
        .iter()
        .map(|t| t.id)
        .filter(|id| !town_fixed.iter().any(|(f, _)| f == id))
        .collect();
    let total_signed: i64 = tiers
        .iter()
        .map(|t| actual(data, &format!("signed-projects-{}", t.code)))
        .sum();
    let mut town_slots = allocate(total_signed, &town_fixed, &town_others);
    // Interleave so that towns mix across tiers.
    town_slots.sort_by_key(|id| (id * 7919) % 101);

    let total_investment = actual(data, "signed-investment") * 100_000_000;
    let weights: Vec<i64> = (0..total_signed)
        .map(|i| [3, 5, 2, 8, 4, 12, 3, 6, 2, 20, 4, 5][(i % 12) as usize])
        .collect();
    let weight_sum: i64 = weights.iter().sum::<i64>().max(1);
    let mut investments: Vec<i64> = weights
        .iter()
        .map(|w| total_investment / weight_sum * w / 10_000 * 10_000)
        .collect();
    if let Some(n) = investments.len().checked_sub(1) {
        let assigned: i64 = investments[..n].iter().sum();
        investments[n] = (total_investment - assigned).max(10_000_000);
    }

    let mut n = 0usize;
    let mut tx = store.begin_write().await?;
    for tier in &tiers {
        let signed = actual(data, &format!("signed-projects-{}", tier.code));
        let started_target = actual(data, &format!("started-projects-{}", tier.code));
        let started = started_target.min(signed);
        let in_tier: Vec<&store::reference::Track> =
            tracks.iter().filter(|t| t.tier_id == tier.id).collect();
        let fixed: Vec<(i64, i64)> = in_tier
            .iter()
            .map(|t| (t.id, actual(data, &format!("signed-projects-{}", t.code))))
            .filter(|(_, n)| *n > 0)
            .collect();
        let others: Vec<i64> = in_tier
            .iter()
            .map(|t| t.id)
            .filter(|id| !fixed.iter().any(|(f, _)| f == id))
            .collect();
        let others = if others.is_empty() {
            in_tier.iter().map(|t| t.id).collect()
        } else {
            others
        };
        let track_slots = allocate(signed, &fixed, &others);
        for (k, track_id) in track_slots.iter().enumerate() {
            let i = n;
            n += 1;
            let track = tracks.iter().find(|t| t.id == *track_id);
            let town_id = town_slots.get(i).copied();
            let area = areas
                .iter()
                .find(|a| a.town_id.is_some() && a.town_id == town_id)
                .map(|a| a.id);
            let investment = investments.get(i).copied().unwrap_or(100_000_000);
            let signed_on = year_start + Duration::days(((i * 29) % 262) as i64 + 3);
            let is_started = (k as i64) < started;
            let mut stage = if is_started {
                Stage::Started
            } else if i.is_multiple_of(2) {
                Stage::Registered
            } else {
                Stage::Signed
            };
            let started_on = (signed_on + Duration::days(20 + (i % 40) as i64)).min(as_of);
            let producing_on = (started_on + Duration::days(45 + (i % 60) as i64)).min(as_of);
            if is_started && producing_on > started_on && i.is_multiple_of(3) {
                stage = if i.is_multiple_of(9) {
                    Stage::AtCapacity
                } else {
                    Stage::Producing
                };
            }
            let production_month = match stage {
                Stage::Producing | Stage::AtCapacity => Some(fmt(producing_on)[..7].to_string()),
                Stage::Started => Some(if i.is_multiple_of(2) {
                    format!("{}-{:02}", data.region.year, 10 + (i % 3))
                } else {
                    format!("{}-{:02}", data.region.year + 1, 1 + (i % 12))
                }),
                _ => Some(format!(
                    "{}-{:02}",
                    data.region.year + 1 + (i % 2) as i32,
                    1 + (i % 12)
                )),
            };
            let name = format!(
                "{}{}项目",
                track.map(|t| t.name.as_str()).unwrap_or("产业"),
                SUFFIXES[i % SUFFIXES.len()]
            );
            let new = NewProject {
                region_code: region.to_string(),
                name: if i.is_multiple_of(17) {
                    format!("{name}（二期）")
                } else {
                    name
                },
                code_name: String::new(),
                investor_name: format!("{}（示例）", INVESTORS[i % INVESTORS.len()]),
                track_id: Some(*track_id),
                chain_link: ["上游·原材料", "中游·核心部件", "下游·整机", "配套·物流服务"][i % 4]
                    .to_string(),
                host_area_id: area,
                town_id,
                total_investment: Some(investment),
                fixed_asset_investment: Some(investment / 10 * 7),
                output_at_capacity: Some(investment / 10 * 12),
                value_added_at_capacity: Some(investment / 10 * 3),
                tax_at_capacity: Some(investment / 100 * 4),
                jobs: Some(50 + (investment / 10_000_000) * 3),
                expected_production_month: production_month,
                source_kind: ["chain_order", "lead", "other"][i % 3].to_string(),
                source_task_id: None,
                source_lead_id: None,
            };
            let id = tx
                .create_project(&actor, &new, Stage::Signed, &fmt(signed_on))
                .await?;
            // Approval plans for projects past signing.
            if stage >= Stage::Registered {
                tx.move_project(
                    &actor,
                    id,
                    Stage::Registered,
                    &fmt(signed_on + Duration::days(5)),
                )
                .await?;
                let plan: Vec<NewApproval> = templates
                    .iter()
                    .map(|t| NewApproval {
                        code: t.code.clone(),
                        name: t.name.clone(),
                        planned_days: t.typical_days,
                        prerequisites: t
                            .prerequisites
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect(),
                        gates_stage: t.gates_stage.clone(),
                        plan_start: Some(fmt(signed_on + Duration::days(5))),
                    })
                    .collect();
                tx.set_approval_plan(&actor, id, &plan).await?;
                let done_all = stage >= Stage::Started;
                for (j, t) in templates.iter().enumerate() {
                    let start = signed_on + Duration::days(5 + j as i64 * 2);
                    let end = (start + Duration::days(t.typical_days / 2 + 1)).min(if done_all {
                        started_on
                    } else {
                        today
                    });
                    if done_all || j < 3 {
                        tx.record_approval(
                            &actor,
                            id,
                            &t.code,
                            Some(&fmt(start.min(end))),
                            Some(&fmt(end)),
                        )
                        .await?;
                    }
                }
            }
            if stage >= Stage::Started {
                tx.move_project(
                    &actor,
                    id,
                    Stage::Started,
                    &fmt(started_on.max(signed_on + Duration::days(5))),
                )
                .await?;
            }
            if stage >= Stage::Producing {
                tx.move_project(
                    &actor,
                    id,
                    Stage::Producing,
                    &fmt(producing_on.max(started_on)),
                )
                .await?;
            }
            if stage >= Stage::AtCapacity {
                tx.move_project(&actor, id, Stage::AtCapacity, &fmt(as_of))
                    .await?;
            }
            if i % 10 == 4 {
                let deadline = fmt(today - Duration::days((i % 20) as i64) + Duration::days(5));
                let issue = tx
                    .add_project_issue(&actor, id, "用电增容与接入时限需协调", None, &deadline)
                    .await?;
                if i % 20 == 4 {
                    tx.resolve_project_issue(&actor, id, issue, "供电公司已出具接入方案")
                        .await?;
                }
            }
        }
    }
    // Projects signed last year that started this year, where a tier started more than it signed.
    for tier in &tiers {
        let signed = actual(data, &format!("signed-projects-{}", tier.code));
        let started = actual(data, &format!("started-projects-{}", tier.code));
        let in_tier: Vec<&store::reference::Track> =
            tracks.iter().filter(|t| t.tier_id == tier.id).collect();
        for e in 0..(started - signed).max(0) as usize {
            let Some(track) = in_tier.get(e % in_tier.len().max(1)) else {
                break;
            };
            let signed_on = year_start - Duration::days(40 + e as i64);
            let started_on = (year_start + Duration::days(60 + e as i64 * 12)).min(as_of);
            let town_id = towns.get((e * 5) % towns.len().max(1)).map(|t| t.id);
            let new = NewProject {
                region_code: region.to_string(),
                name: format!(
                    "{}{}项目（上年签约）",
                    track.name,
                    SUFFIXES[(e + 5) % SUFFIXES.len()]
                ),
                investor_name: format!("{}（示例）", INVESTORS[(e + 2) % INVESTORS.len()]),
                track_id: Some(track.id),
                town_id,
                total_investment: Some(300_000_000),
                value_added_at_capacity: Some(90_000_000),
                expected_production_month: Some(format!(
                    "{}-{:02}",
                    data.region.year + 1,
                    3 + e % 6
                )),
                source_kind: "other".into(),
                ..Default::default()
            };
            let id = tx
                .create_project(&actor, &new, Stage::Registered, &fmt(signed_on))
                .await?;
            tx.move_project(&actor, id, Stage::Started, &fmt(started_on))
                .await?;
        }
    }
    // Leads and projects in negotiation: the pipeline that is not yet signed.
    for j in 0..60usize {
        let track = &tracks[(j * 7) % tracks.len()];
        let stage = if j % 5 < 2 {
            Stage::Lead
        } else {
            Stage::Negotiating
        };
        let name = format!("{}{}项目", track.name, SUFFIXES[(j + 3) % SUFFIXES.len()]);
        let confidential = j % 6 == 1;
        let new = NewProject {
            region_code: region.to_string(),
            name,
            code_name: if confidential {
                format!("项目 {}-{:02}", ["A", "B", "C"][j % 3], j)
            } else {
                String::new()
            },
            investor_name: if stage == Stage::Lead {
                String::new()
            } else {
                format!("{}（示例）", INVESTORS[j % INVESTORS.len()])
            },
            track_id: Some(track.id),
            chain_link: ["上游·原材料", "中游·核心部件", "下游·整机"][j % 3].to_string(),
            host_area_id: None,
            town_id: None,
            total_investment: (stage == Stage::Negotiating)
                .then_some(((j % 9) as i64 + 1) * 150_000_000),
            fixed_asset_investment: None,
            output_at_capacity: None,
            value_added_at_capacity: (stage == Stage::Negotiating)
                .then_some(((j % 9) as i64 + 1) * 45_000_000),
            tax_at_capacity: None,
            jobs: None,
            expected_production_month: None,
            source_kind: "lead".into(),
            source_task_id: None,
            source_lead_id: None,
        };
        let on = today - Duration::days((j * 3 % 80) as i64 + 1);
        tx.create_project(&actor, &new, stage, &fmt(on)).await?;
    }
    tx.commit().await?;
    // Activity: most projects were touched recently; some have gone quiet (stall warnings).
    let mut tx = store.begin_write().await?;
    let rows: Vec<i64> = store
        .projects(region)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    for (k, id) in rows.iter().enumerate() {
        let idle = match k % 11 {
            0 => 75,
            1 | 2 => 40,
            _ => (k % 25) as i64,
        };
        tx.touch_project(
            *id,
            &format!("{}T09:00:00Z", fmt(today - Duration::days(idle))),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
