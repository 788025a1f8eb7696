//! Embedded migrations, applied at start. Each migration has a portable part, in which
//! `{{id}}` stands for the dialect's auto-increment key, and a part per dialect.

use crate::{timestamp, Dialect, Result, Store, StoreError};
use sqlx::Row;

struct Migration {
    version: i64,
    name: &'static str,
    portable: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        portable: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_append_only.sqlite.sql"),
        postgres: include_str!("../migrations/0001_append_only.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "locate",
        portable: include_str!("../migrations/0002_locate.sql"),
        sqlite: include_str!("../migrations/0002_append_only.sqlite.sql"),
        postgres: include_str!("../migrations/0002_append_only.postgres.sql"),
    },
    Migration {
        version: 3,
        name: "claim",
        portable: include_str!("../migrations/0003_claim.sql"),
        sqlite: include_str!("../migrations/0003_append_only.sqlite.sql"),
        postgres: include_str!("../migrations/0003_append_only.postgres.sql"),
    },
    Migration {
        version: 4,
        name: "land",
        portable: include_str!("../migrations/0004_land.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 5,
        name: "stage_dates",
        portable: include_str!("../migrations/0005_stage_dates.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 6,
        name: "pipeline_version",
        portable: include_str!("../migrations/0006_pipeline_version.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 7,
        name: "credentials",
        portable: include_str!("../migrations/0007_credentials.sql"),
        sqlite: include_str!("../migrations/0007_credentials.sqlite.sql"),
        postgres: include_str!("../migrations/0007_credentials.postgres.sql"),
    },
    Migration {
        version: 8,
        name: "append_only_no_replace",
        portable: include_str!("../migrations/0004_none.sql"),
        sqlite: include_str!("../migrations/0008_no_replace.sqlite.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 9,
        name: "import_staging",
        portable: include_str!("../migrations/0009_import_staging.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 10,
        name: "strict_codes",
        portable: include_str!("../migrations/0010_strict_codes.sql"),
        sqlite: include_str!("../migrations/0010_strict_codes.sqlite.sql"),
        postgres: include_str!("../migrations/0010_strict_codes.postgres.sql"),
    },
    Migration {
        version: 11,
        name: "open_shortfalls",
        portable: include_str!("../migrations/0011_open_shortfalls.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 12,
        name: "project_list",
        portable: include_str!("../migrations/0012_project_list.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 13,
        name: "data_version",
        portable: include_str!("../migrations/0013_data_version.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 15,
        name: "supervision",
        portable: include_str!("../migrations/0015_supervision.sql"),
        sqlite: include_str!("../migrations/0015_supervision.sqlite.sql"),
        postgres: include_str!("../migrations/0015_supervision.postgres.sql"),
    },
    Migration {
        version: 16,
        name: "indicator_kinds",
        portable: include_str!("../migrations/0004_none.sql"),
        sqlite: include_str!("../migrations/0016_indicator_kinds.sqlite.sql"),
        postgres: include_str!("../migrations/0016_indicator_kinds.postgres.sql"),
    },
    Migration {
        version: 18,
        name: "enterprise_registry",
        portable: include_str!("../migrations/0018_enterprise_registry.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 20,
        name: "calendar",
        portable: include_str!("../migrations/0020_calendar.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 21,
        name: "requests",
        portable: include_str!("../migrations/0021_requests.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 22,
        name: "firm_figures",
        portable: include_str!("../migrations/0022_firm_figures.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 23,
        name: "policies",
        portable: include_str!("../migrations/0023_policies.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 24,
        name: "enterprise_search",
        portable: include_str!("../migrations/0024_enterprise_search.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 25,
        name: "service",
        portable: include_str!("../migrations/0025_service.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 26,
        name: "watch",
        portable: include_str!("../migrations/0026_watch.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
    Migration {
        version: 27,
        name: "matching",
        portable: include_str!("../migrations/0027_matching.sql"),
        sqlite: include_str!("../migrations/0004_none.sql"),
        postgres: include_str!("../migrations/0004_none.sql"),
    },
];

fn render(m: &Migration, dialect: Dialect) -> String {
    let (id, blob) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY", "BLOB"),
        Dialect::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "BYTEA",
        ),
    };
    let specific = match dialect {
        Dialect::Sqlite => m.sqlite,
        Dialect::Postgres => m.postgres,
    };
    format!(
        "{}\n{}",
        m.portable.replace("{{id}}", id).replace("{{blob}}", blob),
        specific
    )
}

pub(crate) async fn run(store: &Store) -> Result<()> {
    let _guard = store.write_lock.clone().lock_owned().await;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .execute(&store.pool)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let wrap = |source| StoreError::Migration {
            version: m.version,
            name: m.name,
            source,
        };
        let mut tx = store.pool.begin().await.map_err(wrap)?;
        sqlx::raw_sql(&render(m, store.dialect))
            .execute(&mut *tx)
            .await
            .map_err(wrap)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(timestamp(store.now()))
        .execute(&mut *tx)
        .await
        .map_err(wrap)?;
        tx.commit().await.map_err(wrap)?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
