//! The demo's enterprise requests (诉求): about 500 over the demo's year up to its "today",
//! raised by the firms' service managers, routed by the demo's category rules, with deadlines
//! by the official calendar, in every state — waiting, accepted, answered, resolved, confirmed
//! with each rating, reopened after 不满意, extended (granted, refused, waiting for the office) and
//! late (escalated to 督办) — so that the measures, the 赛马 ranking and 督办 have something to
//! show. Deterministic; written by `workflow::requests::load_history` in one transaction, then
//! escalated by the same sweep as the server's.

use std::collections::HashMap;

use crate::demo::DemoError;
use crate::demo_extra::Mix;
use domain::calendar::Calendar;
use domain::request::{Action, Category, Channel, Rating};
use store::service::ServedFilter;
use store::{Actor, Store};
use time::{Date, Duration};
use workflow::requests::{PastRequest, PastStep};

/// How many requests the demo has.
pub const COUNT: usize = 500;

const OFFICE: &str = "经济运行办公室";

/// Category weights (per 100): labour and finance are what firms ask most.
const CATEGORIES: [(Category, usize); 9] = [
    (Category::Labour, 20),
    (Category::Finance, 17),
    (Category::Land, 12),
    (Category::Policy, 12),
    (Category::Approval, 10),
    (Category::Energy, 8),
    (Category::Market, 8),
    (Category::Logistics, 7),
    (Category::Other, 6),
];

/// Titles and descriptions per category.
fn subjects(c: Category) -> &'static [(&'static str, &'static str)] {
    match c {
        Category::Land => &[
            (
                "扩产项目用地指标",
                "企业计划新上生产线，需新增工业用地约 20 亩，请协调用地指标。",
            ),
            (
                "厂区土地证办理",
                "厂区部分土地历史遗留问题未办证，影响抵押融资。",
            ),
            (
                "租赁厂房到期续租",
                "现租赁标准厂房明年到期，希望协调续租或就近调整。",
            ),
        ],
        Category::Labour => &[
            (
                "一线普工招聘难",
                "四季度订单增加，一线普工缺口约 30 人，请协助组织招聘。",
            ),
            ("技术工人培训", "希望对接职业院校开展焊工、数控工定向培训。"),
            ("人才公寓申请", "新引进工程师住房困难，申请人才公寓。"),
            ("稳岗返还咨询", "咨询稳岗返还政策的申领条件与办理流程。"),
        ],
        Category::Finance => &[
            (
                "流动资金贷款续贷",
                "一笔 2000 万元流动资金贷款即将到期，需协调银行续贷。",
            ),
            ("设备购置贷款贴息", "申请技改设备购置贷款贴息。"),
            ("应收账款融资", "下游回款周期长，希望对接供应链金融产品。"),
        ],
        Category::Energy => &[
            (
                "用电增容",
                "新生产线投产后用电负荷接近上限，申请增容 2000 千伏安。",
            ),
            ("天然气供应保障", "冬季用气高峰期间希望保障生产用气。"),
        ],
        Category::Approval => &[
            ("环评审批加快", "扩建项目环评报告已提交，希望加快审批。"),
            ("施工许可办理", "新厂房施工许可材料齐全，请协调并联审批。"),
            ("消防验收", "新建仓库待消防验收，请协调尽快安排。"),
        ],
        Category::Policy => &[
            (
                "技术改造专项资金申报",
                "咨询技术改造专项资金的申报条件与时间。",
            ),
            ("高新技术企业认定", "希望指导高新技术企业认定材料准备。"),
            ("研发费用加计扣除", "咨询研发费用加计扣除的归集口径。"),
        ],
        Category::Logistics => &[
            ("集装箱订舱难", "出口旺季订舱困难，希望对接港口物流资源。"),
            (
                "厂区周边道路限行",
                "货车进出厂区受限行影响，请协调通行时段。",
            ),
        ],
        Category::Market => &[
            ("本地配套对接", "希望对接本地零部件供应商，降低采购成本。"),
            ("参加展会补贴", "计划参加广交会，咨询展位补贴政策。"),
            ("产品进入政府采购", "希望了解产品进入政府采购目录的渠道。"),
        ],
        Category::Other => &[
            ("厂区周边环境整治", "厂区周边道路积水，影响员工通行。"),
            ("员工子女入学", "外地员工子女入学咨询。"),
        ],
    }
}

const ANSWERS: &[&str] = &[
    "已与企业对接，明确办理路径和所需材料，正在推进。",
    "已电话答复企业，约定现场会商时间。",
    "已会同相关科室研究，提出初步解决方案。",
];
const RESOLUTIONS: &[&str] = &[
    "已协调解决，企业诉求事项办结。",
    "经现场会商，相关手续已办理完毕。",
    "已完成对接，企业已获得所需支持。",
    "已按政策兑现，资金已拨付到企业账户。",
];
const EXTENSIONS: &[&str] = &[
    "涉及多个部门会签，需延长办理时限。",
    "需待上级主管部门批复，申请延期。",
];

/// The `n`-th working day after `d` (`d` itself for 0).
fn wd(cal: &Calendar, d: Date, n: u32) -> Result<Date, DemoError> {
    cal.add_working_days(d, n)
        .map_err(|e| DemoError::Invalid(format!("calendar: {e}")))
}

/// Loads the requests and escalates the late ones.
pub async fn load(store: &Store, region: &str) -> Result<(), DemoError> {
    let today = store.now().date();
    let calendar = workflow::calendar::in_force(store).await?;
    let firms = store
        .served_firms(&ServedFilter {
            region: region.to_string(),
            has_manager: Some(true),
            ..ServedFilter::default()
        })
        .await?;
    if firms.is_empty() {
        return Ok(());
    }
    let routes: HashMap<Category, String> = store
        .request_routes(region)
        .await?
        .into_iter()
        .map(|r| (r.category.0, r.department_name))
        .collect();
    // The demo's year: its working days from the first of January up to today.
    let first =
        Date::from_ordinal_date(today.year(), 1).map_err(|e| DemoError::Invalid(e.to_string()))?;
    let mut days = Vec::new();
    let mut d = first;
    while d <= today {
        if calendar
            .is_working_day(d)
            .map_err(|e| DemoError::Invalid(format!("calendar: {e}")))?
        {
            days.push(d);
        }
        d += Duration::DAY;
    }
    if days.is_empty() {
        return Ok(());
    }
    let mut rng = Mix(0x5EED_0014);
    let mut submitted: Vec<Date> = (0..COUNT).map(|_| days[rng.below(days.len())]).collect();
    submitted.sort();
    let mut out = Vec::with_capacity(COUNT);
    for on in submitted {
        let firm = &firms[rng.below(firms.len())];
        let mut roll = rng.below(100);
        let category = CATEGORIES
            .iter()
            .find(|(_, w)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .map_or(Category::Other, |(c, _)| *c);
        let list = subjects(category);
        let (title, description) = list[rng.below(list.len())];
        let dept = routes
            .get(&category)
            .cloned()
            .unwrap_or_else(|| OFFICE.to_string());
        let manager = firm
            .manager_name
            .clone()
            .unwrap_or_else(|| "企业服务经理人".into());
        let steps = plan(&calendar, &mut rng, on, today, &dept, &manager)?;
        out.push(PastRequest {
            enterprise_id: firm.id,
            category,
            title: title.to_string(),
            description: description.to_string(),
            channel: Channel::Staff,
            submitted: on,
            raised_by: manager,
            steps,
        });
    }
    let actor = Actor::system("示例数据");
    let system = domain::Principal {
        user_id: 0,
        username: "demo".into(),
        role: domain::Role::Admin,
        person_id: None,
        department_id: None,
        town_id: None,
    };
    workflow::requests::load_history(
        store,
        workflow::claim::Caller {
            principal: &system,
            actor: &actor,
        },
        &workflow::Settings::default(),
        region,
        &out,
    )
    .await?;
    workflow::requests::escalate(store, region).await?;
    Ok(())
}

/// The steps of one request submitted on `on`, as far as they had come by `today`.
fn plan(
    cal: &Calendar,
    rng: &mut Mix,
    on: Date,
    today: Date,
    dept: &str,
    manager: &str,
) -> Result<Vec<PastStep>, DemoError> {
    let mut steps = Vec::new();
    let step = |action: Action, day: Date, by: &str, note: &str| PastStep {
        action,
        on: day,
        by: by.to_string(),
        note: note.to_string(),
    };
    let recent = (today - on).whole_days() <= 45;
    let fate = rng.below(100);
    // Some recent requests stall at a step, and run late there.
    let stall = if recent && fate < 12 {
        Some(fate / 4)
    } else {
        None
    };
    if stall == Some(0) {
        return Ok(steps);
    }
    // Accepted within a working day, one in twenty late.
    let accepted = wd(
        cal,
        on,
        if rng.below(20) == 0 {
            2
        } else {
            rng.below(2) as u32
        },
    )?;
    steps.push(step(Action::Accept, accepted, dept, ""));
    if stall == Some(1) {
        return Ok(cut(steps, today));
    }
    let answered = wd(
        cal,
        on,
        if rng.below(10) == 0 {
            4 + rng.below(2) as u32
        } else {
            1 + rng.below(3) as u32
        },
    )?
    .max(accepted);
    steps.push(step(
        Action::Answer,
        answered,
        dept,
        ANSWERS[rng.below(ANSWERS.len())],
    ));
    if stall == Some(2) {
        return Ok(cut(steps, today));
    }
    // One in ten asks for the extension: mostly granted by the office the next working day.
    let resolve_after = if (12..22).contains(&fate) {
        let asked = wd(cal, on, 8 + rng.below(5) as u32)?.max(answered);
        steps.push(step(
            Action::AskExtension,
            asked,
            dept,
            EXTENSIONS[rng.below(EXTENSIONS.len())],
        ));
        // A recent one still waits for the office's decision.
        if recent && rng.below(3) == 0 {
            return Ok(cut(steps, today));
        }
        let decided = wd(cal, asked, 1)?;
        if rng.below(5) == 0 {
            steps.push(step(
                Action::RefuseExtension,
                decided,
                OFFICE,
                "请按原时限办结",
            ));
            14 + rng.below(6) as u32
        } else {
            steps.push(step(Action::ApproveExtension, decided, OFFICE, ""));
            18 + rng.below(11) as u32
        }
    } else if rng.below(10) == 0 {
        16 + rng.below(5) as u32
    } else {
        5 + rng.below(11) as u32
    };
    let last = steps.last().map_or(on, |s| s.on);
    let resolved = wd(cal, on, resolve_after)?.max(last);
    steps.push(step(
        Action::Resolve,
        resolved,
        dept,
        RESOLUTIONS[rng.below(RESOLUTIONS.len())],
    ));
    // One in thirty is never rated; the others are, a few working days later.
    if rng.below(30) == 0 {
        return Ok(cut(steps, today));
    }
    let rated = wd(cal, resolved, 1 + rng.below(5) as u32)?;
    let rating = match rng.below(100) {
        0..=74 => Rating::Satisfied,
        75..=91 => Rating::Basic,
        _ => Rating::Dissatisfied,
    };
    steps.push(step(Action::Confirm(rating), rated, manager, ""));
    if rating == Rating::Dissatisfied {
        // Reopened: answered and resolved again, then rated again.
        let again = wd(cal, rated, 1 + rng.below(2) as u32)?;
        steps.push(step(
            Action::Answer,
            again,
            dept,
            "已重新核实企业反映的问题，调整办理方案。",
        ));
        let resolved = wd(cal, again, 3 + rng.below(8) as u32)?;
        steps.push(step(
            Action::Resolve,
            resolved,
            dept,
            "按调整后的方案办理完毕。",
        ));
        let rated = wd(cal, resolved, 1 + rng.below(4) as u32)?;
        let second = if rng.below(3) == 0 {
            Rating::Basic
        } else {
            Rating::Satisfied
        };
        steps.push(step(Action::Confirm(second), rated, manager, ""));
    }
    Ok(cut(steps, today))
}

/// The steps taken by `today`.
fn cut(mut steps: Vec<PastStep>, today: Date) -> Vec<PastStep> {
    if let Some(i) = steps.iter().position(|s| s.on > today) {
        steps.truncate(i);
    }
    steps
}
