//! The data of supervision (督办): urges (催办), reassignments (改派), extension requests (延期),
//! leaders' instructions (领导批示) and the completion reports (办结 with 成效 and 佐证) that wait
//! for the office's acceptance (验收) or return (退回). Each move locks the task's row, checks
//! its state as it is now, writes its history row, moves the task, notifies the people it
//! concerns and is audited — all in the caller's one write transaction.

use crate::claim::{refused, task_audit, TaskRow};
use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::{TaskEvent, TaskState};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

/// The decisions an extension request may get.
pub const EXTENSION_DECISIONS: [&str; 2] = ["approved", "refused"];
/// The decisions a completion report may get.
pub const COMPLETION_DECISIONS: [&str; 2] = ["accepted", "returned"];

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Urge {
    pub id: i64,
    pub note: String,
    pub by_name: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Reassignment {
    pub id: i64,
    /// "认领领导 张三 → 李四；责任部门 工信局 → 商务局".
    pub summary: String,
    pub reason: String,
    pub by_name: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Extension {
    pub id: i64,
    pub old_deadline: String,
    pub requested_deadline: String,
    pub reason: String,
    pub requested_by_name: String,
    pub requested_at: String,
    /// None while pending; "approved" or "refused".
    pub decision: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: String,
}

impl Extension {
    pub fn pending(&self) -> bool {
        self.decision.is_none()
    }

    pub fn decision_label(&self) -> &'static str {
        match self.decision.as_deref() {
            Some("approved") => "已批准",
            Some(_) => "未批准",
            None => "待审批",
        }
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Completion {
    pub id: i64,
    pub outcome: String,
    pub realised_pp: Option<f64>,
    /// The progress report carrying its evidence (佐证) as attachments.
    pub progress_id: i64,
    pub submitted_by_name: String,
    pub submitted_at: String,
    /// None while waiting; "accepted" or "returned".
    pub decision: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub return_reason: String,
}

impl Completion {
    pub fn decision_label(&self) -> &'static str {
        match self.decision.as_deref() {
            Some("accepted") => "已验收",
            Some(_) => "已退回",
            None => "待验收",
        }
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Instruction {
    pub id: i64,
    pub body: String,
    pub author_name: String,
    pub at: String,
}

/// An extension request waiting for a decision, with its task.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct PendingExtension {
    pub task_id: i64,
    pub title: String,
    pub town_id: Option<i64>,
    pub id: i64,
    pub old_deadline: String,
    pub requested_deadline: String,
    pub reason: String,
    pub requested_by_name: String,
    pub requested_at: String,
}

/// A task's supervision history, newest first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskSupervision {
    pub urges: Vec<Urge>,
    pub reassignments: Vec<Reassignment>,
    pub extensions: Vec<Extension>,
    pub completions: Vec<Completion>,
    pub instructions: Vec<Instruction>,
}

impl TaskSupervision {
    /// The extension request waiting for a decision, if any.
    pub fn pending_extension(&self) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.pending())
    }
}

/// A reassignment as the store applies it: the new leader (person) and/or department.
#[derive(Debug, Clone, Default)]
pub struct Reassign {
    pub to_person: Option<i64>,
    pub to_department: Option<i64>,
    pub reason: String,
}

/// A completion report: what was achieved, the realised pp, and the evidence files
/// ((name, content type, bytes)).
#[derive(Debug, Clone)]
pub struct NewCompletion {
    pub outcome: String,
    pub realised_pp: Option<f64>,
    pub files: Vec<(String, String, Vec<u8>)>,
}

/// A move refused because the task is not in the state it needs: a conflict with what another
/// request did, or with where the task stands.
fn not_in_state(task: &TaskRow, verb: &str) -> StoreError {
    StoreError::Conflict(format!("任务{}，不能{verb}", task.state().label()))
}

impl WriteTx {
    /// The users who answer for a task: the claimer's accounts and its owner department's.
    async fn task_people(&mut self, task_id: i64) -> Result<Vec<i64>> {
        let mut users: Vec<i64> = sqlx::query_scalar(
            "SELECT u.id FROM users u JOIN tasks t ON t.id = $1 WHERE u.active = 1 AND \
             ((t.claimed_by_person IS NOT NULL AND u.person_id = t.claimed_by_person) \
              OR (t.owner_department_id IS NOT NULL AND u.department_id = t.owner_department_id AND u.role = 'department'))",
        )
        .bind(task_id)
        .fetch_all(self.conn())
        .await?;
        users.sort_unstable();
        users.dedup();
        Ok(users)
    }

    async fn notify_all(&mut self, users: &[i64], text: &str, task_id: i64) -> Result<()> {
        for u in users {
            self.notify(*u, text, task_id).await?;
        }
        Ok(())
    }

    /// Locks the task and refuses, as a conflict, when `person` no longer holds its claim: a
    /// claimer's own move (办结, 申请延期) was allowed on what the caller read before the write
    /// began, and a parallel 改派 may have moved the task to someone else since.
    pub async fn hold_claim(&mut self, id: i64, person: i64) -> Result<()> {
        let task = self.task_for_update(id).await?;
        if task.claimed_by_person == Some(person) {
            return Ok(());
        }
        Err(StoreError::Conflict(format!(
            "任务已改派给{}，不再由您办理",
            task.claimed_by_name.as_deref().unwrap_or("他人")
        )))
    }

    /// 催办: records the urge and notifies the claimer and the owner department.
    pub async fn urge_task(&mut self, actor: &Actor, id: i64, note: &str) -> Result<i64> {
        let task = self.task_for_update(id).await?;
        if task.state().is_closed() {
            return Err(not_in_state(&task, "催办"));
        }
        let at = self.at.clone();
        let urge_id: i64 = sqlx::query_scalar(
            "INSERT INTO task_urges (task_id, note, by_user_id, by_name, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(id)
        .bind(note)
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            task_audit(
                "urge",
                id,
                &task.region_code,
                format!("催办任务：{}", task.title),
                None,
                Some(json!({"note": note})),
            ),
        )
        .await?;
        let users = self.task_people(id).await?;
        let text = if note.is_empty() {
            format!("【催办】{} 催办任务：{}", actor.name, task.title)
        } else {
            format!("【催办】{} 催办任务：{}（{note}）", actor.name, task.title)
        };
        self.notify_all(&users, &text, id).await?;
        Ok(urge_id)
    }

    /// 改派: moves the task to another leader and/or department, keeps the history and tells
    /// the new assignees.
    pub async fn reassign_task(&mut self, actor: &Actor, id: i64, r: &Reassign) -> Result<()> {
        let task = self.task_for_update(id).await?;
        if task.state().is_closed() || task.state() == TaskState::Submitted {
            return Err(not_in_state(&task, "改派"));
        }
        let mut parts = Vec::new();
        if let Some(p) = r.to_person {
            if task.claimed_by_person == Some(p) {
                return Err(StoreError::Invalid("该领导已是任务的认领领导".into()));
            }
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM people WHERE id = $1 AND region_code = $2")
                    .bind(p)
                    .bind(task.region_code.clone())
                    .fetch_optional(self.conn())
                    .await?;
            let name = name.ok_or_else(|| StoreError::NotFound(format!("领导 {p}")))?;
            parts.push(format!(
                "认领领导 {} → {name}",
                task.claimed_by_name.as_deref().unwrap_or("（待认领）")
            ));
            let user: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM users WHERE person_id = $1 AND active = 1 ORDER BY id LIMIT 1",
            )
            .bind(p)
            .fetch_optional(self.conn())
            .await?;
            let state = if task.state() == TaskState::Open {
                TaskState::Claimed
            } else {
                task.state()
            };
            sqlx::query(
                "UPDATE tasks SET claimed_by_person = $1, claimed_by_user = $2, claimed_at = $3, updated_at = $3, state = $4 WHERE id = $5",
            )
            .bind(p)
            .bind(user)
            .bind(self.at.clone())
            .bind(state.code())
            .bind(id)
            .execute(self.conn())
            .await?;
        }
        if let Some(d) = r.to_department {
            if task.owner_department_id == Some(d) {
                return Err(StoreError::Invalid("该部门已是任务的责任部门".into()));
            }
            let name: Option<String> = sqlx::query_scalar(
                "SELECT name FROM departments WHERE id = $1 AND region_code = $2",
            )
            .bind(d)
            .bind(task.region_code.clone())
            .fetch_optional(self.conn())
            .await?;
            let name = name.ok_or_else(|| StoreError::NotFound(format!("部门 {d}")))?;
            parts.push(format!(
                "责任部门 {} → {name}",
                task.owner_department_name.as_deref().unwrap_or("（未定）")
            ));
            sqlx::query("UPDATE tasks SET owner_department_id = $1, updated_at = $2 WHERE id = $3")
                .bind(d)
                .bind(self.at.clone())
                .bind(id)
                .execute(self.conn())
                .await?;
        }
        if parts.is_empty() {
            return Err(StoreError::Invalid("请选择改派给哪位领导或哪个部门".into()));
        }
        let summary = parts.join("；");
        sqlx::query(
            "INSERT INTO task_reassignments (task_id, from_person, to_person, from_department_id, to_department_id, summary, reason, by_name, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(task.claimed_by_person)
        .bind(r.to_person.or(task.claimed_by_person))
        .bind(task.owner_department_id)
        .bind(r.to_department.or(task.owner_department_id))
        .bind(summary.clone())
        .bind(r.reason.clone())
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .execute(self.conn())
        .await?;
        self.audit(
            actor,
            task_audit(
                "reassign",
                id,
                &task.region_code,
                format!("改派任务：{}（{summary}；原因：{}）", task.title, r.reason),
                Some(json!({"claimed_by_person": task.claimed_by_person, "owner_department_id": task.owner_department_id})),
                Some(json!({"claimed_by_person": r.to_person.or(task.claimed_by_person), "owner_department_id": r.to_department.or(task.owner_department_id)})),
            ),
        )
        .await?;
        let mut users: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE active = 1 AND ((person_id IS NOT NULL AND person_id = $1) \
             OR (department_id IS NOT NULL AND department_id = $2 AND role = 'department'))",
        )
        .bind(r.to_person)
        .bind(r.to_department)
        .fetch_all(self.conn())
        .await?;
        users.sort_unstable();
        users.dedup();
        let text = format!(
            "【改派】任务改派给您：{}（{summary}；原因：{}）",
            task.title, r.reason
        );
        self.notify_all(&users, &text, id).await
    }

    /// 延期 requested by the claimer; one request waits at a time.
    pub async fn request_extension(
        &mut self,
        actor: &Actor,
        id: i64,
        new_deadline: &str,
        reason: &str,
    ) -> Result<i64> {
        let task = self.task_for_update(id).await?;
        if task.state().is_closed() || task.state() == TaskState::Submitted {
            return Err(not_in_state(&task, "申请延期"));
        }
        if new_deadline <= task.deadline.as_str() {
            return Err(StoreError::Invalid(format!(
                "新期限 {new_deadline} 应晚于现行期限 {}",
                task.deadline
            )));
        }
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM task_extensions WHERE task_id = $1 AND decision IS NULL",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        if let Some(p) = pending {
            return Err(StoreError::Conflict(format!(
                "已有待审批的延期申请（申请 {p}），请等待办公室审批"
            )));
        }
        let ext: i64 = sqlx::query_scalar(
            "INSERT INTO task_extensions (task_id, old_deadline, requested_deadline, reason, requested_by_user, requested_by_name, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind(task.deadline.clone())
        .bind(new_deadline)
        .bind(reason)
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            task_audit(
                "extension_request",
                id,
                &task.region_code,
                format!(
                    "申请延期：{}（{} → {new_deadline}；{reason}）",
                    task.title, task.deadline
                ),
                Some(json!({"deadline": task.deadline})),
                Some(json!({"requested_deadline": new_deadline, "reason": reason})),
            ),
        )
        .await?;
        Ok(ext)
    }

    /// The office approves or refuses an extension request. Approval moves the deadline in
    /// force (the original stays on record) and lets an overdue task run again.
    pub async fn decide_extension(
        &mut self,
        actor: &Actor,
        id: i64,
        extension_id: i64,
        approve: bool,
        note: &str,
    ) -> Result<()> {
        let task = self.task_for_update(id).await?;
        let sql = format!(
            "SELECT requested_deadline, decision, requested_by_user FROM task_extensions WHERE id = $1 AND task_id = $2{}",
            self.for_update()
        );
        let row: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(&sql)
            .bind(extension_id)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let Some((requested, decision, requester)) = row else {
            return Err(StoreError::NotFound(format!("延期申请 {extension_id}")));
        };
        if decision.is_some() {
            return Err(StoreError::Conflict(format!(
                "延期申请 {extension_id} 已审批"
            )));
        }
        let to = if approve {
            Some(
                task.state()
                    .after(TaskEvent::Extend, task.claimed_by_person.is_some())
                    .ok_or_else(|| not_in_state(&task, "延期"))?,
            )
        } else {
            None
        };
        let code = if approve { "approved" } else { "refused" };
        sqlx::query(
            "UPDATE task_extensions SET decision = $1, decided_by_name = $2, decided_at = $3, decision_note = $4 WHERE id = $5",
        )
        .bind(code)
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .bind(note)
        .bind(extension_id)
        .execute(self.conn())
        .await?;
        if let Some(to) = to {
            sqlx::query("UPDATE tasks SET deadline = $1, updated_at = $2 WHERE id = $3")
                .bind(requested.clone())
                .bind(self.at.clone())
                .bind(id)
                .execute(self.conn())
                .await?;
            if to != task.state() {
                self.move_task(
                    actor,
                    &task,
                    to,
                    format!("延期后任务转为{}：{}", to.label(), task.title),
                )
                .await?;
            }
        }
        let verdict = if approve { "批准" } else { "未批准" };
        let in_force = if approve {
            requested.clone()
        } else {
            task.deadline.clone()
        };
        self.audit(
            actor,
            task_audit(
                "extension_decision",
                id,
                &task.region_code,
                format!(
                    "{verdict}延期：{}（{} → {requested}）",
                    task.title, task.deadline
                ),
                Some(json!({"deadline": task.deadline})),
                Some(json!({"decision": code, "deadline": in_force, "note": note})),
            ),
        )
        .await?;
        let mut users = self.task_people(id).await?;
        users.extend(requester);
        users.sort_unstable();
        users.dedup();
        let text = format!(
            "【延期】延期申请{verdict}：{}（申请期限 {requested}）",
            task.title
        );
        self.notify_all(&users, &text, id).await
    }

    /// 办结: the claimer reports the task done with what it achieved and evidence; it waits
    /// for acceptance. Returns the progress report carrying the evidence.
    pub async fn submit_completion(
        &mut self,
        actor: &Actor,
        id: i64,
        c: &NewCompletion,
    ) -> Result<i64> {
        let task = self.task_for_update(id).await?;
        let to = task
            .state()
            .after(TaskEvent::Complete, task.claimed_by_person.is_some())
            .ok_or_else(|| {
                if task.state() == TaskState::Submitted {
                    not_in_state(&task, "再次办结")
                } else {
                    refused(&task, "办结")
                }
            })?;
        let at = self.at.clone();
        let body = match c.realised_pp {
            Some(pp) => format!("办结报告：{}（实际拉动 {pp:.2} 个百分点）", c.outcome),
            None => format!("办结报告：{}", c.outcome),
        };
        let progress_id = self.insert_progress(actor, id, &body, &c.files).await?;
        sqlx::query(
            "INSERT INTO task_completions (task_id, outcome, realised_pp, progress_id, submitted_by_user, submitted_by_name, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(c.outcome.clone())
        .bind(crate::nullable::opt_f64(c.realised_pp))
        .bind(progress_id)
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(at)
        .execute(self.conn())
        .await?;
        self.move_task(
            actor,
            &task,
            to,
            format!(
                "办结任务，待验收：{}（佐证 {} 个）",
                task.title,
                c.files.len()
            ),
        )
        .await?;
        Ok(progress_id)
    }

    /// 验收 (accept) or 退回 (return, with a reason) a task waiting for acceptance. Of two
    /// decisions racing on one task, one wins and the other is a conflict.
    pub async fn decide_completion(
        &mut self,
        actor: &Actor,
        id: i64,
        accept: bool,
        reason: &str,
    ) -> Result<()> {
        let task = self.task_for_update(id).await?;
        let verb = if accept { "验收" } else { "退回" };
        let event = if accept {
            TaskEvent::Accept
        } else {
            TaskEvent::Return
        };
        let to = task
            .state()
            .after(event, task.claimed_by_person.is_some())
            .ok_or_else(|| not_in_state(&task, verb))?;
        let code = if accept { "accepted" } else { "returned" };
        let n = sqlx::query(
            "UPDATE task_completions SET decision = $1, decided_by_name = $2, decided_at = $3, return_reason = $4 \
             WHERE task_id = $5 AND decision IS NULL",
        )
        .bind(code)
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .bind(reason)
        .bind(id)
        .execute(self.conn())
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::Conflict(format!(
                "任务 {id} 没有待验收的办结报告"
            )));
        }
        let summary = if accept {
            format!("验收通过：{}", task.title)
        } else {
            format!("退回任务：{}（{reason}）", task.title)
        };
        self.move_task(actor, &task, to, summary).await?;
        let users = self.task_people(id).await?;
        let text = if accept {
            format!("【验收】任务已验收通过：{}", task.title)
        } else {
            format!("【退回】任务被退回，请继续办理：{}（{reason}）", task.title)
        };
        self.notify_all(&users, &text, id).await
    }

    /// 领导批示 on a task: recorded, audited, and sent to its claimer and owner department.
    pub async fn instruct_task(&mut self, actor: &Actor, id: i64, body: &str) -> Result<i64> {
        let task = self.task_for_update(id).await?;
        let iid = self.insert_instruction(actor, Some(id), None, body).await?;
        self.audit(
            actor,
            task_audit(
                "instruction",
                id,
                &task.region_code,
                format!("领导批示（任务：{}）：{body}", task.title),
                None,
                Some(json!({"body": body})),
            ),
        )
        .await?;
        let users = self.task_people(id).await?;
        let text = format!(
            "【批示】{} 批示：{body}（任务：{}）",
            actor.name, task.title
        );
        self.notify_all(&users, &text, id).await?;
        Ok(iid)
    }

    /// 领导批示 on a project: recorded and audited.
    pub async fn instruct_project(
        &mut self,
        actor: &Actor,
        project_id: i64,
        body: &str,
    ) -> Result<i64> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT region_code, name FROM projects WHERE id = $1")
                .bind(project_id)
                .fetch_optional(self.conn())
                .await?;
        let Some((region, _name)) = row else {
            return Err(StoreError::NotFound(format!("项目 {project_id}")));
        };
        let iid = self
            .insert_instruction(actor, None, Some(project_id), body)
            .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "instruction",
                entity: "project",
                entity_id: project_id.to_string(),
                region_code: Some(region),
                summary: format!("领导批示（项目 {project_id}）：{body}"),
                before: None,
                after: Some(json!({"body": body})),
            },
        )
        .await?;
        Ok(iid)
    }

    async fn insert_instruction(
        &mut self,
        actor: &Actor,
        task: Option<i64>,
        project: Option<i64>,
        body: &str,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO instructions (task_id, project_id, body, author_user_id, author_name, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(task)
        .bind(project)
        .bind(body)
        .bind(actor.user_id)
        .bind(actor.name.clone())
        .bind(self.at.clone())
        .fetch_one(self.conn())
        .await?)
    }
}

impl Store {
    /// A task's supervision history, newest first; decision codes are read strictly.
    pub async fn task_supervision(&self, id: i64) -> Result<TaskSupervision> {
        let urges = sqlx::query_as::<_, Urge>(
            "SELECT id, note, by_name, at FROM task_urges WHERE task_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let reassignments = sqlx::query_as::<_, Reassignment>(
            "SELECT id, summary, reason, by_name, at FROM task_reassignments WHERE task_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let extensions = sqlx::query_as::<_, Extension>(
            "SELECT id, old_deadline, requested_deadline, reason, requested_by_name, requested_at, decision, decided_by_name, decided_at, \
             decision_note FROM task_extensions WHERE task_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        for e in &extensions {
            if let Some(d) = &e.decision {
                crate::check_code(
                    "extension decision",
                    "task_extensions.decision",
                    d,
                    &EXTENSION_DECISIONS,
                )?;
            }
        }
        let completions = sqlx::query_as::<_, Completion>(
            "SELECT id, outcome, realised_pp, progress_id, submitted_by_name, submitted_at, decision, decided_by_name, decided_at, \
             return_reason FROM task_completions WHERE task_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        for c in &completions {
            if let Some(d) = &c.decision {
                crate::check_code(
                    "completion decision",
                    "task_completions.decision",
                    d,
                    &COMPLETION_DECISIONS,
                )?;
            }
        }
        let instructions = self.instructions("task_id", id).await?;
        Ok(TaskSupervision {
            urges,
            reassignments,
            extensions,
            completions,
            instructions,
        })
    }

    /// A project's instructions, newest first.
    pub async fn project_instructions(&self, project_id: i64) -> Result<Vec<Instruction>> {
        self.instructions("project_id", project_id).await
    }

    async fn instructions(&self, column: &'static str, id: i64) -> Result<Vec<Instruction>> {
        Ok(sqlx::query_as::<_, Instruction>(&format!(
            "SELECT id, body, author_name, at FROM instructions WHERE {column} = $1 ORDER BY id DESC"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Extension requests waiting for the office's decision, oldest first:
    /// (task id, task title, town id, the request).
    pub async fn pending_extensions(&self, region: &str) -> Result<Vec<PendingExtension>> {
        Ok(sqlx::query_as::<_, PendingExtension>(
            "SELECT t.id AS task_id, t.title, t.town_id, e.id, e.old_deadline, e.requested_deadline, e.reason, e.requested_by_name, e.requested_at \
             FROM task_extensions e JOIN tasks t ON t.id = e.task_id WHERE t.region_code = $1 AND e.decision IS NULL ORDER BY e.id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The leaders of a region (people with an active leader account), for 改派.
    pub async fn region_leaders(&self, region: &str) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as::<_, (i64, String)>(
            "SELECT DISTINCT p.id, p.name FROM people p JOIN users u ON u.person_id = p.id \
             WHERE p.region_code = $1 AND u.role = 'leader' AND u.active = 1 ORDER BY p.id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }
}
