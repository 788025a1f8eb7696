//! Supervision moves on a task (督办): 催办, 改派, 延期 (request and decision), 领导批示, 办结
//! with 成效 and 佐证, and the office's 验收 or 退回. Each is one typed [`TaskMove`] that pages and
//! the API build alike and hand to [`supervise`]: the role check (`domain::supervision`), the
//! input's bounds, then one audited write transaction in the store.

use domain::supervision::{Move, MAX_EXTENSION_DAYS};
use domain::{attachment, BoundedText};
use store::supervision::{NewCompletion, Reassign, TaskSupervision};
use store::Store;

use super::tasks::{covers, facts, read_task, Attachment};
use super::{find_department, today, Caller, Ref};
use crate::Error;

/// One supervision move on a task.
#[derive(Debug, Clone)]
pub enum TaskMove {
    /// 催办, with an optional note.
    Urge { note: String },
    /// 改派 to another leader (a person id) and/or department, with a reason.
    Reassign {
        leader: Option<i64>,
        department: Option<Ref>,
        reason: String,
    },
    /// 延期 requested by the claimer: the new deadline (ISO date) and why.
    RequestExtension { deadline: String, reason: String },
    /// The office's decision on an extension request.
    DecideExtension {
        extension_id: i64,
        approve: bool,
        note: String,
    },
    /// 领导批示.
    Instruct { body: String },
    /// 办结: what was achieved (成效), the realised pp if measurable, evidence (佐证, at least
    /// one file), and the explicit confirmation of an irreversible move.
    Complete {
        outcome: String,
        realised_pp: Option<f64>,
        evidence: Vec<Attachment>,
        confirmed: bool,
    },
    /// 验收.
    Accept,
    /// 退回, with a reason.
    Return { reason: String },
}

impl TaskMove {
    fn kind(&self) -> Option<Move> {
        Some(match self {
            TaskMove::Urge { .. } => Move::Urge,
            TaskMove::Reassign { .. } => Move::Reassign,
            TaskMove::RequestExtension { .. } => Move::RequestExtension,
            TaskMove::DecideExtension { .. } => Move::DecideExtension,
            TaskMove::Instruct { .. } => Move::Instruct,
            TaskMove::Accept => Move::Accept,
            TaskMove::Return { .. } => Move::Return,
            // 办结 keeps the rule it had: the claimer or the office (`Principal::can_complete`).
            TaskMove::Complete { .. } => return None,
        })
    }
}

fn text(value: &str, field: &str, name: &str, max: usize) -> Result<String, Error> {
    BoundedText::parse_multiline(value.trim(), name, max)
        .map(BoundedText::into_string)
        .map_err(|e| Error::invalid_field(field, e.to_string()))
}

/// The explicit confirmation an irreversible move needs (办结, 撤销, a project's stage): the
/// page asks in a dialog and sends `confirm`; the API must send `"confirm": true`.
pub fn require_confirmation(confirmed: bool, what: &str) -> Result<(), Error> {
    if confirmed {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "confirm",
            format!("{what}后不可撤回，请确认后再提交"),
        ))
    }
}

/// A leader's right to his claimer's moves, checked again under the write's lock: a 改派 that
/// committed since the task was read makes the move a conflict. The office's right does not
/// rest on the claim.
async fn hold_claim(
    tx: &mut store::WriteTx,
    p: &domain::Principal,
    task_id: i64,
) -> Result<(), Error> {
    match p.person_id {
        Some(person) if !p.role.is_office() => Ok(tx.hold_claim(task_id, person).await?),
        _ => Ok(()),
    }
}

/// Applies a supervision move to a task the caller may read, in one audited transaction.
pub async fn supervise(
    store: &Store,
    caller: Caller<'_>,
    task_id: i64,
    mv: &TaskMove,
) -> Result<(), Error> {
    let d = read_task(store, caller.principal, task_id).await?;
    let f = facts(&d);
    let p = caller.principal;
    match mv.kind() {
        Some(kind) => {
            let covers = covers(store, p, &d.task).await?;
            if !p.may_supervise(kind, &f, covers) {
                return Err(Error::Forbidden(kind.who().into()));
            }
        }
        None => {
            if !p.can_complete(&f) {
                return Err(Error::Forbidden(
                    "只有认领领导或经济运行办公室可以办结任务".into(),
                ));
            }
        }
    }
    let actor = caller.actor;
    match mv {
        TaskMove::Urge { note } => {
            let note = match note.trim() {
                "" => String::new(),
                n => text(n, "note", "催办说明", 500)?,
            };
            let mut tx = store.begin_write().await?;
            tx.urge_task(actor, task_id, &note).await?;
            tx.commit().await?;
        }
        TaskMove::Reassign {
            leader,
            department,
            reason,
        } => {
            let reason = text(reason, "reason", "改派原因", 500)?;
            if leader.is_none() && department.is_none() {
                return Err(Error::invalid_field(
                    "leader",
                    "请选择改派给哪位领导或哪个部门",
                ));
            }
            if let Some(l) = leader {
                if !store
                    .region_leaders(&d.task.region_code)
                    .await?
                    .iter()
                    .any(|(id, _)| id == l)
                {
                    return Err(Error::invalid_field(
                        "leader",
                        format!("领导 {l} 不是本地区的市领导"),
                    ));
                }
            }
            let to_department = match department {
                Some(r) => Some(find_department(
                    &store.departments(&d.task.region_code).await?,
                    r,
                )?),
                None => None,
            };
            let mut tx = store.begin_write().await?;
            tx.reassign_task(
                actor,
                task_id,
                &Reassign {
                    to_person: *leader,
                    to_department,
                    reason,
                },
            )
            .await?;
            tx.commit().await?;
        }
        TaskMove::RequestExtension { deadline, reason } => {
            let new = domain::period::parse_date(deadline.trim()).map_err(|_| {
                Error::invalid_field("deadline", format!("新期限“{deadline}”格式应为 2025-12-31"))
            })?;
            let reason = text(reason, "reason", "延期原因", 500)?;
            let current = domain::period::parse_date(&d.task.deadline)
                .map_err(|_| Error::Conflict(format!("任务 {task_id} 的期限无法识别")))?;
            if new <= current {
                return Err(Error::invalid_field(
                    "deadline",
                    format!(
                        "新期限 {} 应晚于现行期限 {}",
                        domain::period::format_date(new),
                        d.task.deadline
                    ),
                ));
            }
            if (new - current).whole_days() > MAX_EXTENSION_DAYS {
                return Err(Error::invalid_field(
                    "deadline",
                    format!(
                        "新期限 {} 超出现行期限 {} 一年以上；延期最多 {MAX_EXTENSION_DAYS} 天",
                        domain::period::format_date(new),
                        d.task.deadline
                    ),
                ));
            }
            if new < today(store) {
                return Err(Error::invalid_field("deadline", "新期限不能早于今天"));
            }
            let mut tx = store.begin_write().await?;
            hold_claim(&mut tx, p, task_id).await?;
            tx.request_extension(actor, task_id, &domain::period::format_date(new), &reason)
                .await?;
            tx.commit().await?;
        }
        TaskMove::DecideExtension {
            extension_id,
            approve,
            note,
        } => {
            let note = match note.trim() {
                "" => String::new(),
                n => text(n, "note", "审批意见", 500)?,
            };
            let mut tx = store.begin_write().await?;
            tx.decide_extension(actor, task_id, *extension_id, *approve, &note)
                .await?;
            tx.commit().await?;
        }
        TaskMove::Instruct { body } => {
            let body = text(body, "body", "批示内容", 2000)?;
            let mut tx = store.begin_write().await?;
            tx.instruct_task(actor, task_id, &body).await?;
            tx.commit().await?;
        }
        TaskMove::Complete {
            outcome,
            realised_pp,
            evidence,
            confirmed,
        } => {
            let outcome = text(outcome, "outcome", "成效", 4000)?;
            if let Some(pp) = realised_pp {
                if !domain::task::realised_pp_ok(*pp) {
                    return Err(Error::invalid_field(
                        "realised_pp",
                        format!(
                            "实际拉动“{pp}”应为 0 到 {} 之间的百分点",
                            domain::task::REALISED_PP_MAX
                        ),
                    ));
                }
            }
            if evidence.is_empty() {
                return Err(Error::invalid_field(
                    "files",
                    "办结须上传至少 1 个佐证材料（pdf、图片、docx、xlsx 或 txt）",
                ));
            }
            let mut files = Vec::new();
            for a in evidence {
                let ok = attachment::check(&a.file_name, a.bytes.len(), files.len())
                    .map_err(|e| Error::invalid_field("files", e.to_string()))?;
                files.push((ok.file_name, ok.content_type.to_string(), a.bytes.clone()));
            }
            require_confirmation(*confirmed, "办结")?;
            let mut tx = store.begin_write().await?;
            hold_claim(&mut tx, p, task_id).await?;
            tx.submit_completion(
                actor,
                task_id,
                &NewCompletion {
                    outcome,
                    realised_pp: *realised_pp,
                    files,
                },
            )
            .await?;
            tx.commit().await?;
        }
        TaskMove::Accept => {
            let mut tx = store.begin_write().await?;
            tx.decide_completion(actor, task_id, true, "").await?;
            tx.commit().await?;
        }
        TaskMove::Return { reason } => {
            let reason = text(reason, "reason", "退回原因", 500)?;
            let mut tx = store.begin_write().await?;
            tx.decide_completion(actor, task_id, false, &reason).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// A task's supervision history, for a caller who may read the task.
pub async fn task_supervision(
    store: &Store,
    caller: &domain::Principal,
    task_id: i64,
) -> Result<TaskSupervision, Error> {
    read_task(store, caller, task_id).await?;
    Ok(store.task_supervision(task_id).await?)
}

/// 领导批示 on a project the caller may read (a leader).
pub async fn instruct_project(
    store: &Store,
    caller: Caller<'_>,
    project_id: i64,
    body: &str,
) -> Result<i64, Error> {
    let p = caller.principal;
    if !p.may_supervise(Move::Instruct, &domain::TaskFacts::default(), false) {
        return Err(Error::Forbidden(Move::Instruct.who().into()));
    }
    // A project the caller may not read is not found, whoever he is.
    crate::land::load_project(store, p, project_id).await?;
    let body = text(body, "body", "批示内容", 2000)?;
    let mut tx = store.begin_write().await?;
    let id = tx.instruct_project(caller.actor, project_id, &body).await?;
    tx.commit().await?;
    Ok(id)
}
