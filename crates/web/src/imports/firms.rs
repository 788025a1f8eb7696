//! The registry upload (企业名录导入): the office uploads a county's registry file; it is
//! checked and written in the background, all or nothing, while its page shows how far it has
//! got (rows checked, firms written) and then what it did or every bad cell by row and column.
//! A registry of tens of thousands of firms takes longer than a request should, and an
//! official should see it move rather than wait on a spinning tab.
//!
//! Jobs live in memory: a restart mid-import loses the page, never data (the import is one
//! transaction). Each user sees only his own jobs; one runs per user at a time.

use crate::auth::PageUser;
use crate::claim::require_office;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{respond, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use workflow::serve::registry::{FirmImportSummary, ImportFirms, ImportStage};

/// Finished jobs are forgotten after this long.
const KEEP_FINISHED: Duration = Duration::from_secs(6 * 3600);
/// Most jobs kept per user (the oldest finished ones go first).
const PER_USER: usize = 10;

/// The registry imports started from the web, by id.
#[derive(Default)]
pub struct ImportJobs {
    jobs: Mutex<HashMap<String, Arc<Mutex<Job>>>>,
}

/// One registry import: who started it, on what, how far it is, and how it ended.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub user_id: i64,
    pub file_name: String,
    pub bytes: u64,
    pub dry_run: bool,
    pub started: Instant,
    pub reading: usize,
    pub written: usize,
    pub to_write: usize,
    pub outcome: Option<Outcome>,
}

/// How a job ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Done(FirmImportSummary),
    Rejected(Vec<io::RowError>),
    Failed(String),
}

impl Job {
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    /// Where the job is, in words.
    pub fn stage_text(&self) -> String {
        match &self.outcome {
            Some(Outcome::Done(s)) if s.written => format!("导入成功：{}", s.message),
            Some(Outcome::Done(s)) => format!("检查通过（未写入）：{}", s.message),
            Some(Outcome::Rejected(e)) => {
                format!("导入被拒绝，未写入任何数据：共 {} 处错误", e.len())
            }
            Some(Outcome::Failed(m)) => m.clone(),
            None if self.to_write > 0 => {
                format!("正在写入：{} / {} 家", self.written, self.to_write)
            }
            None if self.reading > 0 => format!("正在检查：已检查 {} 行", self.reading),
            None => "正在读取文件".to_string(),
        }
    }

    /// The share written, in % (0 while checking).
    pub fn percent(&self) -> u32 {
        match &self.outcome {
            Some(_) => 100,
            None if self.to_write > 0 => {
                u32::try_from(self.written.saturating_mul(100) / self.to_write).unwrap_or(100)
            }
            None => 0,
        }
    }

    /// The file's size, in KB or MB.
    pub fn size_text(&self) -> String {
        if self.bytes >= 1024 * 1024 {
            format!("{:.1} MB", self.bytes as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", self.bytes.div_ceil(1024))
        }
    }

    pub fn seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub fn errors(&self) -> &[io::RowError] {
        match &self.outcome {
            Some(Outcome::Rejected(e)) => e,
            _ => &[],
        }
    }
}

impl ImportJobs {
    /// Registers a new job, unless the user has one running.
    fn start(&self, job: Job) -> Result<Arc<Mutex<Job>>, AppError> {
        let mut jobs = self
            .jobs
            .lock()
            .map_err(|_| AppError::Conflict("导入任务列表不可用，请稍后重试".into()))?;
        jobs.retain(|_, j| {
            j.lock()
                .map(|j| j.running() || j.started.elapsed() < KEEP_FINISHED)
                .unwrap_or(false)
        });
        let mut mine: Vec<(String, bool, Instant)> = jobs
            .iter()
            .filter_map(|(id, j)| {
                let j = j.lock().ok()?;
                (j.user_id == job.user_id).then(|| (id.clone(), j.running(), j.started))
            })
            .collect();
        if mine.iter().any(|(_, running, _)| *running) {
            return Err(AppError::Conflict(
                "您已有一个企业名录导入正在进行，请待其完成后再上传".into(),
            ));
        }
        mine.sort_by_key(|(_, _, started)| *started);
        while mine.len() >= PER_USER {
            let (old, _, _) = mine.remove(0);
            jobs.remove(&old);
        }
        let shared = Arc::new(Mutex::new(job.clone()));
        jobs.insert(job.id, shared.clone());
        Ok(shared)
    }

    /// A job of this user, as it is now.
    fn get(&self, id: &str, user_id: i64) -> Option<Job> {
        let jobs = self.jobs.lock().ok()?;
        let job = jobs.get(id)?.lock().ok()?.clone();
        (job.user_id == user_id).then_some(job)
    }

    /// This user's jobs, the latest first.
    fn of_user(&self, user_id: i64) -> Vec<Job> {
        let Ok(jobs) = self.jobs.lock() else {
            return Vec::new();
        };
        let mut mine: Vec<Job> = jobs
            .values()
            .filter_map(|j| j.lock().ok().map(|j| j.clone()))
            .filter(|j| j.user_id == user_id)
            .collect();
        mine.sort_by_key(|j| std::cmp::Reverse(j.started));
        mine
    }
}

#[derive(Template)]
#[template(path = "firm_import.html")]
struct ImportTemplate {
    layout: Layout,
    jobs: Vec<Job>,
    job: Option<Job>,
    problem: Option<String>,
    max_mib: u64,
}

/// The upload form and the user's recent registry imports.
pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = ImportTemplate {
        layout: Layout::new("导入企业名录", "serve", &user, &ctx),
        jobs: state.import_jobs.of_user(user.user.id),
        job: None,
        problem: None,
        max_mib: state.uploads.limits.read.max_file_bytes / (1024 * 1024),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// One import's page; while it runs, the page refreshes its progress every second.
pub async fn job(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let job = state
        .import_jobs
        .get(&id, user.user.id)
        .ok_or_else(|| AppError::NotFound("导入任务".into()))?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let html = ImportTemplate {
        layout: Layout::new("导入企业名录", "serve", &user, &ctx),
        jobs: Vec::new(),
        job: Some(job),
        problem: None,
        max_mib: state.uploads.limits.read.max_file_bytes / (1024 * 1024),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

/// Takes the file and starts the import in the background; answers with the job's page.
pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    require_office(&user)?;
    let (fields, files) = crate::claim::read_multipart(multipart).await?;
    let file = files.into_iter().next().map(|f| (f.file_name, f.bytes));
    user.check_form_csrf(&fields)?;
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let refuse = |problem: String, status: axum::http::StatusCode| -> Result<Response, PageError> {
        let html = ImportTemplate {
            layout: Layout::new("导入企业名录", "serve", &user, &ctx),
            jobs: state.import_jobs.of_user(user.user.id),
            job: None,
            problem: Some(problem),
            max_mib: state.uploads.limits.read.max_file_bytes / (1024 * 1024),
        }
        .render()?;
        Ok((status, axum::response::Html(html)).into_response())
    };
    let Some((file_name, bytes)) = file else {
        return refuse(
            "请选择要导入的企业名录文件（.xlsx 或 .csv）".into(),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let dry_run = fields.get("dry_run").is_some_and(|v| v == "1");
    let job = Job {
        id: store::users::new_token("j_"),
        user_id: user.user.id,
        file_name: file_name.clone(),
        bytes: bytes.len() as u64,
        dry_run,
        started: Instant::now(),
        reading: 0,
        written: 0,
        to_write: 0,
        outcome: None,
    };
    let id = job.id.clone();
    let shared = match state.import_jobs.start(job) {
        Ok(shared) => shared,
        Err(e) => return refuse(e.public_message(), e.status()),
    };
    let cmd = ImportFirms {
        region: ctx.region.code.clone(),
        file_name,
        limits: state.uploads.limits.read.clone(),
        write: !dry_run,
    };
    let store = state.store.clone();
    let actor = user.actor();
    // Reading and checking a large file is CPU work: it runs on a blocking thread, driving
    // the store's calls on the runtime, so that requests keep being answered meanwhile.
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let progress_job = shared.clone();
        let mut progress = move |stage: ImportStage, done: usize, total: usize| {
            if let Ok(mut j) = progress_job.lock() {
                match stage {
                    ImportStage::Reading => j.reading = done,
                    ImportStage::Writing => {
                        j.written = done;
                        j.to_write = total;
                    }
                }
            }
        };
        let result = handle.block_on(workflow::serve::registry::import_firms(
            &store,
            &actor,
            &cmd,
            bytes,
            &mut progress,
        ));
        let outcome = match result {
            Ok(summary) => Outcome::Done(summary),
            Err(workflow::Error::Rejected(errors)) => Outcome::Rejected(
                errors
                    .0
                    .into_iter()
                    .map(|mut e| {
                        if let Some(label) = io::firms::column_label(&e.column) {
                            e.column = label.to_string();
                        }
                        e
                    })
                    .collect(),
            ),
            Err(other) => {
                let e = AppError::from(other);
                e.log();
                Outcome::Failed(format!("导入失败，未写入任何数据：{}", e.public_message()))
            }
        };
        if let Ok(mut j) = shared.lock() {
            j.outcome = Some(outcome);
        }
    });
    Ok(Redirect::to(&format!("/enterprises/import/{id}")).into_response())
}
