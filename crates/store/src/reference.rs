//! The region and its structure: towns and sub-districts, departments, people, host areas,
//! platforms, the eight programmes, and the industrial system of tiers and tracks with their
//! responsibility matrix and chain-leader enterprises.

use crate::{flag, Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::{RegionCode, Uscc};
use serde::Serialize;
use serde_json::json;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Town {
    pub id: i64,
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub is_sample: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Person {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub title: String,
    pub department_id: Option<i64>,
    pub is_sample: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct HostArea {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub attributes: String,
    pub is_sample: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Platform {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub is_sample: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Programme {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub ordinal: i64,
    pub lead_department_id: Option<i64>,
    pub lead_department_name: Option<String>,
    pub is_sample: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Tier {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub ordinal: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Track {
    pub id: i64,
    pub region_code: String,
    pub tier_id: i64,
    pub tier_code: String,
    pub tier_name: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub lead_leader_id: Option<i64>,
    pub lead_leader_name: Option<String>,
    pub lead_leader_title: Option<String>,
    pub lead_department_id: Option<i64>,
    pub lead_department_name: Option<String>,
    pub ordinal: i64,
    pub is_sample: i64,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Enterprise {
    pub id: i64,
    pub code: String,
    pub uscc: String,
    pub name: String,
    pub town_id: Option<i64>,
    pub town_name: Option<String>,
    pub track_id: Option<i64>,
    pub above_scale: i64,
    pub is_sample: i64,
    /// The firm's service manager (a person), if assigned. Not in the API's JSON (the track
    /// detail's chain leaders), which is unchanged.
    #[serde(skip_serializing)]
    pub service_manager_id: Option<i64>,
}

/// A responsible leader with the track they answer for.
#[derive(FromRow)]
struct TrackPerson {
    track_id: i64,
    #[sqlx(flatten)]
    person: Person,
}

/// A track with its whole responsibility matrix.
#[derive(Debug, Clone, Serialize)]
pub struct TrackDetail {
    pub track: Track,
    pub responsible_leaders: Vec<Person>,
    pub host_areas: Vec<HostArea>,
    pub chain_leaders: Vec<Enterprise>,
}

// ----- new records -------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct NewNamed {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub is_sample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewPerson {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub title: String,
    pub department_id: Option<i64>,
    pub is_sample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewHostArea {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub town_id: Option<i64>,
    pub attributes: Vec<String>,
    pub is_sample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewPlatform {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub is_sample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewProgramme {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub ordinal: i64,
    pub lead_department_id: Option<i64>,
    pub is_sample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewTier {
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub ordinal: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewTrack {
    pub region_code: String,
    pub tier_id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub lead_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub responsible_leader_ids: Vec<i64>,
    pub host_area_ids: Vec<i64>,
    pub ordinal: i64,
    pub is_sample: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewEnterprise {
    pub region_code: String,
    pub code: String,
    pub uscc: Uscc,
    pub name: String,
    pub town_id: Option<i64>,
    pub track_id: Option<i64>,
    pub above_scale: bool,
    pub is_sample: bool,
}

fn created(
    entity: &'static str,
    id: i64,
    region: &str,
    summary: String,
    after: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action: "create",
        entity,
        entity_id: id.to_string(),
        region_code: Some(region.to_string()),
        summary,
        before: None,
        after: Some(after),
    }
}

impl WriteTx {
    /// Adds a region; its parent, when given, must exist already.
    pub async fn insert_region(
        &mut self,
        actor: &Actor,
        code: &RegionCode,
        name: &str,
        parent: Option<&RegionCode>,
    ) -> Result<()> {
        let at = self.at.clone();
        sqlx::query(
            "INSERT INTO regions (code, name, parent_code, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(code.as_str())
        .bind(name)
        .bind(parent.map(|p| p.as_str().to_string()))
        .bind(at)
        .execute(self.conn())
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound(
                format!("上级行政区划 {}", parent.map(|p| p.as_str()).unwrap_or("")),
            ),
            _ => StoreError::unique(e, || format!("行政区划 {code} 已存在")),
        })?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "region",
                entity_id: code.to_string(),
                region_code: Some(code.to_string()),
                summary: format!("新增行政区划 {code} {name}"),
                before: None,
                after: Some(json!({"code": code, "name": name, "parent_code": parent})),
            },
        )
        .await
    }

    async fn insert_returning_id(
        &mut self,
        sql: &str,
        binds: Vec<Bind>,
    ) -> Result<i64, sqlx::Error> {
        let mut q = sqlx::query_scalar::<_, i64>(sql);
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
                Bind::OptInt(i) => q.bind(i),
            };
        }
        q.fetch_one(self.conn()).await
    }

    pub async fn insert_town(&mut self, actor: &Actor, new: &NewNamed) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO towns (region_code, code, name, kind) VALUES ($1, $2, $3, $4) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.kind.clone()),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("镇街“{}”已存在", new.name)))?;
        self.audit(
            actor,
            created(
                "town",
                id,
                &new.region_code,
                format!("新增镇街 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_department(&mut self, actor: &Actor, new: &NewNamed) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO departments (region_code, code, name, kind, is_sample) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.kind.clone()),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("部门“{}”已存在", new.code)))?;
        self.audit(
            actor,
            created(
                "department",
                id,
                &new.region_code,
                format!("新增部门 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_person(&mut self, actor: &Actor, new: &NewPerson) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO people (region_code, code, name, title, department_id, is_sample) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.title.clone()),
                    Bind::OptInt(new.department_id),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("人员“{}”已存在", new.code)))?;
        self.audit(
            actor,
            created(
                "person",
                id,
                &new.region_code,
                format!("新增人员 {} {}", new.name, new.title),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_host_area(&mut self, actor: &Actor, new: &NewHostArea) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO host_areas (region_code, code, name, kind, town_id, attributes, is_sample) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.kind.clone()),
                    Bind::OptInt(new.town_id),
                    Bind::Text(new.attributes.join("、")),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("承载区域“{}”已存在", new.code)))?;
        self.audit(
            actor,
            created(
                "host_area",
                id,
                &new.region_code,
                format!("新增承载区域 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_platform(&mut self, actor: &Actor, new: &NewPlatform) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO platforms (region_code, code, name, kind, description, is_sample) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.kind.clone()),
                    Bind::Text(new.description.clone()),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("平台“{}”已存在", new.code)))?;
        self.audit(
            actor,
            created(
                "platform",
                id,
                &new.region_code,
                format!("新增平台 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_programme(&mut self, actor: &Actor, new: &NewProgramme) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO programmes (region_code, code, name, ordinal, lead_department_id, is_sample) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Int(new.ordinal),
                    Bind::OptInt(new.lead_department_id),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("重点工程“{}”已存在", new.code)))?;
        self.audit(
            actor,
            created(
                "programme",
                id,
                &new.region_code,
                format!("新增重点工程 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_tier(&mut self, actor: &Actor, new: &NewTier) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO tiers (region_code, code, name, description, ordinal) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.description.clone()),
                    Bind::Int(new.ordinal),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("产业层级“{}”已存在", new.code)))?;
        self.audit(
            actor,
            created(
                "tier",
                id,
                &new.region_code,
                format!("新增产业层级 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    /// Adds a track with its responsibility matrix (responsible leaders, host areas).
    pub async fn insert_track(&mut self, actor: &Actor, new: &NewTrack) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO tracks (region_code, tier_id, code, name, description, lead_leader_id, lead_department_id, ordinal, is_sample) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Int(new.tier_id),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.name.clone()),
                    Bind::Text(new.description.clone()),
                    Bind::OptInt(new.lead_leader_id),
                    Bind::OptInt(new.lead_department_id),
                    Bind::Int(new.ordinal),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("产业赛道“{}”已存在", new.code)))?;
        for person in &new.responsible_leader_ids {
            sqlx::query(
                "INSERT INTO track_responsible_leaders (track_id, person_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*person)
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || "责任领导重复".to_string()))?;
        }
        for area in &new.host_area_ids {
            sqlx::query("INSERT INTO track_host_areas (track_id, host_area_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*area)
                .execute(self.conn())
                .await
                .map_err(|e| StoreError::unique(e, || "承载区域重复".to_string()))?;
        }
        self.audit(
            actor,
            created(
                "track",
                id,
                &new.region_code,
                format!("新增产业赛道 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn insert_enterprise(&mut self, actor: &Actor, new: &NewEnterprise) -> Result<i64> {
        let id = self
            .insert_returning_id(
                "INSERT INTO enterprises (region_code, code, uscc, name, town_id, track_id, above_scale, is_sample) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                vec![
                    Bind::Text(new.region_code.clone()),
                    Bind::Text(new.code.clone()),
                    Bind::Text(new.uscc.to_string()),
                    Bind::Text(new.name.clone()),
                    Bind::OptInt(new.town_id),
                    Bind::OptInt(new.track_id),
                    Bind::Int(flag(new.above_scale)),
                    Bind::Int(flag(new.is_sample)),
                ],
            )
            .await
            .map_err(|e| StoreError::unique(e, || format!("企业“{}”（{}）已存在", new.name, new.uscc)))?;
        self.audit(
            actor,
            created(
                "enterprise",
                id,
                &new.region_code,
                format!("新增企业 {}", new.name),
                json!(new),
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn add_chain_leader(
        &mut self,
        actor: &Actor,
        track_id: i64,
        enterprise_id: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO track_chain_leaders (track_id, enterprise_id) VALUES ($1, $2)")
            .bind(track_id)
            .bind(enterprise_id)
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::unique(e, || "链主企业已在名单中".to_string()))?;
        self.audit(
            actor,
            AuditEntry {
                action: "create",
                entity: "track_chain_leader",
                entity_id: format!("{track_id}:{enterprise_id}"),
                region_code: None,
                summary: "揭榜挂帅链主企业入榜".to_string(),
                before: None,
                after: Some(json!({"track_id": track_id, "enterprise_id": enterprise_id})),
            },
        )
        .await
    }
}

enum Bind {
    Text(String),
    Int(i64),
    OptInt(Option<i64>),
}

const TRACK_SELECT: &str = "SELECT t.id, t.region_code, t.tier_id, ti.code AS tier_code, ti.name AS tier_name, t.code, t.name, \
    t.description, t.lead_leader_id, p.name AS lead_leader_name, p.title AS lead_leader_title, \
    t.lead_department_id, d.name AS lead_department_name, t.ordinal, t.is_sample \
    FROM tracks t JOIN tiers ti ON ti.id = t.tier_id \
    LEFT JOIN people p ON p.id = t.lead_leader_id \
    LEFT JOIN departments d ON d.id = t.lead_department_id";

impl Store {
    pub async fn list_regions(&self) -> Result<Vec<Region>> {
        Ok(
            sqlx::query_as::<_, Region>(
                "SELECT code, name, parent_code FROM regions ORDER BY code",
            )
            .fetch_all(&self.pool)
            .await?,
        )
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>> {
        Ok(sqlx::query_as::<_, Region>(
            "SELECT code, name, parent_code FROM regions WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The region a user works in by default: the first county-level region with tracks.
    pub async fn default_region(&self) -> Result<Option<Region>> {
        Ok(sqlx::query_as::<_, Region>(
            "SELECT r.code, r.name, r.parent_code FROM regions r \
             WHERE EXISTS (SELECT 1 FROM tracks t WHERE t.region_code = r.code) ORDER BY r.code LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn towns(&self, region: &str) -> Result<Vec<Town>> {
        Ok(sqlx::query_as::<_, Town>(
            "SELECT id, region_code, code, name, kind FROM towns WHERE region_code = $1 ORDER BY id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn town(&self, id: i64) -> Result<Option<Town>> {
        Ok(sqlx::query_as::<_, Town>(
            "SELECT id, region_code, code, name, kind FROM towns WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn departments(&self, region: &str) -> Result<Vec<Department>> {
        Ok(sqlx::query_as::<_, Department>(
            "SELECT id, code, name, kind, is_sample FROM departments WHERE region_code = $1 ORDER BY id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn people(&self, region: &str) -> Result<Vec<Person>> {
        Ok(sqlx::query_as::<_, Person>(
            "SELECT id, code, name, title, department_id, is_sample FROM people WHERE region_code = $1 ORDER BY id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn host_areas(&self, region: &str) -> Result<Vec<HostArea>> {
        Ok(sqlx::query_as::<_, HostArea>(
            "SELECT h.id, h.code, h.name, h.kind, h.town_id, tw.name AS town_name, h.attributes, h.is_sample \
             FROM host_areas h LEFT JOIN towns tw ON tw.id = h.town_id WHERE h.region_code = $1 ORDER BY h.id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn platforms(&self, region: &str) -> Result<Vec<Platform>> {
        Ok(sqlx::query_as::<_, Platform>(
            "SELECT id, code, name, kind, description, is_sample FROM platforms WHERE region_code = $1 ORDER BY id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn programmes(&self, region: &str) -> Result<Vec<Programme>> {
        Ok(sqlx::query_as::<_, Programme>(
            "SELECT g.id, g.code, g.name, g.ordinal, g.lead_department_id, d.name AS lead_department_name, g.is_sample \
             FROM programmes g LEFT JOIN departments d ON d.id = g.lead_department_id \
             WHERE g.region_code = $1 ORDER BY g.ordinal",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn tiers(&self, region: &str) -> Result<Vec<Tier>> {
        Ok(sqlx::query_as::<_, Tier>(
            "SELECT id, code, name, description, ordinal FROM tiers WHERE region_code = $1 ORDER BY ordinal",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn tracks(&self, region: &str) -> Result<Vec<Track>> {
        Ok(sqlx::query_as::<_, Track>(&format!(
            "{TRACK_SELECT} WHERE t.region_code = $1 ORDER BY ti.ordinal, t.ordinal"
        ))
        .bind(region)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn track(&self, id: i64) -> Result<Option<TrackDetail>> {
        let Some(track) = sqlx::query_as::<_, Track>(&format!("{TRACK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let responsible_leaders = sqlx::query_as::<_, Person>(
            "SELECT p.id, p.code, p.name, p.title, p.department_id, p.is_sample FROM people p \
             JOIN track_responsible_leaders r ON r.person_id = p.id WHERE r.track_id = $1 ORDER BY p.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let host_areas = sqlx::query_as::<_, HostArea>(
            "SELECT h.id, h.code, h.name, h.kind, h.town_id, tw.name AS town_name, h.attributes, h.is_sample \
             FROM host_areas h JOIN track_host_areas th ON th.host_area_id = h.id \
             LEFT JOIN towns tw ON tw.id = h.town_id WHERE th.track_id = $1 ORDER BY h.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let chain_leaders = sqlx::query_as::<_, Enterprise>(
            "SELECT e.id, e.code, e.uscc, e.name, e.town_id, tw.name AS town_name, e.track_id, e.above_scale, e.is_sample, \
             e.service_manager_id FROM enterprises e JOIN track_chain_leaders c ON c.enterprise_id = e.id \
             LEFT JOIN towns tw ON tw.id = e.town_id WHERE c.track_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(TrackDetail {
            track,
            responsible_leaders,
            host_areas,
            chain_leaders,
        }))
    }

    /// Every track with its matrix, in four queries whatever the number of tracks (for the
    /// industrial-system page).
    pub async fn track_details(&self, region: &str) -> Result<Vec<TrackDetail>> {
        let tracks = self.tracks(region).await?;
        let leaders: Vec<TrackPerson> = sqlx::query_as(
            "SELECT r.track_id, p.id, p.code, p.name, p.title, p.department_id, p.is_sample FROM track_responsible_leaders r \
             JOIN people p ON p.id = r.person_id JOIN tracks t ON t.id = r.track_id WHERE t.region_code = $1 ORDER BY p.id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let areas: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT th.track_id, th.host_area_id FROM track_host_areas th JOIN tracks t ON t.id = th.track_id \
             WHERE t.region_code = $1 ORDER BY th.host_area_id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let chain: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT c.track_id, c.enterprise_id FROM track_chain_leaders c JOIN tracks t ON t.id = c.track_id \
             WHERE t.region_code = $1 ORDER BY c.enterprise_id",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await?;
        let all_areas = self.host_areas(region).await?;
        let all_firms = self.enterprises(region).await?;
        Ok(tracks
            .into_iter()
            .map(|track| {
                let id = track.id;
                TrackDetail {
                    responsible_leaders: leaders
                        .iter()
                        .filter(|l| l.track_id == id)
                        .map(|l| l.person.clone())
                        .collect(),
                    host_areas: areas
                        .iter()
                        .filter(|a| a.0 == id)
                        .filter_map(|a| all_areas.iter().find(|h| h.id == a.1).cloned())
                        .collect(),
                    chain_leaders: chain
                        .iter()
                        .filter(|c| c.0 == id)
                        .filter_map(|c| all_firms.iter().find(|e| e.id == c.1).cloned())
                        .collect(),
                    track,
                }
            })
            .collect())
    }

    /// The facts that decide who may write a track's records.
    pub async fn track_facts(&self, track_id: i64) -> Result<Option<domain::access::TrackFacts>> {
        let Some(detail) = self.track(track_id).await? else {
            return Ok(None);
        };
        let mut leaders: Vec<i64> = detail.responsible_leaders.iter().map(|p| p.id).collect();
        if let Some(lead) = detail.track.lead_leader_id {
            leaders.push(lead);
        }
        Ok(Some(domain::access::TrackFacts {
            leaders,
            lead_department: detail.track.lead_department_id,
        }))
    }

    /// Track ids that a person leads or is responsible for.
    pub async fn tracks_led_by(&self, person_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT id FROM tracks WHERE lead_leader_id = $1 \
             UNION SELECT track_id FROM track_responsible_leaders WHERE person_id = $1 ORDER BY 1",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn enterprises(&self, region: &str) -> Result<Vec<Enterprise>> {
        Ok(
            sqlx::query_as::<_, Enterprise>(&format!("{ENTERPRISE_SELECT} ORDER BY e.id"))
                .bind(region)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// One firm of the region, by id or by USCC, without reading the region's registry.
    pub async fn enterprise_in(
        &self,
        region: &str,
        firm: FirmKey<'_>,
    ) -> Result<Option<Enterprise>> {
        let (by_id, by_uscc);
        let q = match firm {
            FirmKey::Id(id) => {
                by_id = format!("{ENTERPRISE_SELECT} AND e.id = $2");
                sqlx::query_as::<_, Enterprise>(&by_id)
                    .bind(region)
                    .bind(id)
            }
            FirmKey::Uscc(u) => {
                by_uscc = format!("{ENTERPRISE_SELECT} AND e.uscc = $2");
                sqlx::query_as::<_, Enterprise>(&by_uscc)
                    .bind(region)
                    .bind(u.to_string())
            }
        };
        Ok(q.persistent(false).fetch_optional(&self.pool).await?)
    }

    /// The region's firms in a town, a track or in a manager's care, in id order, at most
    /// `limit` of them (`None` for all): the town's and the track's pages, and the forms that
    /// list firms only when there are few.
    pub async fn enterprises_where(&self, region: &str, f: &FirmFilter) -> Result<Vec<Enterprise>> {
        let mut sql = ENTERPRISE_SELECT.to_string();
        let mut binds = Vec::new();
        for (col, v) in [
            ("e.town_id", f.town),
            ("e.track_id", f.track),
            ("e.service_manager_id", f.manager),
        ] {
            if let Some(v) = v {
                binds.push(v);
                sql.push_str(&format!(" AND {col} = ${}", binds.len() + 1));
            }
        }
        sql.push_str(" ORDER BY e.id");
        if let Some(limit) = f.limit {
            binds.push(limit);
            sql.push_str(&format!(" LIMIT ${}", binds.len() + 1));
        }
        let mut q = sqlx::query_as::<_, Enterprise>(&sql).bind(region);
        for v in binds {
            q = q.bind(v);
        }
        Ok(q.persistent(false).fetch_all(&self.pool).await?)
    }
}

const ENTERPRISE_SELECT: &str =
    "SELECT e.id, e.code, e.uscc, e.name, e.town_id, tw.name AS town_name, e.track_id, \
    e.above_scale, e.is_sample, e.service_manager_id FROM enterprises e \
    LEFT JOIN towns tw ON tw.id = e.town_id WHERE e.region_code = $1";

/// Which of a region's firms [`Store::enterprises_where`] reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirmFilter {
    pub town: Option<i64>,
    pub track: Option<i64>,
    pub manager: Option<i64>,
    pub limit: Option<i64>,
}

/// A firm named by its id or its USCC.
#[derive(Debug, Clone, Copy)]
pub enum FirmKey<'a> {
    Id(i64),
    Uscc(&'a str),
}
