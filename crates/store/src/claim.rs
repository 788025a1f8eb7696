//! The data of the claim step (领任务): shortfalls with their frozen numbers, the remedy
//! library, tasks with their claim, milestones, progress and attachments, the routing records
//! (enterprises served, leads sourced), notifications and the supervision ranking (赛马).

use crate::codes::Code;
use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::{Route, TaskEvent, TaskState};
use serde::Serialize;
use serde_json::json;
use sqlx::{FromRow, Row};

// ----- shortfalls ----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Shortfall {
    pub id: i64,
    pub region_code: String,
    pub period: String,
    pub indicator: String,
    pub indicator_name: String,
    pub real_growth_pct: Option<f64>,
    pub target_growth_pct: f64,
    pub shortfall_pp: Option<f64>,
    pub sensitivity: f64,
    pub sentence: String,
    pub snapshot_json: String,
    pub analysis: String,
    pub created_by_name: String,
    pub created_at: String,
    /// When the office closed it; `None` while it is open. At most one shortfall per region,
    /// indicator and period is open.
    pub closed_at: Option<String>,
    pub closed_by_name: Option<String>,
    pub close_note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewShortfall {
    pub region_code: String,
    pub period: String,
    pub indicator: String,
    pub indicator_name: String,
    pub real_growth_pct: Option<f64>,
    pub target_growth_pct: f64,
    pub shortfall_pp: Option<f64>,
    pub sensitivity: f64,
    pub sentence: String,
    pub snapshot_json: String,
    pub analysis: String,
    /// ("industry" | "track" | "town", id); industries are referred to by model ordinal.
    pub links: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ShortfallLink {
    pub kind: String,
    pub ref_id: i64,
    pub name: Option<String>,
}

/// The kinds of thing a shortfall links to (`shortfall_links.kind`).
pub const SHORTFALL_LINK_KINDS: [&str; 3] = ["industry", "track", "town"];
/// The states of a lead (`leads.status`): new, or turned into a project.
pub const LEAD_STATUSES: [&str; 2] = ["new", "project"];

impl crate::Checked for ShortfallLink {
    fn check(&self) -> Result<()> {
        crate::check_code(
            "shortfall link kind",
            "kind",
            &self.kind,
            &SHORTFALL_LINK_KINDS,
        )
    }
}

// ----- remedies ------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Remedy {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub description: String,
    pub sector: String,
    pub route: String,
    pub owner_department: String,
    pub expected_effect: String,
    pub source: String,
    pub indicators: Vec<String>,
    /// (track id, track name)
    pub tracks: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewRemedy {
    pub region_code: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub sector: String,
    pub route: Route,
    pub owner_department: String,
    pub expected_effect: String,
    pub source: String,
    pub indicators: Vec<String>,
    pub track_ids: Vec<i64>,
}

// ----- tasks ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub region_code: String,
    pub shortfall_id: Option<i64>,
    pub remedy_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub route: String,
    /// `route`, decoded strictly when the row is read (an unknown code fails the read).
    #[sqlx(rename = "route")]
    #[serde(skip)]
    route_code: Code<Route>,
    pub track_id: Option<i64>,
    pub track_name: Option<String>,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub owner_department_id: Option<i64>,
    pub owner_department_name: Option<String>,
    pub deadline: String,
    pub expected_pp: Option<f64>,
    pub state: String,
    /// `state`, decoded strictly when the row is read.
    #[sqlx(rename = "state")]
    #[serde(skip)]
    state_code: Code<TaskState>,
    pub claimed_by_person: Option<i64>,
    pub claimed_by_name: Option<String>,
    pub claimed_at: Option<String>,
    /// When its claimer reported it done (办结); kept when the office accepts it, cleared when
    /// the office returns it.
    pub done_at: Option<String>,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
    /// The deadline the task was created with; `deadline` is the one in force (after approved
    /// extensions). None only for a row written behind the store's back.
    pub original_deadline: Option<String>,
    /// When the office accepted it (验收); only an accepted task is done.
    pub accepted_at: Option<String>,
    pub accepted_by_name: Option<String>,
    /// How often it was urged (催办).
    pub urge_count: i64,
}

impl TaskRow {
    pub fn state(&self) -> TaskState {
        self.state_code.0
    }

    pub fn route(&self) -> Route {
        self.route_code.0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NewTask {
    pub region_code: String,
    pub shortfall_id: Option<i64>,
    pub remedy_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub route: Route,
    pub track_id: Option<i64>,
    pub town_id: Option<i64>,
    pub owner_department_id: Option<i64>,
    pub co_department_ids: Vec<i64>,
    /// ISO date.
    pub deadline: String,
    pub expected_pp: Option<f64>,
    /// (title, due date)
    pub milestones: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Milestone {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub done_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct AttachmentMeta {
    pub id: i64,
    pub progress_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressReport {
    pub id: i64,
    pub body: String,
    pub author_name: String,
    pub at: String,
    pub attachments: Vec<AttachmentMeta>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ServedEnterprise {
    pub enterprise_id: i64,
    pub name: String,
    pub uscc: String,
    pub added_at: String,
    /// The firm's town: who may see that the task serves it (`domain::access`).
    #[serde(skip_serializing)]
    pub town_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ServiceAction {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub action: String,
    pub happened_on: String,
    pub author_name: String,
    /// The firm's town: who may see the record (`domain::access`).
    #[serde(skip_serializing)]
    pub enterprise_town_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Lead {
    pub id: i64,
    pub task_id: Option<i64>,
    pub track_id: Option<i64>,
    pub track_name: Option<String>,
    pub chain_link: String,
    pub name: String,
    pub investor: String,
    pub estimated_investment: Option<i64>,
    pub status: String,
    pub created_by_name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewLead {
    pub region_code: String,
    pub task_id: Option<i64>,
    pub track_id: Option<i64>,
    pub chain_link: String,
    pub name: String,
    pub investor: String,
    pub estimated_investment: Option<i64>,
}

/// A task with everything shown on its page.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDetail {
    pub task: TaskRow,
    pub co_departments: Vec<(i64, String)>,
    pub milestones: Vec<Milestone>,
    pub progress: Vec<ProgressReport>,
    pub enterprises: Vec<ServedEnterprise>,
    pub actions: Vec<ServiceAction>,
    pub leads: Vec<Lead>,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ClaimOutcome {
    Claimed,
    /// Someone else holds it.
    HeldBy {
        name: String,
    },
    /// The task is done or cancelled.
    Closed {
        state: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub region: String,
    pub state: Option<TaskState>,
    pub claimed_by_person: Option<i64>,
    pub unclaimed: bool,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Notification {
    pub id: i64,
    pub text: String,
    /// The task it is about (the front end links to it); none for a notification whose old
    /// stored link named no task.
    pub task_id: Option<i64>,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// The data-version scope bumped when notifications are read: the page cache (which sums every
/// scope) sees it, while the figures cached per region (which read their region's scope and
/// the shared `''`) are not thrown away because someone read a message.
pub const NOTIFICATIONS_SCOPE: &str = "notifications";

/// A task under the department ("department") or town ("town") the ranking (赛马) counts it for.
#[derive(Debug, Clone, FromRow)]
pub struct RankTaskRow {
    pub kind: String,
    /// The department's or town's id.
    pub unit_id: i64,
    pub name: String,
    /// Read strictly: an unknown state is an error, never a running task.
    pub state: crate::codes::Code<TaskState>,
    pub deadline: String,
    pub done_at: Option<String>,
}

pub(crate) const TASK_SELECT: &str = "SELECT t.id, t.region_code, t.shortfall_id, t.remedy_id, t.title, t.description, t.route, \
    t.track_id, tr.name AS track_name, t.town_id, tw.name AS town_name, t.owner_department_id, d.name AS owner_department_name, \
    t.deadline, t.expected_pp, t.state, t.claimed_by_person, p.name AS claimed_by_name, t.claimed_at, t.done_at, \
    t.created_by_name, t.created_at, t.updated_at, t.original_deadline, t.accepted_at, t.accepted_by_name, \
    (SELECT COUNT(*) FROM task_urges u WHERE u.task_id = t.id) AS urge_count \
    FROM tasks t LEFT JOIN tracks tr ON tr.id = t.track_id LEFT JOIN towns tw ON tw.id = t.town_id \
    LEFT JOIN departments d ON d.id = t.owner_department_id LEFT JOIN people p ON p.id = t.claimed_by_person";

pub(crate) fn task_audit(
    action: &'static str,
    id: i64,
    region: &str,
    summary: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditEntry {
    AuditEntry {
        action,
        entity: "task",
        entity_id: id.to_string(),
        region_code: Some(region.to_string()),
        summary,
        before,
        after,
    }
}

/// Why a task cannot take an event: a closed task (perhaps closed by a parallel request) is a
/// conflict with its current state; otherwise the event does not apply yet.
pub(crate) fn refused(task: &TaskRow, verb: &str) -> StoreError {
    let message = format!("任务{}，不能{verb}", task.state().label());
    if task.state().is_closed() {
        StoreError::Conflict(message)
    } else {
        StoreError::Invalid(message)
    }
}

impl WriteTx {
    pub async fn create_shortfall(&mut self, actor: &Actor, new: &NewShortfall) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO shortfalls (region_code, period, indicator, indicator_name, real_growth_pct, target_growth_pct, shortfall_pp, \
             sensitivity, sentence, snapshot_json, analysis, created_by_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(new.region_code.clone())
        .bind(new.period.clone())
        .bind(new.indicator.clone())
        .bind(new.indicator_name.clone())
        .bind(crate::nullable::opt_f64(new.real_growth_pct))
        .bind(new.target_growth_pct)
        .bind(crate::nullable::opt_f64(new.shortfall_pp))
        .bind(new.sensitivity)
        .bind(new.sentence.clone())
        .bind(new.snapshot_json.clone())
        .bind(new.analysis.clone())
        .bind(actor.name.clone())
        .bind(at)
        .persistent(false)
        .fetch_one(self.conn())
        .await
        .map_err(|e| {
            StoreError::unique(e, || {
                format!(
                    "{} 的“{}”已有未关闭的短板",
                    new.period, new.indicator_name
                )
            })
        })?;
        for (kind, ref_id) in &new.links {
            sqlx::query(
                "INSERT INTO shortfall_links (shortfall_id, kind, ref_id) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(kind.clone())
            .bind(*ref_id)
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || "关联重复".into()))?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "shortfall",
                entity_id: id.to_string(),
                region_code: Some(new.region_code.clone()),
                summary: format!("打开短板：{}（{}）", new.indicator_name, new.period),
                before: None,
                after: Some(json!(new)),
            },
        )
        .await?;
        Ok(id)
    }

    /// Closes an open shortfall; a new one may then be opened for its indicator and period.
    pub async fn close_shortfall(&mut self, actor: &Actor, id: i64, note: &str) -> Result<()> {
        let at = self.at.clone();
        let sql = format!(
            "SELECT region_code, indicator_name, period, closed_at FROM shortfalls WHERE id = $1{}",
            self.for_update()
        );
        let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let Some((region, name, period, closed)) = row else {
            return Err(StoreError::NotFound(format!("短板 {id}")));
        };
        if closed.is_some() {
            return Err(StoreError::Conflict(format!("短板 {id} 已关闭")));
        }
        sqlx::query(
            "UPDATE shortfalls SET closed_at = $1, closed_by_name = $2, close_note = $3 WHERE id = $4 AND closed_at IS NULL",
        )
        .bind(at)
        .bind(actor.name.clone())
        .bind(note.to_string())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "close",
                entity: "shortfall",
                entity_id: id.to_string(),
                region_code: Some(region),
                summary: format!("关闭短板：{name}（{period}）"),
                before: None,
                after: Some(json!({ "close_note": note })),
            },
        )
        .await?;
        Ok(())
    }

    /// Adds a remedy, or updates the one with the same code (its links are replaced).
    pub async fn upsert_remedy(&mut self, actor: &Actor, new: &NewRemedy) -> Result<i64> {
        let at = self.at.clone();
        let sql = format!(
            "SELECT id FROM remedies WHERE region_code = $1 AND code = $2{}",
            self.for_update()
        );
        let existing: Option<i64> = sqlx::query_scalar(&sql)
            .bind(new.region_code.clone())
            .bind(new.code.clone())
            .fetch_optional(self.conn())
            .await?;
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE remedies SET title = $1, description = $2, sector = $3, route = $4, owner_department = $5, \
                     expected_effect = $6, source = $7, updated_at = $8 WHERE id = $9",
                )
                .bind(new.title.clone())
                .bind(new.description.clone())
                .bind(new.sector.clone())
                .bind(new.route.code())
                .bind(new.owner_department.clone())
                .bind(new.expected_effect.clone())
                .bind(new.source.clone())
                .bind(at)
                .bind(id)
                .execute(self.conn())
                .await?;
                sqlx::query("DELETE FROM remedy_indicators WHERE remedy_id = $1").bind(id).execute(self.conn()).await?;
                sqlx::query("DELETE FROM remedy_tracks WHERE remedy_id = $1").bind(id).execute(self.conn()).await?;
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO remedies (region_code, code, title, description, sector, route, owner_department, expected_effect, \
                     source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                )
                .bind(new.region_code.clone())
                .bind(new.code.clone())
                .bind(new.title.clone())
                .bind(new.description.clone())
                .bind(new.sector.clone())
                .bind(new.route.code())
                .bind(new.owner_department.clone())
                .bind(new.expected_effect.clone())
                .bind(new.source.clone())
                .bind(at)
                .fetch_one(self.conn())
                .await
                .map_err(|e| {
                    StoreError::unique(e, || format!("解决方案“{}”刚被他人新增，请刷新后重试", new.code))
                })?
            }
        };
        for k in &new.indicators {
            sqlx::query("INSERT INTO remedy_indicators (remedy_id, indicator) VALUES ($1, $2)")
                .bind(id)
                .bind(k.clone())
                .execute(self.conn())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        StoreError::Invalid(format!("指标“{k}”不在指标目录中"))
                    }
                    _ => StoreError::unique(e, || format!("指标“{k}”重复")),
                })?;
        }
        for t in &new.track_ids {
            sqlx::query("INSERT INTO remedy_tracks (remedy_id, track_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*t)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::unique(e, || "赛道重复".into()))?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: if existing.is_some() {
                    "update"
                } else {
                    "create"
                },
                entity: "remedy",
                entity_id: id.to_string(),
                region_code: Some(new.region_code.clone()),
                summary: format!(
                    "{}解决方案：{}",
                    if existing.is_some() {
                        "修改"
                    } else {
                        "新增"
                    },
                    new.title
                ),
                before: None,
                after: Some(json!(new)),
            },
        )
        .await?;
        Ok(id)
    }

    pub async fn create_task(&mut self, actor: &Actor, new: &NewTask) -> Result<i64> {
        let at = self.at.clone();
        // The shortfall must still be open when the task is written: its row is locked, so a
        // close racing this create either waits for it or is seen here.
        if let Some(s) = new.shortfall_id {
            let sql = format!(
                "SELECT closed_at FROM shortfalls WHERE id = $1{}",
                self.for_update()
            );
            let closed: Option<Option<String>> = sqlx::query_scalar(&sql)
                .bind(s)
                .fetch_optional(self.conn())
                .await?;
            match closed {
                None => return Err(StoreError::NotFound(format!("短板 {s}"))),
                Some(Some(_)) => {
                    return Err(StoreError::Conflict(format!(
                        "短板 {s} 已关闭，不能再新建任务"
                    )))
                }
                Some(None) => {}
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (region_code, shortfall_id, remedy_id, title, description, route, track_id, town_id, owner_department_id, \
             deadline, expected_pp, state, created_by_name, created_at, updated_at, original_deadline) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13, $13, $10) RETURNING id",
        )
        .bind(new.region_code.clone())
        .bind(new.shortfall_id)
        .bind(new.remedy_id)
        .bind(new.title.clone())
        .bind(new.description.clone())
        .bind(new.route.code())
        .bind(new.track_id)
        .bind(new.town_id)
        .bind(new.owner_department_id)
        .bind(new.deadline.clone())
        .bind(crate::nullable::opt_f64(new.expected_pp))
        .bind(actor.name.clone())
        .bind(at)
        .persistent(false)
        .fetch_one(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Invalid("任务引用的短板、方案、赛道、镇街或部门不存在".into()),
            _ => e.into(),
        })?;
        for d in &new.co_department_ids {
            sqlx::query("INSERT INTO task_co_departments (task_id, department_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*d)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::unique(e, || "配合部门重复".into()))?;
        }
        for (title, due) in &new.milestones {
            sqlx::query("INSERT INTO task_milestones (task_id, title, due) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(title.clone())
                .bind(due.clone())
                .execute(self.conn())
                .await?;
        }
        self.audit(
            actor,
            task_audit(
                "create",
                id,
                &new.region_code,
                format!("新建任务：{}（期限 {}）", new.title, new.deadline),
                None,
                Some(json!(new)),
            ),
        )
        .await?;
        // Tell the leaders who may claim it.
        let leaders: Vec<i64> = sqlx::query_scalar(
            "SELECT u.id FROM users u WHERE u.active = 1 AND u.person_id IS NOT NULL AND ( \
               u.person_id IN (SELECT lead_leader_id FROM tracks WHERE id = $1) \
               OR u.person_id IN (SELECT person_id FROM track_responsible_leaders WHERE track_id = $1) \
               OR u.person_id IN (SELECT person_id FROM town_leaders WHERE town_id = $2))",
        )
        .bind(new.track_id)
        .bind(new.town_id)
        .fetch_all(self.conn())
        .await?;
        for user in leaders {
            self.notify(user, &format!("有新任务待认领：{}", new.title), id)
                .await?;
        }
        Ok(id)
    }

    /// Tells a user about a task.
    pub async fn notify(&mut self, user_id: i64, text: &str, task_id: i64) -> Result<()> {
        let at = self.at.clone();
        sqlx::query(
            "INSERT INTO notifications (user_id, text, task_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(text)
        .bind(task_id)
        .bind(at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The task, locked for the rest of the transaction (see [`WriteTx::lock_row`]), so that a
    /// state change checks the state as it is now.
    pub(crate) async fn task_for_update(&mut self, id: i64) -> Result<TaskRow> {
        if !self.lock_row("tasks", id).await? {
            return Err(StoreError::NotFound(format!("任务 {id}")));
        }
        sqlx::query_as::<_, TaskRow>(&format!("{TASK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("任务 {id}")))
    }

    /// Claims a task for a leader. Exactly one of two concurrent claims wins; the other learns
    /// who holds the task.
    pub async fn claim_task(
        &mut self,
        actor: &Actor,
        id: i64,
        person_id: i64,
    ) -> Result<ClaimOutcome> {
        let at = self.at.clone();
        let done = sqlx::query(
            "UPDATE tasks SET claimed_by_person = $1, claimed_by_user = $2, claimed_at = $3, updated_at = $3, \
             state = CASE WHEN state = 'overdue' THEN 'overdue' ELSE 'claimed' END \
             WHERE id = $4 AND claimed_by_person IS NULL AND state IN ('open', 'overdue')",
        )
        .bind(person_id)
        .bind(actor.user_id)
        .bind(at)
        .bind(id)
        .execute(self.conn())
        .await?
        .rows_affected();
        let task = self.task_for_update(id).await?;
        if done == 1 {
            self.audit(
                actor,
                task_audit(
                    "claim",
                    id,
                    &task.region_code,
                    format!("认领任务：{}", task.title),
                    Some(json!({"claimed_by_person": null})),
                    Some(json!({"claimed_by_person": person_id})),
                ),
            )
            .await?;
            return Ok(ClaimOutcome::Claimed);
        }
        if task.state().is_closed() {
            return Ok(ClaimOutcome::Closed {
                state: task.state().label().to_string(),
            });
        }
        Ok(ClaimOutcome::HeldBy {
            name: task.claimed_by_name.unwrap_or_else(|| "他人".into()),
        })
    }

    pub(crate) async fn move_task(
        &mut self,
        actor: &Actor,
        task: &TaskRow,
        to: TaskState,
        summary: String,
    ) -> Result<()> {
        let at = self.at.clone();
        // 办结 dates the work; 验收 keeps that date; 退回 clears it.
        let done_at = match to {
            TaskState::Submitted => Some(at.clone()),
            TaskState::Done => task.done_at.clone().or_else(|| Some(at.clone())),
            _ => None,
        };
        let accepted_at = (to == TaskState::Done).then(|| at.clone());
        let accepted_by = (to == TaskState::Done).then(|| actor.name.clone());
        sqlx::query(
            "UPDATE tasks SET state = $1, updated_at = $2, done_at = $3, accepted_at = $4, accepted_by_name = $5 WHERE id = $6",
        )
            .bind(to.code())
            .bind(at)
            .bind(done_at)
            .bind(accepted_at)
            .bind(accepted_by)
            .bind(task.id)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            task_audit(
                "state",
                task.id,
                &task.region_code,
                summary,
                Some(json!({"state": task.state})),
                Some(json!({"state": to.code()})),
            ),
        )
        .await
    }

    /// Writes a progress report and its attachments ((name, content type, bytes)) on a task the
    /// caller has locked and checked; the report's id. Shared by 报送进展 and 办结 (佐证).
    pub(crate) async fn insert_progress(
        &mut self,
        actor: &Actor,
        task_id: i64,
        body: &str,
        attachments: &[(String, String, Vec<u8>)],
    ) -> Result<i64> {
        let at = self.at.clone();
        let progress_id: i64 = sqlx::query_scalar(
            "INSERT INTO task_progress (task_id, body, author_user_id, author_name, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(task_id)
        .bind(body)
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        for (name, content_type, bytes) in attachments {
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
            sqlx::query("INSERT INTO attachments (progress_id, file_name, content_type, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(progress_id)
                .bind(name.clone())
                .bind(content_type.clone())
                .bind(bytes.len() as i64)
                .bind(sha)
                .bind(bytes.clone())
                .execute(self.conn())
                .await?;
        }
        Ok(progress_id)
    }

    /// Appends a progress report with its attachments ((name, content type, bytes)).
    pub async fn report_progress(
        &mut self,
        actor: &Actor,
        id: i64,
        body: &str,
        attachments: &[(String, String, Vec<u8>)],
    ) -> Result<i64> {
        let task = self.task_for_update(id).await?;
        let to = task
            .state()
            .after(TaskEvent::Report, task.claimed_by_person.is_some())
            .ok_or_else(|| refused(&task, "报送进展"))?;
        let progress_id = self.insert_progress(actor, id, body, attachments).await?;
        self.audit(
            actor,
            task_audit("progress", id, &task.region_code, format!("报送进展：{}（附件 {} 个）", task.title, attachments.len()), None, Some(json!({"body": body, "attachments": attachments.iter().map(|a| &a.0).collect::<Vec<_>>()}))),
        )
        .await?;
        if to != task.state() {
            self.move_task(
                actor,
                &task,
                to,
                format!("任务转为{}：{}", to.label(), task.title),
            )
            .await?;
        }
        Ok(progress_id)
    }

    pub async fn cancel_task(&mut self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        let task = self.task_for_update(id).await?;
        task.state()
            .after(TaskEvent::Cancel, task.claimed_by_person.is_some())
            .ok_or_else(|| refused(&task, "撤销"))?;
        self.move_task(
            actor,
            &task,
            TaskState::Cancelled,
            format!("撤销任务：{}（{reason}）", task.title),
        )
        .await
    }

    pub async fn complete_milestone(
        &mut self,
        actor: &Actor,
        task_id: i64,
        milestone_id: i64,
    ) -> Result<()> {
        let task = self.task_for_update(task_id).await?;
        let at = self.at.clone();
        let n = sqlx::query("UPDATE task_milestones SET done_at = $1 WHERE id = $2 AND task_id = $3 AND done_at IS NULL")
            .bind(at)
            .bind(milestone_id)
            .bind(task_id)
            .execute(self.conn())
            .await?
            .rows_affected();
        if n == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM task_milestones WHERE id = $1 AND task_id = $2")
                    .bind(milestone_id)
                    .bind(task_id)
                    .fetch_optional(self.conn())
                    .await?;
            return Err(match exists {
                Some(_) => StoreError::Conflict("该节点已完成".into()),
                None => StoreError::NotFound(format!("节点 {milestone_id}")),
            });
        }
        self.audit(
            actor,
            task_audit(
                "milestone",
                task_id,
                &task.region_code,
                format!("完成节点（任务：{}）", task.title),
                None,
                Some(json!({"milestone_id": milestone_id})),
            ),
        )
        .await
    }

    /// Marks open, claimed and in-progress tasks whose deadline or a milestone has passed as
    /// overdue, notifying the claimer and the owner department's users. Returns their ids.
    pub async fn sweep_overdue(&mut self, today: &str) -> Result<Vec<i64>> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT t.id FROM tasks t WHERE t.state IN ('open', 'claimed', 'in_progress') AND (t.deadline < $1 OR EXISTS \
             (SELECT 1 FROM task_milestones m WHERE m.task_id = t.id AND m.done_at IS NULL AND m.due < $1)) ORDER BY t.id",
        )
        .bind(today)
        .fetch_all(self.conn())
        .await?;
        let system = Actor::system("督办");
        let mut swept = Vec::with_capacity(due.len());
        for id in &due {
            let task = self.task_for_update(*id).await?;
            // Closed or already swept since the list was read (a parallel request or sweep).
            if task
                .state()
                .after(TaskEvent::PassDeadline, task.claimed_by_person.is_some())
                != Some(TaskState::Overdue)
            {
                continue;
            }
            swept.push(*id);
            let why = if task.deadline.as_str() < today {
                format!("已超过期限 {}", task.deadline)
            } else {
                "有节点逾期".to_string()
            };
            self.move_task(
                &system,
                &task,
                TaskState::Overdue,
                format!("任务逾期：{}（{why}）", task.title),
            )
            .await?;
            let mut users: Vec<i64> = sqlx::query_scalar(
                "SELECT claimed_by_user FROM tasks WHERE id = $1 AND claimed_by_user IS NOT NULL",
            )
            .bind(*id)
            .fetch_all(self.conn())
            .await?;
            let owners: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE active = 1 AND department_id = $1")
                    .bind(task.owner_department_id)
                    .fetch_all(self.conn())
                    .await?;
            users.extend(owners);
            users.sort_unstable();
            users.dedup();
            for u in users {
                self.notify(
                    u,
                    &format!("任务已逾期，请尽快办理：{}（{why}）", task.title),
                    *id,
                )
                .await?;
            }
        }
        Ok(swept)
    }

    pub async fn add_task_enterprise(
        &mut self,
        actor: &Actor,
        task_id: i64,
        enterprise_id: i64,
    ) -> Result<()> {
        let task = self.task_for_update(task_id).await?;
        let at = self.at.clone();
        sqlx::query(
            "INSERT INTO task_enterprises (task_id, enterprise_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(task_id)
        .bind(enterprise_id)
        .bind(at)
        .execute(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound(format!("企业 {enterprise_id}"))
            }
            _ => StoreError::unique(e, || "该企业已在服务清单中".into()),
        })?;
        self.audit(
            actor,
            task_audit(
                "serve",
                task_id,
                &task.region_code,
                format!("加入服务企业（任务：{}）", task.title),
                None,
                Some(json!({"enterprise_id": enterprise_id})),
            ),
        )
        .await
    }

    pub async fn add_service_action(
        &mut self,
        actor: &Actor,
        task_id: i64,
        enterprise_id: i64,
        action: &str,
        happened_on: &str,
    ) -> Result<i64> {
        let task = self.task_for_update(task_id).await?;
        let listed: Option<i64> = sqlx::query_scalar(
            "SELECT enterprise_id FROM task_enterprises WHERE task_id = $1 AND enterprise_id = $2",
        )
        .bind(task_id)
        .bind(enterprise_id)
        .fetch_optional(self.conn())
        .await?;
        if listed.is_none() {
            return Err(StoreError::Invalid(
                "先把企业加入服务清单，再记录服务".into(),
            ));
        }
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO service_actions (task_id, enterprise_id, action, happened_on, author_name, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(task_id)
        .bind(enterprise_id)
        .bind(action)
        .bind(happened_on)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            task_audit(
                "service",
                task_id,
                &task.region_code,
                format!("记录服务：{action}"),
                None,
                Some(json!({"enterprise_id": enterprise_id, "on": happened_on})),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn add_lead(&mut self, actor: &Actor, new: &NewLead) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO leads (region_code, task_id, track_id, chain_link, name, investor, estimated_investment, status, created_by_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'new', $8, $9) RETURNING id",
        )
        .bind(new.region_code.clone())
        .bind(new.task_id)
        .bind(new.track_id)
        .bind(new.chain_link.clone())
        .bind(new.name.clone())
        .bind(new.investor.clone())
        .bind(new.estimated_investment)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "lead",
                entity_id: id.to_string(),
                region_code: Some(new.region_code.clone()),
                summary: format!("新增招商线索：{}", new.name),
                before: None,
                after: Some(json!(new)),
            },
        )
        .await?;
        Ok(id)
    }

    pub async fn add_town_leader(
        &mut self,
        actor: &Actor,
        town_id: i64,
        person_id: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO town_leaders (town_id, person_id) VALUES ($1, $2)")
            .bind(town_id)
            .bind(person_id)
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || "包联领导重复".into()))?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "town_leader",
                entity_id: format!("{town_id}:{person_id}"),
                region_code: None,
                summary: "新增镇街包联领导".into(),
                before: None,
                after: Some(json!({"town_id": town_id, "person_id": person_id})),
            },
        )
        .await
    }
}

fn remedy_from_row(r: &sqlx::any::AnyRow) -> Result<Remedy> {
    Ok(Remedy {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        sector: r.try_get("sector")?,
        route: {
            let route: String = r.try_get("route")?;
            crate::decode::<Route>("route", &route)?;
            route
        },
        owner_department: r.try_get("owner_department")?,
        expected_effect: r.try_get("expected_effect")?,
        source: r.try_get("source")?,
        indicators: Vec::new(),
        tracks: Vec::new(),
    })
}

/// Escapes LIKE wildcards in a search term.
fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    pub async fn shortfall(&self, id: i64) -> Result<Option<(Shortfall, Vec<ShortfallLink>)>> {
        let Some(s) = sqlx::query_as::<_, Shortfall>(
            "SELECT id, region_code, period, indicator, indicator_name, real_growth_pct, target_growth_pct, shortfall_pp, sensitivity, \
             sentence, snapshot_json, analysis, created_by_name, created_at, closed_at, closed_by_name, close_note FROM shortfalls WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let links = crate::checked(sqlx::query_as::<_, ShortfallLink>(
            "SELECT l.kind, l.ref_id, CASE l.kind WHEN 'track' THEN (SELECT name FROM tracks WHERE id = l.ref_id) \
             WHEN 'town' THEN (SELECT name FROM towns WHERE id = l.ref_id) ELSE NULL END AS name \
             FROM shortfall_links l WHERE l.shortfall_id = $1 ORDER BY l.kind, l.ref_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)?;
        Ok(Some((s, links)))
    }

    /// The open shortfall of a region, indicator and period, if there is one.
    pub async fn open_shortfall_id(
        &self,
        region: &str,
        indicator: &str,
        period: &str,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM shortfalls WHERE region_code = $1 AND indicator = $2 AND period = $3 AND closed_at IS NULL",
        )
        .bind(region)
        .bind(indicator)
        .bind(period)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn shortfalls(&self, region: &str) -> Result<Vec<Shortfall>> {
        Ok(sqlx::query_as::<_, Shortfall>(
            "SELECT id, region_code, period, indicator, indicator_name, real_growth_pct, target_growth_pct, shortfall_pp, sensitivity, \
             sentence, snapshot_json, analysis, created_by_name, created_at, closed_at, closed_by_name, close_note FROM shortfalls WHERE region_code = $1 ORDER BY id DESC",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn fill_remedy_links(&self, remedies: &mut [Remedy]) -> Result<()> {
        for r in remedies.iter_mut() {
            r.indicators = sqlx::query_scalar(
                "SELECT indicator FROM remedy_indicators WHERE remedy_id = $1 ORDER BY indicator",
            )
            .bind(r.id)
            .fetch_all(&self.pool)
            .await?;
            r.tracks = sqlx::query_as::<_, (i64, String)>(
                "SELECT t.id, t.name FROM remedy_tracks rt JOIN tracks t ON t.id = rt.track_id WHERE rt.remedy_id = $1 ORDER BY t.ordinal",
            )
            .bind(r.id)
            .fetch_all(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// The remedy library, optionally filtered by a search term matched anywhere in a remedy's
    /// title, description, department, effect, source, or its tracks' and indicators' names
    /// ("家电" finds 智能家电).
    pub async fn remedies(&self, region: &str, query: Option<&str>) -> Result<Vec<Remedy>> {
        let q = query.map(str::trim).filter(|q| !q.is_empty());
        let rows = sqlx::query(
            "SELECT r.id, r.code, r.title, r.description, r.sector, r.route, r.owner_department, r.expected_effect, r.source \
             FROM remedies r WHERE r.region_code = $1 AND ($2 IS NULL OR r.title LIKE $2 ESCAPE '\\' OR r.description LIKE $2 ESCAPE '\\' \
             OR r.owner_department LIKE $2 ESCAPE '\\' OR r.expected_effect LIKE $2 ESCAPE '\\' OR r.source LIKE $2 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM remedy_tracks rt JOIN tracks t ON t.id = rt.track_id WHERE rt.remedy_id = r.id AND t.name LIKE $2 ESCAPE '\\') \
             OR EXISTS (SELECT 1 FROM remedy_indicators ri JOIN indicators i ON i.code = ri.indicator WHERE ri.remedy_id = r.id AND i.name LIKE $2 ESCAPE '\\')) \
             ORDER BY r.sector, r.code",
        )
        .bind(region)
        .bind(q.map(like_pattern))
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(remedy_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.fill_remedy_links(&mut out).await?;
        Ok(out)
    }

    pub async fn remedy(&self, id: i64) -> Result<Option<Remedy>> {
        let row = sqlx::query(
            "SELECT id, code, title, description, sector, route, owner_department, expected_effect, source FROM remedies WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut out = vec![remedy_from_row(&row)?];
        self.fill_remedy_links(&mut out).await?;
        Ok(out.pop())
    }

    /// Remedies for a shortfall, best first: two points for acting on its indicator, one for
    /// each shared track.
    pub async fn suggest_remedies(
        &self,
        region: &str,
        indicator: &str,
        track_ids: &[i64],
    ) -> Result<Vec<(Remedy, i64)>> {
        let mut scored: Vec<(Remedy, i64)> = self
            .remedies(region, None)
            .await?
            .into_iter()
            .map(|r| {
                let score = if r.indicators.iter().any(|k| k == indicator) {
                    2
                } else {
                    0
                } + r
                    .tracks
                    .iter()
                    .filter(|(id, _)| track_ids.contains(id))
                    .count() as i64;
                (r, score)
            })
            .filter(|(_, s)| *s > 0)
            .collect();
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.code.cmp(&b.0.code)));
        Ok(scored)
    }

    pub async fn task(&self, id: i64) -> Result<Option<TaskDetail>> {
        let Some(task) = sqlx::query_as::<_, TaskRow>(&format!("{TASK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let co_departments = sqlx::query_as::<_, (i64, String)>(
            "SELECT d.id, d.name FROM task_co_departments c JOIN departments d ON d.id = c.department_id WHERE c.task_id = $1 ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let milestones = sqlx::query_as::<_, Milestone>("SELECT id, title, due, done_at FROM task_milestones WHERE task_id = $1 ORDER BY due, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let reports: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT id, body, author_name, at FROM task_progress WHERE task_id = $1 ORDER BY at DESC, id DESC")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let attachments = sqlx::query_as::<_, AttachmentMeta>(
            "SELECT a.id, a.progress_id, a.file_name, a.content_type, a.size FROM attachments a \
             JOIN task_progress p ON p.id = a.progress_id WHERE p.task_id = $1 ORDER BY a.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let progress = reports
            .into_iter()
            .map(|(pid, body, author_name, at)| ProgressReport {
                id: pid,
                body,
                author_name,
                at,
                attachments: attachments
                    .iter()
                    .filter(|a| a.progress_id == pid)
                    .cloned()
                    .collect(),
            })
            .collect();
        let enterprises = sqlx::query_as::<_, ServedEnterprise>(
            "SELECT e.id AS enterprise_id, e.name, e.uscc, te.added_at, e.town_id FROM task_enterprises te JOIN enterprises e ON e.id = te.enterprise_id \
             WHERE te.task_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let actions = sqlx::query_as::<_, ServiceAction>(
            "SELECT s.id, s.enterprise_id, e.name AS enterprise_name, s.action, s.happened_on, s.author_name, e.town_id AS enterprise_town_id FROM service_actions s \
             JOIN enterprises e ON e.id = s.enterprise_id WHERE s.task_id = $1 ORDER BY s.happened_on DESC, s.id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let leads = self.leads_where("l.task_id = $1", id).await?;
        Ok(Some(TaskDetail {
            task,
            co_departments,
            milestones,
            progress,
            enterprises,
            actions,
            leads,
        }))
    }

    async fn leads_where(&self, condition: &str, value: i64) -> Result<Vec<Lead>> {
        let rows = sqlx::query_as::<_, Lead>(&format!(
            "SELECT l.id, l.task_id, l.track_id, t.name AS track_name, l.chain_link, l.name, l.investor, l.estimated_investment, l.status, \
             l.created_by_name, l.created_at FROM leads l LEFT JOIN tracks t ON t.id = l.track_id WHERE {condition} ORDER BY l.id"
        ))
        .bind(value)
        .fetch_all(&self.pool)
        .await?;
        for lead in &rows {
            crate::check_code("lead status", "status", &lead.status, &LEAD_STATUSES)?;
        }
        Ok(rows)
    }

    pub async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>> {
        Ok(sqlx::query_as::<_, TaskRow>(&format!(
            "{TASK_SELECT} WHERE t.region_code = $1 AND ($2 IS NULL OR t.state = $2) AND ($3 IS NULL OR t.claimed_by_person = $3) \
             AND ($4 = 0 OR t.claimed_by_person IS NULL) ORDER BY t.deadline, t.id"
        ))
        .bind(filter.region.clone())
        .bind(filter.state.map(|s| s.code()))
        .bind(filter.claimed_by_person)
        .bind(i64::from(filter.unclaimed))
        .fetch_all(&self.pool)
        .await?)
    }

    /// (task id, co-department id) of every task of a region.
    pub async fn task_co_departments(&self, region: &str) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as::<_, (i64, i64)>(
            "SELECT c.task_id, c.department_id FROM task_co_departments c JOIN tasks t ON t.id = c.task_id WHERE t.region_code = $1",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether a person answers for a track (lead or responsible leader) or a town (包联).
    pub async fn person_covers(
        &self,
        person_id: i64,
        track_id: Option<i64>,
        town_id: Option<i64>,
    ) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ( \
               SELECT id FROM tracks WHERE id = $2 AND lead_leader_id = $1 \
               UNION ALL SELECT track_id FROM track_responsible_leaders WHERE track_id = $2 AND person_id = $1 \
               UNION ALL SELECT town_id FROM town_leaders WHERE town_id = $3 AND person_id = $1) c",
        )
        .bind(person_id)
        .bind(track_id)
        .bind(town_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn attachment(&self, id: i64) -> Result<Option<(i64, String, String, Vec<u8>)>> {
        Ok(sqlx::query_as::<_, (i64, String, String, Vec<u8>)>(
            "SELECT p.task_id, a.file_name, a.content_type, a.data FROM attachments a JOIN task_progress p ON p.id = a.progress_id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn notifications(
        &self,
        user_id: i64,
        unread_only: bool,
    ) -> Result<Vec<Notification>> {
        Ok(sqlx::query_as::<_, Notification>(
            "SELECT id, text, task_id, created_at, read_at FROM notifications WHERE user_id = $1 AND ($2 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT 100",
        )
        .bind(user_id)
        .bind(i64::from(unread_only))
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many of a user's notifications are unread (the top bar's badge).
    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Marks a user's notifications read: all of them, or only notification `only` (which must
    /// be the user's; another user's is not found). Returns how many were unread. When any
    /// were, the data version moves too (under its own scope, see [`NOTIFICATIONS_SCOPE`]), so
    /// that pages cached with them shown as new, and their badge, are rendered again.
    pub async fn mark_notifications_read(&self, user_id: i64, only: Option<i64>) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        if let Some(id) = only {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT user_id FROM notifications WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if owner != Some(user_id) {
                return Err(StoreError::NotFound(format!("消息 {id}")));
            }
        }
        let marked = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
        )
        .bind(crate::timestamp(self.now()))
        .bind(user_id)
        .bind(only)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked > 0 {
            sqlx::query(
                "INSERT INTO data_versions (scope, version) VALUES ($1, 1) \
                 ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1",
            )
            .bind(NOTIFICATIONS_SCOPE)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Every task of a region under its owner department and under its town, as the ranking
    /// (赛马, `analytics::ranking`) counts them.
    pub async fn task_rank_rows(&self, region: &str) -> Result<Vec<RankTaskRow>> {
        Ok(sqlx::query_as::<_, RankTaskRow>(
            "SELECT 'department' AS kind, d.id AS unit_id, d.name, t.state, t.deadline, t.done_at FROM tasks t JOIN departments d ON d.id = t.owner_department_id WHERE t.region_code = $1 \
             UNION ALL SELECT 'town' AS kind, tw.id AS unit_id, tw.name, t.state, t.deadline, t.done_at FROM tasks t JOIN towns tw ON tw.id = t.town_id WHERE t.region_code = $1",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Whether any live task is past its deadline or a milestone's as of `today` (what
    /// [`WriteTx::sweep_overdue`] would mark), read without a write lock.
    pub async fn any_task_past_due(&self, today: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT t.id FROM tasks t WHERE t.state IN ('open', 'claimed', 'in_progress') AND (t.deadline < $1 OR EXISTS \
             (SELECT 1 FROM task_milestones m WHERE m.task_id = t.id AND m.done_at IS NULL AND m.due < $1)) LIMIT 1",
        )
        .bind(today)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }
}
