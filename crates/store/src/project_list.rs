//! The 项目库 as lists that stay fast with tens of thousands of projects: filtering, sorting,
//! paging and per-stage counts done in SQL on indexes (migration 12), with the read scope in
//! the query so a page holds only, and fully, projects the user reads. Also the bulk insert
//! that loads a generated pipeline in a few statements.

use crate::land::{NewProject, ProjectRow, PROJECT_SELECT};
use crate::{Actor, AuditEntry, Result, Store, StoreError, WriteTx};
use domain::project::Stage;
use serde_json::json;

/// The order of a list of projects. Every order ends on the id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectSort {
    /// Longest without activity first (the stalled ones lead).
    #[default]
    Idle,
    /// Largest total investment first; projects without one last.
    Investment,
    /// Most recently created first.
    Newest,
    /// Most recently signed first; unsigned ones last.
    Signed,
    /// Earliest expected production month first; those without one last.
    Production,
}

impl ProjectSort {
    pub const ALL: [ProjectSort; 5] = [
        ProjectSort::Idle,
        ProjectSort::Investment,
        ProjectSort::Newest,
        ProjectSort::Signed,
        ProjectSort::Production,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The order's name in a URL (`sort=`).
    pub fn code(self) -> &'static str {
        match self {
            ProjectSort::Idle => "idle",
            ProjectSort::Investment => "investment",
            ProjectSort::Newest => "newest",
            ProjectSort::Signed => "signed",
            ProjectSort::Production => "production",
        }
    }

    /// The order as the user reads it.
    pub fn label(self) -> &'static str {
        match self {
            ProjectSort::Idle => "停滞时间最长在前",
            ProjectSort::Investment => "总投资从大到小",
            ProjectSort::Newest => "最新录入在前",
            ProjectSort::Signed => "最近签约在前",
            ProjectSort::Production => "预计投产由近及远",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            ProjectSort::Idle => "p.last_activity_at, p.id",
            ProjectSort::Investment => {
                "CASE WHEN p.total_investment IS NULL THEN 1 ELSE 0 END, p.total_investment DESC, p.id"
            }
            ProjectSort::Newest => "p.id DESC",
            ProjectSort::Signed => {
                "CASE WHEN p.signed_on IS NULL THEN 1 ELSE 0 END, p.signed_on DESC, p.id DESC"
            }
            ProjectSort::Production => {
                "CASE WHEN p.expected_production_month IS NULL THEN 1 ELSE 0 END, p.expected_production_month, p.id"
            }
        }
    }
}

/// How long a project has been idle, as a filter: bounds on `last_activity_at`, which the
/// caller derives from today and the stall rules (a project at capacity never stalls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleFilter {
    /// Idle since before `before` (and not at capacity): 停滞 or 放缓, as the caller chose.
    Before {
        before: String,
        not_before: Option<String>,
    },
    /// Active on or after `since`, or at capacity: 正常.
    ActiveSince(String),
}

/// Which projects of a region a list holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectListQuery {
    pub region: String,
    /// The read scope: only this town's projects (a town user).
    pub scope_town: Option<i64>,
    pub stage: Option<Stage>,
    pub tier_id: Option<i64>,
    pub track_id: Option<i64>,
    pub town_id: Option<i64>,
    pub idle: Option<IdleFilter>,
}

/// The `WHERE` clause of a query and its parameters, numbered from `$1`.
struct Where {
    sql: String,
    texts: Vec<Param>,
}

enum Param {
    Text(String),
    Int(i64),
}

impl ProjectListQuery {
    fn where_clause(&self, skip_stage: bool) -> Where {
        let mut w = Where {
            sql: String::from("p.region_code = $1"),
            texts: vec![Param::Text(self.region.clone())],
        };
        let push = |w: &mut Where, cond: &str, p: Param| {
            w.texts.push(p);
            let n = w.texts.len();
            w.sql.push_str(" AND ");
            w.sql.push_str(&cond.replace("$?", &format!("${n}")));
        };
        if let Some(t) = self.scope_town {
            push(&mut w, "p.town_id = $?", Param::Int(t));
        }
        if let Some(t) = self.town_id {
            push(&mut w, "p.town_id = $?", Param::Int(t));
        }
        if let Some(t) = self.track_id {
            push(&mut w, "p.track_id = $?", Param::Int(t));
        }
        if let Some(t) = self.tier_id {
            push(
                &mut w,
                "p.track_id IN (SELECT tr2.id FROM tracks tr2 WHERE tr2.tier_id = $?)",
                Param::Int(t),
            );
        }
        if let (Some(s), false) = (self.stage, skip_stage) {
            push(&mut w, "p.stage = $?", Param::Text(s.code().to_string()));
        }
        match &self.idle {
            None => {}
            Some(IdleFilter::Before { before, not_before }) => {
                w.sql.push_str(" AND p.stage <> 'at_capacity'");
                push(
                    &mut w,
                    "p.last_activity_at < $?",
                    Param::Text(before.clone()),
                );
                if let Some(nb) = not_before {
                    push(&mut w, "p.last_activity_at >= $?", Param::Text(nb.clone()));
                }
            }
            Some(IdleFilter::ActiveSince(since)) => push(
                &mut w,
                "(p.stage = 'at_capacity' OR p.last_activity_at >= $?)",
                Param::Text(since.clone()),
            ),
        }
        w
    }
}

fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    params: &'q [Param],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for p in params {
        q = match p {
            Param::Text(t) => q.bind(t.as_str()),
            Param::Int(i) => q.bind(*i),
        };
    }
    q
}

/// What the 项目库 headline states of the projects a user reads (all stages, no filter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectTotals {
    pub signed: i64,
    pub major: i64,
    pub stalled: i64,
    pub signed_investment: i64,
}

impl Store {
    /// One page of the projects `q` selects, in `sort` order: `limit` rows after `offset`.
    pub async fn project_page(
        &self,
        q: &ProjectListQuery,
        sort: ProjectSort,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ProjectRow>> {
        let w = q.where_clause(false);
        let n = w.texts.len();
        let order = sort.order_by();
        // The page's ids come from the projects table alone (on its indexes); names of
        // tracks, towns and the production date are joined for those rows only.
        let sql = format!(
            "{PROJECT_SELECT} WHERE p.id IN (SELECT p.id FROM projects p WHERE {} ORDER BY {order} LIMIT ${} OFFSET ${}) ORDER BY {order}",
            w.sql,
            n + 1,
            n + 2
        );
        let query = bind_all(sqlx::query_as::<_, ProjectRow>(&sql), &w.texts)
            .bind(limit.max(0))
            .bind(offset.max(0));
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// How many projects `q` selects.
    pub async fn project_count(&self, q: &ProjectListQuery) -> Result<i64> {
        let w = q.where_clause(false);
        let sql = format!("SELECT COUNT(*) FROM projects p WHERE {}", w.sql);
        let (n,): (i64,) = bind_all(sqlx::query_as(&sql), &w.texts)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// How many projects `q` selects at each stage (its own stage filter ignored).
    pub async fn project_stage_counts(&self, q: &ProjectListQuery) -> Result<Vec<(Stage, i64)>> {
        let w = q.where_clause(true);
        let sql = format!(
            "SELECT p.stage, COUNT(*) FROM projects p WHERE {} GROUP BY p.stage",
            w.sql
        );
        let rows: Vec<(String, i64)> = bind_all(sqlx::query_as(&sql), &w.texts)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(code, n)| {
                Stage::ALL
                    .into_iter()
                    .find(|s| s.code() == code)
                    .map(|s| (s, n))
                    .ok_or_else(|| StoreError::Invalid(format!("项目阶段“{code}”无法识别")))
            })
            .collect()
    }

    /// The headline totals over the region's projects in the read scope: signed (签约 and
    /// later), major (≥ `major_yuan`), stalled (idle since before `stalled_before`, not at
    /// capacity) and the signed projects' total investment.
    pub async fn project_totals(
        &self,
        region: &str,
        scope_town: Option<i64>,
        major_yuan: i64,
        stalled_before: &str,
    ) -> Result<ProjectTotals> {
        let q = ProjectListQuery {
            region: region.to_string(),
            scope_town,
            ..Default::default()
        };
        let w = q.where_clause(false);
        let n = w.texts.len();
        let signed = "p.stage IN ('signed', 'registered', 'started', 'producing', 'at_capacity')";
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN {signed} THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN p.total_investment >= ${} THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN p.stage <> 'at_capacity' AND p.last_activity_at < ${} THEN 1 ELSE 0 END), 0), \
             CAST(COALESCE(SUM(CASE WHEN {signed} THEN p.total_investment ELSE 0 END), 0) AS BIGINT) \
             FROM projects p WHERE {}",
            n + 1,
            n + 2,
            w.sql
        );
        let (signed, major, stalled, signed_investment): (i64, i64, i64, i64) =
            bind_all(sqlx::query_as(&sql), &w.texts)
                .bind(major_yuan)
                .bind(stalled_before)
                .fetch_one(&self.pool)
                .await?;
        Ok(ProjectTotals {
            signed,
            major,
            stalled,
            signed_investment,
        })
    }
}

/// A project to insert in bulk: at `stage`, every stage up to it reached on `on_date`, last
/// active at `last_activity_at`.
#[derive(Debug, Clone)]
pub struct BulkProject {
    pub project: NewProject,
    pub stage: Stage,
    pub on_date: String,
    pub last_activity_at: String,
}

/// Projects per INSERT statement (23 parameters each, under SQLite's and PostgreSQL's limits).
const PROJECTS_PER_STATEMENT: usize = 500;

impl WriteTx {
    /// Inserts many projects of one region at once, with their stage history, and one audit
    /// entry for all. The caller holds the region's pipeline version bump by this call.
    pub async fn insert_projects_bulk(
        &mut self,
        actor: &Actor,
        region: &str,
        projects: &[BulkProject],
    ) -> Result<usize> {
        let at = self.at.clone();
        for chunk in projects.chunks(PROJECTS_PER_STATEMENT) {
            let (before,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM projects")
                .fetch_one(self.conn())
                .await?;
            let sql = crate::multi_row_insert(
                "INSERT INTO projects (region_code, name, code_name, investor_name, track_id, chain_link, host_area_id, town_id, \
                 total_investment, fixed_asset_investment, output_at_capacity, value_added_at_capacity, expected_production_month, \
                 source_kind, stage, last_activity_at, signed_on, started_on, created_by_name, created_at, updated_at)",
                chunk.len(),
                21,
                self.dialect,
            );
            let mut q = sqlx::query(&sql);
            for b in chunk {
                let p = &b.project;
                if p.region_code != region {
                    return Err(StoreError::Invalid(format!(
                        "项目“{}”不属于地区 {region}",
                        p.name
                    )));
                }
                q = q
                    .bind(p.region_code.clone())
                    .bind(p.name.clone())
                    .bind(p.code_name.clone())
                    .bind(p.investor_name.clone())
                    .bind(p.track_id)
                    .bind(p.chain_link.clone())
                    .bind(p.host_area_id)
                    .bind(p.town_id)
                    .bind(p.total_investment)
                    .bind(p.fixed_asset_investment)
                    .bind(p.output_at_capacity)
                    .bind(p.value_added_at_capacity)
                    .bind(p.expected_production_month.clone())
                    .bind(p.source_kind.clone())
                    .bind(b.stage.code())
                    .bind(b.last_activity_at.clone())
                    .bind(b.stage.is_signed().then(|| b.on_date.clone()))
                    .bind(b.stage.is_started().then(|| b.on_date.clone()))
                    .bind(actor.name.clone())
                    .bind(at.clone())
                    .bind(at.clone());
            }
            q.persistent(false).execute(self.conn()).await?;
            // Ids are handed out in insertion order under the write lock.
            let ids: Vec<(i64,)> =
                sqlx::query_as("SELECT id FROM projects WHERE id > $1 ORDER BY id")
                    .bind(before)
                    .fetch_all(self.conn())
                    .await?;
            if ids.len() != chunk.len() {
                return Err(StoreError::Conflict(
                    "批量新增项目时有其他写入，请重试".into(),
                ));
            }
            let stages: Vec<(i64, Stage, &str)> = ids
                .iter()
                .zip(chunk)
                .flat_map(|((id,), b)| {
                    Stage::ALL
                        .into_iter()
                        .filter(move |s| *s <= b.stage)
                        .map(move |s| (*id, s, b.on_date.as_str()))
                })
                .collect();
            for part in stages.chunks(PROJECTS_PER_STATEMENT) {
                let sql = crate::multi_row_insert(
                    "INSERT INTO project_stages (project_id, stage, on_date, recorded_by_name, recorded_at)",
                    part.len(),
                    5,
                    self.dialect,
                );
                let mut q = sqlx::query(&sql);
                for (id, s, on) in part {
                    q = q
                        .bind(*id)
                        .bind(s.code())
                        .bind(*on)
                        .bind(actor.name.clone())
                        .bind(at.clone());
                }
                q.persistent(false).execute(self.conn()).await?;
            }
        }
        sqlx::query(
            "INSERT INTO pipeline_versions (region_code, version) VALUES ($1, 1) \
             ON CONFLICT (region_code) DO UPDATE SET version = pipeline_versions.version + 1",
        )
        .bind(region)
        .execute(self.conn())
        .await?;
        self.audit(
            actor,
            AuditEntry {
                action: "bulk_create",
                entity: "project",
                entity_id: region.to_string(),
                region_code: Some(region.to_string()),
                summary: format!("批量新增项目 {} 个", projects.len()),
                before: None,
                after: Some(json!({"count": projects.len()})),
            },
        )
        .await?;
        Ok(projects.len())
    }
}
