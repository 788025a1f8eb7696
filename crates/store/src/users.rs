//! Accounts, sign-in and credentials. Passwords are kept as Argon2id hashes; session and API
//! tokens are random and kept only as SHA-256 hashes, so a copy of the database opens nothing.
//! Repeated failed sign-ins lock an account for a growing time.

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

/// Failed sign-ins allowed before the account is locked.
pub const FREE_ATTEMPTS: i64 = 5;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

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
}

impl User {
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username.clone(),
            role: Role::parse(&self.role).unwrap_or(Role::Viewer),
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
    /// Wrong user name or password (never says which).
    Invalid,
    /// Too many failures: try again after this time.
    Locked {
        until: String,
    },
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

const USER_SELECT: &str = "SELECT id, username, display_name, role, region_code, person_id, department_id, town_id, active, created_at FROM users";

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

/// The lock after `failures` failed attempts: 30 s doubling per further failure, at most 15 min.
fn lock_seconds(failures: i64) -> i64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(5) as u32;
    (30_i64 << doublings).min(900)
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
        let password = new.password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|_| StoreError::PasswordHash)??;
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

    pub async fn set_password(
        &mut self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> Result<()> {
        check_password(password)?;
        let owned = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&owned))
            .await
            .map_err(|_| StoreError::PasswordHash)??;
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
        self.audit(
            actor,
            AuditEntry {
                action: "set_password",
                entity: "user",
                entity_id: id.to_string(),
                region_code: None,
                summary: format!("重置用户 {username} 的密码"),
                before: None,
                after: None,
            },
        )
        .await
    }

    /// Creates an API bearer token and returns it; only its hash is kept.
    pub async fn create_token(
        &mut self,
        actor: &Actor,
        username: &str,
        name: &str,
    ) -> Result<String> {
        let user: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND active = 1")
                .bind(username)
                .fetch_optional(self.conn())
                .await?;
        let Some(user_id) = user else {
            return Err(StoreError::NotFound(format!("用户“{username}”")));
        };
        let token = new_token("eo_");
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash(&token))
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "api_token",
                entity_id: id.to_string(),
                region_code: None,
                summary: format!("为用户 {username} 签发 API 令牌“{name}”"),
                before: None,
                after: Some(json!({"user_id": user_id, "name": name})),
            },
        )
        .await?;
        Ok(token)
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
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginOutcome> {
        let row: Option<(i64, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, password_hash, failed_logins, locked_until, active FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let now = timestamp(self.now());
        let Some((id, hash, failures, locked_until, active)) = row else {
            // Spend the same time as a real check, so timing does not reveal user names.
            let pw = password.to_string();
            let _ = tokio::task::spawn_blocking(move || {
                let dummy =
                    DUMMY_HASH.get_or_init(|| hash_password("dummy password").unwrap_or_default());
                verify_password(&pw, dummy)
            })
            .await;
            return Ok(LoginOutcome::Invalid);
        };
        if let Some(until) = locked_until {
            if until > now {
                return Ok(LoginOutcome::Locked { until });
            }
        }
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
            .await
            .unwrap_or(false);
        if ok && active == 1 {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
            let user = sqlx::query_as::<_, User>(&format!("{USER_SELECT} WHERE id = $1"))
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
            return Ok(LoginOutcome::Ok(user));
        }
        let failures = failures + 1;
        let lock = lock_seconds(failures);
        let until = (lock > 0).then(|| timestamp(self.now() + time::Duration::seconds(lock)));
        sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
            .bind(failures)
            .bind(until.clone())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(match until {
            Some(until) => LoginOutcome::Locked { until },
            None => LoginOutcome::Invalid,
        })
    }

    /// Opens a session; returns (session token, CSRF token).
    pub async fn create_session(&self, user_id: i64) -> Result<(String, String)> {
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
        .bind(timestamp(now + time::Duration::hours(SESSION_HOURS)))
        .execute(&self.pool)
        .await?;
        Ok((token, csrf))
    }

    /// The user and CSRF token of a live session.
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

    /// The user behind an API bearer token.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        Ok(sqlx::query_as::<_, User>(&format!(
            "{USER_SELECT} WHERE active = 1 AND id = (SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL)"
        ))
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_grows_and_caps() {
        assert_eq!(lock_seconds(4), 0);
        assert_eq!(lock_seconds(5), 30);
        assert_eq!(lock_seconds(6), 60);
        assert_eq!(lock_seconds(50), 900);
    }

    #[test]
    fn hashes_verify() {
        let h = hash_password("correct horse").expect("hash");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
