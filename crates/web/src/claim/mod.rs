//! 领任务: shortfalls opened from the analysis, remedies, tasks, claims, progress and 督办.
//! The pages and the API both call `workflow::claim`; what they share that is web-only (the
//! office gate as an HTTP error, loading a task with 404) lives here.

pub(crate) mod api;
pub(crate) mod pages;
mod supervision_pages;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;
use store::claim::TaskDetail;
use workflow::claim::Caller;

/// The caller of a use case: the user's principal and the actor the audit log records.
pub(crate) fn caller<'a>(user: &'a CurrentUser, actor: &'a store::Actor) -> Caller<'a> {
    Caller {
        principal: &user.principal,
        actor,
    }
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
