//! The web layer of EconOps: server-rendered pages in Simplified Chinese, the JSON API under
//! `/api/v1` with its OpenAPI document, sessions, CSRF protection and bearer tokens.
//!
//! Handlers hold no business rules: they parse input, ask the domain's access rules whether
//! the caller may read or write a scope, call the store, and render. Errors become one
//! [`error::AppError`] that answers with a page or with `application/problem+json`.

mod assets;
mod auth;
pub use auth::AuthSettings;
mod claim;
mod context;
mod edges;
pub mod error;
mod home;
mod imports;
mod json;
mod land;
mod layout;
mod locate;
mod matching;
mod page_cache;
mod policies;
mod requests;
mod serve;
mod targets;
mod view;

pub use imports::pages::{PendingUploads, UploadLimits};

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use store::Store;

/// Settings of the web application.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The business settings the use cases run with (thresholds, warnings, stalls, defaults).
    pub rules: workflow::Settings,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Sign-in, sessions and tokens.
    pub auth: AuthSettings,
    /// Uploads waiting for confirmation, and the limits every uploaded file is read within.
    pub uploads: UploadLimits,
}

pub(crate) struct Shared {
    pub store: Store,
    pub config: Config,
    pub uploads: imports::pages::PendingUploads,
    pub login: auth::LoginLimits,
    /// Rendered pages per session and data version.
    pub pages: page_cache::PageCache,
    /// The throttles of the firms' request links.
    pub request_links: requests::firm::LinkLimits,
    /// Registry imports running or finished in the background.
    pub import_jobs: imports::firms::ImportJobs,
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
                pages: page_cache::PageCache::default(),
                request_links: requests::firm::LinkLimits::new(&config.rules.requests),
                uploads: imports::pages::PendingUploads::new(config.uploads.clone()),
                import_jobs: imports::firms::ImportJobs::default(),
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
            .route("/", get(home::pages::home))
            .route("/overview", get(targets::pages::overview))
            .route("/inbox", get(home::pages::inbox))
            .route("/inbox/read", post(home::pages::read_all))
            .route("/inbox/{id}/read", post(home::pages::read_one))
            .route("/search", get(home::pages::search))
            .route("/login", get(auth::login_page).post(auth::login_submit))
            .route("/logout", post(auth::logout))
            .route("/system", get(targets::pages::system))
            .route("/tracks/{id}", get(targets::pages::track))
            .route("/towns/{id}", get(targets::pages::town))
            .route("/targets/{id}", get(targets::pages::target))
            .route("/targets/{id}/actuals", post(targets::pages::record_actual))
            .route("/targets/{id}/value", post(targets::pages::update_value))
            .route("/audit", get(targets::pages::audit))
            .route("/locate", get(locate::pages::locate))
            .route(
                "/locate/indicators/{code}",
                get(locate::pages::indicator).post(locate::pages::save_indicator),
            )
            .route("/locate/model", post(locate::pages::save_model))
            .route(
                "/locate/import",
                get(imports::pages::import_page)
                    .post(imports::pages::import_upload)
                    .layer(axum::extract::DefaultBodyLimit::max(upload_body)),
            )
            .route(
                "/locate/import/confirm",
                post(imports::pages::import_confirm),
            )
            .route("/shortfalls/new", get(claim::pages::new_shortfall))
            .route(
                "/shortfalls",
                get(claim::pages::shortfalls).post(claim::pages::create_shortfall),
            )
            .route(
                "/shortfalls/{id}/close",
                post(claim::pages::close_shortfall),
            )
            .route("/shortfalls/{id}", get(claim::pages::shortfall))
            .route("/remedies", get(claim::pages::remedies))
            .route(
                "/tasks",
                get(claim::pages::my_tasks).post(claim::pages::create_task),
            )
            .route("/tasks/board", get(claim::pages::claim_board))
            .route("/tasks/{id}", get(claim::pages::task))
            .route("/tasks/{id}/claim", post(claim::pages::claim_task))
            .route(
                "/tasks/{id}/progress",
                post(claim::pages::task_progress)
                    .layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
            )
            .route(
                "/tasks/{id}/complete",
                post(claim::supervise_pages::complete)
                    .layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
            )
            .route("/tasks/{id}/sheet", get(claim::supervise_pages::sheet))
            .route(
                "/tasks/{id}/sheet.docx",
                get(claim::supervise_pages::sheet_docx),
            )
            .route("/tasks/{id}/{action}", post(claim::pages::task_action))
            .route("/attachments/{id}", get(claim::pages::attachment))
            .route("/supervision", get(claim::pages::supervision))
            .route("/supervision/ranking.xlsx", get(claim::pages::ranking_xlsx))
            .route(
                "/requests",
                get(requests::pages::list).post(requests::pages::raise),
            )
            .route("/requests/link", post(requests::pages::make_link))
            .route("/requests/measures", get(requests::pages::measures))
            .route(
                "/requests/measures.xlsx",
                get(requests::pages::measures_xlsx),
            )
            .route(
                "/requests/routes",
                get(requests::pages::routes).post(requests::pages::save_routes),
            )
            .route("/requests/{id}", get(requests::pages::detail))
            .route("/requests/{id}/transition", post(requests::pages::act))
            .route(
                "/projects",
                get(land::pages::projects).post(land::pages::new_project),
            )
            .route("/projects.xlsx", get(land::pages::projects_xlsx))
            .route("/projects/{id}", get(land::pages::project))
            .route("/projects/{id}/{action}", post(land::pages::project_action))
            .route("/enterprises", get(serve::pages::list))
            .route(
                "/enterprises/import",
                get(imports::firms::page)
                    .post(imports::firms::upload)
                    .layer(axum::extract::DefaultBodyLimit::max(upload_body)),
            )
            .route("/enterprises/import/{id}", get(imports::firms::job))
            .route("/enterprises/watch", get(serve::watch::page))
            .route("/enterprises/watch.xlsx", get(serve::watch::xlsx))
            .route("/enterprises/{uscc}", get(serve::pages::firm))
            .route(
                "/enterprises/{uscc}/manager",
                post(serve::service::reassign),
            )
            .route("/enterprises/{uscc}/visits", post(serve::service::visit))
            .route(
                "/enterprises/{uscc}/offers",
                post(matching::pages::register),
            )
            .route("/service", get(serve::service::coverage))
            .route("/service/assign", post(serve::service::assign))
            .route(
                "/policies",
                get(policies::pages::list).post(policies::pages::create),
            )
            .route(
                "/policies/import",
                post(policies::pages::import)
                    .layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
            )
            .route("/matching", get(matching::pages::board))
            .route("/matching/introductions", post(matching::pages::introduce))
            .route(
                "/matching/introductions/{id}/deal",
                post(matching::pages::deal),
            )
            .route(
                "/matching/import",
                post(matching::pages::import)
                    .layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
            )
            .route("/policies/new", get(policies::pages::new_form))
            .route("/policies/{id}", get(policies::pages::detail))
            .route(
                "/policies/{id}/edit",
                get(policies::pages::edit_form).post(policies::pages::edit),
            )
            .route("/policies/{id}/push", post(policies::pages::push))
            .route(
                "/policies/{id}/pushes/{push}/cash",
                post(policies::pages::cash),
            )
            .route_layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                page_cache::layer,
            ));
        let api = Router::new()
            .route("/api/openapi.json", get(json::openapi))
            .route("/api/v1/me", get(targets::api::me))
            .route("/api/v1/search", get(home::api::search))
            .route("/api/v1/regions", get(targets::api::regions))
            .route("/api/v1/regions/{code}/system", get(targets::api::system))
            .route(
                "/api/v1/regions/{code}/targets",
                get(targets::api::targets).post(targets::api::create_target),
            )
            .route(
                "/api/v1/targets/{id}",
                get(targets::api::target).patch(targets::api::update_target),
            )
            .route(
                "/api/v1/targets/{id}/actuals",
                post(targets::api::record_actual),
            )
            .route("/api/v1/tracks/{id}", get(targets::api::track))
            .route("/api/v1/audit", get(targets::api::audit))
            .route(
                "/api/v1/regions/{code}/analysis",
                get(locate::api::analysis),
            )
            .route(
                "/api/v1/regions/{code}/gap-ledger",
                get(locate::api::gap_ledger),
            )
            .route("/api/v1/indicators", get(locate::api::indicators))
            .route("/api/v1/regions/{code}/model", get(locate::api::model))
            .route(
                "/api/v1/shortfalls",
                get(claim::api::shortfalls).post(claim::api::create_shortfall),
            )
            .route("/api/v1/remedies", get(claim::api::remedies))
            .route(
                "/api/v1/tasks",
                get(claim::api::tasks).post(claim::api::create_task),
            )
            .route("/api/v1/tasks/{id}", get(claim::api::task))
            .route("/api/v1/tasks/{id}/claim", post(claim::api::claim_task))
            .route(
                "/api/v1/tasks/{id}/progress",
                post(claim::api::task_progress),
            )
            .route(
                "/api/v1/tasks/{id}/supervision",
                get(claim::supervise_api::history),
            )
            .route("/api/v1/tasks/{id}/urge", post(claim::supervise_api::urge))
            .route(
                "/api/v1/tasks/{id}/reassign",
                post(claim::supervise_api::reassign),
            )
            .route(
                "/api/v1/tasks/{id}/extensions",
                post(claim::supervise_api::request_extension),
            )
            .route(
                "/api/v1/tasks/{id}/extensions/{extension}",
                post(claim::supervise_api::decide_extension),
            )
            .route(
                "/api/v1/tasks/{id}/instructions",
                post(claim::supervise_api::instruct),
            )
            .route(
                "/api/v1/tasks/{id}/complete",
                post(claim::supervise_api::complete)
                    .layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
            )
            .route(
                "/api/v1/tasks/{id}/accept",
                post(claim::supervise_api::accept),
            )
            .route(
                "/api/v1/tasks/{id}/return",
                post(claim::supervise_api::return_task),
            )
            .route(
                "/api/v1/tasks/{id}/cancel",
                post(claim::supervise_api::cancel),
            )
            .route(
                "/api/v1/projects",
                get(land::api::list).post(land::api::create),
            )
            .route("/api/v1/projects/{id}", get(land::api::project))
            .route("/api/v1/projects/{id}/stage", post(land::api::stage))
            .route(
                "/api/v1/projects/{id}/instructions",
                post(land::api::instruct),
            )
            .route(
                "/api/v1/projects/{id}/approval",
                get(land::api::approval).post(land::api::set_approval),
            )
            .route(
                "/api/v1/regions/{code}/pipeline-contribution",
                get(land::api::pipeline),
            )
            .route(
                "/api/v1/requests",
                get(requests::api::list).post(requests::api::create),
            )
            .route(
                "/api/v1/requests/{id}/transition",
                post(requests::api::transition),
            )
            .route("/api/v1/enterprises", get(serve::api::list))
            .route("/api/v1/enterprises/watch", get(serve::watch::api))
            .route("/api/v1/enterprises/{uscc}", get(serve::api::firm))
            .route(
                "/api/v1/enterprises/{uscc}/service-manager",
                post(serve::service::api_reassign),
            )
            .route(
                "/api/v1/enterprises/{uscc}/visits",
                post(serve::service::api_visit),
            )
            .route(
                "/api/v1/service-managers",
                get(serve::service::api_coverage),
            )
            .route(
                "/api/v1/service-managers/assign",
                post(serve::service::api_assign),
            )
            .route(
                "/api/v1/indicators/{code}/firm-contributions",
                get(serve::api::contributions),
            )
            .route(
                "/api/v1/policies",
                get(policies::api::list).post(policies::api::create),
            )
            .route("/api/v1/policies/{id}", get(policies::api::one))
            .route(
                "/api/v1/policies/{id}/eligible",
                get(policies::api::eligible),
            )
            .route(
                "/api/v1/enterprises/{uscc}/needs",
                get(matching::api::firm_needs),
            )
            .route(
                "/api/v1/matching/introductions",
                post(matching::api::introduce),
            )
            .route(
                "/api/v1/matching/introductions/{id}/deal",
                post(matching::api::deal),
            )
            .route("/api/v1/matching/unmatched", get(matching::api::unmatched))
            .route("/api/{*rest}", axum::routing::any(json::not_found));
        // The firms' own request pages: no session, so outside the page cache.
        let firm = Router::new()
            .route(
                "/r/{token}",
                get(requests::firm::firm_page).post(requests::firm::firm_submit),
            )
            .route("/r/{token}/rate/{id}", post(requests::firm::firm_rate));
        Router::new()
            .merge(pages)
            .merge(api)
            .merge(firm)
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/favicon.ico",
                get(|| async { axum::http::StatusCode::NO_CONTENT }),
            )
            .route("/assets/{file}", get(assets::serve))
            .fallback(layout::not_found)
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
        // Overdue tasks are marked and late requests escalated (their people notified) even when
        // nobody is looking.
        let state = self.state.clone();
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                every.tick().await;
                if let Err(e) = claim::sweep(&state).await {
                    tracing::warn!(error = %e, "overdue sweep failed");
                }
                if let Err(e) = workflow::requests::escalate_all(&state.store).await {
                    tracing::warn!(error = %e, "late request escalation failed");
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
