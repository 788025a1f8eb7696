//! The pages of supervision moves that are not plain forms: 办结 (a multipart form with 成效 and
//! 佐证) and the 督办单 of a task, as a printable page and as a `.docx` download. The other moves
//! (催办, 改派, 延期, 批示, 验收, 退回) are forms on the task page, routed by `pages::task_action`.

use super::{caller, read_multipart, task_move};
use crate::auth::PageUser;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{parse_id, respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use workflow::claim::TaskView;

/// 办结: the claimer's completion report with 成效 and 佐证; the task then waits for 验收.
pub async fn complete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "任务")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let result = match read_multipart(multipart).await {
        Ok((fields, files)) => {
            user.check_form_csrf(&fields)?;
            let actor = user.actor();
            match task_move("complete", &fields, files) {
                Ok(Some(mv)) => {
                    workflow::claim::supervise(&state.store, caller(&user, &actor), id, &mv)
                        .await
                        .map_err(AppError::from)
                }
                Ok(None) => Err(AppError::NotFound("操作".into())),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let status = if matches!(e, AppError::BadRequest { .. }) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                e.status()
            };
            let html =
                super::pages::render_task(&state, &user, &ctx, id, None, Some(e.public_message()))
                    .await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "task_sheet.html")]
struct SheetTemplate {
    layout: Layout,
    v: TaskView,
    today: String,
}

impl SheetTemplate {
    fn o2<T: crate::layout::OptNum>(&self, x: T) -> String {
        crate::layout::o2(x.get())
    }
    fn stamp(&self, at: &str) -> String {
        crate::layout::stamp(at)
    }
    fn opt<'a>(&self, x: &'a Option<String>) -> &'a str {
        x.as_deref().unwrap_or("—")
    }
}

/// The 督办单 of a task: everything supervision needs on one printable page.
pub async fn sheet(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, "任务")?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let v = workflow::claim::task_view(&state.store, &user.principal, id).await?;
    let html = SheetTemplate {
        layout: Layout::new(
            &format!("督办单：{}", v.detail.task.title),
            "supervision",
            &user,
            &ctx,
        ),
        v,
        today: domain::period::format_date(state.store.now().date()),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// The 督办单 as a Word document (`io::export::supervision_docx`).
pub async fn sheet_docx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let raw = raw.strip_suffix(".docx").unwrap_or(&raw).to_string();
    let id = parse_id(&raw, "任务")?;
    let v = workflow::claim::task_view(&state.store, &user.principal, id).await?;
    let sheet = super::sheet_content(&v, &domain::period::format_date(state.store.now().date()));
    let bytes = io::docx::supervision_docx(&sheet).map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"task-{id}.docx\"; filename*=UTF-8''%E7%9D%A3%E5%8A%9E%E5%8D%95-{id}.docx"
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
