//! Policies that find their firms (惠企政策) end to end on both databases: conditions refused on
//! entry with the field named (API and form, the form keeping what was typed); the eligible list
//! equal to the firms that meet every condition, a firm failing one condition not among them;
//! who may write, read, push and cash (office, department, town against another town, service
//! manager, viewer); pushes and cashing audited; the `.xlsx` import all or nothing.

use crate::support;

use domain::{Principal, Role};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use store::Dialect;
use support::{get_json, post_json, TestApp};
use workflow::claim::Caller;
use workflow::policies::FirmRef;

on_both!(policies_find_their_firms);
on_both!(policy_workbook_is_all_or_nothing);

const REGION: &str = "370281";

async fn principal(app: &TestApp, name: &str) -> Principal {
    app.store
        .user_by_name(name)
        .await
        .expect("q")
        .expect("user")
        .principal()
}

/// Every eligible firm's name, through every page of the API (pages of 500: the largest the
/// API serves; smaller pages cost one full evaluation each over the demo's 5,000 firms).
async fn eligible_names(app: &TestApp, token: &str, id: i64) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut page = 1;
    loop {
        let (s, body) = get_json(
            app,
            token,
            &format!("/api/v1/policies/{id}/eligible?page={page}&per_page=500"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        for f in body["enterprises"].as_array().expect("firms") {
            out.insert(f["name"].as_str().expect("name").to_string());
        }
        if body["has_more"] != true {
            assert_eq!(out.len() as u64, body["total"].as_u64().expect("total"));
            return out;
        }
        page += 1;
    }
}

/// The firms meeting every condition, decided here from the registry without the workflow's
/// prefilter or scope.
async fn expected_names(app: &TestApp, id: i64, town: Option<i64>) -> BTreeSet<String> {
    let p = app.store.policy(id).await.expect("q").expect("policy");
    let lex = workflow::policies::Lexicon::load(&app.store, REGION)
        .await
        .expect("lexicon");
    let firms = app
        .store
        .policy_firms(REGION, &store::policies::Prefilter::default())
        .await
        .expect("firms");
    let mut out = BTreeSet::new();
    for f in firms {
        if town.is_some() && f.town_id != town {
            continue;
        }
        let facts = domain::policy::FirmFacts {
            industry_code: f.industry_code.clone(),
            tracks: f.tracks.clone(),
            above_scale: f.above_scale != 0,
            scale_kind: domain::Coded::from_code(&f.scale_kind).ok(),
            tags: domain::enterprise::tags_from_code(&f.tags).expect("tags"),
            town: f.town_id,
            founded_on: f
                .founded_on
                .as_deref()
                .and_then(|d| domain::period::parse_date(d).ok()),
            registered_capital_wan: f.registered_capital_wan,
            employees: f.employees,
        };
        if p.conditions.eligible(&facts, &lex.names) {
            out.insert(f.name);
        }
    }
    out
}

async fn policies_find_their_firms(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_t = app.token("office").await;
    let dept_t = app.token("dept").await;
    let town_t = app.token("fuan").await;
    let jiaoxi_t = app.token("jiaoxi").await;
    let viewer_t = app.token("viewer").await;
    let manager_t = app.token("manager").await;

    // The demo's library: 30 policies, public to every role.
    for t in [&office_t, &town_t, &viewer_t, &manager_t] {
        let (s, body) = get_json(&app, t, "/api/v1/policies").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body["policies"].as_array().expect("list").len(), 30);
    }

    // Refusals on entry name the field, in Chinese.
    let base = json!({
        "title": "测试政策", "issuer": "胶州市工业和信息化局", "valid_from": "2025-01-01",
        "valid_to": "2025-12-31", "benefit": "测试扶持内容"
    });
    let with = |conditions: Value| {
        let mut b = base.clone();
        b["conditions"] = conditions;
        b
    };
    for (conditions, field) in [
        (json!({ "industry_prefixes": ["3"] }), "industry"),
        (json!({ "tracks": [987654] }), "tracks"),
        (json!({ "towns": [987654] }), "towns"),
        (
            json!({ "founded": { "min": "2020-01-01", "max": "2019-01-01" } }),
            "founded_from",
        ),
        (
            json!({ "employees": { "min": 300, "max": 20 } }),
            "employees_min",
        ),
        (
            json!({ "above_scale": false, "scale_kinds": ["retail"] }),
            "scale",
        ),
    ] {
        let (s, body) = post_json(
            &app,
            &office_t,
            "/api/v1/policies",
            with(conditions.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{conditions}: {body}");
        assert_eq!(body["field"], field, "{body}");
    }
    let (s, _) = post_json(
        &app,
        &office_t,
        "/api/v1/policies",
        with(json!({ "tags": ["unicorn"] })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an unknown tag");
    let (s, _) = post_json(
        &app,
        &office_t,
        "/api/v1/policies",
        with(json!({ "revenue": {} })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an unknown condition");
    let mut no_title = base.clone();
    no_title["title"] = json!(" ");
    let (s, body) = post_json(&app, &office_t, "/api/v1/policies", no_title).await;
    assert_eq!(
        (s, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("title"))
    );

    // The form refused shows again with what was typed and the field named.
    let office = app.login("office").await;
    let resp = office
        .client
        .post(office.url("/policies"))
        .form(&[
            ("csrf", office.csrf.as_str()),
            ("title", "表单测试政策"),
            ("issuer", "胶州市商务局"),
            ("valid_from", "2025-01-01"),
            ("benefit", "表单扶持内容"),
            ("tags", "独角兽"),
            ("towns", "胶西街道"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(html.contains("企业标签"), "the field is named");
    assert!(
        html.contains("表单测试政策") && html.contains("胶西街道"),
        "typed input kept"
    );

    // A policy over tracks and scale: the eligible list equals the firms meeting all
    // conditions; 青岛上合智算科技有限公司 is in the 人工智能 track but below the scale line.
    let policies = app.store.policies(REGION).await.expect("policies");
    let compute = policies
        .iter()
        .find(|p| p.title == "新一代信息技术与人工智能企业算力券")
        .expect("demo policy");
    let got = eligible_names(&app, &office_t, compute.id).await;
    assert_eq!(got, expected_names(&app, compute.id, None).await);
    assert!(got.contains("青岛芯联微电子科技有限公司"), "{got:?}");
    assert!(
        !got.contains("青岛上合智算科技有限公司"),
        "fails the scale condition"
    );
    let zhisuan = app
        .store
        .enterprises(REGION)
        .await
        .expect("firms")
        .into_iter()
        .find(|e| e.name == "青岛上合智算科技有限公司")
        .expect("firm");
    let office_p = principal(&app, "office").await;
    let checks = workflow::policies::check_firm(&app.store, &office_p, compute.id, zhisuan.id)
        .await
        .expect("checks");
    let failed: Vec<_> = checks.iter().filter(|c| !c.met).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].kind, domain::policy::ConditionKind::Scale);

    // Every demo policy's list equals its firms meeting all conditions.
    for p in &policies {
        assert_eq!(
            eligible_names(&app, &office_t, p.id).await,
            expected_names(&app, p.id, None).await,
            "{}",
            p.title
        );
    }

    // Roles on writes: the office and a department create; town, service manager, viewer not.
    let (s, made) = post_json(
        &app,
        &office_t,
        "/api/v1/policies",
        with(json!({ "above_scale": true })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let any_scale = made["id"].as_i64().expect("id");
    let mut dept_body = with(json!({ "tracks": [compute.conditions.tracks[0]] }));
    dept_body["title"] = json!("部门自有政策");
    let (s, dept_made) = post_json(&app, &dept_t, "/api/v1/policies", dept_body).await;
    assert_eq!(s, StatusCode::CREATED, "{dept_made}");
    assert_eq!(dept_made["department"], "市工业和信息化局");
    let dept_policy = dept_made["id"].as_i64().expect("id");
    for t in [&town_t, &manager_t, &viewer_t] {
        let mut b = base.clone();
        b["title"] = json!("越权政策");
        let (s, _) = post_json(&app, t, "/api/v1/policies", b).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) = post_json(&app, &office_t, "/api/v1/policies", with(json!({}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "a second policy of the same title");
    // The department may not edit the office's policy.
    let dept = app.login("dept").await;
    let resp = dept
        .client
        .post(dept.url(&format!("/policies/{any_scale}/edit")))
        .form(&[
            ("csrf", dept.csrf.as_str()),
            ("title", "改名"),
            ("issuer", "x"),
            ("valid_from", "2025-01-01"),
            ("benefit", "x"),
        ])
        .send()
        .await
        .expect("edit");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The office edits it on the form: refused input is shown again, a valid one is stored.
    let edit = |employees_min: &'static str| {
        let csrf = office.csrf.clone();
        let client = office.client.clone();
        let url = office.url(&format!("/policies/{any_scale}/edit"));
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("title", "规上企业通用政策"),
                    ("issuer", "胶州市工业和信息化局"),
                    ("department", ""),
                    ("valid_from", "2025-01-01"),
                    ("valid_to", "2025-12-31"),
                    ("benefit", "通用扶持"),
                    ("scale", "规上"),
                    ("employees_min", employees_min),
                ])
                .send()
                .await
                .expect("edit")
        }
    };
    let resp = edit("很多").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains("从业人员下限") && html.contains("很多") && html.contains("规上企业通用政策")
    );
    let resp = edit("").await;
    assert!(resp.status().is_success(), "{}", resp.status());
    let edited = app
        .store
        .policy(any_scale)
        .await
        .expect("q")
        .expect("policy");
    assert_eq!(edited.title, "规上企业通用政策");
    assert!(edited.conditions.above_scale);

    // Reads within scope: a town sees its own firms only, another town its own.
    let all = eligible_names(&app, &office_t, any_scale).await;
    assert_eq!(eligible_names(&app, &viewer_t, any_scale).await, all);
    let fuan = app.town_id("fuan").await;
    let jiaoxi = app.town_id("jiaoxi").await;
    let fuan_sees = eligible_names(&app, &town_t, any_scale).await;
    let jiaoxi_sees = eligible_names(&app, &jiaoxi_t, any_scale).await;
    assert_eq!(fuan_sees, expected_names(&app, any_scale, Some(fuan)).await);
    assert_eq!(
        jiaoxi_sees,
        expected_names(&app, any_scale, Some(jiaoxi)).await
    );
    assert!(!jiaoxi_sees.is_empty() && fuan_sees.is_disjoint(&jiaoxi_sees));
    assert!(jiaoxi_sees.len() < all.len());

    // Pushes: the office to any eligible firm, not to one that fails a condition.
    let firms = app.store.enterprises(REGION).await.expect("firms");
    let by_name = |n: &str| firms.iter().find(|e| e.name == n).expect("firm").clone();
    let xinlian = by_name("青岛芯联微电子科技有限公司");
    let office_actor = store::Actor::user(office_p.user_id, "经济运行办公室");
    let as_office = Caller {
        principal: &office_p,
        actor: &office_actor,
    };
    let e = workflow::policies::push(
        &app.store,
        as_office,
        compute.id,
        &FirmRef::Id(zhisuan.id),
        "",
    )
    .await
    .expect_err("ineligible");
    assert!(
        matches!(e, workflow::Error::Conflict(ref m) if m.contains("规模")),
        "{e}"
    );
    let pushed = workflow::policies::push(
        &app.store,
        as_office,
        compute.id,
        &FirmRef::Id(xinlian.id),
        "上门送达",
    )
    .await
    .expect("pushed");
    let again = workflow::policies::push(
        &app.store,
        as_office,
        compute.id,
        &FirmRef::Id(xinlian.id),
        "",
    )
    .await;
    assert!(
        matches!(again, Err(workflow::Error::Conflict(_))),
        "once per firm"
    );

    // A service manager pushes to the firms he serves, not to others.
    let person = app.store.people(REGION).await.expect("people")[0].id;
    let shanghe = by_name("青岛上合光电显示科技有限公司");
    {
        let mut tx = app.store.begin_write().await.expect("tx");
        tx.set_service_manager(&office_actor, shanghe.id, Some(person))
            .await
            .expect("assign");
        tx.commit().await.expect("commit");
    }
    let manager_p = Principal {
        role: Role::ServiceManager,
        person_id: Some(person),
        ..principal(&app, "manager").await
    };
    let manager_actor = store::Actor::user(manager_p.user_id, "企业服务经理人");
    let as_manager = Caller {
        principal: &manager_p,
        actor: &manager_actor,
    };
    let other = got
        .iter()
        .find(|n| *n != &shanghe.name && *n != &xinlian.name)
        .map(|n| by_name(n));
    if let Some(other) = other {
        let e = workflow::policies::push(
            &app.store,
            as_manager,
            compute.id,
            &FirmRef::Id(other.id),
            "",
        )
        .await
        .expect_err("not his firm");
        assert!(matches!(e, workflow::Error::Forbidden(_)), "{e}");
    }
    let manager_push = workflow::policies::push(
        &app.store,
        as_manager,
        compute.id,
        &FirmRef::Id(shanghe.id),
        "",
    )
    .await
    .expect("his firm");
    // A town and a viewer push nothing; a department only its own policies.
    for name in ["jiaoxi", "viewer"] {
        let p = principal(&app, name).await;
        let a = store::Actor::user(p.user_id, name);
        let e = workflow::policies::push(
            &app.store,
            Caller {
                principal: &p,
                actor: &a,
            },
            any_scale,
            &FirmRef::Id(by_name("青岛胶西光储科技有限公司").id),
            "",
        )
        .await
        .expect_err("refused");
        assert!(matches!(e, workflow::Error::Forbidden(_)), "{name}: {e}");
    }
    let dept_p = principal(&app, "dept").await;
    let dept_actor = store::Actor::user(dept_p.user_id, "工信局");
    let as_dept = Caller {
        principal: &dept_p,
        actor: &dept_actor,
    };
    let e = workflow::policies::push(&app.store, as_dept, any_scale, &FirmRef::Id(xinlian.id), "")
        .await
        .expect_err("not its policy");
    assert!(matches!(e, workflow::Error::Forbidden(_)));
    let dept_firm = eligible_names(&app, &dept_t, dept_policy).await;
    let first = by_name(dept_firm.iter().next().expect("a firm"));
    workflow::policies::push(&app.store, as_dept, dept_policy, &FirmRef::Id(first.id), "")
        .await
        .expect("its own policy");

    // Cashing: amount and date checked, once, audited.
    let e = workflow::policies::cash(&app.store, as_office, pushed, "0", "2025-10-14")
        .await
        .expect_err("zero");
    assert!(
        matches!(e, workflow::Error::Invalid { ref field, .. } if field.as_deref() == Some("amount_wan"))
    );
    let e = workflow::policies::cash(&app.store, as_office, pushed, "12", "2025-12-01")
        .await
        .expect_err("future");
    assert!(
        matches!(e, workflow::Error::Invalid { ref field, .. } if field.as_deref() == Some("cashed_on"))
    );
    let e = workflow::policies::cash(&app.store, as_manager, pushed, "12", "2025-10-14")
        .await
        .expect_err("not his firm");
    assert!(matches!(e, workflow::Error::Forbidden(_)));
    workflow::policies::cash(&app.store, as_manager, manager_push, "8.5", "2025-10-14")
        .await
        .expect("his firm's cashing");
    workflow::policies::cash(&app.store, as_office, pushed, "12", "2025-10-14")
        .await
        .expect("cashed");
    let e = workflow::policies::cash(&app.store, as_office, pushed, "12", "2025-10-14")
        .await
        .expect_err("once");
    assert!(matches!(e, workflow::Error::Conflict(_)));
    let audit = app
        .store
        .list_audit(&store::audit::AuditFilter {
            entity: Some("policy_push".into()),
            entity_id: Some(pushed.to_string()),
            limit: 10,
            offset: 0,
        })
        .await
        .expect("audit");
    let actions: BTreeSet<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, BTreeSet::from(["create", "update"]), "{audit:?}");
    assert!(audit.iter().any(|a| a.summary.contains("兑现 12 万元")));

    // The policy's page and API show the pushes and cashing; a town sees only its firms' pushes.
    let (s, one) = get_json(&app, &office_t, &format!("/api/v1/policies/{}", compute.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(one["push_list"].as_array().expect("pushes").len() >= 2);
    assert_eq!(one["cashed"].as_u64().map(|n| n >= 2), Some(true));
    let (_, seen_by_town) =
        get_json(&app, &town_t, &format!("/api/v1/policies/{}", compute.id)).await;
    assert!(seen_by_town["push_list"]
        .as_array()
        .expect("pushes")
        .iter()
        .all(|x| x["enterprise"] != xinlian.name.as_str()));
    let page = office
        .client
        .get(office.url(&format!("/policies/{}", compute.id)))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("符合条件的企业") && page.contains("12 万元"));
    // The firm's file lists the policies it meets and has not received.
    let file = office
        .client
        .get(office.url(&format!("/enterprises/{}", xinlian.uscc)))
        .send()
        .await
        .expect("file")
        .text()
        .await
        .expect("html");
    assert!(file.contains("可享政策") && file.contains("已推送政策"));
    assert!(file.contains("新一代信息技术与人工智能企业算力券"));
    // Unknown ids and malformed ids.
    let (s, _) = get_json(&app, &office_t, "/api/v1/policies/987654/eligible").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get_json(&app, &office_t, "/api/v1/policies/1/eligible?per_page=0").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

fn workbook(rows: &[Vec<&str>]) -> Vec<u8> {
    let headers = [
        "政策名称",
        "发文单位",
        "有效期起",
        "有效期止",
        "扶持内容",
        "扶持金额（万元）",
        "所属部门",
        "产业赛道",
        "规模",
        "企业标签",
        "镇街",
    ];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    io::export::table_xlsx("政策", &headers, &rows).expect("xlsx")
}

async fn policy_workbook_is_all_or_nothing(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office_p = principal(&app, "office").await;
    let actor = store::Actor::user(office_p.user_id, "经济运行办公室");
    let caller = Caller {
        principal: &office_p,
        actor: &actor,
    };
    let good = vec![
        "导入政策甲",
        "胶州市商务局",
        "2025-01-01",
        "2025-12-31",
        "扶持甲",
        "10",
        "市商务局",
        "现代物流",
        "",
        "",
        "",
    ];
    let good2 = vec![
        "导入政策乙",
        "胶州市科学技术局",
        "2025-01-01",
        "",
        "扶持乙",
        "",
        "",
        "",
        "规上",
        "",
        "胶西街道",
    ];
    let bad_tag = vec![
        "导入政策丙",
        "胶州市科学技术局",
        "2025-01-01",
        "",
        "扶持丙",
        "",
        "",
        "",
        "",
        "独角兽",
        "",
    ];
    let bad_town = vec![
        "导入政策丁",
        "胶州市科学技术局",
        "2025-01-01",
        "",
        "扶持丁",
        "",
        "",
        "",
        "",
        "",
        "不存在镇",
    ];
    let before = app.store.policies(REGION).await.expect("p").len();
    let e = workflow::policies::import_policies(
        &app.store,
        caller,
        REGION,
        "政策.xlsx",
        workbook(&[good.clone(), bad_tag, good2.clone(), bad_town]),
    )
    .await
    .expect_err("refused");
    let workflow::Error::Rejected(errors) = e else {
        panic!("rejected with row errors: {e}");
    };
    let places: Vec<(usize, &str)> = errors
        .0
        .iter()
        .map(|r| (r.row, r.column.as_str()))
        .collect();
    assert_eq!(places, vec![(3, "企业标签"), (5, "镇街")], "{errors}");
    assert_eq!(
        app.store.policies(REGION).await.expect("p").len(),
        before,
        "nothing written"
    );

    // Other roles may not import.
    let dept_p = principal(&app, "dept").await;
    let e = workflow::policies::import_policies(
        &app.store,
        Caller {
            principal: &dept_p,
            actor: &actor,
        },
        REGION,
        "政策.xlsx",
        workbook(std::slice::from_ref(&good)),
    )
    .await
    .expect_err("forbidden");
    assert!(matches!(e, workflow::Error::Forbidden(_)));

    // A valid workbook goes in whole, through the page.
    let office = app.login("office").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", office.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(workbook(&[good, good2])).file_name("政策.xlsx"),
        );
    let resp = office
        .client
        .post(office.url("/policies/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("html");
    assert!(
        html.contains("已导入 2 项政策"),
        "{}",
        &html[..html.len().min(2000)]
    );
    let all = app.store.policies(REGION).await.expect("p");
    assert_eq!(all.len(), before + 2);
    let a = all
        .iter()
        .find(|p| p.title == "导入政策甲")
        .expect("imported");
    assert_eq!(a.department_name.as_deref(), Some("市商务局"));
    assert_eq!(a.amount_wan, Some(10.0));
    assert_eq!(a.conditions.tracks.len(), 1);
    let b = all
        .iter()
        .find(|p| p.title == "导入政策乙")
        .expect("imported");
    assert!(b.conditions.above_scale && b.conditions.towns.len() == 1);
    // The same file again: every row a duplicate, nothing written.
    let e = workflow::policies::import_policies(
        &app.store,
        caller,
        REGION,
        "政策.xlsx",
        workbook(&[vec![
            "导入政策甲",
            "胶州市商务局",
            "2025-01-01",
            "",
            "扶持甲",
            "",
            "",
            "",
            "",
            "",
            "",
        ]]),
    )
    .await
    .expect_err("duplicate");
    assert!(e.to_string().contains("已有同名政策"), "{e}");
}
