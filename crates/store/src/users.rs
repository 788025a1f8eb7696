//! Accounts, sign-in and credentials. Passwords are kept as Argon2id hashes; session and API
//! tokens are random and kept only as SHA-256 hashes, so a copy of the database opens nothing.
//!
//! Repeated failed sign-ins lock an account for a growing time. Every attempt on an existing
//! account first takes one of the account's free attempts in a single conditional `UPDATE`, and
//! only then is the password checked, so parallel attempts can never check more passwords than
//! there are free attempts (decision 38). Password checks (Argon2, about 20 MB each) run on the
//! blocking pool, at most [`LoginGuard::capacity`] at once.
//!
//! Credentials can be taken back: API tokens expire and can be revoked by number or prefix, a
//! user can be disabled, and a password change ends the user's sessions and tokens.

use crate::{timestamp, Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use domain::{Principal, Role};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Failed sign-ins allowed before the account is locked (the default of [`LoginGuard`]).
pub const FREE_ATTEMPTS: i64 = 5;
/// How long a session lasts by default.
pub const SESSION_HOURS: i64 = 12;
/// How long an API token lasts by default.
pub const TOKEN_DAYS: i64 = 90;
/// The longest lifetime an API token may be given.
pub const MAX_TOKEN_DAYS: i64 = 3650;
/// How long a sign-in waits for a free password check by default.
pub const CHECK_WAIT: Duration = Duration::from_secs(2);

/// How many characters of an API token are kept in clear to name it ("eo_" and 8 hex digits).
const PREFIX_LEN: usize = 11;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: Option<String>,
    pub person_id: Option<i64>,
    pub department_id: Option<i64>,
    pub town_id: Option<i64>,
    pub active: i64,
    pub created_at: String,
    /// `role`, decoded strictly when the row is read: an unknown role fails the read (it is
    /// never taken for a viewer).
    #[sqlx(rename = "role")]
    #[serde(skip)]
    role_code: crate::codes::Code<Role>,
}

impl User {
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username.clone(),
            role: self.role_code.0,
            person_id: self.person_id,
            department_id: self.department_id,
            town_id: self.town_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub person_id: Option<i64>,
    pub department_id: Option<i64>,
    pub town_id: Option<i64>,
}

#[derive(FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    csrf_token: String,
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    Ok(User),
    /// Wrong user name or password, or a disabled account (never says which).
    Invalid,
    /// Too many failures: try again after this time.
    Locked {
        until: String,
    },
    /// Every password check is busy: try again after this many seconds. Nothing was counted.
    Busy {
        retry_after_secs: u64,
    },
}

/// Credentials ended by a password change or by disabling a user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ended {
    pub sessions: u64,
    pub tokens: u64,
}

/// A newly issued API token: the token itself is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: i64,
    pub token: String,
    pub prefix: String,
    pub expires_at: String,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// `None` for tokens issued before prefixes were kept.
    pub prefix: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl TokenInfo {
    /// 有效, 已吊销 or 已过期, as of `now` (a store timestamp).
    pub fn status(&self, now: &str) -> &'static str {
        if self.revoked_at.is_some() {
            "已吊销"
        } else if self.expires_at.as_deref().is_none_or(|e| e <= now) {
            "已过期"
        } else {
            "有效"
        }
    }
}

/// How a command names a token to revoke: its number, its prefix, or the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRef {
    Id(i64),
    /// "eo_" and 4–8 hex digits.
    Prefix(String),
    Token(String),
}

impl TokenRef {
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse()
                .map(TokenRef::Id)
                .map_err(|_| StoreError::Invalid(format!("令牌编号“{s}”无效")));
        }
        if let Some(hexpart) = s.strip_prefix("eo_") {
            let hex_ok = hexpart.bytes().all(|b| b.is_ascii_hexdigit());
            if hex_ok && hexpart.len() == 64 {
                return Ok(TokenRef::Token(s.to_string()));
            }
            if hex_ok && (4..=PREFIX_LEN - 3).contains(&hexpart.len()) {
                return Ok(TokenRef::Prefix(s.to_ascii_lowercase()));
            }
        }
        Err(StoreError::Invalid(format!(
            "“{s}”不是令牌编号（数字）或令牌前缀（eo_ 加 4–8 位十六进制数字）"
        )))
    }
}

/// Bounds password checks: at most `capacity` run at once; a sign-in waits at most `wait` for
/// one, and then answers [`LoginOutcome::Busy`]. Also says how many failures lock an account.
/// Counts the checks it runs, so that tests and operators can see the bound hold.
#[derive(Debug, Clone)]
pub struct LoginGuard {
    max_failures: i64,
    capacity: usize,
    wait: Duration,
    permits: Arc<Semaphore>,
    stats: Arc<CheckStats>,
}

#[derive(Debug, Default)]
struct CheckStats {
    running: AtomicUsize,
    peak: AtomicUsize,
    total: AtomicU64,
}

/// Counts one running check from creation to drop (on the blocking thread that runs it).
struct Running<'a>(&'a CheckStats);

impl<'a> Running<'a> {
    fn enter(stats: &'a CheckStats) -> Self {
        let now = stats.running.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak.fetch_max(now, Ordering::SeqCst);
        stats.total.fetch_add(1, Ordering::SeqCst);
        Running(stats)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Default for LoginGuard {
    fn default() -> Self {
        Self::new(FREE_ATTEMPTS, 0, CHECK_WAIT)
    }
}

impl LoginGuard {
    /// `capacity` 0 means one check per core. `max_failures` below 1 is taken as 1.
    pub fn new(max_failures: i64, capacity: usize, wait: Duration) -> Self {
        let capacity = if capacity == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            capacity
        };
        Self {
            max_failures: max_failures.max(1),
            capacity,
            wait,
            permits: Arc::new(Semaphore::new(capacity)),
            stats: Arc::default(),
        }
    }

    pub fn max_failures(&self) -> i64 {
        self.max_failures
    }

    /// How many password checks may run at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most password checks that ever ran at once.
    pub fn peak(&self) -> usize {
        self.stats.peak.load(Ordering::SeqCst)
    }

    /// How many password checks ran in all (including those for unknown names).
    pub fn checks(&self) -> u64 {
        self.stats.total.load(Ordering::SeqCst)
    }

    /// Takes one check slot without checking anything, until the permit is dropped: lets
    /// tests (and maintenance) see what sign-ins do when every slot is busy.
    pub fn occupy(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// The seconds to tell a caller who found every check busy.
    fn retry_after_secs(&self) -> u64 {
        self.wait.as_secs().max(1)
    }

    async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => None,
        }
    }

    /// Checks `password` against `hash` on the blocking pool; the slot is held until the
    /// check is done, even if the caller goes away meanwhile.
    async fn check(&self, slot: OwnedSemaphorePermit, password: &str, hash: Hash) -> bool {
        let stats = self.stats.clone();
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let _running = Running::enter(&stats);
            match hash {
                Hash::Stored(h) => verify_password(&password, &h),
                Hash::Dummy => {
                    let dummy = DUMMY_HASH
                        .get_or_init(|| hash_password("dummy password").unwrap_or_default());
                    verify_password(&password, dummy);
                    false
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    /// The lock until-times for each failure count from `max_failures` up, and the cap.
    fn lock_times(&self, now: time::OffsetDateTime) -> Vec<(i64, String)> {
        (0..=LOCK_DOUBLINGS)
            .map(|k| {
                let failures = self.max_failures + k;
                let secs = lock_seconds(failures, self.max_failures);
                (failures, timestamp(now + time::Duration::seconds(secs)))
            })
            .collect()
    }
}

enum Hash {
    Stored(String),
    /// For unknown names: the same work as a real check, so timing does not reveal names.
    Dummy,
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

const USER_SELECT: &str = "SELECT id, username, display_name, role, region_code, person_id, department_id, town_id, active, created_at FROM users";

const TOKEN_SELECT: &str =
    "SELECT t.id, u.username, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// Checks a new password: at least 8 characters, at most 200.
pub fn check_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < 8 {
        return Err(StoreError::Invalid("密码至少 8 个字符".into()));
    }
    if n > 200 {
        return Err(StoreError::Invalid("密码最多 200 个字符".into()));
    }
    Ok(())
}

fn check_username(username: &str) -> Result<()> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "用户名“{username}”无效：只能用 1–64 个英文字母、数字、下划线、连字符或点"
        )))
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| StoreError::PasswordHash)
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token with a prefix that says what it is ("eo_" for API tokens).
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How many times the lock doubles before it reaches its cap.
const LOCK_DOUBLINGS: i64 = 5;

/// The lock after `failures` failed attempts when `free` are allowed: 30 s doubling per
/// further failure, at most 15 min.
fn lock_seconds(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(LOCK_DOUBLINGS) as u32;
    (30_i64 << doublings).min(900)
}

async fn hash_off_thread(password: &str) -> Result<String> {
    let owned = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&owned))
        .await
        .map_err(|_| StoreError::PasswordHash)?
}

impl WriteTx {
    pub async fn create_user(&mut self, actor: &Actor, new: &NewUser) -> Result<i64> {
        check_username(&new.username)?;
        check_password(&new.password)?;
        if new.role == Role::Department && new.department_id.is_none() {
            return Err(StoreError::Invalid("部门用户必须指定所属部门".into()));
        }
        if new.role == Role::Town && new.town_id.is_none() {
            return Err(StoreError::Invalid("镇街用户必须指定所属镇街".into()));
        }
        if new.role == Role::Leader && new.person_id.is_none() {
            return Err(StoreError::Invalid("市领导用户必须关联人员".into()));
        }
        let hash = hash_off_thread(&new.password).await?;
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, region_code, person_id, department_id, \
             town_id, active, failed_logins, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 0, $9, $9) RETURNING id",
        )
        .bind(new.username.clone())
        .bind(new.display_name.clone())
        .bind(hash)
        .bind(new.role.code())
        .bind(new.region_code.clone())
        .bind(new.person_id)
        .bind(new.department_id)
        .bind(new.town_id)
        .bind(at)
        .fetch_one(self.conn())
        .await
        .map_err(|e| StoreError::unique(e, || format!("用户名“{}”已被使用", new.username)))?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "user",
                entity_id: id.to_string(),
                region_code: new.region_code.clone(),
                summary: format!("新增用户 {}（{}）", new.username, new.role.label()),
                before: None,
                after: Some(json!({
                    "username": new.username, "display_name": new.display_name, "role": new.role,
                    "person_id": new.person_id, "department_id": new.department_id, "town_id": new.town_id
                })),
            },
        )
        .await?;
        Ok(id)
    }

    /// Sets a user's password and ends every session and API token the user has: whoever
    /// knew the old password (or held a token) is out.
    pub async fn set_password(
        &mut self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> Result<Ended> {
        check_password(password)?;
        let hash = hash_off_thread(password).await?;
        let at = self.at.clone();
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 \
             WHERE username = $3 RETURNING id",
        )
        .bind(hash)
        .bind(at)
        .bind(username)
        .fetch_optional(self.conn())
        .await?;
        let Some(id) = id else {
            return Err(StoreError::NotFound(format!("用户“{username}”")));
        };
        let ended = self.end_credentials(id).await?;
        self.audit(
            actor,
            AuditEntry {
                action: "set_password",
                entity: "user",
                entity_id: id.to_string(),
                region_code: None,
                summary: format!(
                    "重置用户 {username} 的密码，结束其 {} 个会话、吊销 {} 个 API 令牌",
                    ended.sessions, ended.tokens
                ),
                before: None,
                after: Some(json!({"ended": ended})),
            },
        )
        .await?;
        Ok(ended)
    }

    /// Enables or disables a user. Disabling ends the user's sessions and revokes the user's
    /// API tokens (they are refused at once in any case: every check reads `active`);
    /// enabling clears a sign-in lock. Returns `None` when the user already was so.
    pub async fn set_user_active(
        &mut self,
        actor: &Actor,
        username: &str,
        active: bool,
    ) -> Result<Option<Ended>> {
        let at = self.at.clone();
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "UPDATE users SET active = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 \
             WHERE username = $3 AND active <> $1 RETURNING id, region_code",
        )
        .bind(crate::flag(active))
        .bind(at)
        .bind(username)
        .fetch_optional(self.conn())
        .await?;
        let Some((id, region_code)) = row else {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(self.conn())
                    .await?;
            return match exists {
                Some(_) => Ok(None),
                None => Err(StoreError::NotFound(format!("用户“{username}”"))),
            };
        };
        let ended = if active {
            Ended::default()
        } else {
            self.end_credentials(id).await?
        };
        let summary = if active {
            format!("启用用户 {username}")
        } else {
            format!(
                "停用用户 {username}，结束其 {} 个会话、吊销 {} 个 API 令牌",
                ended.sessions, ended.tokens
            )
        };
        self.audit(
            actor,
            AuditEntry {
                action: if active { "enable" } else { "disable" },
                entity: "user",
                entity_id: id.to_string(),
                region_code,
                summary,
                before: Some(json!({"active": !active})),
                after: Some(json!({"active": active, "ended": ended})),
            },
        )
        .await?;
        Ok(Some(ended))
    }

    /// Deletes a user's sessions and revokes the user's live API tokens.
    async fn end_credentials(&mut self, user_id: i64) -> Result<Ended> {
        let at = self.at.clone();
        let sessions = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(self.conn())
            .await?
            .rows_affected();
        let tokens = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(user_id)
        .execute(self.conn())
        .await?
        .rows_affected();
        Ok(Ended { sessions, tokens })
    }

    /// Creates an API bearer token lasting [`TOKEN_DAYS`] and returns it; only its hash is kept.
    pub async fn create_token(
        &mut self,
        actor: &Actor,
        username: &str,
        name: &str,
    ) -> Result<String> {
        Ok(self
            .issue_token(actor, username, name, TOKEN_DAYS)
            .await?
            .token)
    }

    /// Issues an API bearer token for an active user, valid for `days` days.
    pub async fn issue_token(
        &mut self,
        actor: &Actor,
        username: &str,
        name: &str,
        days: i64,
    ) -> Result<IssuedToken> {
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(StoreError::Invalid(format!(
                "令牌有效期 {days} 天不在 1–{MAX_TOKEN_DAYS} 天之间"
            )));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(StoreError::Invalid("令牌名称须为 1–64 个字符".into()));
        }
        let user: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, region_code FROM users WHERE username = $1 AND active = 1")
                .bind(username)
                .fetch_optional(self.conn())
                .await?;
        let Some((user_id, region_code)) = user else {
            return Err(StoreError::NotFound(format!(
                "用户“{username}”（或已停用）"
            )));
        };
        let token = new_token("eo_");
        let prefix = token[..PREFIX_LEN].to_string();
        let at = self.at.clone();
        let expires_at = timestamp(self.now + time::Duration::days(days));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash(&token))
        .bind(prefix.clone())
        .bind(at)
        .bind(expires_at.clone())
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "api_token",
                entity_id: id.to_string(),
                region_code,
                summary: format!(
                    "为用户 {username} 签发 API 令牌“{name}”（{prefix}，有效期至 {expires_at}）"
                ),
                before: None,
                after: Some(json!({
                    "user_id": user_id, "name": name, "prefix": prefix, "expires_at": expires_at
                })),
            },
        )
        .await?;
        Ok(IssuedToken {
            id,
            token,
            prefix,
            expires_at,
        })
    }

    /// Revokes one API token; a token already revoked is a conflict.
    pub async fn revoke_token(&mut self, actor: &Actor, which: &TokenRef) -> Result<TokenInfo> {
        let rows = match which {
            TokenRef::Id(id) => {
                sqlx::query_as::<_, TokenInfo>(&format!("{TOKEN_SELECT} WHERE t.id = $1"))
                    .bind(*id)
                    .fetch_all(self.conn())
                    .await?
            }
            // The prefix is checked to be "eo_" and hex digits, so it holds no LIKE wildcard.
            TokenRef::Prefix(p) => {
                sqlx::query_as::<_, TokenInfo>(&format!(
                    "{TOKEN_SELECT} WHERE t.prefix LIKE $1 ORDER BY t.id"
                ))
                .bind(format!("{p}%"))
                .fetch_all(self.conn())
                .await?
            }
            TokenRef::Token(t) => {
                sqlx::query_as::<_, TokenInfo>(&format!("{TOKEN_SELECT} WHERE t.token_hash = $1"))
                    .bind(token_hash(t))
                    .fetch_all(self.conn())
                    .await?
            }
        };
        let shown = match which {
            TokenRef::Id(id) => format!("编号 {id}"),
            TokenRef::Prefix(p) => format!("前缀 {p}"),
            TokenRef::Token(_) => "所给".to_string(),
        };
        let token = match rows.as_slice() {
            [] => return Err(StoreError::NotFound(format!("{shown}的 API 令牌"))),
            [one] => one.clone(),
            many => {
                let ids: Vec<String> = many.iter().map(|t| t.id.to_string()).collect();
                return Err(StoreError::Conflict(format!(
                    "{shown}对应多个令牌（编号 {}），请用编号指定",
                    ids.join("、")
                )));
            }
        };
        if let Some(when) = &token.revoked_at {
            return Err(StoreError::Conflict(format!(
                "令牌 {} 已于 {when} 吊销",
                token.id
            )));
        }
        let at = self.at.clone();
        let revoked: Option<i64> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id",
        )
        .bind(at.clone())
        .bind(token.id)
        .fetch_optional(self.conn())
        .await?;
        if revoked.is_none() {
            return Err(StoreError::Conflict(format!("令牌 {} 已被吊销", token.id)));
        }
        self.audit(
            actor,
            AuditEntry {
                action: "revoke",
                entity: "api_token",
                entity_id: token.id.to_string(),
                region_code: None,
                summary: format!(
                    "吊销用户 {} 的 API 令牌“{}”（编号 {}）",
                    token.username, token.name, token.id
                ),
                before: Some(json!({"revoked_at": null})),
                after: Some(json!({"revoked_at": at})),
            },
        )
        .await?;
        Ok(TokenInfo {
            revoked_at: Some(at),
            ..token
        })
    }
}

impl Store {
    pub async fn users(&self) -> Result<Vec<User>> {
        Ok(
            sqlx::query_as::<_, User>(&format!("{USER_SELECT} ORDER BY id"))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        Ok(
            sqlx::query_as::<_, User>(&format!("{USER_SELECT} WHERE username = $1"))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Checks a password, counting failures and locking the account after too many.
    ///
    /// Order: wait for a check slot (or answer `Busy`, counting nothing); take one free
    /// attempt in one conditional `UPDATE` that also sets the lock when it is the last
    /// (refused while locked: no check); check the password; on success clear the count —
    /// only if the password and the active flag are still those that were checked. A disabled
    /// account behaves exactly as one whose every password is wrong.
    pub async fn login(
        &self,
        guard: &LoginGuard,
        username: &str,
        password: &str,
    ) -> Result<LoginOutcome> {
        let Some(slot) = guard.slot().await else {
            return Ok(LoginOutcome::Busy {
                retry_after_secs: guard.retry_after_secs(),
            });
        };
        let row: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, password_hash, active FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        let Some((id, hash, active)) = row else {
            guard.check(slot, password, Hash::Dummy).await;
            return Ok(LoginOutcome::Invalid);
        };
        let now = self.now();
        let now_text = timestamp(now);
        let locks = guard.lock_times(now);
        // failed_logins + 1 < max: no lock; = max + k: the k-th lock time; beyond: the cap.
        let mut case = String::from("CASE WHEN failed_logins + 1 < $3 THEN NULL");
        for k in 0..locks.len() - 1 {
            case.push_str(&format!(
                " WHEN failed_logins + 1 = ${} THEN ${}",
                4 + 2 * k,
                5 + 2 * k
            ));
        }
        case.push_str(&format!(" ELSE ${} END", 4 + 2 * (locks.len() - 1)));
        let sql = format!(
            "UPDATE users SET failed_logins = failed_logins + 1, locked_until = {case} \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) \
             RETURNING failed_logins, locked_until"
        );
        let mut reserve = sqlx::query_as::<_, (i64, Option<String>)>(&sql)
            .bind(id)
            .bind(now_text.clone())
            .bind(guard.max_failures());
        for (i, (failures, until)) in locks.iter().enumerate() {
            if i + 1 < locks.len() {
                reserve = reserve.bind(*failures);
            }
            reserve = reserve.bind(until.clone());
        }
        let Some((_, lock_set)) = reserve.fetch_optional(&self.pool).await? else {
            drop(slot);
            let until: Option<Option<String>> =
                sqlx::query_scalar("SELECT locked_until FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
            return Ok(LoginOutcome::Locked {
                until: until.flatten().unwrap_or(now_text),
            });
        };
        let ok = guard
            .check(slot, password, Hash::Stored(hash.clone()))
            .await;
        if ok && active == 1 {
            let user = sqlx::query_as::<_, User>(
                "UPDATE users SET failed_logins = 0, locked_until = NULL \
                 WHERE id = $1 AND active = 1 AND password_hash = $2 \
                 RETURNING id, username, display_name, role, region_code, person_id, department_id, \
                 town_id, active, created_at",
            )
            .bind(id)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
            return Ok(user.map_or(LoginOutcome::Invalid, LoginOutcome::Ok));
        }
        Ok(match lock_set {
            Some(until) => LoginOutcome::Locked { until },
            None => LoginOutcome::Invalid,
        })
    }

    /// Opens a session lasting `hours`; returns (session token, CSRF token).
    pub async fn create_session(&self, user_id: i64, hours: i64) -> Result<(String, String)> {
        let token = new_token("s_");
        let csrf = new_token("");
        let now = self.now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(csrf.clone())
        .bind(timestamp(now))
        .bind(timestamp(now + time::Duration::hours(hours.max(1))))
        .execute(&self.pool)
        .await?;
        Ok((token, csrf))
    }

    /// The user and CSRF token of a live session of an active user.
    pub async fn session(&self, token: &str) -> Result<Option<(User, String)>> {
        // One round trip: every page asks this.
        let row = sqlx::query_as::<_, SessionRow>(
            "SELECT u.id, u.username, u.display_name, u.role, u.region_code, u.person_id, u.department_id, u.town_id, \
             u.active, u.created_at, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash(token))
        .bind(timestamp(self.now()))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.user, r.csrf_token)))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The active user behind an API bearer token that is neither revoked nor expired.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        Ok(sqlx::query_as::<_, User>(&format!(
            "{USER_SELECT} WHERE active = 1 AND id = (SELECT user_id FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2)"
        ))
        .bind(token_hash(token))
        .bind(timestamp(self.now()))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A user's API tokens, newest first.
    pub async fn tokens(&self, username: &str) -> Result<Vec<TokenInfo>> {
        if self.user_by_name(username).await?.is_none() {
            return Err(StoreError::NotFound(format!("用户“{username}”")));
        }
        Ok(sqlx::query_as::<_, TokenInfo>(&format!(
            "{TOKEN_SELECT} WHERE u.username = $1 ORDER BY t.id DESC"
        ))
        .bind(username)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_grows_and_caps() {
        assert_eq!(lock_seconds(4, 5), 0);
        assert_eq!(lock_seconds(5, 5), 30);
        assert_eq!(lock_seconds(6, 5), 60);
        assert_eq!(lock_seconds(50, 5), 900);
        assert_eq!(lock_seconds(3, 3), 30);
    }

    #[test]
    fn lock_times_cover_every_count_up_to_the_cap() {
        let guard = LoginGuard::new(5, 1, Duration::from_millis(1));
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let times = guard.lock_times(now);
        assert_eq!(times.first().map(|t| t.0), Some(5));
        assert_eq!(
            times.first().map(|t| t.1.as_str()),
            Some("1970-01-01T00:00:30Z")
        );
        assert_eq!(
            times.last().map(|t| t.1.as_str()),
            Some("1970-01-01T00:15:00Z")
        );
    }

    #[test]
    fn hashes_verify() {
        let h = hash_password("correct horse").expect("hash");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn token_references_parse() {
        assert_eq!(TokenRef::parse("12").ok(), Some(TokenRef::Id(12)));
        assert_eq!(
            TokenRef::parse("eo_1a2B3c4d").ok(),
            Some(TokenRef::Prefix("eo_1a2b3c4d".into()))
        );
        let full = new_token("eo_");
        assert_eq!(TokenRef::parse(&full).ok(), Some(TokenRef::Token(full)));
        for bad in ["", "eo_", "eo_12", "eo_xyzw", "abc", "eo_123456789", "-1"] {
            assert!(TokenRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_status_reads_revocation_and_expiry() {
        let t = TokenInfo {
            id: 1,
            username: "u".into(),
            name: "n".into(),
            prefix: None,
            created_at: "2025-01-01T00:00:00Z".into(),
            expires_at: Some("2025-04-01T00:00:00Z".into()),
            revoked_at: None,
        };
        assert_eq!(t.status("2025-03-01T00:00:00Z"), "有效");
        assert_eq!(t.status("2025-04-01T00:00:00Z"), "已过期");
        let r = TokenInfo {
            revoked_at: Some("2025-02-01T00:00:00Z".into()),
            ..t
        };
        assert_eq!(r.status("2025-03-01T00:00:00Z"), "已吊销");
    }
}
