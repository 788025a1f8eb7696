//! The storage contract: every test here runs on SQLite and on PostgreSQL, through the same
//! store code path. PostgreSQL tests need `ECONOPS_TEST_PG_URL` (the test script sets it).

use domain::{RegionCode, Role, Scope, ScopeKind, TargetKind, Unit};
use store::reference::NewNamed;
use store::targets::{NewActual, NewTarget};
use store::testing::fresh_store;
use store::users::{LoginGuard, LoginOutcome, NewUser, TokenRef};
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
    migrations_are_idempotent,
    duplicates_and_dangling_references_are_refused,
    actual_values_keep_their_history,
    target_edits_are_audited,
    history_tables_are_append_only,
    failed_writes_change_nothing,
    users_sign_in_and_get_locked_out,
    sessions_and_tokens_resolve_to_their_user,
    optional_values_round_trip,
    indicators_are_upserted_with_history,
    observations_keep_revisions_and_answer_as_of,
    models_are_versioned,
    exactly_one_of_two_concurrent_claims_wins,
    overdue_tasks_are_swept_and_notified,
    parallel_identical_stage_moves_make_one_stage_row,
    parallel_completes_and_cancels_of_a_task_have_one_winner,
    a_milestone_is_completed_once_under_parallel_requests,
    parallel_sweeps_mark_a_task_overdue_once,
    parallel_project_edits_and_moves_are_serialised,
    parallel_upserts_of_a_new_remedy_make_one,
    parallel_opens_of_a_shortfall_leave_one_open,
    parallel_wrong_passwords_never_unlock_the_right_one,
    staged_imports_publish_whole_or_leave_nothing,
    a_right_password_racing_wrong_ones_gets_no_extra_guesses,
    password_checks_are_bounded_and_excess_waits_then_is_busy,
    password_change_disable_revoke_and_expiry_end_credentials,
    a_null_float_then_a_value_on_one_connection,
    search_agrees_with_a_plain_filter,
    firms_are_read_one_at_a_time_and_by_filter,
);

#[path = "contract/registry.rs"]
mod registry;
use registry::{firms_are_read_one_at_a_time_and_by_filter, search_agrees_with_a_plain_filter};

async fn store_for(dialect: Dialect) -> Option<(Store, store::testing::TestDb)> {
    fresh_store(dialect).await.expect("a fresh test database")
}

fn actor() -> Actor {
    Actor::system("test")
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("valid region code")
}

/// A region with one town and a city target of 200 projects.
async fn seed(store: &Store) -> (i64, i64) {
    let mut tx = store.begin_write().await.expect("begin");
    tx.insert_region(&actor(), &code("370281"), "胶州市", None)
        .await
        .expect("region");
    let town = tx
        .insert_town(
            &actor(),
            &NewNamed {
                region_code: "370281".into(),
                code: "jiaoxi".into(),
                name: "胶西街道".into(),
                kind: "street".into(),
                is_sample: false,
            },
        )
        .await
        .expect("town");
    let target = tx
        .insert_target(
            &actor(),
            &NewTarget {
                region_code: "370281".into(),
                year: 2025,
                code: "signed-projects".into(),
                metric: "signed_projects".into(),
                name: "新签约项目".into(),
                unit: Unit::Count,
                kind: TargetKind::Cumulative,
                value: 200,
                scope: Scope::city(),
                parent_id: None,
                source: "《胶州方案》".into(),
                is_sample: false,
            },
        )
        .await
        .expect("target");
    tx.commit().await.expect("commit");
    (town, target)
}

async fn migrations_are_idempotent(dialect: Dialect) {
    let Some((store, db)) = store_for(dialect).await else {
        return;
    };
    store.migrate().await.expect("second migrate is a no-op");
    let again = Store::open(&db.url).await.expect("reopen");
    assert!(again.list_regions().await.expect("query").is_empty());
}

async fn duplicates_and_dangling_references_are_refused(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let err = tx
        .insert_region(&actor(), &code("370281"), "重复", None)
        .await
        .expect_err("duplicate");
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("370281")),
        "{err:?}"
    );
    drop(tx);
    let mut tx = store.begin_write().await.expect("begin");
    let err = tx
        .insert_region(&actor(), &code("370282"), "即墨", Some(&code("379900")))
        .await
        .expect_err("unknown parent");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    drop(tx);
    let mut tx = store.begin_write().await.expect("begin");
    let err = tx
        .insert_target(
            &actor(),
            &NewTarget {
                region_code: "370281".into(),
                year: 2025,
                code: "x".into(),
                metric: "x".into(),
                name: "x".into(),
                unit: Unit::Count,
                kind: TargetKind::Cumulative,
                value: 1,
                scope: Scope::of(ScopeKind::Town, 9999),
                parent_id: None,
                source: String::new(),
                is_sample: false,
            },
        )
        .await
        .expect_err("unknown town");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

async fn actual_values_keep_their_history(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (_, target) = seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    for (as_of, value) in [("2025-03-31", 40), ("2025-06-30", 92), ("2025-09-30", 140)] {
        tx.record_actual(
            &actor(),
            &NewActual {
                target_id: target,
                value,
                as_of: as_of.into(),
                source: "月报".into(),
                note: String::new(),
            },
        )
        .await
        .expect("record");
    }
    tx.commit().await.expect("commit");
    let at = |d: &'static str| {
        let store = store.clone();
        async move {
            store
                .target(target, d)
                .await
                .expect("query")
                .expect("found")
                .actual
        }
    };
    assert_eq!(at("2025-02-28").await, None);
    assert_eq!(at("2025-06-30").await, Some(92));
    assert_eq!(at("2025-08-31").await, Some(92));
    assert_eq!(at("2025-12-31").await, Some(140));
    let history = store.actuals(target).await.expect("history");
    assert_eq!(
        history.iter().map(|a| a.value).collect::<Vec<_>>(),
        vec![140, 92, 40]
    );
    assert_eq!(history[0].recorded_by_name, "test");

    let mut tx = store.begin_write().await.expect("begin");
    let err = tx
        .record_actual(
            &actor(),
            &NewActual {
                target_id: target,
                value: 1,
                as_of: "2024-12-31".into(),
                source: String::new(),
                note: String::new(),
            },
        )
        .await
        .expect_err("outside the year");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
}

async fn target_edits_are_audited(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (_, target) = seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.update_target_value(&Actor::system("office"), target, 210, "市委调整")
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    let row = store
        .target(target, "2025-12-31")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(row.value, 210);
    let log = store
        .list_audit(&store::audit::AuditFilter {
            entity: Some("target".into()),
            entity_id: Some(target.to_string()),
            limit: 10,
            offset: 0,
        })
        .await
        .expect("audit");
    let update = log
        .iter()
        .find(|e| e.action == "update")
        .expect("an update entry");
    assert_eq!(update.actor, "office");
    assert_eq!(update.before_json.as_deref(), Some(r#"{"value":200}"#));
    assert!(update
        .after_json
        .as_deref()
        .is_some_and(|a| a.contains("210") && a.contains("市委调整")));
    assert!(
        update.summary.contains("200 个") && update.summary.contains("210 个"),
        "{}",
        update.summary
    );
}

async fn history_tables_are_append_only(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (_, target) = seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.record_actual(
        &actor(),
        &NewActual {
            target_id: target,
            value: 5,
            as_of: "2025-01-31".into(),
            source: String::new(),
            note: String::new(),
        },
    )
    .await
    .expect("record");
    tx.commit().await.expect("commit");
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "UPDATE target_actuals SET value = 999",
        "DELETE FROM target_actuals",
    ] {
        let result = sqlx::query(sql).execute(store.pool()).await;
        assert!(result.is_err(), "{sql} must be refused");
    }
    assert!(store.count_audit().await.expect("count") > 0);
}

async fn failed_writes_change_nothing(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let before = store.count_audit().await.expect("count");
    let mut tx = store.begin_write().await.expect("begin");
    tx.insert_town(
        &actor(),
        &NewNamed {
            region_code: "370281".into(),
            code: "fuan".into(),
            name: "阜安街道".into(),
            kind: "street".into(),
            is_sample: false,
        },
    )
    .await
    .expect("first write succeeds inside the transaction");
    let err = tx
        .insert_town(
            &actor(),
            &NewNamed {
                region_code: "370281".into(),
                code: "jiaoxi".into(),
                name: "胶西街道".into(),
                kind: "street".into(),
                is_sample: false,
            },
        )
        .await
        .expect_err("duplicate");
    assert!(matches!(err, StoreError::Conflict(_)));
    drop(tx);
    assert_eq!(
        store.towns("370281").await.expect("towns").len(),
        1,
        "the first insert was rolled back"
    );
    assert_eq!(store.count_audit().await.expect("count"), before);
}

async fn users_sign_in_and_get_locked_out(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (town, _) = seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.create_user(
        &actor(),
        &NewUser {
            username: "jiaoxi".into(),
            display_name: "胶西街道".into(),
            password: "right password".into(),
            role: Role::Town,
            region_code: Some("370281".into()),
            person_id: None,
            department_id: None,
            town_id: Some(town),
        },
    )
    .await
    .expect("create");
    let err = tx
        .create_user(
            &actor(),
            &NewUser {
                username: "nobody".into(),
                display_name: "x".into(),
                password: "short".into(),
                role: Role::Viewer,
                region_code: None,
                person_id: None,
                department_id: None,
                town_id: None,
            },
        )
        .await
        .expect_err("short password");
    assert!(matches!(err, StoreError::Invalid(_)));
    tx.commit().await.expect("commit");

    let guard = LoginGuard::default();
    match store
        .login(&guard, "jiaoxi", "right password")
        .await
        .expect("login")
    {
        LoginOutcome::Ok(u) => {
            assert_eq!(u.principal().role, Role::Town);
            assert_eq!(u.principal().town_id, Some(town));
        }
        other => panic!("expected success, got {other:?}"),
    }
    assert!(matches!(
        store.login(&guard, "nobody", "x").await.expect("login"),
        LoginOutcome::Invalid
    ));
    for _ in 0..4 {
        assert!(matches!(
            store.login(&guard, "jiaoxi", "wrong").await.expect("login"),
            LoginOutcome::Invalid
        ));
    }
    assert!(matches!(
        store.login(&guard, "jiaoxi", "wrong").await.expect("login"),
        LoginOutcome::Locked { .. }
    ));
    assert!(
        matches!(
            store
                .login(&guard, "jiaoxi", "right password")
                .await
                .expect("login"),
            LoginOutcome::Locked { .. }
        ),
        "even the right password waits out the lock"
    );
}

async fn sessions_and_tokens_resolve_to_their_user(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let id = tx
        .create_user(
            &actor(),
            &NewUser {
                username: "office".into(),
                display_name: "办公室".into(),
                password: "office password".into(),
                role: Role::Office,
                region_code: Some("370281".into()),
                person_id: None,
                department_id: None,
                town_id: None,
            },
        )
        .await
        .expect("create");
    let token = tx
        .create_token(&actor(), "office", "test")
        .await
        .expect("token");
    tx.commit().await.expect("commit");
    assert!(token.starts_with("eo_"));
    assert_eq!(
        store.token_user(&token).await.expect("query").map(|u| u.id),
        Some(id)
    );
    assert!(store
        .token_user("eo_forged")
        .await
        .expect("query")
        .is_none());
    let (session, csrf) = store.create_session(id, 12).await.expect("session");
    let (user, stored_csrf) = store
        .session(&session)
        .await
        .expect("query")
        .expect("live session");
    assert_eq!((user.id, stored_csrf), (id, csrf));
    store.delete_session(&session).await.expect("delete");
    assert!(store.session(&session).await.expect("query").is_none());
}

async fn optional_values_round_trip(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.insert_host_area(
        &actor(),
        &store::reference::NewHostArea {
            region_code: "370281".into(),
            code: "park".into(),
            name: "智能制造装备产业园".into(),
            kind: "park".into(),
            town_id: None,
            attributes: vec!["高端装备".into(), "工业母机".into()],
            is_sample: false,
        },
    )
    .await
    .expect("host area");
    tx.commit().await.expect("commit");
    let areas = store.host_areas("370281").await.expect("areas");
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0].town_id, None);
    assert_eq!(areas[0].town_name, None);
    assert_eq!(areas[0].attributes, "高端装备、工业母机");
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let Some((store, db)) = store_for(Dialect::Sqlite).await else {
        return;
    };
    seed(&store).await;
    let out = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://"))
        .with_file_name("backup.db");
    store.backup(&out).await.expect("backup");
    let copy = Store::open(out.to_str().expect("utf-8"))
        .await
        .expect("open the copy");
    assert_eq!(copy.list_regions().await.expect("regions").len(), 1);
    assert!(
        matches!(store.backup(&out).await, Err(StoreError::Backup(_))),
        "never overwrites"
    );
}

fn indicator(code: &str, deflator: Option<&str>) -> store::locate::NewIndicator {
    store::locate::NewIndicator {
        code: code.into(),
        name: format!("指标{code}"),
        unit: "亿元".into(),
        frequency: "monthly".into(),
        kind: "accounting".into(),
        nominal: deflator.is_some(),
        stock: false,
        deflator: deflator.map(String::from),
        owner_department: "市统计局".into(),
    }
}

fn obs(
    period: &str,
    code: &str,
    value: Option<f64>,
    growth: Option<f64>,
) -> store::locate::NewObservation {
    store::locate::NewObservation {
        period: domain::Period::parse(period).expect("period"),
        indicator: code.into(),
        ytd_value: value,
        ytd_growth: growth,
        last_year_total: value.map(|v| v * 1.4),
    }
}

async fn indicators_are_upserted_with_history(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.upsert_indicator(&actor(), &indicator("cpi", None))
        .await
        .expect("insert");
    tx.upsert_indicator(&actor(), &indicator("sales", Some("cpi")))
        .await
        .expect("insert");
    tx.set_indicator_target(&actor(), "370281", 2025, "sales", 8.0)
        .await
        .expect("target");
    tx.commit().await.expect("commit");
    let mut tx = store.begin_write().await.expect("begin");
    let mut renamed = indicator("sales", Some("cpi"));
    renamed.name = "限上零售额".into();
    tx.upsert_indicator(&actor(), &renamed)
        .await
        .expect("update");
    tx.set_indicator_target(&actor(), "370281", 2025, "sales", 7.5)
        .await
        .expect("target");
    tx.commit().await.expect("commit");
    let all = store.indicators().await.expect("catalogue");
    assert_eq!(all.len(), 2);
    assert_eq!(
        all.iter()
            .find(|k| k.code == "sales")
            .map(|k| k.name.as_str()),
        Some("限上零售额")
    );
    assert_eq!(
        store
            .indicator_targets("370281", 2025)
            .await
            .expect("targets"),
        vec![("sales".to_string(), 7.5)]
    );
    let log = store
        .list_audit(&store::audit::AuditFilter {
            entity: Some("indicator".into()),
            entity_id: Some("sales".into()),
            limit: 10,
            offset: 0,
        })
        .await
        .expect("audit");
    assert!(log.iter().any(|e| e.action == "update"
        && e.before_json
            .as_deref()
            .is_some_and(|b| b.contains("指标sales"))));
    let mut tx = store.begin_write().await.expect("begin");
    let err = tx
        .upsert_indicator(&actor(), &indicator("bad", Some("nowhere")))
        .await
        .expect_err("unknown deflator");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
}

async fn observations_keep_revisions_and_answer_as_of(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.upsert_indicator(&actor(), &indicator("va", None))
        .await
        .expect("insert");
    tx.upsert_indicator(&actor(), &indicator("agri", None))
        .await
        .expect("insert");
    // A NULL level first and real numbers after: both databases must take the mix.
    tx.add_observations(
        &actor(),
        "370281",
        &[
            obs("2025-08", "va", None, Some(5.8)),
            obs("2025-09", "va", Some(120.5), Some(6.1)),
            obs("2025-Q2", "agri", Some(50.0), Some(4.0)),
        ],
        "first.csv",
    )
    .await
    .expect("import");
    tx.commit().await.expect("commit");
    let mut tx = store.begin_write().await.expect("begin");
    tx.add_observations(
        &actor(),
        "370281",
        &[obs("2025-09", "va", None, Some(6.0))],
        "revision.csv",
    )
    .await
    .expect("revision");
    tx.commit().await.expect("commit");

    let at_sept = store
        .observations_as_of("370281", 2025, 9)
        .await
        .expect("query");
    let va = at_sept.iter().find(|o| o.indicator == "va").expect("va");
    assert_eq!(
        (va.period.as_str(), va.ytd_growth, va.ytd_value),
        ("2025-09", Some(6.0), None),
        "the revision wins"
    );
    let agri = at_sept
        .iter()
        .find(|o| o.indicator == "agri")
        .expect("agri");
    assert_eq!(
        (agri.period.as_str(), agri.end_month),
        ("2025-Q2", 6),
        "a quarterly indicator answers with its last quarter"
    );
    let at_aug = store
        .observations_as_of("370281", 2025, 8)
        .await
        .expect("query");
    assert_eq!(
        at_aug
            .iter()
            .find(|o| o.indicator == "va")
            .and_then(|o| o.ytd_growth),
        Some(5.8)
    );
    let year = store
        .observations_of_year("370281", 2025)
        .await
        .expect("series");
    assert_eq!(
        year.iter().filter(|o| o.indicator == "va").count(),
        2,
        "one row per period, latest revision"
    );
    assert_eq!(
        store.observed_periods("370281").await.expect("periods")[0],
        "2025-09"
    );
    assert!(
        sqlx::query("DELETE FROM observations")
            .execute(store.pool())
            .await
            .is_err(),
        "append-only"
    );
}

async fn models_are_versioned(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let industry = |code: &str, weight: f64, assumed: Option<f64>| store::locate::ModelIndustry {
        code: code.into(),
        name: code.into(),
        weight,
        assumed_growth: assumed,
        ordinal: 1,
    };
    let mut tx = store.begin_write().await.expect("begin");
    tx.upsert_indicator(&actor(), &indicator("va", None))
        .await
        .expect("insert");
    tx.create_model(
        &actor(),
        "370281",
        2025,
        &[industry("a", 0.5, Some(3.0)), industry("b", 0.5, None)],
        &[store::locate::ModelDriver {
            industry: "b".into(),
            indicator: "va".into(),
            coefficient: 1.0,
        }],
        "v1",
    )
    .await
    .expect("v1");
    tx.commit().await.expect("commit");
    let mut tx = store.begin_write().await.expect("begin");
    tx.create_model(
        &actor(),
        "370281",
        2025,
        &[industry("a", 1.0, Some(4.0))],
        &[],
        "v2",
    )
    .await
    .expect("v2");
    tx.commit().await.expect("commit");
    let model = store
        .model("370281", 2025)
        .await
        .expect("query")
        .expect("a model");
    assert_eq!(model.source, "v2");
    assert_eq!(model.industries.len(), 1);
    assert_eq!(model.industries[0].assumed_growth, Some(4.0));
    assert!(store.model("370281", 2024).await.expect("query").is_none());
}

/// A region with a track led by two leaders, both with accounts, and one open task on it.
async fn claim_setup(store: &Store) -> (i64, [(i64, i64); 2]) {
    seed(store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let p1 = tx
        .insert_person(
            &actor(),
            &store::reference::NewPerson {
                region_code: "370281".into(),
                code: "p1".into(),
                name: "张海涛".into(),
                title: "副市长".into(),
                department_id: None,
                is_sample: true,
            },
        )
        .await
        .expect("person");
    let p2 = tx
        .insert_person(
            &actor(),
            &store::reference::NewPerson {
                region_code: "370281".into(),
                code: "p2".into(),
                name: "李晓梅".into(),
                title: "副市长".into(),
                department_id: None,
                is_sample: true,
            },
        )
        .await
        .expect("person");
    let tier = tx
        .insert_tier(
            &actor(),
            &store::reference::NewTier {
                region_code: "370281".into(),
                code: "focus".into(),
                name: "聚焦突破类".into(),
                description: String::new(),
                ordinal: 1,
            },
        )
        .await
        .expect("tier");
    let track = tx
        .insert_track(
            &actor(),
            &store::reference::NewTrack {
                region_code: "370281".into(),
                tier_id: tier,
                code: "smart-appliances".into(),
                name: "智能家电".into(),
                description: String::new(),
                lead_leader_id: Some(p1),
                lead_department_id: None,
                responsible_leader_ids: vec![p2],
                host_area_ids: vec![],
                ordinal: 1,
                is_sample: false,
            },
        )
        .await
        .expect("track");
    let mut users = [(0, 0); 2];
    for (i, (name, person)) in [("leader", p1), ("leader2", p2)].into_iter().enumerate() {
        let id = tx
            .create_user(
                &actor(),
                &NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    password: "a long password".into(),
                    role: Role::Leader,
                    region_code: Some("370281".into()),
                    person_id: Some(person),
                    department_id: None,
                    town_id: None,
                },
            )
            .await
            .expect("user");
        users[i] = (id, person);
    }
    let task = tx
        .create_task(
            &actor(),
            &store::claim::NewTask {
                region_code: "370281".into(),
                shortfall_id: None,
                remedy_id: None,
                title: "智能家电链主稳产扩产".into(),
                description: String::new(),
                route: domain::Route::Stock,
                track_id: Some(track),
                town_id: None,
                owner_department_id: None,
                co_department_ids: vec![],
                deadline: "2025-12-31".into(),
                expected_pp: Some(0.1),
                milestones: vec![("走访".into(), "2025-11-15".into())],
            },
        )
        .await
        .expect("task");
    tx.commit().await.expect("commit");
    (task, users)
}

async fn exactly_one_of_two_concurrent_claims_wins(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (task, users) = claim_setup(&store).await;
    let track = store
        .task(task)
        .await
        .expect("query")
        .and_then(|d| d.task.track_id);
    for (user, person) in users {
        assert!(
            store
                .person_covers(person, track, None)
                .await
                .expect("query"),
            "both leaders answer for the track"
        );
        assert_eq!(
            store.notifications(user, true).await.expect("notes").len(),
            1,
            "both leaders were told of the task"
        );
    }
    let claim = |user: (i64, i64), name: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin_write().await.expect("begin");
            let outcome = tx
                .claim_task(&Actor::user(user.0, name), task, user.1)
                .await
                .expect("claim");
            tx.commit().await.expect("commit");
            outcome
        })
    };
    let (a, b) = tokio::join!(claim(users[0], "leader"), claim(users[1], "leader2"));
    let outcomes = [a.expect("joined"), b.expect("joined")];
    let wins = outcomes
        .iter()
        .filter(|o| **o == store::claim::ClaimOutcome::Claimed)
        .count();
    assert_eq!(wins, 1, "exactly one claim wins: {outcomes:?}");
    let loser = outcomes
        .iter()
        .find(|o| **o != store::claim::ClaimOutcome::Claimed)
        .expect("a loser");
    let detail = store.task(task).await.expect("query").expect("task");
    let holder = detail.task.claimed_by_name.clone().expect("held");
    assert_eq!(
        *loser,
        store::claim::ClaimOutcome::HeldBy { name: holder },
        "the loser is told who holds it"
    );
    assert_eq!(detail.task.state, "claimed");
    let log = store
        .list_audit(&store::audit::AuditFilter {
            entity: Some("task".into()),
            entity_id: Some(task.to_string()),
            limit: 20,
            offset: 0,
        })
        .await
        .expect("audit");
    assert_eq!(
        log.iter().filter(|e| e.action == "claim").count(),
        1,
        "one claim in the audit log"
    );
}

async fn overdue_tasks_are_swept_and_notified(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (task, users) = claim_setup(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.claim_task(&Actor::user(users[0].0, "leader"), task, users[0].1)
        .await
        .expect("claim");
    let pid = tx
        .report_progress(
            &Actor::user(users[0].0, "leader"),
            task,
            "走访 6 家企业",
            &[(
                "纪要.txt".into(),
                "text/plain".into(),
                "会议纪要".as_bytes().to_vec(),
            )],
        )
        .await
        .expect("progress");
    tx.commit().await.expect("commit");
    assert!(pid > 0);
    let detail = store.task(task).await.expect("q").expect("task");
    assert_eq!(detail.task.state, "in_progress");
    assert_eq!(detail.progress[0].attachments[0].file_name, "纪要.txt");
    let att = store
        .attachment(detail.progress[0].attachments[0].id)
        .await
        .expect("q")
        .expect("attachment");
    assert_eq!(att.3, "会议纪要".as_bytes());

    let mut tx = store.begin_write().await.expect("begin");
    assert!(
        tx.sweep_overdue("2025-11-01")
            .await
            .expect("sweep")
            .is_empty(),
        "nothing is late yet"
    );
    assert_eq!(
        tx.sweep_overdue("2025-11-16").await.expect("sweep"),
        vec![task],
        "a missed milestone makes it overdue"
    );
    assert!(
        tx.sweep_overdue("2026-01-05")
            .await
            .expect("sweep")
            .is_empty(),
        "overdue once"
    );
    tx.commit().await.expect("commit");
    let overdue = store
        .tasks(&store::claim::TaskFilter {
            region: "370281".into(),
            state: Some(domain::TaskState::Overdue),
            ..Default::default()
        })
        .await
        .expect("q");
    assert_eq!(overdue.len(), 1);
    let notes = store.notifications(users[0].0, true).await.expect("notes");
    assert!(notes.iter().any(|n| n.text.contains("逾期")), "{notes:?}");
    let mut tx = store.begin_write().await.expect("begin");
    complete_and_accept(&mut tx, &Actor::user(users[0].0, "leader"), task)
        .await
        .expect("late work is still done");
    tx.commit().await.expect("commit");
    let ranking = store.task_rank_rows("370281").await.expect("ranking");
    assert!(
        ranking.is_empty(),
        "no department or town owns the task: {ranking:?}"
    );
    assert!(
        sqlx::query("DELETE FROM task_progress")
            .execute(store.pool())
            .await
            .is_err(),
        "append-only"
    );
}

// ---------------------------------------------------------------------------------------------
// Read-check-write under concurrency (issue 8 item 6): every loser gets a conflict, never a
// second change. On PostgreSQL these failed before the store locked the row it checks.

/// How many of `n` parallel copies of a write succeed; every other one must be a conflict.
async fn race<F, Fut>(n: usize, write: F) -> usize
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(write(i))).collect();
    let mut wins = 0;
    for h in handles {
        match h.await.expect("joined") {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict(m)) => assert!(!m.is_empty()),
            Err(other) => panic!("a loser gets a conflict, not {other:?}"),
        }
    }
    wins
}

async fn audit_actions(store: &Store, entity: &str, id: i64) -> Vec<String> {
    store
        .list_audit(&store::audit::AuditFilter {
            entity: Some(entity.into()),
            entity_id: Some(id.to_string()),
            limit: 200,
            offset: 0,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// A project in negotiation, ready to be signed (investment and investor named).
async fn negotiating_project(store: &Store) -> (i64, i64) {
    let (town, _) = seed(store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let id = tx
        .create_project(
            &actor(),
            &store::land::NewProject {
                region_code: "370281".into(),
                name: "新能源电池项目".into(),
                investor_name: "某新能源集团".into(),
                town_id: Some(town),
                total_investment: Some(1_000_000_000),
                source_kind: "other".into(),
                ..Default::default()
            },
            domain::project::Stage::Negotiating,
            "2025-09-01",
        )
        .await
        .expect("project");
    tx.commit().await.expect("commit");
    (id, town)
}

async fn parallel_identical_stage_moves_make_one_stage_row(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (id, _) = negotiating_project(&store).await;
    let wins = race(20, |i| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            tx.move_project(
                &Actor::system(format!("user{i}")),
                id,
                domain::project::Stage::Signed,
                "2025-10-10",
            )
            .await?;
            tx.commit().await
        }
    })
    .await;
    assert_eq!(wins, 1, "exactly one of 20 identical moves succeeds");
    let d = store.project(id).await.expect("query").expect("project");
    assert_eq!(d.project.stage, "signed");
    assert_eq!(
        d.stages.iter().filter(|s| s.stage == "signed").count(),
        1,
        "one signed stage row: {:?}",
        d.stages
    );
    let log = audit_actions(&store, "project", id).await;
    assert_eq!(log.iter().filter(|a| *a == "stage").count(), 1, "{log:?}");
    let counts = store
        .derived_target_actuals("370281", 2025, "2025-12-31")
        .await
        .expect("counts");
    assert_eq!(
        counts.get(&("signed_projects".to_string(), "city".to_string(), None)),
        Some(&1),
        "the project is counted once"
    );
}

async fn parallel_completes_and_cancels_of_a_task_have_one_winner(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (task, users) = claim_setup(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.claim_task(&Actor::user(users[0].0, "leader"), task, users[0].1)
        .await
        .expect("claim");
    tx.commit().await.expect("commit");
    let wins = race(20, |i| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            let who = Actor::user(users[0].0, "leader");
            if i % 2 == 0 {
                complete_and_accept(&mut tx, &who, task).await?;
            } else {
                tx.cancel_task(&who, task, "重复任务").await?;
            }
            tx.commit().await
        }
    })
    .await;
    assert_eq!(wins, 1, "one of ten completes and ten cancels wins");
    let detail = store.task(task).await.expect("query").expect("task");
    let log = audit_actions(&store, "task", task).await;
    // 办结 then 验收 are two state changes; a cancel one.
    let changes = if detail.task.state == "done" { 2 } else { 1 };
    assert_eq!(
        log.iter().filter(|a| *a == "state").count(),
        changes,
        "the winner's state changes only in the audit log: {log:?}"
    );
    match detail.task.state.as_str() {
        "done" => assert!(detail.task.done_at.is_some()),
        "cancelled" => assert!(
            detail.task.done_at.is_none(),
            "a cancelled task was never done"
        ),
        other => panic!("the task ends done or cancelled, not {other}"),
    }
}

/// 办结 with an outcome and one file, then 验收, in one transaction: the task is done.
async fn complete_and_accept(
    tx: &mut store::WriteTx,
    who: &Actor,
    task: i64,
) -> Result<(), store::StoreError> {
    let completion = store::supervision::NewCompletion {
        outcome: "已完成".into(),
        realised_pp: None,
        files: vec![(
            "佐证.pdf".into(),
            "application/pdf".into(),
            b"%PDF-1.4".to_vec(),
        )],
    };
    tx.submit_completion(who, task, &completion).await?;
    tx.decide_completion(who, task, true, "").await
}

async fn a_milestone_is_completed_once_under_parallel_requests(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (task, users) = claim_setup(&store).await;
    let milestone = store.task(task).await.expect("q").expect("task").milestones[0].id;
    let wins = race(10, |_| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            tx.complete_milestone(&Actor::user(users[0].0, "leader"), task, milestone)
                .await?;
            tx.commit().await
        }
    })
    .await;
    assert_eq!(wins, 1);
    let log = audit_actions(&store, "task", task).await;
    assert_eq!(
        log.iter().filter(|a| *a == "milestone").count(),
        1,
        "{log:?}"
    );
    // A milestone that does not exist is still "not found", not a conflict.
    let mut tx = store.begin_write().await.expect("begin");
    assert!(matches!(
        tx.complete_milestone(&actor(), task, milestone + 1000)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn parallel_sweeps_mark_a_task_overdue_once(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (task, users) = claim_setup(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.claim_task(&Actor::user(users[0].0, "leader"), task, users[0].1)
        .await
        .expect("claim");
    tx.commit().await.expect("commit");
    let before = store
        .notifications(users[0].0, false)
        .await
        .expect("notes")
        .len();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin_write().await.expect("begin");
                let swept = tx.sweep_overdue("2026-01-05").await.expect("sweep");
                tx.commit().await.expect("commit");
                swept
            })
        })
        .collect();
    let mut swept = Vec::new();
    for h in handles {
        swept.extend(h.await.expect("joined"));
    }
    assert_eq!(swept, vec![task], "the task is swept by exactly one sweep");
    let log = audit_actions(&store, "task", task).await;
    assert_eq!(log.iter().filter(|a| *a == "state").count(), 1, "{log:?}");
    let after = store
        .notifications(users[0].0, false)
        .await
        .expect("notes")
        .len();
    assert_eq!(after, before + 1, "the claimer is told once");
}

async fn parallel_project_edits_and_moves_are_serialised(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let (id, _) = negotiating_project(&store).await;
    // Ten resolutions of one issue: one wins, the others learn it is already resolved.
    let mut tx = store.begin_write().await.expect("begin");
    let issue = tx
        .add_project_issue(&actor(), id, "用地指标未落实", None, "2025-12-01")
        .await
        .expect("issue");
    tx.commit().await.expect("commit");
    let wins = race(10, |i| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            tx.resolve_project_issue(&actor(), id, issue, &format!("办结{i}"))
                .await?;
            tx.commit().await
        }
    })
    .await;
    assert_eq!(wins, 1);
    let log = audit_actions(&store, "project", id).await;
    assert_eq!(log.iter().filter(|a| *a == "resolve").count(), 1);
    // Ten edits in parallel: each one's audit "before" is what the previous one left, so no
    // edit was checked or recorded against a row another was changing.
    let wins = race(10, |i| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            tx.edit_project(
                &actor(),
                id,
                &store::land::ProjectEdit {
                    total_investment: Some(2_000_000_000 + i as i64),
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await
        }
    })
    .await;
    assert_eq!(wins, 10, "edits do not conflict, they queue");
    let mut edits: Vec<(i64, i64, i64)> = store
        .list_audit(&store::audit::AuditFilter {
            entity: Some("project".into()),
            entity_id: Some(id.to_string()),
            limit: 200,
            offset: 0,
        })
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "update")
        .map(|e| {
            let field = |j: &Option<String>| {
                j.as_deref()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                    .and_then(|v| v["total_investment"].as_i64())
                    .expect("an investment")
            };
            (e.id, field(&e.before_json), field(&e.after_json))
        })
        .collect();
    edits.sort();
    assert_eq!(edits.len(), 10);
    assert_eq!(edits[0].1, 1_000_000_000);
    for w in edits.windows(2) {
        assert_eq!(w[1].1, w[0].2, "each edit saw the one before it: {edits:?}");
    }
    let d = store.project(id).await.expect("q").expect("project");
    assert_eq!(d.project.total_investment, Some(edits[9].2));
}

async fn parallel_upserts_of_a_new_remedy_make_one(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let wins = race(8, |i| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            tx.upsert_remedy(
                &actor(),
                &store::claim::NewRemedy {
                    region_code: "370281".into(),
                    code: "R-NEW".into(),
                    title: format!("稳投资方案{i}"),
                    description: String::new(),
                    sector: String::new(),
                    route: domain::Route::Stock,
                    owner_department: String::new(),
                    expected_effect: String::new(),
                    source: String::new(),
                    indicators: vec![],
                    track_ids: vec![],
                },
            )
            .await?;
            tx.commit().await
        }
    })
    .await;
    assert!(wins >= 1, "at least one upsert succeeds");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM remedies WHERE code = 'R-NEW'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(n, 1);
}

/// A town user "jiaoxi" with the password "right password"; returns the user's id.
async fn seed_user(store: &Store) -> i64 {
    let (town, _) = seed(store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let id = tx
        .create_user(
            &actor(),
            &NewUser {
                username: "jiaoxi".into(),
                display_name: "胶西街道".into(),
                password: "right password".into(),
                role: Role::Town,
                region_code: Some("370281".into()),
                person_id: None,
                department_id: None,
                town_id: Some(town),
            },
        )
        .await
        .expect("create");
    tx.commit().await.expect("commit");
    id
}

/// Runs `wrong` logins with a wrong password, and with `right` one with the right password
/// started among them, all at once; returns the outcomes of the wrong ones and the right one.
async fn race_logins(
    store: &Store,
    guard: &LoginGuard,
    wrong: usize,
    right: bool,
) -> (Vec<LoginOutcome>, Option<LoginOutcome>) {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..wrong {
        let (s, g) = (store.clone(), guard.clone());
        set.spawn(async move {
            let (store, guard) = (s, g);
            let outcome = store
                .login(&guard, "jiaoxi", &format!("guess {i}"))
                .await
                .expect("login");
            (false, outcome)
        });
        if right && i == wrong / 2 {
            let (store, guard) = (store.clone(), guard.clone());
            set.spawn(async move {
                let outcome = store
                    .login(&guard, "jiaoxi", "right password")
                    .await
                    .expect("login");
                (true, outcome)
            });
        }
    }
    let mut wrongs = Vec::new();
    let mut rights = None;
    while let Some(joined) = set.join_next().await {
        let (is_right, outcome) = joined.expect("task");
        if is_right {
            rights = Some(outcome);
        } else {
            wrongs.push(outcome);
        }
    }
    (wrongs, rights)
}

fn invalid_count(outcomes: &[LoginOutcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o, LoginOutcome::Invalid))
        .count()
}

/// Issue 8, item 2: 150 parallel wrong passwords each read the failure count before any wrote
/// it back, so the count stayed low and the right password then succeeded. Now each attempt
/// takes a free attempt atomically before its password is checked.
async fn parallel_wrong_passwords_never_unlock_the_right_one(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed_user(&store).await;
    // Room for every check at once, waiting as long as it takes: only the lockout limits.
    let guard = LoginGuard::new(5, 64, std::time::Duration::from_secs(120));
    let (wrongs, _) = race_logins(&store, &guard, 150, false).await;
    assert_eq!(wrongs.len(), 150);
    assert!(
        wrongs.iter().all(|o| !matches!(o, LoginOutcome::Ok(_))),
        "{wrongs:?}"
    );
    assert_eq!(
        invalid_count(&wrongs),
        4,
        "exactly the free attempts are told 'wrong password'; the rest are locked"
    );
    assert_eq!(
        guard.checks(),
        5,
        "only as many passwords are checked as there are free attempts"
    );
    assert!(
        matches!(
            store
                .login(&guard, "jiaoxi", "right password")
                .await
                .expect("login"),
            LoginOutcome::Locked { .. }
        ),
        "after 150 failures the right password waits out the lock"
    );
    let failed: i64 =
        sqlx::query_scalar("SELECT failed_logins FROM users WHERE username = 'jiaoxi'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(failed, 5, "every checked failure is counted, none lost");
}

/// The right password started among 150 wrong ones: whatever the order, no more passwords are
/// checked than two rounds of free attempts (one before a success resets the count, one
/// after), and if the right one came too late it is refused.
async fn a_right_password_racing_wrong_ones_gets_no_extra_guesses(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed_user(&store).await;
    let guard = LoginGuard::new(5, 64, std::time::Duration::from_secs(120));
    let (wrongs, right) = race_logins(&store, &guard, 150, true).await;
    let right = right.expect("the right attempt ran");
    let invalid = invalid_count(&wrongs);
    match right {
        LoginOutcome::Ok(_) => {
            assert!(invalid <= 8, "{invalid} wrong passwords told apart");
            assert!(guard.checks() <= 10, "{} checks", guard.checks());
        }
        LoginOutcome::Locked { .. } => {
            assert_eq!(invalid, 4, "{wrongs:?}");
            assert_eq!(guard.checks(), 5);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Issue 8, item 3: password checks (about 20 MB each) were unbounded. Now at most the guard's
/// capacity run at once, counted on the threads that run them; a sign-in that finds every slot
/// taken for longer than the wait is answered Busy, and nothing is counted against the account.
async fn password_checks_are_bounded_and_excess_waits_then_is_busy(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed_user(&store).await;
    let guard = LoginGuard::new(5, 2, std::time::Duration::from_secs(120));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (store, guard) = (store.clone(), guard.clone());
        set.spawn(async move {
            store
                .login(&guard, &format!("nobody{i}"), "some password")
                .await
                .expect("login")
        });
    }
    while let Some(outcome) = set.join_next().await {
        assert!(matches!(outcome.expect("task"), LoginOutcome::Invalid));
    }
    assert_eq!(
        guard.checks(),
        24,
        "unknown names cost a check too (timing reveals no names)"
    );
    assert!(
        (1..=2).contains(&guard.peak()),
        "at most 2 checks at once, saw {}",
        guard.peak()
    );

    let busy = LoginGuard::new(5, 1, std::time::Duration::from_millis(50));
    let slot = busy.occupy().expect("the one slot");
    for name in ["jiaoxi", "nobody"] {
        match store
            .login(&busy, name, "right password")
            .await
            .expect("login")
        {
            LoginOutcome::Busy { retry_after_secs } => assert!(retry_after_secs >= 1),
            other => panic!("expected busy, got {other:?}"),
        }
    }
    assert_eq!(busy.checks(), 0);
    let failed: i64 =
        sqlx::query_scalar("SELECT failed_logins FROM users WHERE username = 'jiaoxi'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(
        failed, 0,
        "a busy answer counts nothing against the account"
    );
    drop(slot);
    assert!(matches!(
        store
            .login(&busy, "jiaoxi", "right password")
            .await
            .expect("login"),
        LoginOutcome::Ok(_)
    ));
}

/// Issue 8, item 8: credentials can be taken back, and each way is audited.
async fn password_change_disable_revoke_and_expiry_end_credentials(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let id = seed_user(&store).await;
    let guard = LoginGuard::default();
    let issue = |name: &'static str, days: i64| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await.expect("begin");
            let t = tx
                .issue_token(&actor(), "jiaoxi", name, days)
                .await
                .expect("token");
            tx.commit().await.expect("commit");
            t
        }
    };

    // A password change ends sessions and tokens.
    let (session, _) = store.create_session(id, 12).await.expect("session");
    let token = issue("a", 90).await;
    assert!(token.token.starts_with(&token.prefix) && token.prefix.len() == 11);
    assert!(store.token_user(&token.token).await.expect("q").is_some());
    let mut tx = store.begin_write().await.expect("begin");
    let ended = tx
        .set_password(&actor(), "jiaoxi", "a new password")
        .await
        .expect("passwd");
    tx.commit().await.expect("commit");
    assert_eq!((ended.sessions, ended.tokens), (1, 1));
    assert!(store.session(&session).await.expect("q").is_none());
    assert!(store.token_user(&token.token).await.expect("q").is_none());
    assert!(matches!(
        store
            .login(&guard, "jiaoxi", "right password")
            .await
            .expect("login"),
        LoginOutcome::Invalid
    ));

    // Disabling ends them too, and sign-in answers as for a wrong password.
    let (session, _) = store.create_session(id, 12).await.expect("session");
    let token = issue("b", 90).await;
    let mut tx = store.begin_write().await.expect("begin");
    let ended = tx
        .set_user_active(&actor(), "jiaoxi", false)
        .await
        .expect("disable")
        .expect("was active");
    tx.commit().await.expect("commit");
    assert_eq!((ended.sessions, ended.tokens), (1, 1));
    assert!(store.session(&session).await.expect("q").is_none());
    assert!(store.token_user(&token.token).await.expect("q").is_none());
    assert!(matches!(
        store
            .login(&guard, "jiaoxi", "a new password")
            .await
            .expect("login"),
        LoginOutcome::Invalid
    ));
    let mut tx = store.begin_write().await.expect("begin");
    assert!(tx
        .set_user_active(&actor(), "jiaoxi", false)
        .await
        .expect("again")
        .is_none());
    assert!(tx.issue_token(&actor(), "jiaoxi", "c", 90).await.is_err());
    assert!(tx.set_user_active(&actor(), "ghost", false).await.is_err());
    assert!(tx
        .set_user_active(&actor(), "jiaoxi", true)
        .await
        .expect("enable")
        .is_some());
    tx.commit().await.expect("commit");
    assert!(matches!(
        store
            .login(&guard, "jiaoxi", "a new password")
            .await
            .expect("login"),
        LoginOutcome::Ok(_)
    ));

    // Revoking by number, by prefix or by the token itself.
    let by_id = issue("by id", 90).await;
    let by_prefix = issue("by prefix", 90).await;
    let by_token = issue("by token", 90).await;
    for (t, which) in [
        (&by_id, TokenRef::Id(by_id.id)),
        (
            &by_prefix,
            TokenRef::parse(&by_prefix.prefix).expect("prefix"),
        ),
        (&by_token, TokenRef::parse(&by_token.token).expect("token")),
    ] {
        assert!(store.token_user(&t.token).await.expect("q").is_some());
        let mut tx = store.begin_write().await.expect("begin");
        let revoked = tx.revoke_token(&actor(), &which).await.expect("revoke");
        tx.commit().await.expect("commit");
        assert_eq!(revoked.id, t.id);
        assert!(store.token_user(&t.token).await.expect("q").is_none());
    }
    let mut tx = store.begin_write().await.expect("begin");
    let again = tx
        .revoke_token(&actor(), &TokenRef::Id(by_id.id))
        .await
        .expect_err("twice");
    assert!(matches!(again, StoreError::Conflict(_)), "{again:?}");
    let missing = tx
        .revoke_token(&actor(), &TokenRef::Id(999_999))
        .await
        .expect_err("missing");
    assert!(matches!(missing, StoreError::NotFound(_)), "{missing:?}");
    assert!(tx.issue_token(&actor(), "jiaoxi", "x", 0).await.is_err());
    assert!(tx.issue_token(&actor(), "jiaoxi", "x", 3651).await.is_err());
    drop(tx);
    let listed = store.tokens("jiaoxi").await.expect("list");
    let now = store::timestamp(store.now());
    assert_eq!(listed.len(), 5);
    assert!(
        listed.iter().all(|t| t.status(&now) == "已吊销"),
        "{listed:?}"
    );

    // Tokens and sessions expire: seen two days later, a one-day token and a session of one
    // hour are refused.
    let token = issue("short", 1).await;
    let (session, _) = store.create_session(id, 1).await.expect("session");
    let later = store.clone().with_clock(store::Clock {
        offset: time::Duration::days(2),
    });
    assert!(store.token_user(&token.token).await.expect("q").is_some());
    assert!(later.token_user(&token.token).await.expect("q").is_none());
    assert!(store.session(&session).await.expect("q").is_some());
    assert!(later.session(&session).await.expect("q").is_none());
    let listed = later.tokens("jiaoxi").await.expect("list");
    assert_eq!(listed[0].status(&store::timestamp(later.now())), "已过期");

    let audit = store
        .list_audit(&store::audit::AuditFilter::default())
        .await
        .expect("audit");
    for action in ["set_password", "disable", "enable", "revoke"] {
        assert!(
            audit.iter().any(|a| a.action == action),
            "{action} is audited"
        );
    }
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.entity == "api_token" && a.action == "revoke")
            .count(),
        3
    );
}

/// A large import is staged in chunks and published at once; one that fails after some chunks
/// were staged leaves nothing behind, neither observations nor staged rows nor an audit entry.
async fn staged_imports_publish_whole_or_leave_nothing(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.upsert_indicator(&actor(), &indicator("va", None))
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let count = |store: Store| async move {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM observations")
            .fetch_one(store.pool())
            .await
            .expect("count");
        n
    };
    let audits = |store: Store| async move {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'observations' AND action = 'import'",
        )
        .fetch_one(store.pool())
        .await
        .expect("count");
        n
    };
    let rows = store::staging::ROWS_PER_CHUNK * 2 + 7;
    let mut good: Vec<_> = (0..rows)
        .map(|i| {
            obs(
                "2025-09",
                "va",
                Some(i as f64),
                if i % 3 == 0 { None } else { Some(5.0) },
            )
        })
        .collect();
    let mut seen = Vec::new();
    let n = store
        .import_observations(&actor(), "370281", &good, "big.csv", &mut |done, total| {
            seen.push((done, total))
        })
        .await
        .expect("import");
    assert_eq!(n, rows);
    assert_eq!(count(store.clone()).await, rows as i64);
    assert_eq!(store.staged_rows().await.expect("staged"), 0);
    assert_eq!(
        audits(store.clone()).await,
        1,
        "one audit entry for the file"
    );
    assert_eq!(seen.len(), 3, "progress after each chunk: {seen:?}");
    assert_eq!(seen.last(), Some(&(rows, rows)));

    // The last chunk names an indicator that does not exist: the first two chunks were staged
    // and committed, then the batch is abandoned and nothing of it is visible.
    good.last_mut().expect("row").indicator = "nonexistent".into();
    let failed = store
        .import_observations(&actor(), "370281", &good, "bad.csv", &mut |_, _| {})
        .await;
    assert!(
        failed.is_err(),
        "a row the database refuses fails the import"
    );
    assert_eq!(count(store.clone()).await, rows as i64, "nothing published");
    assert_eq!(
        store.staged_rows().await.expect("staged"),
        0,
        "staging cleared"
    );
    assert_eq!(
        audits(store.clone()).await,
        1,
        "no audit entry for the failed file"
    );
}

fn new_shortfall(indicator: &str, period: &str) -> store::claim::NewShortfall {
    store::claim::NewShortfall {
        region_code: "370281".into(),
        period: period.into(),
        indicator: indicator.into(),
        indicator_name: "工业增加值".into(),
        real_growth_pct: Some(4.1),
        target_growth_pct: 6.0,
        shortfall_pp: Some(0.4),
        sensitivity: 0.3,
        sentence: "拖累".into(),
        snapshot_json: "{}".into(),
        analysis: "订单下滑".into(),
        links: vec![],
    }
}

/// At most one open shortfall per region, indicator and period (migration 11's partial unique
/// index): of 12 parallel opens one wins, the rest get a conflict; once it is closed a new one
/// may be opened, and another period or indicator is independent.
async fn parallel_opens_of_a_shortfall_leave_one_open(dialect: Dialect) {
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    seed(&store).await;
    let mut tx = store.begin_write().await.expect("begin");
    tx.upsert_indicator(&actor(), &indicator("va", None))
        .await
        .expect("indicator");
    tx.commit().await.expect("commit");
    let wins = race(12, |i| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await?;
            tx.create_shortfall(
                &Actor::system(format!("user{i}")),
                &new_shortfall("va", "2025-09"),
            )
            .await?;
            tx.commit().await
        }
    })
    .await;
    assert_eq!(wins, 1, "exactly one of 12 parallel opens succeeds");
    let all = store.shortfalls("370281").await.expect("list");
    assert_eq!(all.len(), 1, "one shortfall stored: {all:?}");
    let first = all[0].id;
    assert_eq!(
        store
            .open_shortfall_id("370281", "va", "2025-09")
            .await
            .expect("q"),
        Some(first)
    );
    let mut tx = store.begin_write().await.expect("begin");
    tx.create_shortfall(&actor(), &new_shortfall("va", "2025-08"))
        .await
        .expect("another period is another shortfall");
    tx.close_shortfall(&actor(), first, "已补齐")
        .await
        .expect("close");
    tx.commit().await.expect("commit");
    let mut tx = store.begin_write().await.expect("begin");
    assert!(
        matches!(
            tx.close_shortfall(&actor(), first, "再次").await,
            Err(StoreError::Conflict(_))
        ),
        "closed once"
    );
    drop(tx);
    let mut tx = store.begin_write().await.expect("begin");
    let second = tx
        .create_shortfall(&actor(), &new_shortfall("va", "2025-09"))
        .await
        .expect("after closing, a new one may be opened");
    tx.commit().await.expect("commit");
    assert_eq!(
        store
            .open_shortfall_id("370281", "va", "2025-09")
            .await
            .expect("q"),
        Some(second)
    );
    let (closed, _) = store.shortfall(first).await.expect("q").expect("stored");
    assert!(closed.closed_at.is_some() && closed.close_note == "已补齐");
    let mut log = audit_actions(&store, "shortfall", first).await;
    log.sort();
    assert_eq!(log, ["close", "create"], "both audited");
}

/// A statement first run with a NULL float and then with a value on the same connection:
/// PostgreSQL keeps the parameter type of the first run (see `store::nullable`).
async fn a_null_float_then_a_value_on_one_connection(dialect: Dialect) {
    use store::nullable::opt_f64;
    let Some((store, _db)) = store_for(dialect).await else {
        return;
    };
    let mut conn = store.pool().acquire().await.expect("a connection");
    sqlx::query("CREATE TABLE float_probe (v DOUBLE PRECISION)")
        .execute(&mut *conn)
        .await
        .expect("create");
    let insert = "INSERT INTO float_probe (v) VALUES ($1)";
    for v in [None, Some(0.123_456_789_012_345_6), None, Some(-2.5e10)] {
        sqlx::query(insert)
            .bind(opt_f64(v))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("insert {v:?}: {e}"));
    }
    let back: Vec<(Option<f64>,)> = sqlx::query_as("SELECT v FROM float_probe")
        .fetch_all(&mut *conn)
        .await
        .expect("read");
    let mut values: Vec<Option<f64>> = back.into_iter().map(|(v,)| v).collect();
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    assert_eq!(
        values,
        vec![None, None, Some(-2.5e10), Some(0.123_456_789_012_345_6)],
        "the value survives exactly"
    );
}
