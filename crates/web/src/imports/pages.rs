//! The upload page: a file is read and checked, previewed, and written only on confirmation;
//! uploads waiting for confirmation are bounded per user and in total.

use crate::auth::PageUser;
use crate::claim::require_office;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;

/// Uploaded files waiting for the user to confirm their import, by token, within
/// [`UploadLimits`].
#[derive(Default)]
pub struct PendingUploads {
    pub limits: UploadLimits,
    pending: std::sync::Mutex<HashMap<String, PendingUpload>>,
}

/// How many uploads may wait for confirmation, and how files are read.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadLimits {
    /// Most uploads one user may have waiting; a new one replaces that user's oldest.
    pub per_user: usize,
    /// Most uploads waiting on the whole server; beyond it a new upload is refused.
    pub total: usize,
    /// Most bytes of waiting uploads on the whole server; beyond it a new upload is refused.
    pub total_bytes: u64,
    /// How long an upload waits for confirmation.
    pub ttl: std::time::Duration,
    /// The limits every uploaded file is read within.
    pub read: io::ReadLimits,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            per_user: 3,
            total: 50,
            total_bytes: 256 * 1024 * 1024,
            ttl: std::time::Duration::from_secs(1800),
            read: io::ReadLimits::default(),
        }
    }
}

pub struct PendingUpload {
    pub user_id: i64,
    pub kind: String,
    pub files: Vec<(String, Vec<u8>)>,
    pub region: String,
    pub year: i32,
    pub created: std::time::Instant,
}

impl PendingUpload {
    fn bytes(&self) -> u64 {
        self.files.iter().map(|(_, b)| b.len() as u64).sum()
    }
}

impl PendingUploads {
    pub fn new(limits: UploadLimits) -> Self {
        Self {
            limits,
            pending: Default::default(),
        }
    }

    /// Keeps an upload until it expires; returns its token, or why it cannot wait (the server
    /// holds too many uploads already).
    pub fn put(&self, upload: PendingUpload) -> Result<String, String> {
        let mut map = self
            .pending
            .lock()
            .map_err(|_| "上传暂存区不可用，请稍后重试".to_string())?;
        let ttl = self.limits.ttl;
        map.retain(|_, u| u.created.elapsed() < ttl);
        // The user's own oldest uploads make room for the new one: only the last preview counts.
        loop {
            let mine: Vec<(&String, std::time::Instant)> = map
                .iter()
                .filter(|(_, u)| u.user_id == upload.user_id)
                .map(|(t, u)| (t, u.created))
                .collect();
            if mine.len() < self.limits.per_user.max(1) {
                break;
            }
            let Some(oldest) = mine
                .iter()
                .min_by_key(|(_, c)| *c)
                .map(|(t, _)| (*t).clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
        let held: u64 = map.values().map(PendingUpload::bytes).sum();
        if map.len() >= self.limits.total {
            return Err(format!(
                "服务器上待确认的上传已有 {} 个（上限 {}），请稍后再上传",
                map.len(),
                self.limits.total
            ));
        }
        if held.saturating_add(upload.bytes()) > self.limits.total_bytes {
            return Err(format!(
                "服务器上待确认的上传已占用 {} MiB（上限 {} MiB），请稍后再上传",
                held / (1024 * 1024),
                self.limits.total_bytes / (1024 * 1024)
            ));
        }
        let token = store::users::new_token("u_");
        map.insert(token.clone(), upload);
        Ok(token)
    }

    pub fn take(&self, token: &str, user_id: i64) -> Option<PendingUpload> {
        let mut map = self.pending.lock().ok()?;
        let found = map
            .get(token)
            .is_some_and(|u| u.user_id == user_id && u.created.elapsed() < self.limits.ttl);
        if found {
            map.remove(token)
        } else {
            None
        }
    }

    /// How many uploads wait now (expired ones included until the next upload sweeps them).
    pub fn len(&self) -> usize {
        self.pending.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportTemplate {
    layout: Layout,
    kind: String,
    year: i32,
    errors: Vec<io::RowError>,
    problem: Option<String>,
    preview: Option<Preview>,
    done: Option<String>,
}

pub struct Preview {
    pub token: String,
    pub summary: String,
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: usize,
}

fn cell_text(c: &io::Cell) -> String {
    match c {
        io::Cell::Empty => String::new(),
        io::Cell::Text(s) => s.clone(),
        io::Cell::Number {
            value,
            percent: true,
        } => format!("{}%", value * 100.0),
        io::Cell::Number { value, .. } => value.to_string(),
    }
}

pub async fn import_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &query).await?;
    let html = ImportTemplate {
        layout: Layout::new("导入统计数据", "locate", &user, &ctx),
        kind: "observations".into(),
        year: ctx.year(),
        errors: vec![],
        problem: None,
        preview: None,
        done: None,
    }
    .render()?;
    Ok(respond(html, &ctx))
}

const IMPORT_KINDS: [&str; 5] = [
    "indicators",
    "model",
    "observations",
    "remedies",
    "projects",
];

async fn run_import(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    kind: &str,
    region: &str,
    year: i32,
    files: &[(String, Vec<u8>)],
    write: bool,
) -> Result<(workflow::imports::ImportSummary, Vec<io::Table>), workflow::Error> {
    let mut tables = Vec::new();
    for (name, bytes) in files {
        tables.push(io::table::read_bytes_with(
            name,
            bytes.clone(),
            &state.uploads.limits.read,
        )?);
    }
    let actor = user.actor();
    let summary = match kind {
        "indicators" => {
            workflow::imports::indicators(
                &state.store,
                &actor,
                &tables[0],
                Some((region, year)),
                write,
            )
            .await?
        }
        "remedies" => {
            workflow::imports::remedies(&state.store, &actor, region, &tables[0], write).await?
        }
        "projects" => {
            workflow::imports::projects(
                &state.store,
                &actor,
                region,
                &tables[0],
                write,
                &state.config.rules,
            )
            .await?
        }
        "model" => {
            workflow::imports::model(
                &state.store,
                &actor,
                region,
                year,
                &tables[0],
                &tables[1],
                write,
            )
            .await?
        }
        _ => {
            workflow::imports::observations(
                &state.store,
                &actor,
                region,
                &tables[0],
                write,
                &mut |_, _| {},
            )
            .await?
        }
    };
    Ok((summary, tables))
}

pub async fn import_upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut files: Vec<(String, String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::bad("上传内容无法读取（文件可能超过大小上限，或上传中断）"))?
    {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(|f| f.to_string()) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::bad("文件无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                if !bytes.is_empty() {
                    files.push((name, file_name, bytes.to_vec()));
                }
            }
            None => {
                let text = field.text().await.map_err(|_| {
                    AppError::bad("表单无法读取（文件可能超过大小上限，或上传中断）")
                })?;
                fields.insert(name, text);
            }
        }
    }
    user.check_form_csrf(&fields)?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    if !IMPORT_KINDS.contains(&kind.as_str()) {
        return Err(AppError::bad_field("kind", "请选择导入类型").into());
    }
    let year = fields
        .get("year")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::bad_field("year", "年度应为 2000–2100 之间的整数"))?;
    let wanted: Vec<&str> = if kind == "model" {
        vec!["industries", "drivers"]
    } else {
        vec!["file"]
    };
    let mut chosen = Vec::new();
    for w in &wanted {
        match files.iter().find(|(n, _, _)| n == w) {
            Some((_, file_name, bytes)) => chosen.push((file_name.clone(), bytes.clone())),
            None => {
                let html = ImportTemplate {
                    layout: Layout::new("导入统计数据", "locate", &user, &ctx),
                    kind,
                    year,
                    errors: vec![],
                    problem: Some(if wanted.len() == 2 {
                        "请同时选择行业表和驱动关系表".into()
                    } else {
                        "请选择要导入的文件".into()
                    }),
                    preview: None,
                    done: None,
                }
                .render()?;
                return Ok(
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
                );
            }
        }
    }
    let region = ctx.region.code.clone();
    let layout = Layout::new("导入统计数据", "locate", &user, &ctx);
    match run_import(&state, &user, &kind, &region, year, &chosen, false).await {
        Ok((summary, tables)) => {
            let first = &tables[0];
            let file_names = chosen
                .iter()
                .map(|c| c.0.clone())
                .collect::<Vec<_>>()
                .join("、");
            let token = match state.uploads.put(PendingUpload {
                user_id: user.user.id,
                kind: kind.clone(),
                files: chosen,
                region,
                year,
                created: std::time::Instant::now(),
            }) {
                Ok(token) => token,
                Err(problem) => {
                    let html = ImportTemplate {
                        layout,
                        kind,
                        year,
                        errors: vec![],
                        problem: Some(problem),
                        preview: None,
                        done: None,
                    }
                    .render()?;
                    return Ok(
                        (axum::http::StatusCode::TOO_MANY_REQUESTS, Html(html)).into_response()
                    );
                }
            };
            let preview = Preview {
                summary: summary.message.clone(),
                file: file_names,
                headers: first.headers.clone(),
                rows: first
                    .rows
                    .iter()
                    .take(10)
                    .map(|r| r.cells.iter().map(cell_text).collect())
                    .collect(),
                total: first.rows.len(),
                token,
            };
            let html = ImportTemplate {
                layout,
                kind,
                year,
                errors: vec![],
                problem: None,
                preview: Some(preview),
                done: None,
            }
            .render()?;
            Ok(Html(html).into_response())
        }
        Err(workflow::Error::Rejected(errors)) => {
            let html = ImportTemplate {
                layout,
                kind,
                year,
                errors: errors.0,
                problem: Some("导入被拒绝，未写入任何数据。请修改以下单元格后重新上传：".into()),
                preview: None,
                done: None,
            }
            .render()?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(other) => Err(AppError::from(other).into()),
    }
}

pub async fn import_confirm(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    user.check_form_csrf(&form)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let token = form.get("token").cloned().unwrap_or_default();
    let pending = state
        .uploads
        .take(&token, user.user.id)
        .ok_or_else(|| AppError::bad("上传已过期或已导入，请重新上传"))?;
    let layout = Layout::new("导入统计数据", "locate", &user, &ctx);
    match run_import(
        &state,
        &user,
        &pending.kind,
        &pending.region,
        pending.year,
        &pending.files,
        true,
    )
    .await
    {
        Ok((summary, _)) => {
            let html = ImportTemplate {
                layout,
                kind: pending.kind,
                year: pending.year,
                errors: vec![],
                problem: None,
                preview: None,
                done: Some(format!("导入成功：{}", summary.message)),
            }
            .render()?;
            Ok(Html(html).into_response())
        }
        Err(workflow::Error::Rejected(errors)) => {
            let html = ImportTemplate {
                layout,
                kind: pending.kind,
                year: pending.year,
                errors: errors.0,
                problem: Some("导入被拒绝，未写入任何数据：".into()),
                preview: None,
                done: None,
            }
            .render()?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(other) => Err(AppError::from(other).into()),
    }
}

#[cfg(test)]
mod upload_tests {
    use super::*;

    fn upload(user_id: i64, bytes: usize) -> PendingUpload {
        PendingUpload {
            user_id,
            kind: "observations".into(),
            files: vec![("a.csv".into(), vec![b'x'; bytes])],
            region: "370281".into(),
            year: 2025,
            created: std::time::Instant::now(),
        }
    }

    #[test]
    fn a_user_keeps_at_most_per_user_uploads_the_oldest_making_room() {
        let uploads = PendingUploads::new(UploadLimits {
            per_user: 2,
            ..UploadLimits::default()
        });
        let first = uploads.put(upload(1, 10)).expect("first");
        let second = uploads.put(upload(1, 10)).expect("second");
        let third = uploads.put(upload(1, 10)).expect("third");
        let other = uploads.put(upload(2, 10)).expect("another user");
        assert_eq!(uploads.len(), 3);
        assert!(uploads.take(&first, 1).is_none(), "the oldest made room");
        assert!(uploads.take(&second, 1).is_some());
        assert!(
            uploads.take(&third, 2).is_none(),
            "only its own user takes it"
        );
        assert!(uploads.take(&third, 1).is_some());
        assert!(uploads.take(&other, 2).is_some());
        assert!(uploads.is_empty());
    }

    #[test]
    fn the_server_refuses_uploads_beyond_its_count_and_bytes() {
        let uploads = PendingUploads::new(UploadLimits {
            total: 2,
            total_bytes: 100,
            ..UploadLimits::default()
        });
        uploads.put(upload(1, 10)).expect("first");
        uploads.put(upload(2, 10)).expect("second");
        let refused = uploads.put(upload(3, 10)).expect_err("full");
        assert!(
            refused.contains("待确认的上传已有 2 个（上限 2）"),
            "{refused}"
        );
        let uploads = PendingUploads::new(UploadLimits {
            total_bytes: 100,
            ..UploadLimits::default()
        });
        uploads.put(upload(1, 60)).expect("first");
        let refused = uploads.put(upload(2, 60)).expect_err("too many bytes");
        assert!(refused.contains("已占用"), "{refused}");
        assert_eq!(uploads.len(), 1);
    }

    #[test]
    fn expired_uploads_are_gone_and_make_room() {
        let uploads = PendingUploads::new(UploadLimits {
            total: 1,
            ttl: std::time::Duration::ZERO,
            ..UploadLimits::default()
        });
        let token = uploads.put(upload(1, 10)).expect("first");
        assert!(uploads.take(&token, 1).is_none(), "expired");
        uploads
            .put(upload(2, 10))
            .expect("the expired one was swept");
    }
}
