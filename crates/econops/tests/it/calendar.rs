//! The working-day calendar from the command line: the shipped years, an imported later year on
//! both databases, and files that are refused without writing anything.

use std::process::{Command, Output};
use store::testing::fresh_db;
use store::Dialect;

fn econops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_econops"))
        .args(args)
        .env_remove("ECONOPS_DB")
        .output()
        .expect("run econops")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn due_dates_skip_holidays_and_count_worked_weekends() {
    let o = econops(&["calendar", "due", "2025-09-30", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2025-10-11");
    let o = econops(&["calendar", "due", "2026-02-13", "2"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2026-02-24");
    // A year nobody imported is refused, not guessed.
    let o = econops(&["calendar", "due", "2026-12-31", "1"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("2027 年的节假日安排尚未导入"),
        "{}",
        text(&o)
    );
    let o = econops(&["calendar", "due", "2025-02-30", "1"]);
    assert!(!o.status.success());
    let o = econops(&["calendar", "due", "2025-09-30", "100000"]);
    assert!(!o.status.success());
    let o = econops(&["calendar", "show", "2025"]);
    assert!(
        text(&o).contains("2025-10-11\t调休上班\t国庆节调休上班"),
        "{}",
        text(&o)
    );
}

async fn imported_year_counts(dialect: Dialect) {
    let Some(db) = fresh_db(dialect).await.expect("fresh database") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "econops-calendar-{}-{dialect:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let o = econops(&["migrate", "--db", &db.url]);
    assert!(o.status.success(), "{}", text(&o));

    // A bad file (a weekday listed as a worked weekend day) is refused with its line.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-10,workday,春节调休上班\n",
    )
    .expect("write");
    let o = econops(&[
        "import",
        "holidays",
        bad.to_str().expect("utf-8"),
        "--db",
        &db.url,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("第 3 行"), "{}", text(&o));
    let o = econops(&["calendar", "due", "2026-12-31", "1", "--db", &db.url]);
    assert!(!o.status.success(), "nothing was written: {}", text(&o));

    // A good one, with Chinese headers; a dry run writes nothing.
    let good = dir.join("2027.csv");
    std::fs::write(
        &good,
        "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n2027-01-09,班,元旦调休上班\n",
    )
    .expect("write");
    let good = good.to_str().expect("utf-8");
    let o = econops(&["import", "holidays", good, "--dry-run", "--db", &db.url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("检查通过"), "{}", text(&o));
    let o = econops(&["calendar", "due", "2026-12-31", "1", "--db", &db.url]);
    assert!(!o.status.success());
    let o = econops(&["import", "holidays", good, "--db", &db.url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("放假 3 天，调休上班 1 天"),
        "{}",
        text(&o)
    );
    // 2026-12-31 (Thursday) + 1: 2027-01-01 to 03 are holidays, so Monday 2027-01-04;
    // + 5 reaches the worked Saturday 2027-01-09.
    let o = econops(&["calendar", "due", "2026-12-31", "1", "--db", &db.url]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "2027-01-04",
        "{}",
        text(&o)
    );
    let o = econops(&["calendar", "due", "2026-12-31", "6", "--db", &db.url]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "2027-01-09",
        "{}",
        text(&o)
    );
    // Importing the year again replaces it (no duplicate rows, no error).
    let o = econops(&["import", "holidays", good, "--db", &db.url]);
    assert!(o.status.success(), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_imported_year_counts_sqlite() {
    imported_year_counts(Dialect::Sqlite).await;
}

#[tokio::test]
async fn an_imported_year_counts_postgres() {
    imported_year_counts(Dialect::Postgres).await;
}
