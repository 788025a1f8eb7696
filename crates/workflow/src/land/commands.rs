//! The land step's writes as typed commands: a project created (from a task's lead or from
//! scratch), moved a stage, edited, given an approval plan, its approvals recorded, problems
//! raised and resolved. The pages build these commands from forms and the API from JSON; each
//! use case checks who may act, applies the rules of `domain::project` and writes in one
//! audited transaction.

use super::{approval_plan_of, ProjectAccess, ProjectDetailView};
use crate::{Error, Settings};
use analytics::approval::ApprovalPlan;
use domain::project::{FieldError, Stage};
use domain::{Principal, Role};
use store::land::{NewApproval, NewProject, ProjectEdit};
use store::{Actor, Store, WriteTx};
use time::Date;

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::invalid_field(e.field, e.message)
    }
}

/// Where a new project comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectOrigin {
    /// A lead recorded on a task (the claim step's 招商线索) becomes a project.
    Lead { task_id: i64, lead_id: i64 },
    /// A project entered from scratch.
    New(NewProjectFields),
}

/// What a project entered from scratch states; texts as typed, checked by the use case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewProjectFields {
    pub name: String,
    /// The code name a confidential project is shown under (empty: not confidential).
    pub code_name: String,
    pub investor: String,
    pub track_id: Option<i64>,
    /// In 元.
    pub total_investment: Option<i64>,
    /// The user confirmed an investment above the soft limit (`domain::bounds`).
    pub confirm_large_investment: bool,
}

/// Create a project in `region`, at the 线索 stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateProject {
    pub region: String,
    pub origin: ProjectOrigin,
}

/// Creates a project; answers its id.
pub async fn create_project(
    store: &Store,
    principal: &Principal,
    actor: &Actor,
    settings: &Settings,
    cmd: CreateProject,
) -> Result<i64, Error> {
    if matches!(principal.role, Role::Viewer | Role::ServiceManager) {
        return Err(Error::Forbidden("您无权新增项目".into()));
    }
    let mut new = NewProject {
        region_code: cmd.region.clone(),
        source_kind: "other".into(),
        ..Default::default()
    };
    match cmd.origin {
        ProjectOrigin::Lead { task_id, lead_id } => {
            let task = store
                .task(task_id)
                .await?
                .filter(|t| {
                    // A town task is its town's (and the city's) business, as on 领任务.
                    t.task.town_id.is_none_or(|town| {
                        principal.can_read(domain::Scope::of(domain::ScopeKind::Town, town))
                    })
                })
                .ok_or_else(|| Error::NotFound(format!("任务 {task_id}")))?;
            let facts = domain::TaskFacts {
                claimed_by_person: task.task.claimed_by_person,
                owner_department: task.task.owner_department_id,
                co_departments: task.co_departments.iter().map(|(id, _)| *id).collect(),
                town: task.task.town_id,
            };
            if !principal.can_work_on(&facts) {
                return Err(Error::Forbidden(
                    "只有办理该任务的人员可以把线索转为项目".into(),
                ));
            }
            let lead = task
                .leads
                .iter()
                .find(|l| l.id == lead_id)
                .ok_or_else(|| Error::invalid_field("lead_id", "该任务没有这条线索"))?;
            if lead.status == "project" {
                return Err(Error::Conflict("该线索已转为项目".into()));
            }
            new.name = lead.name.clone();
            new.investor_name = lead.investor.clone();
            new.track_id = lead.track_id;
            new.chain_link = lead.chain_link.clone();
            new.total_investment = lead.estimated_investment;
            new.town_id = task.task.town_id;
            new.source_kind = "lead".into();
            new.source_lead_id = Some(lead.id);
            new.source_task_id = Some(task_id);
        }
        ProjectOrigin::New(f) => {
            new.name = domain::project::project_name(&f.name)?;
            new.investor_name = domain::project::investor_name(&f.investor, "investor")?;
            new.code_name = domain::project::code_name(&f.code_name)?;
            if let Some(v) = f.total_investment {
                settings.bounds.investment(
                    "total_investment",
                    "总投资",
                    v,
                    f.confirm_large_investment,
                )?;
            }
            new.total_investment = f.total_investment;
            new.track_id = f.track_id;
        }
    }
    // The project default: value added at capacity assumed from the investment.
    new.value_added_at_capacity = new
        .total_investment
        .map(|v| settings.value_added.assumed(v));
    if principal.role == Role::Town {
        // A town's project lies in the town (and stays readable by it).
        match (new.town_id, principal.town_id) {
            (_, None) => return Err(Error::Forbidden("您的账号未关联镇街，不能新增项目".into())),
            (Some(t), Some(own)) if t != own => {
                return Err(Error::Forbidden("只能为本镇街新增项目".into()))
            }
            (_, own) => new.town_id = own,
        }
    }
    if let Some(t) = new.track_id {
        if !store.tracks(&cmd.region).await?.iter().any(|x| x.id == t) {
            return Err(Error::invalid_field(
                "track_id",
                format!("产业赛道 {t} 不存在"),
            ));
        }
    }
    let today = domain::period::format_date(store.now().date());
    let mut tx = store.begin_write().await?;
    let id = tx.create_project(actor, &new, Stage::Lead, &today).await?;
    tx.commit().await?;
    Ok(id)
}

/// A project as this user may see it, with the access gate it passed; a project the user may
/// not read does not exist for them (404, as for targets and tasks).
pub async fn load_project(
    store: &Store,
    principal: &Principal,
    id: i64,
) -> Result<(ProjectDetailView, ProjectAccess), Error> {
    let access = ProjectAccess::load(store, principal).await?;
    let detail = store
        .project(id)
        .await?
        .and_then(|d| access.detail(d))
        .ok_or_else(|| Error::NotFound(format!("项目 {id}")))?;
    Ok((detail, access))
}

/// Starts a write on project `id`: the project is locked and the user's right to change it is
/// checked on it as it is now (`new_town`: the town an edit would move it to).
async fn begin_project_write(
    store: &Store,
    access: &ProjectAccess,
    id: i64,
    new_town: Option<i64>,
) -> Result<WriteTx, Error> {
    let mut tx = store.begin_write().await?;
    let current = tx.locked_project(id).await?;
    if !access.can_read(&current) {
        return Err(Error::NotFound(format!("项目 {id}")));
    }
    if !access.can_change(&current, new_town) {
        return Err(Error::Forbidden(
            if new_town.is_some_and(|t| current.town_id != Some(t)) {
                "您无权把该项目调整到所选镇街".into()
            } else {
                "您无权修改该项目".into()
            },
        ));
    }
    Ok(tx)
}

/// An item of an approval plan as given (the API may give its own items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub code: String,
    pub name: String,
    pub days: i64,
    pub prerequisites: Vec<String>,
    pub gates_stage: Option<String>,
}

/// What can be done to a project once it exists.
#[derive(Debug, Clone)]
pub enum ProjectAction {
    /// Move to `stage` (the next one), reached on `on` (today when None).
    Stage { stage: Stage, on: Option<Date> },
    /// Change the project's facts; None keeps a field as it is. `confirmed`: the user
    /// confirmed an investment above the soft limit (`domain::bounds`).
    Edit { edit: ProjectEdit, confirmed: bool },
    /// Replace the approval plan, starting on `plan_start`, with `items` (None: the standard
    /// templates).
    ApprovalPlan {
        plan_start: Date,
        items: Option<Vec<PlanItem>>,
    },
    /// Record when an approval item actually started and/or finished.
    Approval {
        code: String,
        actual_start: Option<Date>,
        actual_end: Option<Date>,
    },
    /// Raise a problem in the service log, for a department, by a deadline.
    Issue {
        problem: String,
        department_id: Option<i64>,
        deadline: Date,
    },
    /// Resolve a problem of the service log.
    Resolve { issue_id: i64, resolution: String },
}

/// What an action produced besides the change itself.
#[derive(Debug, Clone)]
pub enum ActionOutcome {
    Done,
    /// The approval plan as scheduled.
    Plan(ApprovalPlan),
}

/// The day a project reached `stage`, from its stage history.
fn reached_on(detail: &store::land::ProjectDetail, stage: Stage) -> Option<Date> {
    detail
        .stages
        .iter()
        .filter(|s| s.stage == stage.code())
        .filter_map(|s| domain::period::parse_date(&s.on_date).ok())
        .next_back()
}

/// Checks an edit's numbers and month against each other and the project as stored
/// (`domain::bounds`): what the edit leaves unchanged counts as stored, and a value is checked
/// when it or a value it depends on changes (the edit form sends every field, so a project's
/// stored figures do not block an edit of something else).
fn check_edit(
    settings: &Settings,
    detail: &store::land::ProjectDetail,
    edit: &ProjectEdit,
    confirmed: bool,
    today: Date,
) -> Result<(), Error> {
    let b = &settings.bounds;
    let p = &detail.project;
    let changed = |new: Option<i64>, old: Option<i64>| new.is_some() && new != old;
    let investment_changed = changed(edit.total_investment, p.total_investment);
    let output_changed = changed(edit.output_at_capacity, p.output_at_capacity);
    let investment = edit.total_investment.or(p.total_investment);
    let output = edit.output_at_capacity.or(p.output_at_capacity);
    if let (Some(v), true) = (edit.total_investment, investment_changed) {
        b.investment("total_investment", "总投资", v, confirmed)?;
    }
    if let Some(v) = edit.fixed_asset_investment {
        if investment_changed || changed(Some(v), p.fixed_asset_investment) {
            b.fixed_asset_investment(v, investment)?;
        }
    }
    if let Some(v) = output {
        if investment_changed || output_changed {
            b.output_at_capacity(v, investment)?;
        }
    }
    if let Some(v) = edit.value_added_at_capacity {
        if investment_changed || output_changed || changed(Some(v), p.value_added_at_capacity) {
            b.value_added_at_capacity(v, output, investment)?;
        }
    }
    if let Some(m) = &edit.expected_production_month {
        if p.expected_production_month.as_ref() != Some(m) {
            domain::bounds::production_month(m, reached_on(detail, Stage::Signed), today)?;
        }
    }
    Ok(())
}

/// Applies `action` to project `id` for this user.
pub async fn act(
    store: &Store,
    principal: &Principal,
    actor: &Actor,
    settings: &Settings,
    id: i64,
    action: ProjectAction,
) -> Result<ActionOutcome, Error> {
    let (shown, access) = load_project(store, principal, id).await?;
    if !shown.view().can_write() {
        return Err(Error::Forbidden(match action {
            ProjectAction::Stage { .. } => "您无权推进该项目".into(),
            _ => "您无权修改该项目".into(),
        }));
    }
    let today = store.now().date();
    let date = domain::period::format_date;
    let mut outcome = ActionOutcome::Done;
    let tx = match action {
        ProjectAction::Stage { stage, on } => {
            let on = on.unwrap_or(today);
            domain::project::done_on(on, today, "on")?;
            // Stage dates run in order: not before the stage reached last.
            let d = shown.detail();
            let previous = d
                .stages
                .iter()
                .filter_map(|s| domain::period::parse_date(&s.on_date).ok())
                .max();
            domain::bounds::stage_date(on, previous, today)?;
            if stage == Stage::Signed {
                if let Some(m) = &d.project.expected_production_month {
                    domain::bounds::production_month(m, Some(on), today)?;
                }
            }
            let mut tx = begin_project_write(store, &access, id, None).await?;
            tx.move_project(actor, id, stage, &date(on)).await?;
            tx
        }
        ProjectAction::Edit {
            mut edit,
            confirmed,
        } => {
            if let Some(i) = edit.investor_name.take() {
                let i = domain::project::investor_name(&i, "investor_name")?;
                edit.investor_name = (!i.is_empty()).then_some(i);
            }
            if let Some(m) = edit.expected_production_month.take() {
                edit.expected_production_month = Some(domain::project::production_month(&m)?);
            }
            for (field, v) in [
                ("total_investment", edit.total_investment),
                ("fixed_asset_investment", edit.fixed_asset_investment),
                ("output_at_capacity", edit.output_at_capacity),
                ("value_added_at_capacity", edit.value_added_at_capacity),
            ] {
                if v.is_some_and(|v| v < 0) {
                    return Err(Error::invalid_field(field, "金额不能为负数"));
                }
            }
            check_edit(settings, shown.detail(), &edit, confirmed, today)?;
            let mut tx = begin_project_write(store, &access, id, edit.town_id).await?;
            tx.edit_project(actor, id, &edit).await?;
            tx
        }
        ProjectAction::ApprovalPlan { plan_start, items } => {
            domain::bounds::plan_date("plan_start", "计划开始日期", plan_start, today)?;
            let start = Some(date(plan_start));
            let items: Vec<NewApproval> = match items {
                Some(items) => items
                    .into_iter()
                    .map(|i| {
                        domain::project::approval_item(
                            &i.code,
                            &i.name,
                            i.days,
                            i.gates_stage.as_deref(),
                        )?;
                        Ok(NewApproval {
                            code: i.code,
                            name: i.name.trim().to_string(),
                            planned_days: i.days,
                            prerequisites: i.prerequisites,
                            gates_stage: i.gates_stage,
                            plan_start: start.clone(),
                        })
                    })
                    .collect::<Result<_, Error>>()?,
                None => store
                    .approval_templates()
                    .await?
                    .into_iter()
                    .map(|t| NewApproval {
                        code: t.code,
                        name: t.name,
                        planned_days: t.typical_days,
                        prerequisites: t
                            .prerequisites
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect(),
                        gates_stage: t.gates_stage,
                        plan_start: start.clone(),
                    })
                    .collect(),
            };
            let plan = approval_plan_of(&items)
                .map_err(|e| Error::invalid_field("items", e.to_string()))?;
            let mut tx = begin_project_write(store, &access, id, None).await?;
            tx.set_approval_plan(actor, id, &items).await?;
            outcome = ActionOutcome::Plan(plan);
            tx
        }
        ProjectAction::Approval {
            code,
            actual_start,
            actual_end,
        } => {
            for (field, d) in [("actual_start", actual_start), ("actual_end", actual_end)] {
                if let Some(d) = d {
                    domain::project::done_on(d, today, field)?;
                    domain::bounds::done_date(field, "办理日期", d, today)?;
                }
            }
            let (start, end) = (actual_start.map(date), actual_end.map(date));
            let mut tx = begin_project_write(store, &access, id, None).await?;
            tx.record_approval(actor, id, &code, start.as_deref(), end.as_deref())
                .await?;
            tx
        }
        ProjectAction::Issue {
            problem,
            department_id,
            deadline,
        } => {
            domain::bounds::plan_date("deadline", "办理时限", deadline, today)?;
            let problem = domain::BoundedText::parse(&problem, "问题", 500)
                .map_err(|e| Error::invalid_field("problem", e.to_string()))?;
            if let Some(dep) = department_id {
                let region = &shown.detail().project.region_code;
                if !store.departments(region).await?.iter().any(|x| x.id == dep) {
                    return Err(Error::invalid_field("department_id", "部门不存在"));
                }
            }
            let mut tx = begin_project_write(store, &access, id, None).await?;
            tx.add_project_issue(actor, id, problem.as_str(), department_id, &date(deadline))
                .await?;
            tx
        }
        ProjectAction::Resolve {
            issue_id,
            resolution,
        } => {
            let resolution = domain::BoundedText::parse(&resolution, "办理结果", 500)
                .map_err(|e| Error::invalid_field("resolution", e.to_string()))?;
            let mut tx = begin_project_write(store, &access, id, None).await?;
            tx.resolve_project_issue(actor, id, issue_id, resolution.as_str())
                .await?;
            tx
        }
    };
    tx.commit().await?;
    Ok(outcome)
}
