//! The data of the land step (打项目): projects and their stages, approval plans, the service log,
//! and the counts that feed the annual targets (signed and started projects, signed investment).

use crate::codes::Code;
use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::project::{check_move, Stage, StageFacts};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;
use std::collections::HashMap;

/// The pipeline counts by (metric, scope kind, scope id).
pub type PipelineCounts = HashMap<(String, String, Option<i64>), i64>;

/// Cached pipeline counts: (region, year, as of) → (pipeline version, counts).
pub type PipelineCache = HashMap<(String, i32, String), (i64, std::sync::Arc<PipelineCounts>)>;

/// (track, tier, town, total investment, signed on, started on) of a project.
type PipelineFacts = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Target metrics whose actual values come from the project pipeline.
pub const DERIVED_METRICS: [&str; 4] = [
    "signed_projects",
    "started_projects",
    "signed_investment",
    "signed_industrial_projects",
];

/// Who leads each track and covers each town: what the access rules (`domain::access`) need to
/// know about a project besides its own columns. Small tables, read once per request.
#[derive(Debug, Clone, Default)]
pub struct ProjectAccessFacts {
    pub tracks: HashMap<i64, domain::access::TrackFacts>,
    /// Person ids of the leaders covering each town (包联领导).
    pub town_leaders: HashMap<i64, Vec<i64>>,
}

impl ProjectAccessFacts {
    /// The access facts of a project in `town` on `track`.
    pub fn facts(
        &self,
        town: Option<i64>,
        track: Option<i64>,
        code_name: &str,
    ) -> domain::ProjectFacts {
        domain::ProjectFacts {
            town,
            confidential: !code_name.trim().is_empty(),
            track: track.and_then(|t| self.tracks.get(&t).cloned()),
            town_leaders: town
                .and_then(|t| self.town_leaders.get(&t).cloned())
                .unwrap_or_default(),
        }
    }

    pub fn of(&self, p: &ProjectRow) -> domain::ProjectFacts {
        self.facts(p.town_id, p.track_id, &p.code_name)
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub code_name: String,
    pub investor_name: String,
    pub track_id: Option<i64>,
    pub track_name: Option<String>,
    pub tier_id: Option<i64>,
    pub tier_name: Option<String>,
    pub chain_link: String,
    pub host_area_id: Option<i64>,
    pub host_area_name: Option<String>,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub total_investment: Option<i64>,
    pub fixed_asset_investment: Option<i64>,
    pub output_at_capacity: Option<i64>,
    pub value_added_at_capacity: Option<i64>,
    pub tax_at_capacity: Option<i64>,
    pub jobs: Option<i64>,
    pub expected_production_month: Option<String>,
    pub source_kind: String,
    pub source_task_id: Option<i64>,
    pub source_lead_id: Option<i64>,
    pub stage: String,
    /// `stage`, decoded strictly when the row is read (an unknown code fails the read).
    #[sqlx(rename = "stage")]
    #[serde(skip)]
    stage_code: Code<Stage>,
    pub last_activity_at: String,
    pub signed_on: Option<String>,
    pub started_on: Option<String>,
    pub producing_on: Option<String>,
    pub created_at: String,
}

impl ProjectRow {
    pub fn stage(&self) -> Stage {
        self.stage_code.0
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct NewProject {
    pub region_code: String,
    pub name: String,
    pub code_name: String,
    pub investor_name: String,
    pub track_id: Option<i64>,
    pub chain_link: String,
    pub host_area_id: Option<i64>,
    pub town_id: Option<i64>,
    pub total_investment: Option<i64>,
    pub fixed_asset_investment: Option<i64>,
    pub output_at_capacity: Option<i64>,
    pub value_added_at_capacity: Option<i64>,
    pub tax_at_capacity: Option<i64>,
    pub jobs: Option<i64>,
    pub expected_production_month: Option<String>,
    pub source_kind: String,
    pub source_task_id: Option<i64>,
    pub source_lead_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct StageRecord {
    pub stage: String,
    pub on_date: String,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

impl crate::Checked for StageRecord {
    fn check(&self) -> Result<()> {
        crate::decode::<Stage>("stage", &self.stage).map(|_| ())
    }
}

fn check_gate(gate: Option<&str>) -> Result<()> {
    match gate {
        Some(g) => crate::decode::<Stage>("gates_stage", g).map(|_| ()),
        None => Ok(()),
    }
}

impl crate::Checked for ApprovalTemplate {
    fn check(&self) -> Result<()> {
        check_gate(self.gates_stage.as_deref())
    }
}

impl crate::Checked for ProjectApproval {
    fn check(&self) -> Result<()> {
        check_gate(self.gates_stage.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ApprovalTemplate {
    pub code: String,
    pub name: String,
    pub typical_days: i64,
    pub prerequisites: String,
    pub gates_stage: Option<String>,
    pub ordinal: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ProjectApproval {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub planned_days: i64,
    pub prerequisites: String,
    pub gates_stage: Option<String>,
    pub plan_start: Option<String>,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
}

impl ProjectApproval {
    pub fn prerequisite_codes(&self) -> Vec<String> {
        self.prerequisites
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NewApproval {
    pub code: String,
    pub name: String,
    pub planned_days: i64,
    pub prerequisites: Vec<String>,
    pub gates_stage: Option<String>,
    pub plan_start: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ProjectIssue {
    pub id: i64,
    pub problem: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub deadline: String,
    pub resolution: String,
    pub resolved_at: Option<String>,
    pub created_by_name: String,
    pub created_at: String,
}

/// A project's problem left unresolved past its deadline (escalated to 督办).
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct LateIssue {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub code_name: String,
    pub town_id: Option<i64>,
    pub track_id: Option<i64>,
    pub problem: String,
    pub department_name: Option<String>,
    pub deadline: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    pub project: ProjectRow,
    pub stages: Vec<StageRecord>,
    pub approvals: Vec<ProjectApproval>,
    pub issues: Vec<ProjectIssue>,
}

/// Editable facts of a project (None leaves a field as it is).
#[derive(Debug, Clone, Serialize, Default)]
pub struct ProjectEdit {
    pub investor_name: Option<String>,
    pub total_investment: Option<i64>,
    pub fixed_asset_investment: Option<i64>,
    pub output_at_capacity: Option<i64>,
    pub value_added_at_capacity: Option<i64>,
    pub town_id: Option<i64>,
    pub host_area_id: Option<i64>,
    pub expected_production_month: Option<String>,
}

pub(crate) const PROJECT_SELECT: &str = "SELECT p.id, p.region_code, p.name, p.code_name, p.investor_name, p.track_id, tr.name AS track_name, \
    tr.tier_id, ti.name AS tier_name, p.chain_link, p.host_area_id, h.name AS host_area_name, p.town_id, tw.name AS town_name, \
    p.total_investment, p.fixed_asset_investment, p.output_at_capacity, p.value_added_at_capacity, p.tax_at_capacity, p.jobs, \
    p.expected_production_month, p.source_kind, p.source_task_id, p.source_lead_id, p.stage, p.last_activity_at, \
    p.signed_on, p.started_on, \
    (SELECT MIN(s.on_date) FROM project_stages s WHERE s.project_id = p.id AND s.stage = 'producing') AS producing_on, \
    p.created_at \
    FROM projects p LEFT JOIN tracks tr ON tr.id = p.track_id LEFT JOIN tiers ti ON ti.id = tr.tier_id \
    LEFT JOIN host_areas h ON h.id = p.host_area_id LEFT JOIN towns tw ON tw.id = p.town_id";

fn project_audit(
    action: &'static str,
    id: i64,
    region: &str,
    summary: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditEntry {
    AuditEntry {
        action,
        entity: "project",
        entity_id: id.to_string(),
        region_code: Some(region.to_string()),
        summary,
        before,
        after,
    }
}

impl WriteTx {
    /// Marks the region's pipeline as changed (in this transaction).
    async fn bump_pipeline(&mut self, region: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO pipeline_versions (region_code, version) VALUES ($1, 1) \
             ON CONFLICT (region_code) DO UPDATE SET version = pipeline_versions.version + 1",
        )
        .bind(region)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The project, locked for the rest of the transaction: every change below checks the
    /// project as it is now, not as another transaction left it before committing.
    async fn project_row(&mut self, id: i64) -> Result<ProjectRow> {
        if !self.lock_row("projects", id).await? {
            return Err(StoreError::NotFound(format!("项目 {id}")));
        }
        sqlx::query_as::<_, ProjectRow>(&format!("{PROJECT_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("项目 {id}")))
    }

    /// Adds a project at `stage`, reached on `on_date`.
    pub async fn create_project(
        &mut self,
        actor: &Actor,
        new: &NewProject,
        stage: Stage,
        on_date: &str,
    ) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (region_code, name, code_name, investor_name, track_id, chain_link, host_area_id, town_id, total_investment, \
             fixed_asset_investment, output_at_capacity, value_added_at_capacity, tax_at_capacity, jobs, expected_production_month, source_kind, \
             source_task_id, source_lead_id, stage, last_activity_at, created_by_name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22) RETURNING id",
        )
        .bind(new.region_code.clone())
        .bind(new.name.clone())
        .bind(new.code_name.clone())
        .bind(new.investor_name.clone())
        .bind(new.track_id)
        .bind(new.chain_link.clone())
        .bind(new.host_area_id)
        .bind(new.town_id)
        .bind(new.total_investment)
        .bind(new.fixed_asset_investment)
        .bind(new.output_at_capacity)
        .bind(new.value_added_at_capacity)
        .bind(new.tax_at_capacity)
        .bind(new.jobs)
        .bind(new.expected_production_month.clone())
        .bind(new.source_kind.clone())
        .bind(new.source_task_id)
        .bind(new.source_lead_id)
        .bind(stage.code())
        .bind(format!("{on_date}T00:00:00Z"))
        .bind(actor.name.clone())
        .bind(at.clone())
        .fetch_one(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Invalid("项目引用的赛道、镇街、承载区域、任务或线索不存在".into()),
            _ => e.into(),
        })?;
        for s in Stage::ALL.iter().filter(|s| **s <= stage) {
            sqlx::query("INSERT INTO project_stages (project_id, stage, on_date, recorded_by_name, recorded_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(s.code())
                .bind(on_date)
                .bind(actor.name.clone())
                .bind(at.clone())
                .execute(self.conn())
                .await?;
            if *s == stage {
                break;
            }
        }
        self.stamp_stage_dates(id, stage, on_date).await?;
        self.bump_pipeline(&new.region_code).await?;
        if let Some(lead) = new.source_lead_id {
            sqlx::query("UPDATE leads SET status = 'project' WHERE id = $1")
                .bind(lead)
                .execute(self.conn())
                .await?;
        }
        self.audit(
            actor,
            project_audit(
                "create",
                id,
                &new.region_code,
                format!("新增项目：{}（{}）", new.name, stage.label()),
                None,
                Some(json!(new)),
            ),
        )
        .await?;
        Ok(id)
    }

    /// Moves a project to the next stage, checking what that stage needs.
    pub async fn move_project(
        &mut self,
        actor: &Actor,
        id: i64,
        to: Stage,
        on_date: &str,
    ) -> Result<()> {
        let p = self.project_row(id).await?;
        let open_gates: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM project_approvals WHERE project_id = $1 AND gates_stage = $2 AND actual_end IS NULL ORDER BY id",
        )
        .bind(id)
        .bind(to.code())
        .fetch_all(self.conn())
        .await?;
        let facts = StageFacts {
            total_investment: p.total_investment,
            investor_named: !p.investor_name.trim().is_empty(),
            host_named: p.town_id.is_some() || p.host_area_id.is_some(),
            open_start_gates: open_gates,
            expected_production_month: p.expected_production_month.is_some(),
        };
        if p.stage() >= to {
            // Someone (perhaps a parallel request) already moved it this far.
            return Err(StoreError::Conflict(format!(
                "项目已处于“{}”阶段，不能再推进到“{}”，请刷新后查看",
                p.stage().label(),
                to.label()
            )));
        }
        check_move(p.stage(), to, &facts).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let last: Option<String> =
            sqlx::query_scalar("SELECT MAX(on_date) FROM project_stages WHERE project_id = $1")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        if last.as_deref().is_some_and(|l| l > on_date) {
            return Err(StoreError::Invalid(format!(
                "日期 {on_date} 早于上一阶段的日期 {}",
                last.unwrap_or_default()
            )));
        }
        let at = self.at.clone();
        sqlx::query("INSERT INTO project_stages (project_id, stage, on_date, recorded_by_name, recorded_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(to.code())
            .bind(on_date)
            .bind(actor.name.clone())
            .bind(at.clone())
            .execute(self.conn())
            .await?;
        sqlx::query(
            "UPDATE projects SET stage = $1, last_activity_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(to.code())
        .bind(at)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.stamp_stage_dates(id, to, on_date).await?;
        self.bump_pipeline(&p.region_code).await?;
        self.audit(
            actor,
            project_audit(
                "stage",
                id,
                &p.region_code,
                format!(
                    "项目“{}”：{} → {}（{on_date}）",
                    p.name,
                    p.stage().label(),
                    to.label()
                ),
                Some(json!({"stage": p.stage})),
                Some(json!({"stage": to.code(), "on": on_date})),
            ),
        )
        .await
    }

    pub async fn edit_project(&mut self, actor: &Actor, id: i64, edit: &ProjectEdit) -> Result<()> {
        let p = self.project_row(id).await?;
        let at = self.at.clone();
        sqlx::query(
            "UPDATE projects SET investor_name = COALESCE($1, investor_name), total_investment = COALESCE($2, total_investment), \
             fixed_asset_investment = COALESCE($3, fixed_asset_investment), output_at_capacity = COALESCE($4, output_at_capacity), \
             value_added_at_capacity = COALESCE($5, value_added_at_capacity), town_id = COALESCE($6, town_id), \
             host_area_id = COALESCE($7, host_area_id), expected_production_month = COALESCE($8, expected_production_month), \
             updated_at = $9, last_activity_at = $9 WHERE id = $10",
        )
        .bind(edit.investor_name.clone())
        .bind(edit.total_investment)
        .bind(edit.fixed_asset_investment)
        .bind(edit.output_at_capacity)
        .bind(edit.value_added_at_capacity)
        .bind(edit.town_id)
        .bind(edit.host_area_id)
        .bind(edit.expected_production_month.clone())
        .bind(at)
        .bind(id)
        .execute(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Invalid("镇街或承载区域不存在".into()),
            _ => e.into(),
        })?;
        self.bump_pipeline(&p.region_code).await?;
        self.audit(
            actor,
            project_audit(
                "update",
                id,
                &p.region_code,
                format!("修改项目信息：{}", p.name),
                Some(json!(p)),
                Some(json!(edit)),
            ),
        )
        .await
    }

    /// The project as it is now, locked until this transaction ends: check who may change it
    /// on this row, then change it in the same transaction.
    pub async fn locked_project(&mut self, id: i64) -> Result<ProjectRow> {
        self.project_row(id).await
    }

    /// Replaces a project's approval plan (already validated as a DAG by the caller).
    pub async fn set_approval_plan(
        &mut self,
        actor: &Actor,
        id: i64,
        items: &[NewApproval],
    ) -> Result<()> {
        let p = self.project_row(id).await?;
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM project_approvals WHERE project_id = $1 AND actual_start IS NOT NULL")
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        if done > 0 {
            return Err(StoreError::Invalid(
                "已有审批事项开始办理，不能整体替换审批计划".into(),
            ));
        }
        sqlx::query("DELETE FROM project_approvals WHERE project_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        for a in items {
            sqlx::query(
                "INSERT INTO project_approvals (project_id, code, name, planned_days, prerequisites, gates_stage, plan_start) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(a.code.clone())
            .bind(a.name.clone())
            .bind(a.planned_days)
            .bind(a.prerequisites.join(","))
            .bind(a.gates_stage.clone())
            .bind(a.plan_start.clone())
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || format!("审批事项“{}”重复", a.code)))?;
        }
        self.audit(
            actor,
            project_audit(
                "approval_plan",
                id,
                &p.region_code,
                format!("制定审批计划：{}（{} 项）", p.name, items.len()),
                None,
                Some(json!(items)),
            ),
        )
        .await
    }

    /// Records the actual start and/or end of an approval item.
    pub async fn record_approval(
        &mut self,
        actor: &Actor,
        id: i64,
        code: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<()> {
        let p = self.project_row(id).await?;
        let row: Option<(Option<String>, Option<String>)> = sqlx::query_as("SELECT actual_start, actual_end FROM project_approvals WHERE project_id = $1 AND code = $2")
            .bind(id)
            .bind(code)
            .fetch_optional(self.conn())
            .await?;
        let Some((old_start, _)) = row else {
            return Err(StoreError::NotFound(format!("审批事项“{code}”")));
        };
        let start = start.map(str::to_string).or(old_start.clone());
        if let (Some(s), Some(e)) = (&start, end) {
            if e < s.as_str() {
                return Err(StoreError::Invalid(format!(
                    "办结日期 {e} 早于开始日期 {s}"
                )));
            }
        }
        if end.is_some() && start.is_none() {
            return Err(StoreError::Invalid("须先填写开始办理日期".into()));
        }
        let at = self.at.clone();
        sqlx::query("UPDATE project_approvals SET actual_start = $1, actual_end = COALESCE($2, actual_end) WHERE project_id = $3 AND code = $4")
            .bind(start.clone())
            .bind(end)
            .bind(id)
            .bind(code)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE projects SET last_activity_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            project_audit(
                "approval",
                id,
                &p.region_code,
                format!(
                    "审批事项 {code}：开始 {} 办结 {}",
                    start.unwrap_or_default(),
                    end.unwrap_or("—")
                ),
                None,
                None,
            ),
        )
        .await
    }

    pub async fn add_project_issue(
        &mut self,
        actor: &Actor,
        id: i64,
        problem: &str,
        department_id: Option<i64>,
        deadline: &str,
    ) -> Result<i64> {
        let p = self.project_row(id).await?;
        let at = self.at.clone();
        let issue: i64 = sqlx::query_scalar(
            "INSERT INTO project_issues (project_id, problem, department_id, deadline, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(problem)
        .bind(department_id)
        .bind(deadline)
        .bind(actor.name.clone())
        .bind(at.clone())
        .fetch_one(self.conn())
        .await?;
        sqlx::query("UPDATE projects SET last_activity_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            project_audit(
                "issue",
                id,
                &p.region_code,
                format!("项目“{}”提出问题：{problem}", p.name),
                None,
                Some(json!({"deadline": deadline, "department_id": department_id})),
            ),
        )
        .await?;
        Ok(issue)
    }

    pub async fn resolve_project_issue(
        &mut self,
        actor: &Actor,
        id: i64,
        issue: i64,
        resolution: &str,
    ) -> Result<()> {
        let p = self.project_row(id).await?;
        let at = self.at.clone();
        let n = sqlx::query("UPDATE project_issues SET resolution = $1, resolved_at = $2 WHERE id = $3 AND project_id = $4 AND resolved_at IS NULL")
            .bind(resolution)
            .bind(at.clone())
            .bind(issue)
            .bind(id)
            .execute(self.conn())
            .await?
            .rows_affected();
        if n == 0 {
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM project_issues WHERE id = $1 AND project_id = $2",
            )
            .bind(issue)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
            return Err(match exists {
                Some(_) => StoreError::Conflict("该问题已办结".into()),
                None => StoreError::NotFound(format!("待办问题 {issue}")),
            });
        }
        sqlx::query("UPDATE projects SET last_activity_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            project_audit(
                "resolve",
                id,
                &p.region_code,
                format!("项目“{}”问题办结：{resolution}", p.name),
                None,
                None,
            ),
        )
        .await
    }

    /// Keeps the first signed and started dates on the project (reaching a stage implies the
    /// earlier ones on the same day when they were skipped over at creation).
    async fn stamp_stage_dates(&mut self, id: i64, stage: Stage, on_date: &str) -> Result<()> {
        if stage.is_signed() {
            sqlx::query("UPDATE projects SET signed_on = COALESCE(signed_on, $1) WHERE id = $2")
                .bind(on_date)
                .bind(id)
                .execute(self.conn())
                .await?;
        }
        if stage.is_started() {
            sqlx::query("UPDATE projects SET started_on = COALESCE(started_on, $1) WHERE id = $2")
                .bind(on_date)
                .bind(id)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Sets when a project was last active (used to load history, such as the demo's).
    pub async fn touch_project(&mut self, id: i64, at: &str) -> Result<()> {
        sqlx::query("UPDATE projects SET last_activity_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn upsert_approval_template(&mut self, t: &ApprovalTemplate) -> Result<()> {
        sqlx::query("DELETE FROM approval_templates WHERE code = $1")
            .bind(t.code.clone())
            .execute(self.conn())
            .await?;
        sqlx::query("INSERT INTO approval_templates (code, name, typical_days, prerequisites, gates_stage, ordinal) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(t.code.clone())
            .bind(t.name.clone())
            .bind(t.typical_days)
            .bind(t.prerequisites.clone())
            .bind(t.gates_stage.clone())
            .bind(t.ordinal)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    pub async fn projects(&self, region: &str) -> Result<Vec<ProjectRow>> {
        Ok(sqlx::query_as::<_, ProjectRow>(&format!(
            "{PROJECT_SELECT} WHERE p.region_code = $1 ORDER BY p.id"
        ))
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn project(&self, id: i64) -> Result<Option<ProjectDetail>> {
        let Some(project) =
            sqlx::query_as::<_, ProjectRow>(&format!("{PROJECT_SELECT} WHERE p.id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let stages = crate::checked(sqlx::query_as::<_, StageRecord>("SELECT stage, on_date, recorded_by_name, recorded_at FROM project_stages WHERE project_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?)?;
        let approvals = crate::checked(sqlx::query_as::<_, ProjectApproval>(
            "SELECT id, code, name, planned_days, prerequisites, gates_stage, plan_start, actual_start, actual_end FROM project_approvals WHERE project_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)?;
        let issues = sqlx::query_as::<_, ProjectIssue>(
            "SELECT i.id, i.problem, i.department_id, d.name AS department_name, i.deadline, i.resolution, i.resolved_at, i.created_by_name, i.created_at \
             FROM project_issues i LEFT JOIN departments d ON d.id = i.department_id WHERE i.project_id = $1 ORDER BY i.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(ProjectDetail {
            project,
            stages,
            approvals,
            issues,
        }))
    }

    /// Track leaders, lead departments and town leaders, for the access rules on projects.
    pub async fn project_access_facts(&self) -> Result<ProjectAccessFacts> {
        let mut out = ProjectAccessFacts::default();
        let tracks: Vec<(i64, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT id, lead_leader_id, lead_department_id FROM tracks")
                .fetch_all(&self.pool)
                .await?;
        for (id, leader, department) in tracks {
            out.tracks.insert(
                id,
                domain::access::TrackFacts {
                    leaders: leader.into_iter().collect(),
                    lead_department: department,
                },
            );
        }
        let responsible: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT track_id, person_id FROM track_responsible_leaders ORDER BY track_id, person_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for (track, person) in responsible {
            if let Some(t) = out.tracks.get_mut(&track) {
                t.leaders.push(person);
            }
        }
        let towns: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT town_id, person_id FROM town_leaders ORDER BY town_id, person_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for (town, person) in towns {
            out.town_leaders.entry(town).or_default().push(person);
        }
        Ok(out)
    }

    pub async fn approval_templates(&self) -> Result<Vec<ApprovalTemplate>> {
        crate::checked(sqlx::query_as::<_, ApprovalTemplate>("SELECT code, name, typical_days, prerequisites, gates_stage, ordinal FROM approval_templates ORDER BY ordinal")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Unresolved service-log problems past their deadline, for the supervision board.
    pub async fn late_project_issues(&self, region: &str, today: &str) -> Result<Vec<LateIssue>> {
        Ok(sqlx::query_as::<_, LateIssue>(
            "SELECT i.id, i.project_id, p.name AS project_name, p.code_name, p.town_id, p.track_id, i.problem, d.name AS department_name, i.deadline \
             FROM project_issues i JOIN projects p ON p.id = i.project_id LEFT JOIN departments d ON d.id = i.department_id \
             WHERE p.region_code = $1 AND i.resolved_at IS NULL AND i.deadline < $2 ORDER BY i.deadline, i.id",
        )
        .bind(region)
        .bind(today)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Unresolved service-log problems past their deadline, per project.
    pub async fn late_issues(&self, region: &str, today: &str) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as::<_, (i64, i64)>(
            "SELECT i.project_id, COUNT(*) FROM project_issues i JOIN projects p ON p.id = i.project_id \
             WHERE p.region_code = $1 AND i.resolved_at IS NULL AND i.deadline < $2 GROUP BY i.project_id",
        )
        .bind(region)
        .bind(today)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The actual values the pipeline gives the derived target metrics, by (metric, scope kind,
    /// scope id), counting stages reached in `year` up to `as_of`. Empty when the region has no
    /// projects (targets then keep their reported values).
    pub async fn derived_target_actuals(
        &self,
        region: &str,
        year: i32,
        as_of: &str,
    ) -> Result<std::sync::Arc<PipelineCounts>> {
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM pipeline_versions WHERE region_code = $1",
        )
        .bind(region)
        .fetch_one(&self.pool)
        .await?;
        let key = (region.to_string(), year, as_of.to_string());
        if let Ok(cache) = self.pipeline_cache.lock() {
            if let Some((v, counts)) = cache.get(&key) {
                if *v == version {
                    return Ok(counts.clone());
                }
            }
        }
        let counts = std::sync::Arc::new(self.count_pipeline(region, year, as_of).await?);
        if let Ok(mut cache) = self.pipeline_cache.lock() {
            if cache.len() > 1000 {
                cache.clear();
            }
            cache.insert(key, (version, counts.clone()));
        }
        Ok(counts)
    }

    async fn count_pipeline(&self, region: &str, year: i32, as_of: &str) -> Result<PipelineCounts> {
        let rows: Vec<PipelineFacts> = sqlx::query_as(
            "SELECT p.track_id, tr.tier_id, p.town_id, p.total_investment, p.signed_on, p.started_on \
             FROM projects p LEFT JOIN tracks tr ON tr.id = p.track_id WHERE p.region_code = $1",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<(String, String, Option<i64>), i64> = HashMap::new();
        if rows.is_empty() {
            return Ok(out);
        }
        let from = format!("{year:04}-01-01");
        let within = |d: &Option<String>| {
            d.as_deref()
                .is_some_and(|d| d >= from.as_str() && d <= as_of)
        };
        // Every derived metric of every scope starts at zero.
        for m in DERIVED_METRICS {
            out.insert((m.to_string(), "city".into(), None), 0);
        }
        let mut add = |metric: &str, kind: &str, id: Option<i64>, v: i64| {
            *out.entry((metric.to_string(), kind.to_string(), id))
                .or_insert(0) += v;
        };
        for (track, tier, town, investment, signed, started) in rows {
            if within(&signed) {
                for (kind, id) in [
                    ("city", None),
                    ("tier", tier),
                    ("track", track),
                    ("town", town),
                ] {
                    if kind == "city" || id.is_some() {
                        add("signed_projects", kind, id, 1);
                        add("signed_industrial_projects", kind, id, 1);
                        add("signed_investment", kind, id, investment.unwrap_or(0));
                    }
                }
            }
            if within(&started) {
                for (kind, id) in [
                    ("city", None),
                    ("tier", tier),
                    ("track", track),
                    ("town", town),
                ] {
                    if kind == "city" || id.is_some() {
                        add("started_projects", kind, id, 1);
                    }
                }
            }
        }
        Ok(out)
    }
}
