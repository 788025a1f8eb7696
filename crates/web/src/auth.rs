//! Who is calling: a session cookie (pages, and the API from pages with a CSRF header) or an
//! API bearer token. Also the sign-in and sign-out pages. Every form carries the session's
//! CSRF token; the sign-in form uses a double-submit cookie since no session exists yet.
//!
//! Sign-in is guarded three ways: attempts per client address are throttled ([`Throttle`]),
//! password checks are bounded by the store's [`LoginGuard`], and each account locks after
//! too many failures. All of it is set by [`AuthSettings`].

use crate::error::{ApiError, AppError, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use domain::Principal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use store::users::{LoginGuard, LoginOutcome, User};

/// Settings of sign-in, sessions and tokens. Every field has a default (see [`Default`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// How long a session lasts, in hours (1–720).
    pub session_hours: i64,
    /// How long a new API token lasts, in days (1–3650).
    pub token_days: i64,
    /// Failed sign-ins that lock an account (1–100); the lock then grows from 30 s to 15 min.
    pub max_failures: i64,
    /// Sign-in attempts allowed per client address per minute; 0 turns the throttle off.
    pub throttle_per_minute: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a reverse
    /// proxy that sets it and is the only way in); otherwise the connection's address.
    pub trust_forwarded_for: bool,
    /// How long a sign-in waits for a free password check before answering 429, in ms (0–60000).
    pub password_check_wait_ms: u64,
    /// Password checks (about 20 MB each) run at once at most; 0 means one per core.
    pub concurrent_password_checks: usize,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_hours: store::users::SESSION_HOURS,
            token_days: store::users::TOKEN_DAYS,
            max_failures: store::users::FREE_ATTEMPTS,
            throttle_per_minute: 10,
            trust_forwarded_for: false,
            password_check_wait_ms: 2000,
            concurrent_password_checks: 0,
        }
    }
}

impl AuthSettings {
    /// Checks every value; the error names the field and says why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        fn within<T: PartialOrd + std::fmt::Display>(
            field: &'static str,
            value: T,
            low: T,
            high: T,
        ) -> Result<(), (&'static str, String)> {
            if value < low || value > high {
                return Err((field, format!("{value} 不在 {low}–{high} 之间")));
            }
            Ok(())
        }
        within("session_hours", self.session_hours, 1, 720)?;
        within(
            "token_days",
            self.token_days,
            1,
            store::users::MAX_TOKEN_DAYS,
        )?;
        within("max_failures", self.max_failures, 1, 100)?;
        within("throttle_per_minute", self.throttle_per_minute, 0, 100_000)?;
        within(
            "password_check_wait_ms",
            self.password_check_wait_ms,
            0,
            60_000,
        )?;
        within(
            "concurrent_password_checks",
            self.concurrent_password_checks,
            0,
            1024,
        )?;
        Ok(())
    }

    /// The store's guard of password checks built from these settings.
    pub fn login_guard(&self) -> LoginGuard {
        LoginGuard::new(
            self.max_failures,
            self.concurrent_password_checks,
            Duration::from_millis(self.password_check_wait_ms),
        )
    }
}

/// What sign-in keeps in memory: the password-check guard and the per-address throttle.
pub(crate) struct LoginLimits {
    pub guard: LoginGuard,
    pub throttle: Throttle,
}

impl LoginLimits {
    pub fn new(settings: &AuthSettings) -> Self {
        Self {
            guard: settings.login_guard(),
            throttle: Throttle::new(settings.throttle_per_minute, Duration::from_secs(60)),
        }
    }
}

/// At most `limit` attempts per client address in a fixed window. Addresses are kept in
/// memory; IPv6 addresses count per /64 (one host usually holds a whole /64). The map is
/// bounded: past [`Throttle::MAX_ADDRESSES`] expired windows are dropped, and if that is not
/// enough, all of them.
pub(crate) struct Throttle<K = IpAddr> {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<K, (Instant, u32)>>,
}

impl Throttle<IpAddr> {
    /// Counts one attempt from `addr`; `Err(seconds)` when it is over the limit, with the
    /// seconds until the address's window ends.
    pub fn hit(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        self.hit_key(throttle_key(addr), now)
    }
}

impl<K: std::hash::Hash + Eq> Throttle<K> {
    const MAX_ADDRESSES: usize = 65_536;

    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt under `key` (an address, a link); `Err(seconds)` when it is over the
    /// limit, with the seconds until the key's window ends.
    pub fn hit_key(&self, key: K, now: Instant) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= Self::MAX_ADDRESSES && !seen.contains_key(&key) {
            let window = self.window;
            seen.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
            if seen.len() >= Self::MAX_ADDRESSES {
                seen.clear();
            }
        }
        let entry = seen.entry(key).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self
                .window
                .saturating_sub(now.saturating_duration_since(entry.0));
            return Err(left.as_secs() + u64::from(left.subsec_nanos() > 0));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// IPv4 (also when mapped into IPv6) as is; IPv6 by its /64 network.
fn throttle_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The address a request comes from: the connection's peer, or with `trust_forwarded_for`
/// the last entry of the last `X-Forwarded-For` header (the one the proxy appended; earlier
/// entries are whatever the client sent). Unspecified when neither is known.
pub(crate) struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = if state.config.auth.trust_forwarded_for {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
        } else {
            None
        };
        Ok(ClientAddr(
            forwarded
                .or(peer)
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

pub const SESSION_COOKIE: &str = "econops_session";
const LOGIN_COOKIE: &str = "econops_login";

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub principal: Principal,
    /// The session's CSRF token; `None` when authenticated by a bearer token.
    pub csrf: Option<String>,
}

impl CurrentUser {
    /// Checks the CSRF token of a submitted form.
    pub fn check_form_csrf(&self, form: &HashMap<String, String>) -> Result<(), AppError> {
        match (&self.csrf, form.get("csrf")) {
            (Some(expected), Some(given)) if constant_eq(expected, given) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    pub fn actor(&self) -> store::Actor {
        store::Actor::user(self.user.id, self.user.display_name.clone())
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

async fn authenticate(state: &AppState, parts: &Parts) -> Result<CurrentUser, AppError> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().map_err(|_| AppError::Unauthorized)?;
        let token = value
            .strip_prefix("Bearer ")
            .ok_or(AppError::Unauthorized)?;
        let user = state
            .store
            .token_user(token.trim())
            .await?
            .ok_or(AppError::Unauthorized)?;
        let principal = user.principal();
        return Ok(CurrentUser {
            user,
            principal,
            csrf: None,
        });
    }
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
    let (user, csrf) = state
        .store
        .session(&token)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let principal = user.principal();
    Ok(CurrentUser {
        user,
        principal,
        csrf: Some(csrf),
    })
}

/// A signed-in user of a page; anyone else is sent to the sign-in page, which returns them to
/// the page they asked for (a `GET`'s local path and query, see [`local_path`]).
pub struct PageUser(pub CurrentUser);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(state, parts).await {
            Ok(user) => Ok(PageUser(user)),
            Err(AppError::Unauthorized) => {
                let wanted = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next = (parts.method == Method::GET)
                    .then(|| local_path(wanted))
                    .flatten()
                    .filter(|p| p != "/");
                let to = match next.and_then(|n| serde_urlencoded::to_string([("next", n)]).ok()) {
                    Some(q) => format!("/login?{q}"),
                    None => "/login".to_string(),
                };
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// The longest return path kept across sign-in.
const MAX_NEXT_LEN: usize = 2000;

/// A path on this site to return to after signing in, or `None` when `raw` could lead anywhere
/// else: it must start with one `/` (not `//` or `/\`, which browsers read as another host), hold
/// no backslash, control character or whitespace, and not be the sign-in or sign-out page.
/// Characters outside ASCII are percent-encoded, so the answer is always a valid `Location`.
pub(crate) fn local_path(raw: &str) -> Option<String> {
    if raw.len() > MAX_NEXT_LEN
        || !raw.starts_with('/')
        || raw.starts_with("//")
        || raw.contains('\\')
        || raw.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let path = raw.split(['?', '#']).next().unwrap_or("");
    if path == "/login" || path == "/logout" || path.starts_with("/api/") {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

/// A signed-in caller of the API. Writes with a session cookie need the `X-CSRF-Token` header.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(state, parts).await?;
        if let Some(expected) = &user.csrf {
            if parts.method != Method::GET && parts.method != Method::HEAD {
                let given = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok());
                if !given.is_some_and(|g| constant_eq(expected, g)) {
                    return Err(ApiError(AppError::Csrf));
                }
            }
        }
        Ok(ApiUser(user))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    csrf: String,
    error: Option<String>,
    username: String,
    /// Where to go after signing in (a checked local path), kept in the form.
    next: String,
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn login_response(
    state: &AppState,
    status: axum::http::StatusCode,
    error: Option<String>,
    username: String,
    next: Option<String>,
) -> Result<Response, PageError> {
    let csrf = store::users::new_token("");
    let html = LoginTemplate {
        csrf: csrf.clone(),
        error,
        username,
        next: next.unwrap_or_default(),
    }
    .render()?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            set_cookie(LOGIN_COOKIE, &csrf, 3600, state.config.secure_cookies),
        )],
        Html(html),
    )
        .into_response())
}

/// A 429 sign-in page saying when to try again, with `Retry-After`.
fn try_later(
    state: &AppState,
    retry_after_secs: u64,
    message: String,
    username: String,
    next: Option<String>,
) -> Result<Response, PageError> {
    let mut resp = login_response(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        Some(message),
        username,
        next,
    )?;
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after_secs.max(1)),
    );
    Ok(resp)
}

/// Seconds from the store's now until a store timestamp (at least 1).
fn seconds_until(state: &AppState, until: &str) -> u64 {
    time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339)
        .map(|t| (t - state.store.now()).whole_seconds())
        .unwrap_or(1)
        .max(1) as u64
}

/// The sign-in page's query: where to return afterwards.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    // A query that cannot be read (a repeated `next`) returns to the home page.
    let next = serde_urlencoded::from_str::<LoginQuery>(uri.query().unwrap_or(""))
        .ok()
        .and_then(|q| q.next)
        .and_then(|n| local_path(&n));
    login_response(
        &state,
        axum::http::StatusCode::OK,
        None,
        String::new(),
        next,
    )
}

pub(crate) async fn login_submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let username = form
        .get("username")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    // Where to go afterwards: a local path only, anything else is the home page.
    let next = form.get("next").and_then(|n| local_path(n));
    let csrf_ok = match (cookie(&headers, LOGIN_COOKIE), form.get("csrf")) {
        (Some(c), Some(f)) => constant_eq(&c, f),
        _ => false,
    };
    let bad = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    if let Err(secs) = state.login.throttle.hit(addr, Instant::now()) {
        tracing::warn!(%addr, "sign-in throttled");
        return try_later(
            &state,
            secs,
            format!("登录尝试过于频繁，请 {secs} 秒后再试"),
            username,
            next,
        );
    }
    if !csrf_ok {
        return login_response(
            &state,
            axum::http::StatusCode::FORBIDDEN,
            Some("页面已过期，请重新登录".into()),
            username,
            next,
        );
    }
    if username.is_empty() || password.is_empty() || username.len() > 64 || password.len() > 200 {
        return login_response(
            &state,
            bad,
            Some("请输入用户名和密码".into()),
            username,
            next,
        );
    }
    let hours = state.config.auth.session_hours;
    match state
        .store
        .login(&state.login.guard, &username, &password)
        .await?
    {
        LoginOutcome::Ok(user) => {
            let (token, _csrf) = state.store.create_session(user.id, hours).await?;
            let max_age = hours.max(1) * 3600;
            let mut resp = Redirect::to(next.as_deref().unwrap_or("/")).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies)
                    .parse()
                    .map_err(|e| AppError::Internal(Box::new(e)))?,
            );
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", 0, state.config.secure_cookies)
                    .parse()
                    .map_err(|e| AppError::Internal(Box::new(e)))?,
            );
            tracing::info!(user = %user.username, "signed in");
            Ok(resp)
        }
        LoginOutcome::Invalid => login_response(
            &state,
            bad,
            Some("用户名或密码错误，或账号已停用".into()),
            username,
            next.clone(),
        ),
        LoginOutcome::Locked { until } => try_later(
            &state,
            seconds_until(&state, &until),
            format!(
                "登录失败次数过多，账号已暂时锁定，请于 {} 后再试",
                until.replace('T', " ").trim_end_matches('Z')
            ),
            username,
            next.clone(),
        ),
        LoginOutcome::Busy { retry_after_secs } => {
            tracing::warn!(%addr, "every password check busy");
            try_later(
                &state,
                retry_after_secs,
                format!("登录的人较多，请 {retry_after_secs} 秒后再试"),
                username,
                next.clone(),
            )
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    user.check_form_csrf(&form)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&token).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies)
            .parse()
            .map_err(|e| AppError::Internal(Box::new(e)))?,
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/tasks/10").as_deref(), Some("/tasks/10"));
        assert_eq!(
            local_path("/projects?stage=signed&page=2").as_deref(),
            Some("/projects?stage=signed&page=2")
        );
        assert_eq!(
            local_path("/search?q=智能").as_deref(),
            Some("/search?q=%E6%99%BA%E8%83%BD"),
            "a valid Location header"
        );
        for bad in [
            "",
            "tasks/10",
            "//evil.example",
            "/\\evil.example",
            "/tasks\\..",
            "https://evil.example/",
            "javascript:alert(1)",
            "/tasks/10\r\nSet-Cookie: x=1",
            "/tasks/\t10",
            "/a b",
            "/login",
            "/login?next=/x",
            "/logout",
            "/api/v1/me",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(MAX_NEXT_LEN))), None);
    }

    #[test]
    fn the_throttle_counts_per_address_and_window() {
        let t = Throttle::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        for _ in 0..3 {
            assert_eq!(t.hit(a, start), Ok(()));
        }
        assert_eq!(t.hit(a, start + Duration::from_secs(15)), Err(45));
        assert_eq!(t.hit(b, start), Ok(()), "another address has its own count");
        assert_eq!(
            t.hit(a, start + Duration::from_secs(60)),
            Ok(()),
            "a new window"
        );
        let off = Throttle::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            assert_eq!(off.hit(a, start), Ok(()));
        }
    }

    #[test]
    fn ipv6_addresses_count_per_network() {
        let t = Throttle::new(1, Duration::from_secs(60));
        let now = Instant::now();
        let one: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let same_net: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let other_net: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(t.hit(one, now), Ok(()));
        assert!(t.hit(same_net, now).is_err());
        assert_eq!(t.hit(other_net, now), Ok(()));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(
            throttle_key(mapped),
            "10.0.0.1".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn the_throttle_stays_bounded() {
        let t = Throttle::new(1, Duration::from_secs(60));
        let now = Instant::now();
        for i in 0..(Throttle::<IpAddr>::MAX_ADDRESSES as u32 + 10) {
            let _ = t.hit(IpAddr::V4(Ipv4Addr::from(i)), now);
        }
        let seen = t.seen.lock().map(|m| m.len()).unwrap_or(usize::MAX);
        assert!(seen <= Throttle::<IpAddr>::MAX_ADDRESSES, "{seen}");
    }

    #[test]
    fn default_settings_are_valid_and_bad_ones_name_their_field() {
        assert_eq!(AuthSettings::default().validate(), Ok(()));
        let bad = AuthSettings {
            session_hours: 0,
            ..AuthSettings::default()
        };
        assert_eq!(bad.validate().map_err(|e| e.0), Err("session_hours"));
        let bad = AuthSettings {
            token_days: 100_000,
            ..AuthSettings::default()
        };
        assert_eq!(bad.validate().map_err(|e| e.0), Err("token_days"));
    }
}
