//! The statistical wording of the pages, end to end through HTTP on both databases: the audit
//! log as sentences with its filters, indicator kinds and 影响系数 on 找位置, the status legends
//! with the thresholds in force, and numbers with thousands separators.

use crate::support;

use store::Dialect;
use support::TestApp;

on_both!(
    the_audit_log_reads_as_sentences_and_filters,
    locate_names_kinds_and_influence_and_states_its_rules
);

async fn page(s: &support::Session, path: &str) -> String {
    s.client
        .get(s.url(path))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html")
}

async fn the_audit_log_reads_as_sentences_and_filters(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let all = page(&office, "/audit").await;
    assert!(
        all.contains("示例数据"),
        "the demo loader is named in Chinese"
    );
    let list = all
        .split("audit-lines")
        .nth(1)
        .expect("the list of entries");
    assert!(
        !list.contains("{&quot;") && !list.contains("{\""),
        "no raw JSON"
    );
    assert!(all.contains("第 1 / "), "paged");
    let projects = page(&office, "/audit?entity=project").await;
    assert!(
        projects.contains("新增项目"),
        "the project entries are listed"
    );
    assert!(!projects.contains("新增目标"), "only projects are listed");
    let none = page(&office, "/audit?from=2099-01-01").await;
    assert!(
        none.contains("没有符合条件的记录"),
        "the date filter applies"
    );
    let bad = page(&office, "/audit?from=yesterday").await;
    assert!(
        bad.contains("起始日期“yesterday”不是日期"),
        "a bad date is named"
    );
}

async fn locate_names_kinds_and_influence_and_states_its_rules(dialect: Dialect) {
    let Some(app) = TestApp::demo(dialect).await else {
        return;
    };
    let office = app.login("office").await;
    let locate = page(&office, "/locate?period=2025-09").await;
    assert!(locate.contains("影响系数") && !locate.contains("敏感度"));
    assert!(
        locate.contains("各指标拖累之和不必等于 GDP 缺口"),
        "the shortfalls are explained against the gap"
    );
    // The legend states the warning rules of the configuration (defaults: 2 pp, 0.3 pp).
    assert!(locate.contains("低于目标 2 个百分点及以上"), "legend");
    assert!(locate.contains("拖累 GDP 0.3 个百分点及以上"), "legend");
    let gdp = page(&office, "/locate/indicators/gdp?period=2025-09").await;
    assert!(
        gdp.contains("总量指标") && !gdp.contains("先行"),
        "GDP is not leading"
    );
    let cpi = page(&office, "/locate/indicators/cpi?period=2025-09").await;
    assert!(
        cpi.contains("价格指数") && !cpi.contains("先行"),
        "CPI is not leading"
    );
    let power = page(&office, "/locate/indicators/electricity?period=2025-09").await;
    assert!(power.contains("先行指标"), "electricity use is leading");
    let overview = page(&office, "/?period=2025-09").await;
    assert!(
        overview.contains("1,314.99 亿元"),
        "GDP's level with separators"
    );
    assert!(
        overview.contains("落后序时进度 10–30 个百分点"),
        "the 序时进度 legend"
    );
}
