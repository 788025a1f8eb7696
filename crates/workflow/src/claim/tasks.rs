//! Tasks (任务): created by the office from a shortfall and a remedy, claimed by the leader
//! who answers for the track or town, reported on with attachments, completed, cancelled,
//! routed (enterprises served, service actions, leads), and swept when overdue.

use domain::attachment;
use domain::supervision::Move;
use domain::{BoundedText, Principal, Route, TaskEvent, TaskFacts, TaskState};
use serde::Deserialize;
use store::claim::{
    ClaimOutcome, NewLead, NewTask, Remedy, Shortfall, TaskDetail, TaskFilter, TaskRow,
};
use store::Store;

use super::{find_department, find_town, find_track, require_office, today, Caller, Ref};
use crate::Error;

/// A milestone (节点) of a new task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    pub title: String,
    /// ISO date.
    pub due: String,
}

/// Create a task. The page builds it from its form, the API from its JSON body.
#[derive(Debug, Clone)]
pub struct CreateTask {
    pub region: String,
    pub shortfall_id: Option<i64>,
    pub remedy_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// `stock`, `attract` or `both`.
    pub route: String,
    pub track: Option<Ref>,
    pub town: Option<Ref>,
    pub owner_department: Option<Ref>,
    pub co_departments: Vec<Ref>,
    /// ISO date.
    pub deadline: String,
    pub expected_pp: Option<f64>,
    pub milestones: Vec<MilestoneInput>,
}

fn field_text(text: &str, field: &str, name: &str, max: usize) -> Result<String, Error> {
    BoundedText::parse(text, name, max)
        .map(BoundedText::into_string)
        .map_err(|e| Error::invalid_field(field, e.to_string()))
}

/// Creates a task. What the command states is checked first (invalid), then what it names
/// (not found), then what depends on today (a deadline already past: a conflict).
pub async fn create_task(
    store: &Store,
    caller: Caller<'_>,
    settings: &crate::Settings,
    cmd: &CreateTask,
) -> Result<i64, Error> {
    let bounds = &settings.bounds;
    require_office(caller.principal)?;
    let title = field_text(cmd.title.trim(), "title", "任务名称", 100)?;
    let description = match cmd.description.trim() {
        "" => String::new(),
        d => BoundedText::parse_multiline(d, "任务说明", 4000)
            .map_err(|e| Error::invalid_field("description", e.to_string()))?
            .into_string(),
    };
    let route = Route::parse(&cmd.route)
        .filter(|r| r.code() == cmd.route)
        .ok_or_else(|| {
            Error::invalid_field(
                "route",
                "路径应为 stock（存量提升）、attract（招大引强）或 both",
            )
        })?;
    let deadline = domain::period::parse_date(cmd.deadline.trim()).map_err(|_| {
        Error::invalid_field(
            "deadline",
            format!("期限“{}”格式应为 2025-12-31", cmd.deadline),
        )
    })?;
    let now = today(store);
    domain::bounds::plan_date("deadline", "期限", deadline, now)?;
    if let Some(pp) = cmd.expected_pp {
        bounds.task_expected_pp(pp, None)?;
    }
    if cmd.milestones.len() > domain::task::MAX_MILESTONES {
        return Err(Error::invalid_field(
            "milestones",
            format!("最多 {} 个节点", domain::task::MAX_MILESTONES),
        ));
    }
    let mut milestones = Vec::new();
    for (i, m) in cmd.milestones.iter().enumerate() {
        let n = i + 1;
        let title = field_text(m.title.trim(), &format!("milestone{n}"), "节点名称", 100)?;
        let due = domain::period::parse_date(m.due.trim()).map_err(|_| {
            Error::invalid_field(
                &format!("milestone{n}_due"),
                format!("节点日期“{}”格式应为 2025-11-15", m.due),
            )
        })?;
        domain::bounds::plan_date(&format!("milestone{n}_due"), "节点日期", due, now)?;
        if due > deadline {
            return Err(Error::invalid_field(
                &format!("milestone{n}_due"),
                "节点日期不能晚于任务期限",
            ));
        }
        milestones.push((title, domain::period::format_date(due)));
    }
    if cmd.track.is_none() && cmd.town.is_none() {
        return Err(Error::invalid_field(
            "track",
            "请给出任务所属的产业赛道或镇街，以便确定认领领导",
        ));
    }
    if let Some(s) = cmd.shortfall_id {
        let (shortfall, _) = store
            .shortfall(s)
            .await?
            .filter(|(s, _)| s.region_code == cmd.region)
            .ok_or_else(|| Error::NotFound(format!("短板 {s}")))?;
        if shortfall.closed_at.is_some() {
            return Err(Error::Conflict(format!("短板 {s} 已关闭，不能再新建任务")));
        }
        if let Some(pp) = cmd.expected_pp {
            // Within the order of magnitude of the shortfall's own gap.
            bounds.task_expected_pp(pp, shortfall.shortfall_pp)?;
        }
    }
    if let Some(r) = cmd.remedy_id {
        store
            .remedy(r)
            .await?
            .ok_or_else(|| Error::NotFound(format!("解决方案 {r}")))?;
    }
    let track_id = match &cmd.track {
        Some(r) => Some(find_track(&store.tracks(&cmd.region).await?, r)?),
        None => None,
    };
    let town_id = match &cmd.town {
        Some(r) => Some(find_town(&store.towns(&cmd.region).await?, r)?),
        None => None,
    };
    let departments = store.departments(&cmd.region).await?;
    let owner_department_id = cmd
        .owner_department
        .as_ref()
        .map(|r| find_department(&departments, r))
        .transpose()?;
    let co_department_ids = cmd
        .co_departments
        .iter()
        .map(|r| find_department(&departments, r))
        .collect::<Result<Vec<_>, _>>()?;
    if deadline < now {
        return Err(Error::Conflict(format!(
            "期限 {} 早于今天 {}",
            domain::period::format_date(deadline),
            domain::period::format_date(now)
        )));
    }
    let new = NewTask {
        region_code: cmd.region.clone(),
        shortfall_id: cmd.shortfall_id,
        remedy_id: cmd.remedy_id,
        title,
        description,
        route,
        track_id,
        town_id,
        owner_department_id,
        co_department_ids,
        deadline: domain::period::format_date(deadline),
        expected_pp: cmd.expected_pp,
        milestones,
    };
    // A 存量提升 task of a shortfall opened with firms serves those firms.
    let served = match cmd.shortfall_id {
        Some(s) if route != Route::Attract => store.shortfall_firms(s).await?,
        _ => Vec::new(),
    };
    let mut tx = store.begin_write().await?;
    let id = tx.create_task(caller.actor, &new).await?;
    for f in &served {
        tx.add_task_enterprise(caller.actor, id, f.enterprise_id)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The facts about a task that decide who may work on it (`domain::access`).
pub fn facts(detail: &TaskDetail) -> TaskFacts {
    TaskFacts {
        claimed_by_person: detail.task.claimed_by_person,
        owner_department: detail.task.owner_department_id,
        co_departments: detail.co_departments.iter().map(|(id, _)| *id).collect(),
        town: detail.task.town_id,
    }
}

/// A task the caller may read; one the caller may not read does not exist for them. Of the
/// firms it serves and their service records, the caller gets those he may see in the registry
/// (a town user: his town's), whichever town the task is for.
pub async fn read_task(store: &Store, principal: &Principal, id: i64) -> Result<TaskDetail, Error> {
    let mut d = store
        .task(id)
        .await?
        .filter(|d| principal.can_read_task(d.task.town_id))
        .ok_or_else(|| Error::NotFound(format!("任务 {id}")))?;
    let sees = |town: Option<i64>| {
        principal.can_read_enterprise(&domain::access::EnterpriseFacts {
            town,
            service_manager: None,
            track_leaders: Vec::new(),
        })
    };
    d.enterprises.retain(|e| sees(e.town_id));
    d.actions.retain(|a| sees(a.enterprise_town_id));
    Ok(d)
}

pub(super) async fn covers(
    store: &Store,
    principal: &Principal,
    task: &TaskRow,
) -> Result<bool, Error> {
    Ok(match principal.person_id {
        Some(person) => {
            store
                .person_covers(person, task.track_id, task.town_id)
                .await?
        }
        None => false,
    })
}

/// A task with what the caller may do with it.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub detail: TaskDetail,
    pub state: TaskState,
    pub shortfall: Option<Shortfall>,
    pub remedy: Option<Remedy>,
    pub can_claim: bool,
    pub can_work: bool,
    pub can_complete: bool,
    pub can_cancel: bool,
    /// Supervision moves the caller may make now (督办).
    pub can_urge: bool,
    pub can_reassign: bool,
    pub can_request_extension: bool,
    pub can_decide_extension: bool,
    pub can_instruct: bool,
    pub can_accept: bool,
    /// Urges, reassignments, extensions, completion reports and instructions, newest first.
    pub supervision: store::supervision::TaskSupervision,
}

pub async fn task_view(store: &Store, principal: &Principal, id: i64) -> Result<TaskView, Error> {
    let d = read_task(store, principal, id).await?;
    let f = facts(&d);
    let st = d.task.state();
    let shortfall = match d.task.shortfall_id {
        Some(s) => store.shortfall(s).await?.map(|(s, _)| s),
        None => None,
    };
    let remedy = match d.task.remedy_id {
        Some(r) => store.remedy(r).await?,
        None => None,
    };
    let covering = covers(store, principal, &d.task).await?;
    let can_claim =
        d.task.claimed_by_person.is_none() && !st.is_closed() && principal.can_claim_task(covering);
    let supervision = store.task_supervision(id).await?;
    let may = |m: Move| principal.may_supervise(m, &f, covering);
    let live = !st.is_closed();
    let movable = live && st != TaskState::Submitted;
    Ok(TaskView {
        can_urge: live && may(Move::Urge),
        can_reassign: movable && may(Move::Reassign),
        can_request_extension: movable
            && may(Move::RequestExtension)
            && supervision.pending_extension().is_none(),
        can_decide_extension: may(Move::DecideExtension)
            && supervision.pending_extension().is_some(),
        can_instruct: may(Move::Instruct),
        can_accept: st == TaskState::Submitted && may(Move::Accept),
        supervision,
        state: st,
        shortfall,
        remedy,
        can_claim,
        can_work: principal.can_work_on(&f) && !st.is_closed(),
        can_complete: principal.can_complete(&f)
            && st
                .after(TaskEvent::Complete, d.task.claimed_by_person.is_some())
                .is_some(),
        can_cancel: principal.can_direct_tasks() && !st.is_closed(),
        detail: d,
    })
}

/// Claims a task for the calling leader; the outcome says who holds it when someone else does.
pub async fn claim_task(store: &Store, caller: Caller<'_>, id: i64) -> Result<ClaimOutcome, Error> {
    let d = read_task(store, caller.principal, id).await?;
    let person = caller.principal.person_id;
    let allowed = caller
        .principal
        .can_claim_task(covers(store, caller.principal, &d.task).await?);
    let (true, Some(person)) = (allowed, person) else {
        return Err(Error::Forbidden(
            "只有负责该产业赛道或包联该镇街的领导可以认领此任务".into(),
        ));
    };
    let mut tx = store.begin_write().await?;
    let outcome = tx.claim_task(caller.actor, id, person).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// A file attached to a progress report, as uploaded.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Report progress on a task, with attachments.
#[derive(Debug, Clone)]
pub struct ReportProgress {
    pub task_id: i64,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// Records a progress report after the attachment policy (`domain::attachment`) passed.
pub async fn report_progress(
    store: &Store,
    caller: Caller<'_>,
    cmd: ReportProgress,
) -> Result<i64, Error> {
    let d = read_task(store, caller.principal, cmd.task_id).await?;
    if !caller.principal.can_work_on(&facts(&d)) {
        return Err(Error::Forbidden(
            "只有认领领导、责任部门、所属镇街或办公室可以报送进展".into(),
        ));
    }
    let body = BoundedText::parse_multiline(&cmd.body, "进展内容", 4000)
        .map_err(|e| Error::invalid_field("body", e.to_string()))?;
    let mut files = Vec::new();
    for a in cmd.attachments {
        let ok = attachment::check(&a.file_name, a.bytes.len(), files.len())
            .map_err(|e| Error::invalid_field("files", e.to_string()))?;
        files.push((ok.file_name, ok.content_type.to_string(), a.bytes));
    }
    let mut tx = store.begin_write().await?;
    let pid = tx
        .report_progress(caller.actor, cmd.task_id, body.as_str(), &files)
        .await?;
    tx.commit().await?;
    Ok(pid)
}

/// The actions on a task other than claiming and reporting progress.
#[derive(Debug, Clone)]
pub enum TaskAction {
    /// 撤销: irreversible, so it carries the explicit confirmation (`confirmed`).
    Cancel {
        reason: String,
        confirmed: bool,
    },
    Milestone {
        milestone_id: i64,
    },
    /// Adds a firm of the task's region: by id (a list) or by USCC (typed).
    Enterprise {
        firm: crate::requests::FirmRef,
    },
    Service {
        enterprise_id: i64,
        action: String,
        /// ISO date.
        happened_on: String,
    },
    Lead {
        name: String,
        investor: String,
        chain_link: String,
        /// In yuan.
        estimated_investment: Option<i64>,
        /// The user confirmed an investment above the soft limit (`domain::bounds`).
        confirm_large_investment: bool,
    },
}

fn forbid_unless(allowed: bool, message: &str) -> Result<(), Error> {
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(message.into()))
    }
}

/// Applies an action to a task in one audited write transaction.
pub async fn act_on_task(
    store: &Store,
    caller: Caller<'_>,
    settings: &crate::Settings,
    id: i64,
    action: &TaskAction,
) -> Result<(), Error> {
    let d = read_task(store, caller.principal, id).await?;
    let f = facts(&d);
    let p = caller.principal;
    let actor = caller.actor;
    let work = "您无权更新该任务";
    match action {
        TaskAction::Cancel { .. } => require_office(p)?,
        _ => forbid_unless(p.can_work_on(&f), work)?,
    }
    let mut tx = store.begin_write().await?;
    match action {
        TaskAction::Cancel { reason, confirmed } => {
            let reason = field_text(reason.trim(), "reason", "撤销原因", 200)?;
            super::supervise::require_confirmation(*confirmed, "撤销")?;
            tx.cancel_task(actor, id, &reason).await?;
        }
        TaskAction::Milestone { milestone_id } => {
            tx.complete_milestone(actor, id, *milestone_id).await?
        }
        TaskAction::Enterprise { firm } => {
            let field = match firm {
                crate::requests::FirmRef::Id(_) => "enterprise_id",
                crate::requests::FirmRef::Uscc(_) => "enterprise_uscc",
            };
            let e =
                crate::requests::firm_seen_by(store, p, &d.task.region_code, firm, field).await?;
            tx.add_task_enterprise(actor, id, e.id).await?;
        }
        TaskAction::Service {
            enterprise_id,
            action,
            happened_on,
        } => {
            let what = field_text(action.trim(), "action", "服务内容", 500)?;
            let on = domain::period::parse_date(happened_on.trim())
                .map_err(|_| Error::invalid_field("happened_on", "日期格式应为 2025-10-15"))?;
            // A service record tells what was done: not in the future.
            domain::bounds::done_date("happened_on", "服务日期", on, today(store))?;
            // A firm the caller may not see is, to him, not one the task serves.
            if !d
                .enterprises
                .iter()
                .any(|e| e.enterprise_id == *enterprise_id)
            {
                return Err(Error::invalid_field(
                    "enterprise_id",
                    "先把企业加入服务清单，再记录服务",
                ));
            }
            tx.add_service_action(
                actor,
                id,
                *enterprise_id,
                &what,
                &domain::period::format_date(on),
            )
            .await?;
        }
        TaskAction::Lead {
            name,
            investor,
            chain_link,
            estimated_investment,
            confirm_large_investment,
        } => {
            let name = field_text(name.trim(), "name", "线索名称", 100)?;
            if let Some(v) = estimated_investment {
                settings.bounds.investment(
                    "estimated_investment",
                    "预计投资",
                    *v,
                    *confirm_large_investment,
                )?;
            }
            if investor.trim().chars().count() > 100 {
                return Err(Error::invalid_field("investor", "投资方最多 100 个字符"));
            }
            if chain_link.trim().chars().count() > 100 {
                return Err(Error::invalid_field(
                    "chain_link",
                    "产业链环节最多 100 个字符",
                ));
            }
            tx.add_lead(
                actor,
                &NewLead {
                    region_code: d.task.region_code.clone(),
                    task_id: Some(id),
                    track_id: d.task.track_id,
                    chain_link: chain_link.trim().to_string(),
                    name,
                    investor: investor.trim().to_string(),
                    estimated_investment: *estimated_investment,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Marks the tasks past their deadline (or a milestone's) overdue, as of today.
/// A read answers first whether anything is due, so that page views (which sweep before they
/// count) take the write lock only on the day a deadline passes.
pub async fn sweep(store: &Store) -> Result<(), Error> {
    let today = domain::period::format_date(today(store));
    if !store.any_task_past_due(&today).await? {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    tx.sweep_overdue(&today).await?;
    tx.commit().await?;
    Ok(())
}

/// The tasks of a region the caller may read, optionally in one state.
pub async fn tasks(
    store: &Store,
    principal: &Principal,
    region: &str,
    state: Option<TaskState>,
) -> Result<Vec<TaskRow>, Error> {
    Ok(store
        .tasks(&TaskFilter {
            region: region.to_string(),
            state,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|t| principal.can_read_task(t.town_id))
        .collect())
}

/// My tasks: the ones I work on (`domain::access`); the office and viewers see them all.
pub async fn my_tasks(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<TaskRow>, Error> {
    let all = tasks(store, principal, region, None).await?;
    if principal.role.is_office() || principal.role == domain::Role::Viewer {
        return Ok(all);
    }
    let co = store.task_co_departments(region).await?;
    Ok(all
        .into_iter()
        .filter(|t| {
            principal.can_work_on(&TaskFacts {
                claimed_by_person: t.claimed_by_person,
                owner_department: t.owner_department_id,
                co_departments: co
                    .iter()
                    .filter(|(task, _)| *task == t.id)
                    .map(|(_, d)| *d)
                    .collect(),
                town: t.town_id,
            })
        })
        .collect())
}

/// The claim board: unclaimed live tasks the calling leader may claim (the office sees all).
pub async fn claim_board(
    store: &Store,
    principal: &Principal,
    region: &str,
) -> Result<Vec<TaskRow>, Error> {
    let unclaimed = store
        .tasks(&TaskFilter {
            region: region.to_string(),
            unclaimed: true,
            ..Default::default()
        })
        .await?;
    let mut out = Vec::new();
    for t in unclaimed {
        if t.state().is_closed() || !principal.can_read_task(t.town_id) {
            continue;
        }
        if principal.can_direct_tasks()
            || principal.can_claim_task(covers(store, principal, &t).await?)
        {
            out.push(t);
        }
    }
    Ok(out)
}
