//! Rendered pages kept per session, URL and data version, so that looking at a page again
//! costs a session check and a version read instead of a dozen queries and a render.
//!
//! A page is served from here only when nothing it shows can have changed: the same session
//! (so the same user, role, scope and CSRF token), the same URL and saved view, the same day
//! (idle days, deadlines and "截至今日" move with the date) and the same data version (every
//! audited write bumps it in its own transaction, from this server or any other process on the
//! same database). Sign-in state is checked on every request before the cache is consulted.
//! Uploads and files are never cached. Marking notifications read (消息中心) moves the data
//! version, so the next view of any page renders the badge and the task list's unread ones
//! afresh.

use crate::auth::{cookie, SESSION_COOKIE};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// Beyond either bound the cache starts afresh.
const MAX_ENTRIES: usize = 2000;
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// A page larger than this is not kept.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

struct Entry {
    version: i64,
    day: time::Date,
    content_type: HeaderValue,
    body: Bytes,
}

#[derive(Default)]
pub(crate) struct PageCache {
    entries: Mutex<(HashMap<[u8; 32], Entry>, usize)>,
}

impl PageCache {
    fn get(&self, key: &[u8; 32], version: i64, day: time::Date) -> Option<Response> {
        let guard = self.entries.lock().ok()?;
        let e = guard.0.get(key)?;
        if e.version != version || e.day != day {
            return None;
        }
        Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, e.content_type.clone())],
                e.body.clone(),
            )
                .into_response(),
        )
    }

    fn put(&self, key: [u8; 32], entry: Entry) {
        if let Ok(mut guard) = self.entries.lock() {
            let (map, bytes) = &mut *guard;
            if map.len() >= MAX_ENTRIES || *bytes + entry.body.len() > MAX_BYTES {
                map.clear();
                *bytes = 0;
            }
            *bytes += entry.body.len();
            if let Some(old) = map.insert(key, entry) {
                *bytes = bytes.saturating_sub(old.body.len());
            }
        }
    }
}

/// Paths that sign in or out, take uploads, show a running import or answer a file: always
/// answered afresh.
fn cacheable(path: &str) -> bool {
    !(path.starts_with("/login")
        || path.starts_with("/logout")
        || path.starts_with("/attachments/")
        || path.starts_with("/locate/import")
        || path.starts_with("/enterprises/import")
        || path.ends_with(".xlsx")
        || path.ends_with(".docx"))
}

pub(crate) async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !cacheable(req.uri().path()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return next.run(req).await;
    };
    // The session must still be valid; the handler checks again when it renders.
    let user = match state.store.session(&token).await {
        Ok(Some((user, _))) => user,
        _ => return next.run(req).await,
    };
    let Ok(version) = state.store.data_version_all().await else {
        return next.run(req).await;
    };
    let day = state.store.now().date();
    let mut hash = Sha256::new();
    for part in [
        token.as_str(),
        &user.role,
        &format!(
            "{:?}|{:?}|{:?}",
            user.department_id, user.town_id, user.person_id
        ),
        &req.uri().to_string(),
        &cookie(headers, crate::context::VIEW_COOKIE).unwrap_or_default(),
        headers
            .get("hx-request")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    ] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let key: [u8; 32] = hash.finalize().into();
    if let Some(hit) = state.pages.get(&key, version, day) {
        return hit;
    }
    let response = next.run(req).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::OK
        || !html
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Only a rendered page of known, bounded size is kept; anything else passes untouched.
    let small = axum::body::HttpBody::size_hint(&body)
        .exact()
        .is_some_and(|n| n <= MAX_PAGE_BYTES as u64);
    if !small {
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "a rendered page could not be read back");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if let Some(ct) = parts.headers.get(header::CONTENT_TYPE) {
        state.pages.put(
            key,
            Entry {
                version,
                day,
                content_type: ct.clone(),
                body: bytes.clone(),
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}
