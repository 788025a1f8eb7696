//! Code columns are strict on both databases: the database refuses an unknown code (migration
//! 10's CHECK constraints on PostgreSQL, triggers on SQLite), and a code that got in anyway —
//! written with the guard removed, as a damaged or hand-edited database would — is read back as
//! `StoreError::Corrupt`, never as a default (an unknown scope is not the city).

use domain::{project::Stage, RegionCode, Role, Scope, TargetKind, Unit};
use store::targets::NewTarget;
use store::testing::fresh_store;
use store::users::NewUser;
use store::{Actor, Dialect, Store, StoreError};

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(store::Dialect::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name(store::Dialect::Postgres).await
                }
            }
        )*
    };
}

on_both!(
    the_database_refuses_unknown_codes,
    an_unknown_stored_code_is_corrupt_not_a_default,
);

fn actor() -> Actor {
    Actor::system("test")
}

struct Seeded {
    target: i64,
    user: i64,
    project: i64,
}

/// A region with a city target, a user and a project in negotiation.
async fn seed(store: &Store) -> Seeded {
    let mut tx = store.begin_write().await.expect("begin");
    let region = RegionCode::parse("370281").expect("code");
    tx.insert_region(&actor(), &region, "胶州市", None)
        .await
        .expect("region");
    let target = tx
        .insert_target(
            &actor(),
            &NewTarget {
                region_code: "370281".into(),
                year: 2025,
                code: "new-firms".into(),
                metric: "new_above_scale_firms".into(),
                name: "新增规上企业".into(),
                unit: Unit::Firms,
                kind: TargetKind::Cumulative,
                value: 60,
                scope: Scope::city(),
                parent_id: None,
                source: String::new(),
                is_sample: false,
            },
        )
        .await
        .expect("target");
    let user = tx
        .create_user(
            &actor(),
            &NewUser {
                username: "viewer1".into(),
                display_name: "只读用户".into(),
                password: "a long enough password 1".into(),
                role: Role::Viewer,
                region_code: Some("370281".into()),
                person_id: None,
                department_id: None,
                town_id: None,
            },
        )
        .await
        .expect("user");
    let project = tx
        .create_project(
            &actor(),
            &store::land::NewProject {
                region_code: "370281".into(),
                name: "新能源电池项目".into(),
                investor_name: "某新能源集团".into(),
                total_investment: Some(1_000_000_000),
                source_kind: "other".into(),
                ..Default::default()
            },
            Stage::Negotiating,
            "2025-09-01",
        )
        .await
        .expect("project");
    tx.commit().await.expect("commit");
    Seeded {
        target,
        user,
        project,
    }
}

async fn exec(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(store.pool()).await.map(|_| ())
}

async fn the_database_refuses_unknown_codes(dialect: Dialect) {
    let Some((store, _db)) = fresh_store(dialect).await.expect("db") else {
        return;
    };
    let s = seed(&store).await;
    let t = s.target;
    for sql in [
        format!("UPDATE targets SET scope_kind = 'province' WHERE id = {t}"),
        format!("UPDATE targets SET unit = 'tons' WHERE id = {t}"),
        format!("UPDATE targets SET kind = 'monthly' WHERE id = {t}"),
        format!("UPDATE users SET role = 'superuser' WHERE id = {}", s.user),
        format!("UPDATE projects SET stage = 'dreaming' WHERE id = {}", s.project),
        format!(
            "INSERT INTO project_stages (project_id, stage, on_date, recorded_by_name, recorded_at) \
             VALUES ({}, 'dreaming', '2025-09-02', 'x', '2025-09-02T00:00:00Z')",
            s.project
        ),
        "INSERT INTO indicators (code, name, unit, frequency, kind, created_at, updated_at) \
         VALUES ('x', 'x', '%', 'monthly', 'gossip', 'now', 'now')"
            .to_string(),
        "INSERT INTO indicators (code, name, unit, frequency, kind, created_at, updated_at) \
         VALUES ('x', 'x', '%', 'hourly', 'leading', 'now', 'now')"
            .to_string(),
    ] {
        assert!(
            exec(&store, &sql).await.is_err(),
            "the database accepted: {sql}"
        );
    }
    // Known codes still pass the same guards, and NULL still passes a nullable one.
    for sql in [
        format!("UPDATE targets SET kind = 'level' WHERE id = {t}"),
        format!("UPDATE users SET role = 'office' WHERE id = {}", s.user),
        "UPDATE approval_templates SET gates_stage = NULL WHERE code = 'permit'".to_string(),
        "UPDATE approval_templates SET gates_stage = 'started' WHERE code = 'permit'".to_string(),
    ] {
        exec(&store, &sql).await.expect(&sql);
    }
    let row = store.target(t, "2025-12-31").await.expect("q").expect("t");
    assert_eq!(
        row.scope(),
        Scope::city(),
        "the refused write changed nothing"
    );
    assert_eq!(row.kind(), TargetKind::Level);
}

/// Removes the database's guard on `table.column`, as a hand edit or an old backup would.
async fn drop_guard(store: &Store, table: &str, column: &str) {
    let sql = match store.dialect() {
        Dialect::Postgres => format!("ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_known"),
        Dialect::Sqlite => format!("DROP TRIGGER {table}_{column}_known_update"),
    };
    exec(store, &sql).await.expect("drop guard");
}

fn assert_corrupt<T: std::fmt::Debug>(r: Result<T, StoreError>, column: &str, value: &str) {
    match r {
        Err(StoreError::Corrupt {
            column: c,
            value: v,
            ..
        }) => assert_eq!((c.as_str(), v.as_str()), (column, value)),
        other => panic!("expected corrupt {column} “{value}”, got {other:?}"),
    }
}

async fn an_unknown_stored_code_is_corrupt_not_a_default(dialect: Dialect) {
    let Some((store, _db)) = fresh_store(dialect).await.expect("db") else {
        return;
    };
    let s = seed(&store).await;
    let t = s.target;

    drop_guard(&store, "targets", "scope_kind").await;
    exec(
        &store,
        &format!("UPDATE targets SET scope_kind = 'province' WHERE id = {t}"),
    )
    .await
    .expect("written behind the store's back");
    assert_corrupt(
        store.target(t, "2025-12-31").await,
        "scope_kind",
        "province",
    );
    assert_corrupt(
        store.targets("370281", 2025, "2025-12-31").await,
        "scope_kind",
        "province",
    );

    drop_guard(&store, "targets", "unit").await;
    exec(
        &store,
        &format!("UPDATE targets SET scope_kind = 'city', unit = 'tons' WHERE id = {t}"),
    )
    .await
    .expect("written");
    assert_corrupt(store.target(t, "2025-12-31").await, "unit", "tons");
    // A write that reads the unit refuses too, and changes nothing.
    let mut tx = store.begin_write().await.expect("begin");
    assert_corrupt(
        tx.update_target_value(&actor(), t, 70, "").await,
        "unit",
        "tons",
    );
    drop(tx);

    drop_guard(&store, "users", "role").await;
    exec(
        &store,
        &format!("UPDATE users SET role = 'superuser' WHERE id = {}", s.user),
    )
    .await
    .expect("written");
    assert_corrupt(store.user_by_name("viewer1").await, "role", "superuser");

    drop_guard(&store, "projects", "stage").await;
    exec(
        &store,
        &format!(
            "UPDATE projects SET stage = 'dreaming' WHERE id = {}",
            s.project
        ),
    )
    .await
    .expect("written");
    assert_corrupt(store.projects("370281").await, "stage", "dreaming");
    assert_corrupt(store.project(s.project).await, "stage", "dreaming");
}
