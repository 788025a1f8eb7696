//! The web layer of EconOps: server-rendered pages in Simplified Chinese, the JSON API under
//! `/api/v1` with its OpenAPI document, sessions, CSRF protection and bearer tokens.
//!
//! Handlers hold no business rules: they parse input, ask the domain's access rules whether
//! the caller may read or write a scope, call the store, and render. Errors become one
//! [`error::AppError`] that answers with a page or with `application/problem+json`.

mod api;
mod assets;
mod auth;
pub use auth::AuthSettings;
mod claim_pages;
mod context;
mod edges;
pub mod error;
pub mod importing;
pub mod land;
mod land_api;
mod land_pages;
pub mod locate;
mod locate_pages;
mod pages;
mod view;

pub use locate_pages::{PendingUploads, UploadLimits};

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use domain::ProgressThresholds;
use std::future::Future;
use std::sync::Arc;
use store::Store;

/// Settings of the web application.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Status thresholds for targets (序时进度).
    pub thresholds: ProgressThresholds,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Early-warning rules for indicators (找位置).
    pub warning_rules: analytics::WarningRules,
    /// When an idle project turns yellow and red (打项目).
    pub stall: domain::project::StallRules,
    /// The value added assumed for a project without one.
    pub value_added: domain::project::ValueAddedRule,
    /// Sign-in, sessions and tokens.
    pub auth: AuthSettings,
    /// Uploads waiting for confirmation, and the limits every uploaded file is read within.
    pub uploads: UploadLimits,
}

pub(crate) struct Shared {
    pub store: Store,
    pub config: Config,
    pub uploads: locate_pages::PendingUploads,
    pub login: auth::LoginLimits,
}

#[derive(Clone)]
pub(crate) struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The application: build it from a store and config, then serve it on a listener.
pub struct App {
    state: AppState,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        Self {
            state: AppState(Arc::new(Shared {
                store,
                login: auth::LoginLimits::new(&config.auth),
                uploads: locate_pages::PendingUploads::new(config.uploads.clone()),
                config,
            })),
        }
    }

    /// The guard of password checks (how many run at once, how many ran).
    pub fn login_guard(&self) -> &store::users::LoginGuard {
        &self.state.login.guard
    }

    pub fn router(&self) -> Router {
        // An upload form carries at most two files (the model's), plus the form's own fields.
        let upload_body = usize::try_from(self.state.config.uploads.read.max_file_bytes)
            .unwrap_or(usize::MAX)
            .saturating_mul(2)
            .saturating_add(1024 * 1024);
        let pages = Router::new()
            .route("/", get(pages::overview))
            .route("/login", get(auth::login_page).post(auth::login_submit))
            .route("/logout", post(auth::logout))
            .route("/system", get(pages::system))
            .route("/tracks/{id}", get(pages::track))
            .route("/towns/{id}", get(pages::town))
            .route("/targets/{id}", get(pages::target))
            .route("/targets/{id}/actuals", post(pages::record_actual))
            .route("/targets/{id}/value", post(pages::update_value))
            .route("/audit", get(pages::audit))
            .route("/locate", get(locate_pages::locate))
            .route(
                "/locate/indicators/{code}",
                get(locate_pages::indicator).post(locate_pages::save_indicator),
            )
            .route("/locate/model", post(locate_pages::save_model))
            .route(
                "/locate/import",
                get(locate_pages::import_page)
                    .post(locate_pages::import_upload)
                    .layer(axum::extract::DefaultBodyLimit::max(upload_body)),
            )
            .route("/locate/import/confirm", post(locate_pages::import_confirm))
            .route("/shortfalls/new", get(claim_pages::new_shortfall))
            .route("/shortfalls", post(claim_pages::create_shortfall))
            .route("/shortfalls/{id}", get(claim_pages::shortfall))
            .route("/remedies", get(claim_pages::remedies))
            .route(
                "/tasks",
                get(claim_pages::my_tasks).post(claim_pages::create_task),
            )
            .route("/tasks/board", get(claim_pages::claim_board))
            .route("/tasks/{id}", get(claim_pages::task))
            .route("/tasks/{id}/claim", post(claim_pages::claim_task))
            .route(
                "/tasks/{id}/progress",
                post(claim_pages::task_progress)
                    .layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
            )
            .route("/tasks/{id}/{action}", post(claim_pages::task_action))
            .route("/attachments/{id}", get(claim_pages::attachment))
            .route("/supervision", get(claim_pages::supervision))
            .route("/supervision/ranking.xlsx", get(claim_pages::ranking_xlsx))
            .route(
                "/projects",
                get(land_pages::projects).post(land_pages::new_project),
            )
            .route("/projects.xlsx", get(land_pages::projects_xlsx))
            .route("/projects/{id}", get(land_pages::project))
            .route("/projects/{id}/{action}", post(land_pages::project_action));
        let api = Router::new()
            .route("/api/openapi.json", get(api::openapi))
            .route("/api/v1/me", get(api::me))
            .route("/api/v1/regions", get(api::regions))
            .route("/api/v1/regions/{code}/system", get(api::system))
            .route(
                "/api/v1/regions/{code}/targets",
                get(api::targets).post(api::create_target),
            )
            .route(
                "/api/v1/targets/{id}",
                get(api::target).patch(api::update_target),
            )
            .route("/api/v1/targets/{id}/actuals", post(api::record_actual))
            .route("/api/v1/tracks/{id}", get(api::track))
            .route("/api/v1/audit", get(api::audit))
            .route("/api/v1/regions/{code}/analysis", get(api::analysis))
            .route("/api/v1/indicators", get(api::indicators))
            .route("/api/v1/regions/{code}/model", get(api::model))
            .route("/api/v1/shortfalls", post(api::create_shortfall))
            .route("/api/v1/remedies", get(api::remedies))
            .route("/api/v1/tasks", get(api::tasks).post(api::create_task))
            .route("/api/v1/tasks/{id}", get(api::task))
            .route("/api/v1/tasks/{id}/claim", post(api::claim_task))
            .route("/api/v1/tasks/{id}/progress", post(api::task_progress))
            .route(
                "/api/v1/projects",
                get(land_api::list).post(land_api::create),
            )
            .route("/api/v1/projects/{id}", get(land_api::project))
            .route("/api/v1/projects/{id}/stage", post(land_api::stage))
            .route(
                "/api/v1/projects/{id}/approval",
                get(land_api::approval).post(land_api::set_approval),
            )
            .route(
                "/api/v1/regions/{code}/pipeline-contribution",
                get(land_api::pipeline),
            )
            .route("/api/{*rest}", axum::routing::any(api::not_found));
        Router::new()
            .merge(pages)
            .merge(api)
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/favicon.ico",
                get(|| async { axum::http::StatusCode::NO_CONTENT }),
            )
            .route("/assets/{file}", get(assets::serve))
            .fallback(pages::not_found)
            .layer(axum::middleware::from_fn(edges::uniform_refusals))
            .layer(axum::middleware::from_fn(edges::no_store))
            .layer(axum::middleware::map_response(security_headers))
            .layer(compression())
            .with_state(self.state.clone())
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        // Compress the static assets once, before the first browser asks for them.
        tokio::task::spawn_blocking(assets::warm);
        // Overdue tasks are marked (and their people notified) even when nobody is looking.
        let state = self.state.clone();
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                every.tick().await;
                if let Err(e) = claim_pages::sweep(&state).await {
                    tracing::warn!(error = %e, "overdue sweep failed");
                }
            }
        });
        // The peer address feeds the sign-in throttle.
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        sweeper.abort();
        served
    }
}

/// Pages and API answers are compressed on the fly (fast settings: they are small and change);
/// assets arrive already compressed and are left alone, as are spreadsheets (already zip files).
fn compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(
            SizeAbove::new(256)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE)
                .and(NotForContentType::const_new(
                    "application/vnd.openxmlformats",
                ))
                .and(NotForContentType::const_new("application/octet-stream")),
        )
}

/// No page may load anything from another host; pages may not be framed.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
