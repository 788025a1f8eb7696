//! Enterprise requests (诉求): the routing rules, the firms' links, the requests with their
//! deadlines and their history (`request_events`). The rules of who may do what and of the
//! deadlines are `domain::request`'s; this module only stores, each write audited.

use crate::codes::Code;
use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::request::{Category, Channel, Extension, Rating, RequestState};
use domain::Coded;
use serde_json::json;
use sqlx::FromRow;

/// A routing rule: a category's responsible department.
#[derive(Debug, Clone, FromRow)]
pub struct Route {
    #[sqlx(rename = "category")]
    pub category: Code<Category>,
    pub department_id: i64,
    pub department_name: String,
}

/// A firm's link, found by the hash of its token.
#[derive(Debug, Clone, FromRow)]
pub struct Link {
    pub id: i64,
    pub region_code: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub manager_person_id: Option<i64>,
    pub created_at: String,
    pub expires_at: String,
}

/// A request with its firm's and department's names.
#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub region_code: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub uscc: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub track_id: Option<i64>,
    pub category: Code<Category>,
    pub title: String,
    pub description: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub state: Code<RequestState>,
    pub channel: Code<Channel>,
    pub manager_person_id: Option<i64>,
    pub manager_name: Option<String>,
    pub submitted_on: String,
    pub accept_due: String,
    pub answer_due: String,
    pub resolve_due: String,
    pub accepted_on: Option<String>,
    pub answered_on: Option<String>,
    pub resolved_on: Option<String>,
    pub confirmed_on: Option<String>,
    pub extension: Code<Extension>,
    pub extension_reason: String,
    pub reopen_count: i64,
    pub rating: Option<Code<Rating>>,
    pub answer: String,
    pub resolution: String,
    pub escalated_at: Option<String>,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.region_code, r.enterprise_id, e.name AS enterprise_name, e.uscc, \
     e.town_id, tw.name AS town_name, e.track_id, r.category, r.title, r.description, r.department_id, \
     d.name AS department_name, r.state, r.channel, r.manager_person_id, p.name AS manager_name, \
     r.submitted_on, r.accept_due, r.answer_due, r.resolve_due, r.accepted_on, r.answered_on, \
     r.resolved_on, r.confirmed_on, r.extension, r.extension_reason, r.reopen_count, r.rating, \
     r.answer, r.resolution, r.escalated_at \
     FROM requests r JOIN enterprises e ON e.id = r.enterprise_id \
     LEFT JOIN towns tw ON tw.id = e.town_id LEFT JOIN departments d ON d.id = r.department_id \
     LEFT JOIN people p ON p.id = r.manager_person_id";

/// One step in a request's history.
#[derive(Debug, Clone, FromRow)]
pub struct RequestEvent {
    pub request_id: i64,
    pub action: String,
    pub from_state: Code<RequestState>,
    pub to_state: Code<RequestState>,
    pub note: String,
    pub rating: Option<Code<Rating>>,
    pub actor_name: String,
    pub on_day: String,
    pub at: String,
}

/// What a new request holds (already checked and routed).
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub region_code: String,
    pub enterprise_id: i64,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub department_id: Option<i64>,
    pub channel: Channel,
    pub raised_by_user: Option<i64>,
    pub manager_person_id: Option<i64>,
    pub link_id: Option<i64>,
    pub submitted_on: String,
    pub accept_due: String,
    pub answer_due: String,
    pub resolve_due: String,
}

/// A state change (already allowed by `domain::request::transition`).
#[derive(Debug, Clone)]
pub struct Change {
    pub action: &'static str,
    pub label: &'static str,
    pub to: RequestState,
    pub on_day: String,
    pub note: String,
    pub rating: Option<Rating>,
    pub extension: Extension,
    /// New deadlines (answer, resolve) when they move: an extension or a reopening.
    pub answer_due: Option<String>,
    pub resolve_due: Option<String>,
    pub accept_due: Option<String>,
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub region_code: String,
    pub state: Option<RequestState>,
    pub department_id: Option<i64>,
    pub town_id: Option<i64>,
    pub manager_person_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub category: Option<Category>,
}

impl Store {
    pub async fn request_routes(&self, region: &str) -> Result<Vec<Route>> {
        Ok(sqlx::query_as::<_, Route>(
            "SELECT rr.category, rr.department_id, d.name AS department_name FROM request_routes rr \
             JOIN departments d ON d.id = rr.department_id WHERE rr.region_code = $1 ORDER BY rr.category",
        )
        .bind(region)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn request_link(&self, token_hash: &str) -> Result<Option<Link>> {
        Ok(sqlx::query_as::<_, Link>(
            "SELECT l.id, l.region_code, l.enterprise_id, e.name AS enterprise_name, l.manager_person_id, \
             l.created_at, l.expires_at FROM request_links l JOIN enterprises e ON e.id = l.enterprise_id \
             WHERE l.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn request(&self, id: i64) -> Result<Option<RequestRow>> {
        Ok(
            sqlx::query_as::<_, RequestRow>(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// The requests the filter names, newest first.
    pub async fn requests(&self, f: &RequestFilter) -> Result<Vec<RequestRow>> {
        Ok(sqlx::query_as::<_, RequestRow>(&format!(
            "{REQUEST_SELECT} WHERE r.region_code = $1 AND ($2 = '' OR r.state = $2) \
             AND ($3 = 0 OR r.department_id = $3) AND ($4 = 0 OR e.town_id = $4) \
             AND ($5 = 0 OR r.manager_person_id = $5) AND ($6 = 0 OR r.enterprise_id = $6) \
             AND ($7 = '' OR r.category = $7) ORDER BY r.submitted_on DESC, r.id DESC"
        ))
        .bind(f.region_code.clone())
        .bind(f.state.map(|s| s.as_code()).unwrap_or(""))
        .bind(f.department_id.unwrap_or(0))
        .bind(f.town_id.unwrap_or(0))
        .bind(f.manager_person_id.unwrap_or(0))
        .bind(f.enterprise_id.unwrap_or(0))
        .bind(f.category.map(|c| c.as_code()).unwrap_or(""))
        .fetch_all(self.pool())
        .await?)
    }

    /// Every event of the region's requests (for the measures' ratings) or of one request.
    pub async fn request_events(
        &self,
        region: &str,
        request_id: Option<i64>,
    ) -> Result<Vec<RequestEvent>> {
        Ok(sqlx::query_as::<_, RequestEvent>(
            "SELECT ev.request_id, ev.action, ev.from_state, ev.to_state, ev.note, ev.rating, ev.actor_name, \
             ev.on_day, ev.at FROM request_events ev JOIN requests r ON r.id = ev.request_id \
             WHERE r.region_code = $1 AND ($2 = 0 OR ev.request_id = $2) ORDER BY ev.id",
        )
        .bind(region)
        .bind(request_id.unwrap_or(0))
        .fetch_all(self.pool())
        .await?)
    }

    /// Active users of the office (whom an unrouted late request's notice reaches).
    pub async fn office_user_ids(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM users WHERE role = 'office' AND active = 1 ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Users of a department (whom a late request's notice reaches).
    pub async fn department_user_ids(&self, department_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM users WHERE department_id = $1 AND active = 1 ORDER BY id",
        )
        .bind(department_id)
        .fetch_all(self.pool())
        .await?)
    }
}

impl WriteTx {
    /// Routes a category to a department (`None`: to the office, by removing the rule).
    pub async fn set_request_route(
        &mut self,
        actor: &Actor,
        region: &str,
        category: Category,
        department_id: Option<i64>,
    ) -> Result<()> {
        sqlx::query("DELETE FROM request_routes WHERE region_code = $1 AND category = $2")
            .bind(region)
            .bind(category.as_code())
            .execute(self.conn())
            .await?;
        if let Some(d) = department_id {
            let at = self.at.clone();
            sqlx::query(
                "INSERT INTO request_routes (region_code, category, department_id, updated_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(region)
            .bind(category.as_code())
            .bind(d)
            .bind(at)
            .execute(self.conn())
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::Invalid("承办部门不存在".into())
                }
                _ => e.into(),
            })?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "route",
                entity: "request_route",
                entity_id: category.as_code().to_string(),
                region_code: Some(region.to_string()),
                summary: format!(
                    "诉求分办规则：{} → {}",
                    category.label(),
                    match department_id {
                        Some(d) => format!("部门 {d}"),
                        None => "经济运行办公室".to_string(),
                    }
                ),
                before: None,
                after: Some(
                    json!({ "category": category.as_code(), "department_id": department_id }),
                ),
            },
        )
        .await
    }

    /// Stores a firm's link (only the hash of its token).
    pub async fn insert_request_link(
        &mut self,
        actor: &Actor,
        region: &str,
        enterprise_id: i64,
        token_hash: &str,
        manager_person_id: Option<i64>,
        expires_at: &str,
    ) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO request_links (region_code, enterprise_id, token_hash, manager_person_id, created_by_user, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(region)
        .bind(enterprise_id)
        .bind(token_hash)
        .bind(manager_person_id)
        .bind(actor.user_id)
        .bind(at)
        .bind(expires_at)
        .persistent(false)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "request_link",
                entity_id: id.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("生成企业诉求链接（企业 {enterprise_id}，有效至 {expires_at}）"),
                before: None,
                after: Some(json!({ "enterprise_id": enterprise_id, "expires_at": expires_at })),
            },
        )
        .await?;
        Ok(id)
    }

    /// Stores a new request and its first event.
    pub async fn insert_request(&mut self, actor: &Actor, new: &NewRequest) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO requests (region_code, enterprise_id, category, title, description, department_id, state, channel, \
             raised_by_user, manager_person_id, link_id, submitted_on, accept_due, answer_due, resolve_due, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        )
        .bind(new.region_code.clone())
        .bind(new.enterprise_id)
        .bind(new.category.as_code())
        .bind(new.title.clone())
        .bind(new.description.clone())
        .bind(new.department_id)
        .bind(new.channel.as_code())
        .bind(new.raised_by_user)
        .bind(new.manager_person_id)
        .bind(new.link_id)
        .bind(new.submitted_on.clone())
        .bind(new.accept_due.clone())
        .bind(new.answer_due.clone())
        .bind(new.resolve_due.clone())
        .bind(at.clone())
        .persistent(false)
        .fetch_one(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Invalid("诉求引用的企业、部门或服务经理人不存在".into())
            }
            _ => e.into(),
        })?;
        self.request_event(
            actor,
            id,
            "submit",
            RequestState::Submitted,
            RequestState::Submitted,
            &new.submitted_on,
            "",
            None,
        )
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "request",
                entity_id: id.to_string(),
                region_code: Some(new.region_code.clone()),
                summary: format!("新诉求（{}）：{}", new.category.label(), new.title),
                before: None,
                after: Some(json!({
                    "enterprise_id": new.enterprise_id,
                    "category": new.category.as_code(),
                    "department_id": new.department_id,
                    "channel": new.channel.as_code(),
                    "accept_due": new.accept_due,
                    "answer_due": new.answer_due,
                    "resolve_due": new.resolve_due,
                })),
            },
        )
        .await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn request_event(
        &mut self,
        actor: &Actor,
        id: i64,
        action: &str,
        from: RequestState,
        to: RequestState,
        on_day: &str,
        note: &str,
        rating: Option<Rating>,
    ) -> Result<()> {
        let at = self.at.clone();
        sqlx::query(
            "INSERT INTO request_events (request_id, action, from_state, to_state, note, rating, actor_name, actor_user, on_day, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(action)
        .bind(from.as_code())
        .bind(to.as_code())
        .bind(note)
        .bind(rating.map(|r| r.as_code()))
        .bind(actor.name.clone())
        .bind(actor.user_id)
        .bind(on_day)
        .bind(at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The request, locked for the rest of the transaction, so a step checks the state as it is.
    pub async fn request_for_update(&mut self, id: i64) -> Result<RequestRow> {
        if !self.lock_row("requests", id).await? {
            return Err(StoreError::NotFound(format!("诉求 {id}")));
        }
        sqlx::query_as::<_, RequestRow>(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("诉求 {id}")))
    }

    /// Applies a step to a request locked by [`WriteTx::request_for_update`].
    pub async fn change_request(
        &mut self,
        actor: &Actor,
        before: &RequestRow,
        c: &Change,
    ) -> Result<()> {
        let from = before.state.0;
        let at = self.at.clone();
        let day = c.on_day.clone();
        let reopen = c.rating == Some(Rating::Dissatisfied);
        sqlx::query(
            "UPDATE requests SET state = $1, extension = $2, updated_at = $3, \
             accepted_on = CASE WHEN $4 = 'accept' THEN $5 ELSE accepted_on END, \
             answered_on = CASE WHEN $4 = 'answer' THEN $5 WHEN $6 = 1 THEN NULL ELSE answered_on END, \
             resolved_on = CASE WHEN $4 = 'resolve' THEN $5 WHEN $6 = 1 THEN NULL ELSE resolved_on END, \
             confirmed_on = CASE WHEN $4 = 'confirm' AND $6 = 0 THEN $5 ELSE confirmed_on END, \
             answer = CASE WHEN $4 = 'answer' THEN $7 ELSE answer END, \
             resolution = CASE WHEN $4 = 'resolve' THEN $7 ELSE resolution END, \
             extension_reason = CASE WHEN $4 = 'ask_extension' THEN $7 ELSE extension_reason END, \
             rating = CASE WHEN $4 = 'confirm' THEN $8 ELSE rating END, \
             reopen_count = reopen_count + $6, \
             accept_due = COALESCE($9, accept_due), answer_due = COALESCE($10, answer_due), \
             resolve_due = COALESCE($11, resolve_due), \
             escalated_at = CASE WHEN $6 = 1 OR $11 IS NOT NULL THEN NULL ELSE escalated_at END \
             WHERE id = $12",
        )
        .bind(c.to.as_code())
        .bind(c.extension.as_code())
        .bind(at)
        .bind(c.action)
        .bind(day.clone())
        .bind(i64::from(reopen))
        .bind(c.note.clone())
        .bind(c.rating.map(|r| r.as_code()))
        .bind(c.accept_due.clone())
        .bind(c.answer_due.clone())
        .bind(c.resolve_due.clone())
        .bind(before.id)
        .execute(self.conn())
        .await?;
        self.request_event(
            actor, before.id, c.action, from, c.to, &day, &c.note, c.rating,
        )
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: c.action,
                entity: "request",
                entity_id: before.id.to_string(),
                region_code: Some(before.region_code.clone()),
                summary: format!(
                    "诉求 {}：{}（{} → {}）",
                    before.id,
                    c.label,
                    from.label(),
                    c.to.label()
                ),
                before: Some(
                    json!({ "state": from.as_code(), "extension": before.extension.0.as_code() }),
                ),
                after: Some(json!({
                    "state": c.to.as_code(),
                    "extension": c.extension.as_code(),
                    "rating": c.rating.map(|r| r.as_code()),
                    "resolve_due": c.resolve_due,
                })),
            },
        )
        .await
    }

    /// Marks a late request escalated to 督办 and tells the users given (once per request).
    pub async fn escalate_request(
        &mut self,
        actor: &Actor,
        row: &RequestRow,
        text: &str,
        users: &[i64],
    ) -> Result<bool> {
        let at = self.at.clone();
        let done = sqlx::query(
            "UPDATE requests SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL",
        )
        .bind(at.clone())
        .bind(row.id)
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        for u in users {
            sqlx::query(
                "INSERT INTO notifications (user_id, text, created_at) VALUES ($1, $2, $3)",
            )
            .bind(*u)
            .bind(text)
            .bind(at.clone())
            .execute(self.conn())
            .await?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "escalate",
                entity: "request",
                entity_id: row.id.to_string(),
                region_code: Some(row.region_code.clone()),
                summary: text.to_string(),
                before: None,
                after: Some(json!({ "notified": users.len() })),
            },
        )
        .await?;
        Ok(true)
    }
}
