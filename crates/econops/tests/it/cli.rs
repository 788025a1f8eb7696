//! The command line: its definition, and the commands run as a user would run them.

use clap::CommandFactory;
use std::process::{Command, Output};

#[test]
fn the_cli_definition_is_valid() {
    econops::Cli::command().debug_assert();
}

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
fn admin_commands_work_on_a_fresh_database() {
    let dir = std::env::temp_dir().join(format!("econops-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("cli.db");
    let db = db.to_str().expect("utf-8");

    let o = econops(&["migrate", "--db", db]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&["region", "add", "370000", "山东省", "--db", db]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&[
        "region",
        "add",
        "370281",
        "胶州市",
        "--parent",
        "370000",
        "--db",
        db,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&["region", "add", "370281", "胶州市", "--db", db]);
    assert!(!o.status.success());
    assert!(text(&o).contains("已存在"), "{}", text(&o));
    let o = econops(&["region", "add", "3702", "不对", "--db", db]);
    assert!(!o.status.success());
    assert!(text(&o).contains("6 位数字"), "{}", text(&o));
    let o = econops(&["region", "list", "--db", db]);
    assert!(text(&o).contains("370281\t胶州市\t370000"), "{}", text(&o));

    let o = econops(&[
        "user",
        "add",
        "chief",
        "--role",
        "office",
        "--password",
        "a long password",
        "--region",
        "370281",
        "--db",
        db,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&[
        "user",
        "add",
        "chief2",
        "--role",
        "emperor",
        "--password",
        "a long password",
        "--db",
        db,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("unknown role"), "{}", text(&o));
    let o = econops(&[
        "user",
        "add",
        "t",
        "--role",
        "town",
        "--town",
        "nowhere",
        "--region",
        "370281",
        "--password",
        "a long password",
        "--db",
        db,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("nowhere"), "{}", text(&o));
    let o = econops(&["user", "passwd", "chief", "--password", "short", "--db", db]);
    assert!(!o.status.success());
    assert!(text(&o).contains("至少 8 个字符"), "{}", text(&o));
    let o = econops(&["user", "list", "--db", db]);
    assert!(text(&o).contains("chief\toffice"), "{}", text(&o));
    let o = econops(&["token", "create", "chief", "--db", db]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).trim().starts_with("eo_"));
    let o = econops(&["token", "create", "ghost", "--db", db]);
    assert!(!o.status.success());

    let out = dir.join("backup.db");
    let o = econops(&["backup", "--db", db, "--out", out.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&["region", "list", "--db", out.to_str().expect("utf-8")]);
    assert!(
        text(&o).contains("370281"),
        "the backup is a working database: {}",
        text(&o)
    );

    let o = econops(&["serve", "--db", "mysql://nope", "--addr", "127.0.0.1:0"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("数据库地址无效"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_refuses_a_non_loopback_address() {
    let o = econops(&[
        "demo",
        "--db",
        "/nonexistent/never.db",
        "--addr",
        "0.0.0.0:0",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--allow-remote"), "{}", text(&o));
}

#[test]
fn the_demo_refuses_an_absurd_number_of_generated_projects() {
    let o = econops(&[
        "demo",
        "--db",
        "/nonexistent/never.db",
        "--extra-projects",
        "99999999999",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("0..=1000000"), "{}", text(&o));
}

#[test]
fn a_refused_import_says_its_reason_once() {
    let dir = std::env::temp_dir().join(format!("econops-cli-refused-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("cli.db");
    let db = db.to_str().expect("utf-8");
    let file = dir.join("产品.csv");
    std::fs::write(
        &file,
        "uscc,name,industry_code,keywords\n123,甲,3421,轴承\n",
    )
    .expect("file");
    let o = econops(&["migrate", "--db", db]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&["region", "add", "370281", "胶州市", "--db", db]);
    assert!(o.status.success(), "{}", text(&o));
    let o = econops(&[
        "import",
        "products",
        file.to_str().expect("utf-8"),
        "--region",
        "370281",
        "--db",
        db,
    ]);
    assert!(!o.status.success());
    let out = text(&o);
    assert_eq!(
        out.matches("统一社会信用代码应为 18 位").count(),
        1,
        "the reason once: {out}"
    );
    assert!(out.contains("第 2 行"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
