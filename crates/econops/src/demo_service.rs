//! The demo's enterprise service: three service managers (企业服务经理人, marked 示例) in each
//! town — the demo user `manager` is the first of 胶西街道 —, the region's firms shared among
//! them by the same bulk assignment the office runs (`workflow::serve::service`), and a year
//! of visits by each firm's cadence, some of them missed so that overdue visits show.

use crate::demo::DemoError;
use crate::demo_extra::Mix;
use domain::service::{add_months, VisitClass};
use store::service::{NewVisit, ServedFilter};
use store::{Actor, Store};
use time::{Date, Duration};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "晓明", "海燕", "建国", "丽娜", "志强", "秀英", "文博", "雪梅", "国栋", "静怡", "伟", "芳",
    "磊", "娟", "涛", "敏", "鹏飞", "晓东", "玉兰", "春华",
];
const FINDINGS: &[&str] = &[
    "生产经营正常，订单饱满，四季度预计产值同比增长。",
    "反映用工紧张，一线普工缺口约 30 人。",
    "新生产线设备已到厂，正在安装调试。",
    "原材料价格上涨，利润空间收窄，关注后续走势。",
    "了解到企业有扩产意向，需新增用地约 20 亩。",
    "宣讲惠企政策，企业表示将申报技术改造专项资金。",
    "出口订单下降，企业正在开拓国内市场。",
    "用电负荷接近上限，建议协调增容。",
];
const MET: &[&str] = &["总经理", "副总经理", "财务总监", "办公室主任", "生产负责人"];

/// Managers per town.
const PER_TOWN: usize = 3;

/// Registers the managers, assigns the firms and records the visits.
pub async fn load(store: &Store, region: &str, today: Date) -> Result<(), DemoError> {
    let actor = Actor::system("示例数据");
    let towns = store.towns(region).await?;
    let mut rng = Mix(0x5EED_0012);
    let mut tx = store.begin_write().await?;
    let mut taken = std::collections::HashSet::new();
    for t in &towns {
        for i in 0..PER_TOWN {
            // The demo user `manager` names person sm-jiaoxi-1 in the region file.
            let code = format!("sm-{}-{}", t.code, i + 1);
            let surname = SURNAMES[rng.below(SURNAMES.len())];
            let given = rng.below(GIVEN.len());
            // Names are unique in the region (the measures list managers by name): a name
            // already taken moves on to the next given name, drawing nothing more.
            let name = (0..GIVEN.len())
                .map(|k| format!("{surname}{}", GIVEN[(given + k) % GIVEN.len()]))
                .find(|n| !taken.contains(n))
                .unwrap_or_else(|| format!("{surname}{}", GIVEN[given]));
            taken.insert(name.clone());
            tx.register_service_manager(&actor, region, &code, &name, Some(t.id), true)
                .await?;
        }
    }
    tx.commit().await?;

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
    let settings = workflow::Settings::default();
    workflow::serve::service::assign_bulk(
        store,
        caller,
        &settings,
        &workflow::serve::service::AssignBulk {
            region: region.to_string(),
            cap: Some(domain::service::MAX_CAP as u32),
            ..Default::default()
        },
    )
    .await?;

    // A year of visits by each firm's cadence; about one firm in eight is behind.
    let firms = store
        .served_firms(&ServedFilter {
            region: region.to_string(),
            has_manager: Some(true),
            ..ServedFilter::default()
        })
        .await?;
    let rules = settings.service;
    let start = today - Duration::days(365);
    let mut visits = Vec::new();
    for f in &firms {
        let tags = domain::enterprise::tags_from_code(&f.tags)
            .map_err(|e| DemoError::Invalid(format!("tags of {}: {e:?}", f.uscc)))?;
        let class = VisitClass::of(&tags, f.above_scale == 1);
        let Some(months) = rules.months(class) else {
            continue;
        };
        let behind = rng.below(8) == 0;
        let mut day = start + Duration::days(rng.below(20) as i64);
        while day <= today {
            let next = add_months(day, months);
            // A firm that is behind had its latest visit skipped.
            if behind && next > today {
                break;
            }
            let visited = (day + Duration::days(rng.below(7) as i64)).min(today);
            visits.push(NewVisit {
                region: region.to_string(),
                enterprise_id: f.id,
                person_id: f.manager_id,
                visited_on: domain::period::format_date(visited),
                people_met: format!(
                    "{} {}某",
                    MET[rng.below(MET.len())],
                    SURNAMES[rng.below(SURNAMES.len())]
                ),
                findings: FINDINGS[rng.below(FINDINGS.len())].to_string(),
                request_id: None,
            });
            day = next;
        }
    }
    let mut tx = store.begin_write().await?;
    tx.insert_visits(&actor, region, &visits).await?;
    tx.commit().await?;
    Ok(())
}
