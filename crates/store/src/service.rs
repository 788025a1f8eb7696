//! Enterprise service in the database: the region's service managers (企业服务经理人), each firm's
//! manager with the history of every (re)assignment and its reason, the visits (走访) paid to
//! firms, and the figures the office's coverage page reads. The rules (who may assign, how a
//! bulk assignment shares firms, when a visit falls due) are `domain::service`'s.

use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::HashMap;

/// Rows per multi-row statement: at most 9 parameters a row, well under SQLite's 32,766.
const ROWS_PER_STATEMENT: usize = 500;

/// `($1, …, $k), ($k+1, …), …` for `rows` rows of `k` parameters, numbered in order.
fn rows_of(rows: usize, k: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(r * k + 1, k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$from, $from+1, …` for `n` parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A service manager with how many firms he serves.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ManagerRow {
    pub person_id: i64,
    pub name: String,
    pub title: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub active: i64,
    pub firms: i64,
    pub above_scale_firms: i64,
    /// Requests of his firms not yet confirmed.
    pub open_requests: i64,
}

/// A firm as the service pages list it: its manager, class facts and last visit.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ServedFirm {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub above_scale: i64,
    pub tags: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    /// The day the current manager was assigned (`YYYY-MM-DD…`), when recorded.
    pub assigned_at: Option<String>,
    pub last_visit: Option<String>,
    pub open_requests: i64,
}

/// Which firms a service list reads.
#[derive(Debug, Clone, Default)]
pub struct ServedFilter {
    pub region: String,
    pub town_id: Option<i64>,
    pub track_id: Option<i64>,
    pub manager_id: Option<i64>,
    /// Only firms with a manager (`Some(true)`), without (`Some(false)`), or both.
    pub has_manager: Option<bool>,
    pub above_scale_only: bool,
}

/// One (re)assignment of a firm's manager.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct AssignmentRecord {
    pub at: String,
    pub actor: String,
    pub reason: String,
    pub person_name: Option<String>,
    pub previous_name: Option<String>,
}

/// A visit as recorded.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub uscc: String,
    pub enterprise_name: String,
    pub person_name: Option<String>,
    pub visited_on: String,
    pub people_met: String,
    pub findings: String,
    pub request_id: Option<i64>,
    pub created_by: String,
    pub created_at: String,
}

/// A visit to record.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub region: String,
    pub enterprise_id: i64,
    pub person_id: Option<i64>,
    pub visited_on: String,
    pub people_met: String,
    pub findings: String,
    pub request_id: Option<i64>,
}

/// Coverage of the region's above-scale firms by service managers.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Coverage {
    pub above_scale: i64,
    pub above_scale_served: i64,
    pub other_served: i64,
}

const SERVED_SELECT: &str = "SELECT e.id, e.uscc, e.name, e.town_id, tw.name AS town_name, \
    e.above_scale, e.tags, e.service_manager_id AS manager_id, sm.name AS manager_name, \
    (SELECT MAX(a.at) FROM service_assignments a WHERE a.enterprise_id = e.id) AS assigned_at, \
    (SELECT MAX(v.visited_on) FROM visits v WHERE v.enterprise_id = e.id) AS last_visit, \
    (SELECT COUNT(*) FROM requests r WHERE r.enterprise_id = e.id AND r.state <> 'confirmed') AS open_requests \
    FROM enterprises e LEFT JOIN towns tw ON tw.id = e.town_id \
    LEFT JOIN people sm ON sm.id = e.service_manager_id";

impl Store {
    /// The region's service managers (active ones first), with their load.
    pub async fn service_managers(&self, region: &str) -> Result<Vec<ManagerRow>> {
        let rows = sqlx::query_as::<_, ManagerRow>(
            "SELECT m.person_id, p.name, p.title, m.town_id, tw.name AS town_name, m.active, \
             (SELECT COUNT(*) FROM enterprises e WHERE e.service_manager_id = m.person_id) AS firms, \
             (SELECT COUNT(*) FROM enterprises e WHERE e.service_manager_id = m.person_id AND e.above_scale = 1) AS above_scale_firms, \
             (SELECT COUNT(*) FROM requests r JOIN enterprises e ON e.id = r.enterprise_id \
                WHERE e.service_manager_id = m.person_id AND r.state <> 'confirmed') AS open_requests \
             FROM service_managers m JOIN people p ON p.id = m.person_id \
             LEFT JOIN towns tw ON tw.id = m.town_id \
             WHERE m.region_code = $1 ORDER BY m.active DESC, tw.name, p.name, m.person_id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Whether `person` is an active service manager of `region`.
    pub async fn is_service_manager(&self, region: &str, person: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_managers WHERE region_code = $1 AND person_id = $2 AND active = 1",
        )
        .bind(region)
        .bind(person)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Firms of a region with their manager, last visit and open requests; firms without a
    /// manager first, then by town and name.
    pub async fn served_firms(&self, f: &ServedFilter) -> Result<Vec<ServedFirm>> {
        let mut sql = format!("{SERVED_SELECT} WHERE e.region_code = $1");
        let mut n = 1;
        let mut next = || {
            n += 1;
            n
        };
        let town = f.town_id.map(|_| next());
        let track = f.track_id.map(|_| next());
        let manager = f.manager_id.map(|_| next());
        if let Some(i) = town {
            sql.push_str(&format!(" AND e.town_id = ${i}"));
        }
        if let Some(i) = track {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM enterprise_tracks et WHERE et.enterprise_id = e.id AND et.track_id = ${i})"
            ));
        }
        if let Some(i) = manager {
            sql.push_str(&format!(" AND e.service_manager_id = ${i}"));
        }
        match f.has_manager {
            Some(true) => sql.push_str(" AND e.service_manager_id IS NOT NULL"),
            Some(false) => sql.push_str(" AND e.service_manager_id IS NULL"),
            None => {}
        }
        if f.above_scale_only {
            sql.push_str(" AND e.above_scale = 1");
        }
        sql.push_str(
            " ORDER BY CASE WHEN e.service_manager_id IS NULL THEN 0 ELSE 1 END, tw.name, e.name, e.id",
        );
        let mut q = sqlx::query_as::<_, ServedFirm>(&sql).bind(f.region.clone());
        for v in [f.town_id, f.track_id, f.manager_id].into_iter().flatten() {
            q = q.bind(v);
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// How many of the region's above-scale firms have a manager, and how many others do.
    pub async fn service_coverage(&self, region: &str) -> Result<Coverage> {
        let row: (i64, i64, i64) = sqlx::query_as(
            "SELECT \
               COALESCE(SUM(CASE WHEN above_scale = 1 THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN above_scale = 1 AND service_manager_id IS NOT NULL THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN above_scale = 0 AND service_manager_id IS NOT NULL THEN 1 ELSE 0 END), 0) \
             FROM enterprises WHERE region_code = $1",
        )
        .bind(region)
        .fetch_one(&self.pool)
        .await?;
        Ok(Coverage {
            above_scale: row.0,
            above_scale_served: row.1,
            other_served: row.2,
        })
    }

    /// Every (re)assignment of a firm's manager, newest first.
    pub async fn firm_assignments(&self, firm: i64) -> Result<Vec<AssignmentRecord>> {
        Ok(sqlx::query_as::<_, AssignmentRecord>(
            "SELECT a.at, a.actor, a.reason, p.name AS person_name, q.name AS previous_name \
             FROM service_assignments a LEFT JOIN people p ON p.id = a.person_id \
             LEFT JOIN people q ON q.id = a.previous_person_id \
             WHERE a.enterprise_id = $1 ORDER BY a.id DESC",
        )
        .bind(firm)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Visits to one firm, newest first.
    pub async fn firm_visits(&self, firm: i64, limit: i64) -> Result<Vec<VisitRow>> {
        Ok(sqlx::query_as::<_, VisitRow>(&format!(
            "{VISIT_SELECT} WHERE v.enterprise_id = $1 ORDER BY v.visited_on DESC, v.id DESC LIMIT $2"
        ))
        .bind(firm)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One visit by id.
    pub async fn visit(&self, id: i64) -> Result<Option<VisitRow>> {
        Ok(
            sqlx::query_as::<_, VisitRow>(&format!("{VISIT_SELECT} WHERE v.id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

const VISIT_SELECT: &str = "SELECT v.id, v.enterprise_id, e.uscc, e.name AS enterprise_name, \
    p.name AS person_name, v.visited_on, v.people_met, v.findings, v.request_id, v.created_by, \
    v.created_at FROM visits v JOIN enterprises e ON e.id = v.enterprise_id \
    LEFT JOIN people p ON p.id = v.person_id";

impl WriteTx {
    /// Registers a person as a service manager of `region` (creating the person when `code`
    /// is new), working in `town` (`None`: the whole region).
    pub async fn register_service_manager(
        &mut self,
        actor: &Actor,
        region: &str,
        code: &str,
        name: &str,
        town: Option<i64>,
        is_sample: bool,
    ) -> Result<i64> {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE region_code = $1 AND code = $2")
                .bind(region)
                .bind(code)
                .fetch_optional(self.conn())
                .await?;
        let person = match existing {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO people (region_code, code, name, title, is_sample) \
                     VALUES ($1, $2, $3, '企业服务经理人', $4) RETURNING id",
                )
                .bind(region)
                .bind(code)
                .bind(name)
                .bind(i64::from(is_sample))
                .fetch_one(self.conn())
                .await?
            }
        };
        let sql = "INSERT INTO service_managers (person_id, region_code, town_id, active) \
                   VALUES ($1, $2, $3, 1) ON CONFLICT (person_id) DO UPDATE SET town_id = $3, active = 1";
        sqlx::query(sql)
            .bind(person)
            .bind(region)
            .bind(town)
            .execute(self.conn())
            .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "service_manager",
                entity_id: person.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("登记企业服务经理人 {name}"),
                before: None,
                after: Some(serde_json::json!({ "name": name, "town_id": town })),
            },
        )
        .await?;
        Ok(person)
    }

    /// Sets firms' managers: each `(firm, person)` pair (a `None` person clears it), with the
    /// reason recorded in the assignment history and the firm's change history. Firms are
    /// locked first; a firm whose manager is no longer `expected` (another write got there
    /// first) is skipped and returned. Many rows per statement; one audit entry for the whole
    /// operation.
    pub async fn assign_service_managers(
        &mut self,
        actor: &Actor,
        region: &str,
        pairs: &[(i64, Option<i64>)],
        expected: &[Option<i64>],
        reason: &str,
    ) -> Result<Vec<i64>> {
        let lock = self.for_update();
        let mut current: HashMap<i64, (Option<i64>, String)> = HashMap::new();
        for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT id, service_manager_id, region_code FROM enterprises WHERE id IN ({}){lock}",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query_as::<_, (i64, Option<i64>, String)>(&sql);
            for (firm, _) in chunk {
                q = q.bind(*firm);
            }
            for (id, manager, firm_region) in q.fetch_all(self.conn()).await? {
                current.insert(id, (manager, firm_region));
            }
        }
        let mut skipped = Vec::new();
        let mut changes: Vec<(i64, Option<i64>, Option<i64>)> = Vec::new();
        for (i, (firm, person)) in pairs.iter().enumerate() {
            let Some((old, firm_region)) = current.get(firm) else {
                return Err(StoreError::NotFound(format!("企业 {firm}")));
            };
            if firm_region != region {
                return Err(StoreError::NotFound(format!("企业 {firm}")));
            }
            if expected.get(i).copied().flatten() != *old {
                skipped.push(*firm);
            } else if old != person {
                changes.push((*firm, *old, *person));
            }
        }
        if changes.is_empty() {
            return Ok(skipped);
        }
        let at = self.at.clone();
        // The names the firms' change history shows.
        let mut people: Vec<i64> = changes
            .iter()
            .flat_map(|(_, a, b)| [*a, *b])
            .flatten()
            .collect();
        people.sort_unstable();
        people.dedup();
        let mut names: HashMap<i64, String> = HashMap::new();
        for chunk in people.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT id, name FROM people WHERE id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            names.extend(q.fetch_all(self.conn()).await?);
        }
        let name_of =
            |p: &Option<i64>| p.and_then(|id| names.get(&id).cloned()).unwrap_or_default();
        // One UPDATE per new manager and chunk.
        let mut by_person: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
        for (firm, _, person) in &changes {
            by_person.entry(*person).or_default().push(*firm);
        }
        for (person, firms) in &by_person {
            for chunk in firms.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "UPDATE enterprises SET service_manager_id = $1, updated_at = $2 WHERE id IN ({})",
                    placeholders(3, chunk.len())
                );
                let mut q = sqlx::query(&sql).bind(*person).bind(at.clone());
                for f in chunk {
                    q = q.bind(*f);
                }
                q.execute(self.conn()).await?;
            }
        }
        for chunk in changes.chunks(ROWS_PER_STATEMENT) {
            // Parameters numbered in the order they appear: SQLite numbers `$N` by appearance.
            let sql = format!(
                "INSERT INTO service_assignments (enterprise_id, person_id, previous_person_id, reason, actor, at) VALUES {}",
                rows_of(chunk.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for (firm, old, person) in chunk {
                q = q
                    .bind(*firm)
                    .bind(*person)
                    .bind(*old)
                    .bind(reason)
                    .bind(actor.name.clone())
                    .bind(at.clone());
            }
            q.execute(self.conn()).await?;
            let sql = format!(
                "INSERT INTO enterprise_changes (enterprise_id, at, actor, source, field, before_value, after_value) VALUES {}",
                rows_of(chunk.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for (firm, old, person) in chunk {
                q = q
                    .bind(*firm)
                    .bind(at.clone())
                    .bind(actor.name.clone())
                    .bind(reason)
                    .bind("企业服务经理人")
                    .bind(name_of(old))
                    .bind(name_of(person));
            }
            q.execute(self.conn()).await?;
        }
        let done: Vec<serde_json::Value> = changes
            .iter()
            .map(|(firm, old, person)| serde_json::json!({ "firm": firm, "before": old, "after": person }))
            .collect();
        self.audit(
            actor,
            AuditEntry {
                action: "assign",
                entity: "enterprise",
                entity_id: if changes.len() == 1 {
                    changes[0].0.to_string()
                } else {
                    String::new()
                },
                region_code: Some(region.to_string()),
                summary: format!("为 {} 家企业指定企业服务经理人（{reason}）", changes.len()),
                before: None,
                after: Some(serde_json::Value::Array(done)),
            },
        )
        .await?;
        Ok(skipped)
    }

    /// Records many visits at once (the demo's year of visits): many rows per statement, one
    /// audit entry.
    pub async fn insert_visits(
        &mut self,
        actor: &Actor,
        region: &str,
        visits: &[NewVisit],
    ) -> Result<()> {
        let at = self.at.clone();
        for chunk in visits.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO visits (region_code, enterprise_id, person_id, visited_on, people_met, findings, \
                 request_id, created_by, created_at) VALUES {}",
                rows_of(chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for v in chunk {
                q = q
                    .bind(region)
                    .bind(v.enterprise_id)
                    .bind(v.person_id)
                    .bind(v.visited_on.clone())
                    .bind(v.people_met.clone())
                    .bind(v.findings.clone())
                    .bind(v.request_id)
                    .bind(actor.name.clone())
                    .bind(at.clone());
            }
            q.execute(self.conn()).await?;
        }
        self.audit(
            actor,
            AuditEntry {
                action: "import",
                entity: "visit",
                entity_id: String::new(),
                region_code: Some(region.to_string()),
                summary: format!("导入走访记录 {} 条", visits.len()),
                before: None,
                after: None,
            },
        )
        .await
    }

    /// Records a visit.
    pub async fn insert_visit(&mut self, actor: &Actor, v: &NewVisit) -> Result<i64> {
        let at = self.at.clone();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visits (region_code, enterprise_id, person_id, visited_on, people_met, findings, \
             request_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(v.region.clone())
        .bind(v.enterprise_id)
        .bind(v.person_id)
        .bind(v.visited_on.clone())
        .bind(v.people_met.clone())
        .bind(v.findings.clone())
        .bind(v.request_id)
        .bind(actor.name.clone())
        .bind(at)
        .fetch_one(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "visit",
                entity_id: id.to_string(),
                region_code: Some(v.region.clone()),
                summary: format!("登记走访（{}）", v.visited_on),
                before: None,
                after: Some(serde_json::json!({
                    "enterprise_id": v.enterprise_id,
                    "visited_on": v.visited_on,
                    "people_met": v.people_met,
                    "findings": v.findings,
                    "request_id": v.request_id,
                })),
            },
        )
        .await?;
        Ok(id)
    }
}
