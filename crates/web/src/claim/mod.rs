//! 领任务: shortfalls opened from the analysis, remedies, tasks, claims, progress and 督办.
//! The pages and the API both call `workflow::claim`; what they share that is web-only (the
//! office gate as an HTTP error, loading a task with 404) lives here.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod supervise_api;
pub(crate) mod supervise_pages;
mod supervision_pages;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;
use std::collections::HashMap;
use store::claim::TaskDetail;
use workflow::claim::{Attachment, Caller, Ref, TaskMove};

/// The caller of a use case: the user's principal and the actor the audit log records.
pub(crate) fn caller<'a>(user: &'a CurrentUser, actor: &'a store::Actor) -> Caller<'a> {
    Caller {
        principal: &user.principal,
        actor,
    }
}

/// Beyond this many firms a form asks for the firm's USCC instead of listing the region's firms
/// in a `<select>` (decision 171).
pub(crate) const FIRMS_LISTED: usize = 300;

/// The firm a form names: its id from a list (`id_field`) or its USCC typed where the list would
/// be too long (`uscc_field`), checked here so that a mistyped code is refused with its field.
pub(crate) fn named_firm(
    form: &HashMap<String, String>,
    id_field: &'static str,
    uscc_field: &'static str,
) -> Result<workflow::requests::FirmRef, AppError> {
    use workflow::requests::FirmRef;
    if let Some(raw) = form.get(uscc_field).map(|s| s.trim()) {
        if raw.is_empty() {
            return Err(AppError::bad_field(
                uscc_field,
                "请填写企业的统一社会信用代码",
            ));
        }
        let code = domain::Uscc::parse(raw).map_err(|e| {
            AppError::bad_field(uscc_field, format!("统一社会信用代码“{raw}”无效：{e}"))
        })?;
        return Ok(FirmRef::Uscc(code.as_str().to_string()));
    }
    let raw = form.get(id_field).map(|s| s.trim()).unwrap_or("");
    raw.parse::<i64>()
        .map(FirmRef::Id)
        .map_err(|_| AppError::bad_field(id_field, "请选择企业"))
}

pub(crate) fn require_office(user: &CurrentUser) -> Result<(), AppError> {
    Ok(workflow::claim::require_office(&user.principal)?)
}

/// Runs the overdue sweep for today's date.
pub(crate) async fn sweep(state: &AppState) -> Result<(), AppError> {
    Ok(workflow::claim::sweep(&state.store).await?)
}

/// A task the user may read, else 404.
pub(crate) async fn load_task(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<TaskDetail, AppError> {
    Ok(workflow::claim::read_task(&state.store, &user.principal, id).await?)
}

/// Reads a multipart form (a progress report, a completion report): its text fields and the
/// files as uploaded (the attachment policy is `domain::attachment`, applied by the use case).
pub(crate) async fn read_multipart(
    mut multipart: axum::extract::Multipart,
) -> Result<(HashMap<String, String>, Vec<Attachment>), AppError> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad("上传内容无法读取（文件可能超过大小上限，或上传中断）"))?
    {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(|f| f.to_string()) {
            Some(file_name) if !file_name.is_empty() => {
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::bad("附件无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                if bytes.is_empty() {
                    continue;
                }
                files.push(Attachment {
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
            Some(_) => {}
            None => {
                let text = field.text().await.map_err(|_| {
                    AppError::bad("表单无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                fields.insert(name, text);
            }
        }
    }
    Ok((fields, files))
}

/// Whether a form carries the explicit confirmation of an irreversible move (`confirm`).
pub(crate) fn confirmed(fields: &HashMap<String, String>) -> bool {
    matches!(
        fields.get("confirm").map(|s| s.trim()),
        Some("1" | "true" | "on" | "yes")
    )
}

/// Builds a supervision move (督办) from form fields, as the task page and the API's
/// multipart completion send them; `None` when `action` is not a supervision move.
pub(crate) fn task_move(
    action: &str,
    fields: &HashMap<String, String>,
    files: Vec<Attachment>,
) -> Result<Option<TaskMove>, AppError> {
    let field = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    Ok(Some(match action {
        "urge" => TaskMove::Urge {
            note: field("note"),
        },
        "reassign" => TaskMove::Reassign {
            leader: match field("leader").as_str() {
                "" => None,
                v => Some(
                    v.parse::<i64>()
                        .map_err(|_| AppError::bad_field("leader", "请选择领导"))?,
                ),
            },
            department: match (field("department_id").as_str(), field("department")) {
                ("", d) if d.is_empty() => None,
                ("", d) => Some(Ref::Code(d)),
                (v, _) => {
                    Some(Ref::Id(v.parse::<i64>().map_err(|_| {
                        AppError::bad_field("department_id", "请选择部门")
                    })?))
                }
            },
            reason: field("reason"),
        },
        "extension" => TaskMove::RequestExtension {
            deadline: field("deadline"),
            reason: field("reason"),
        },
        "decide_extension" => TaskMove::DecideExtension {
            extension_id: field("extension_id")
                .parse::<i64>()
                .map_err(|_| AppError::bad_field("extension_id", "无效的延期申请"))?,
            approve: match field("decision").as_str() {
                "approve" => true,
                "refuse" => false,
                _ => return Err(AppError::bad_field("decision", "请选择批准或不批准")),
            },
            note: field("note"),
        },
        "instruct" => TaskMove::Instruct {
            body: field("body"),
        },
        "complete" => TaskMove::Complete {
            outcome: field("outcome"),
            realised_pp: match field("realised_pp").as_str() {
                "" => None,
                v => Some(v.parse::<f64>().map_err(|_| {
                    AppError::bad_field("realised_pp", format!("实际拉动“{v}”不是数字"))
                })?),
            },
            evidence: files,
            confirmed: confirmed(fields),
        },
        "accept" => TaskMove::Accept,
        "return" => TaskMove::Return {
            reason: field("reason"),
        },
        _ => return Ok(None),
    }))
}

/// The 督办单 of a task as plain rows and sections, for the `.docx` download.
pub(crate) fn sheet_content(v: &workflow::claim::TaskView, today: &str) -> io::docx::Sheet {
    let t = &v.detail.task;
    let s = &v.supervision;
    let opt = |x: &Option<String>| x.clone().unwrap_or_else(|| "—".into());
    let day = |x: &str| crate::layout::stamp(x);
    let mut rows = vec![
        ("任务".to_string(), t.title.clone()),
        ("状态".into(), v.state.label().to_string()),
        ("认领领导".into(), opt(&t.claimed_by_name)),
        ("责任部门".into(), opt(&t.owner_department_name)),
        ("镇街".into(), opt(&t.town_name)),
        ("现行期限".into(), t.deadline.clone()),
        (
            "原定期限".into(),
            t.original_deadline
                .clone()
                .unwrap_or_else(|| t.deadline.clone()),
        ),
        ("催办次数".into(), format!("{} 次", t.urge_count)),
        (
            "预期拉动 GDP".into(),
            t.expected_pp
                .map(|p| format!("{p:.2} 个百分点"))
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    if let Some(sf) = &v.shortfall {
        rows.push((
            "短板".into(),
            format!("{}（{}）：{}", sf.indicator_name, sf.period, sf.sentence),
        ));
    }
    let sections = vec![
        (
            "领导批示".to_string(),
            s.instructions
                .iter()
                .map(|i| format!("{} {}：{}", day(&i.at), i.author_name, i.body))
                .collect(),
        ),
        (
            "催办记录".into(),
            s.urges
                .iter()
                .map(|u| format!("{} {} 催办 {}", day(&u.at), u.by_name, u.note))
                .collect(),
        ),
        (
            "延期申请".into(),
            s.extensions
                .iter()
                .map(|e| {
                    format!(
                        "{} {} 申请由 {} 延至 {}（{}）：{}",
                        day(&e.requested_at),
                        e.requested_by_name,
                        e.old_deadline,
                        e.requested_deadline,
                        e.decision_label(),
                        e.reason
                    )
                })
                .collect(),
        ),
        (
            "改派记录".into(),
            s.reassignments
                .iter()
                .map(|r| {
                    format!(
                        "{} {}：{}（{}）",
                        day(&r.at),
                        r.by_name,
                        r.summary,
                        r.reason
                    )
                })
                .collect(),
        ),
        (
            "办结与验收".into(),
            s.completions
                .iter()
                .map(|c| {
                    format!(
                        "{} {} 办结（{}）：{}",
                        day(&c.submitted_at),
                        c.submitted_by_name,
                        c.decision_label(),
                        c.outcome
                    )
                })
                .collect(),
        ),
        (
            "进展".into(),
            v.detail
                .progress
                .iter()
                .map(|p| format!("{} {}：{}", day(&p.at), p.author_name, p.body))
                .collect(),
        ),
    ];
    io::docx::Sheet {
        title: "督办单".into(),
        subtitle: format!("任务 {} · 打印日期 {today}", t.id),
        rows,
        sections,
    }
}
