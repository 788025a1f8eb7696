//! The EconOps command line: one binary with subcommands to run the demo, serve, migrate,
//! administer users, tokens and regions, and back up. `main` only calls [`main`]; everything
//! is here so that tests can check the command-line definition and run the commands.

pub mod calendar_cli;
pub mod config;
pub mod demo;
pub mod demo_extra;
pub mod demo_firms;
pub mod demo_matching;
pub mod demo_policies;
pub mod demo_projects;
pub mod demo_requests;
pub mod demo_serve;
pub mod demo_service;
pub mod registry_cli;
pub mod report;

use clap::{Args, Parser, Subcommand};
use domain::{RegionCode, Role};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use store::users::NewUser;
use store::{Actor, Store};

#[derive(Debug, Parser)]
#[command(
    name = "econops",
    version,
    about = "EconOps 经济运行指挥平台：找位置 · 领任务 · 打项目"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DbArg {
    /// Database: sqlite://PATH, a bare file path (SQLite), or postgres://…
    #[arg(long, env = "ECONOPS_DB")]
    pub db: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the demo database if missing, load the Jiaozhou 2025 demo region, and serve it.
    Demo {
        /// SQLite file (created and loaded when it does not exist) or database URL.
        #[arg(long, default_value = "econops-demo.db")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Allow listening on a non-loopback address.
        #[arg(long)]
        allow_remote: bool,
        /// The demo's "today" (default: two weeks after the demo data's last month, so that
        /// deadlines and time-elapsed progress read as they did then).
        #[arg(long, value_parser = parse_day)]
        today: Option<time::Date>,
        /// Configuration file (TOML; see `econops config example`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Also generate this many projects when the demo database is created (to try the
        /// 项目库 at scale, e.g. 20000; at most 1,000,000).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
        extra_projects: u32,
        /// Create and load the demo database, then exit without serving (to prepare a copy).
        #[arg(long)]
        load_only: bool,
    },
    /// Serve the web application and API.
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Run as if today were this date (rehearsals and training); default the system clock.
        #[arg(long, value_parser = parse_day)]
        today: Option<time::Date>,
        /// Configuration file (TOML; see `econops config example`).
        #[arg(long, env = "ECONOPS_CONFIG")]
        config: Option<PathBuf>,
    },
    /// The configuration file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Apply database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent copy of the database while the server runs.
    Backup {
        #[command(flatten)]
        db: DbArg,
        /// The file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into a new database (a SQLite file that does not exist yet, or an
    /// empty PostgreSQL database), then migrate it to the current schema.
    Restore {
        /// The backup file written by `econops backup`.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Manage regions (6-digit administrative division codes).
    Region {
        #[command(subcommand)]
        command: RegionCommand,
    },
    /// Import statistics from .csv or .xlsx (all-or-nothing, every rejected cell reported).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Working days by the official calendar (holidays and 调休 included).
    Calendar {
        #[command(subcommand)]
        command: calendar_cli::CalendarCommand,
    },
    /// The enterprise registry (search, timed).
    Enterprises {
        #[command(subcommand)]
        command: registry_cli::EnterpriseCommand,
    },
    /// Where the year stands: GDP accounting and the indicators that hold it back (找位置).
    Analyze {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        region: String,
        /// Period: 2025-09 (months 1–9) or 2025-Q3.
        #[arg(long)]
        period: String,
        /// GDP growth target in %, instead of the region's target for the year.
        #[arg(long)]
        target: Option<f64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented configuration file holding every default.
    Example,
    /// Check a configuration file and exit (non-zero when it would be refused).
    Check { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A year's official holiday notice (date,kind,name; kind holiday or workday): each year in
    /// the file replaces that year's arrangement.
    Holidays {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// The indicator catalogue: code,name,unit,frequency,kind,nominal,deflator,target_growth_pct
    Indicators {
        file: PathBuf,
        /// Region whose targets the target_growth_pct column gives.
        #[arg(long, requires = "year")]
        region: Option<String>,
        #[arg(long, requires = "region")]
        year: Option<i32>,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// The accounting model of a region and year: industries (code,name,weight,assumed_growth_pct)
    /// and drivers (industry,indicator,coefficient).
    Model {
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        industries: PathBuf,
        #[arg(long)]
        drivers: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// The remedy library of a region: code,title,description,sector,route,owner_department,
    /// expected_effect,source,indicators,tracks
    Remedies {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Projects of a region: name,investor,track,town,total_investment,stage,stage_date …
    Projects {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// The enterprise registry of a region (upsert by USCC, changes recorded):
    /// uscc,name,industry_code,town,founded_on,registered_capital,employees,tags
    Enterprises {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Firms' monthly figures (year-to-date, 万元; a month re-imported replaces its rows):
    /// period,uscc,output_value,revenue,electricity_kwh,tax,employees
    /// [,output_value_last_year,revenue_last_year]
    FirmFigures {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Policies (惠企政策) of a region, one per row (.xlsx or .csv): 政策名称,发文单位,有效期起,
    /// 有效期止,扶持内容,扶持金额（万元）,所属部门 and the condition columns; all or nothing.
    Policies {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Firms' products (供需对接) of a region (.xlsx or .csv, UTF-8 or GBK): 统一社会信用代码,
    /// 企业名称,产品名称,行业代码,关键词; a firm's product of the same name is updated; all or nothing.
    Products {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Firms' needs bought from outside the county (.xlsx or .csv): 统一社会信用代码,企业名称,
    /// 需求名称,行业代码,关键词,年采购额（万元）; all or nothing.
    Needs {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Observations of a region: period,indicator,ytd_value,ytd_growth_pct,last_year_total
    Observations {
        file: PathBuf,
        #[arg(long)]
        region: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input (one line) unless --password is given.
    Add {
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Display name (defaults to the user name).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        password: Option<String>,
        /// Region code the user works in.
        #[arg(long)]
        region: Option<String>,
        /// Department code (role department).
        #[arg(long)]
        department: Option<String>,
        /// Town code (role town).
        #[arg(long)]
        town: Option<String>,
        /// Person code (role leader).
        #[arg(long)]
        person: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Set a user's password (read from standard input unless --password is given); ends the
    /// user's sessions and revokes the user's API tokens.
    Passwd {
        username: String,
        #[arg(long)]
        password: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List users.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Disable a user: sign-in is refused and the user's sessions and API tokens end at once.
    Disable {
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Enable a disabled user again (also clears a sign-in lock).
    Enable {
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API bearer token for USER and print it (alone on standard output; its number,
    /// prefix and expiry go to standard error).
    Create {
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days the token lasts (1–3650; default 90).
        #[arg(long)]
        days: Option<i64>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List USER's API tokens: number, prefix, name, created, expires, status.
    List {
        user: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke an API token, named by its number or its prefix (eo_… as shown at creation).
    Revoke {
        /// The token's number, its prefix (eo_ and 4–8 hex digits), or the token itself.
        token: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegionCommand {
    /// Add a region.
    Add {
        code: String,
        name: String,
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List regions.
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

pub(crate) fn parse_day(s: &str) -> Result<time::Date, String> {
    domain::period::parse_date(s).map_err(|_| format!("日期“{s}”格式应为 2025-10-15"))
}

/// A clock that reads `today` (at the current time of day), or the system clock.
pub fn clock_for(today: Option<time::Date>) -> store::Clock {
    match today {
        None => store::Clock::default(),
        Some(day) => {
            let real = time::OffsetDateTime::now_utc();
            store::Clock {
                offset: day - real.date(),
            }
        }
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role “{s}”; one of: {}", all.join(", "))
    })
}

/// An error for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Workflow(#[from] workflow::Error),
    #[error("{0}")]
    Rejected(#[from] io::ImportErrors),
    #[error("{0}")]
    Config(#[from] config::ConfigError),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut last = e.to_string();
            let mut msg = format!("错误：{last}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                // Wrappers that show their inner error's text add nothing: say it once.
                let text = s.to_string();
                if text != last {
                    msg.push_str(&format!("\n  原因：{text}"));
                    last = text;
                }
                source = s.source();
            }
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECONOPS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn read_password(given: Option<String>) -> Result<String, CliError> {
    if let Some(p) = given {
        return Ok(p);
    }
    eprintln!("请输入密码（一行）：");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        return Err(CliError::Usage(
            "没有读到密码：请从标准输入提供一行，或使用 --password".into(),
        ));
    }
    Ok(p)
}

fn cli_actor() -> Actor {
    Actor::system("cli")
}

/// Resolves a department, town or person code of a region to its id.
async fn resolve(
    store: &Store,
    region: &Option<String>,
    kind: &str,
    code: &Option<String>,
) -> Result<Option<i64>, CliError> {
    let Some(code) = code else { return Ok(None) };
    let Some(region) = region else {
        return Err(CliError::Usage(format!("指定{kind}时须同时指定 --region")));
    };
    let id = match kind {
        "部门" => store
            .departments(region)
            .await?
            .into_iter()
            .find(|d| &d.code == code)
            .map(|d| d.id),
        "镇街" => store
            .towns(region)
            .await?
            .into_iter()
            .find(|t| &t.code == code)
            .map(|t| t.id),
        _ => store
            .people(region)
            .await?
            .into_iter()
            .find(|p| &p.code == code)
            .map(|p| p.id),
    };
    id.map(Some)
        .ok_or_else(|| CliError::Usage(format!("地区 {region} 没有代码为“{code}”的{kind}")))
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Demo {
            db,
            addr,
            allow_remote,
            today,
            config,
            extra_projects,
            load_only,
        } => {
            let settings = config::Settings::load_or_default(config.as_deref())?;
            if !addr.ip().is_loopback() && !allow_remote {
                return Err(CliError::Usage(format!(
                    "演示模式只监听本机地址；{addr} 不是回环地址。确需对外提供，请加 --allow-remote"
                )));
            }
            let url = store::DbUrl::parse(&db)?;
            let fresh = match url.sqlite_path() {
                Some(path) => !std::path::Path::new(path).exists(),
                None => false,
            };
            let data = demo::parse()?;
            let today = match today {
                Some(t) => t,
                None => demo::default_today(&data)?,
            };
            let store = Store::open(&db).await?.with_clock(clock_for(Some(today)));
            if fresh || store.list_regions().await?.is_empty() {
                println!("正在创建演示数据库 {db} 并载入胶州市 2025 年演示数据……");
                demo::load(&store).await?;
                if extra_projects > 0 {
                    let started = std::time::Instant::now();
                    let n = demo_extra::load(&store, &data.region.code, extra_projects as usize)
                        .await?;
                    println!(
                        "已生成 {n} 个演示项目（用时 {:.1} 秒）",
                        started.elapsed().as_secs_f64()
                    );
                }
            } else if extra_projects > 0 {
                println!(
                    "演示数据库已存在，未再生成项目（--extra-projects 只在新建演示数据库时生效）"
                );
            }
            if load_only {
                store.close().await;
                println!("演示数据库已就绪：{db}");
                return Ok(());
            }
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let local = listener.local_addr()?;
            println!("EconOps 演示已启动：http://{local}/");
            println!(
                "演示时钟：{}（可用 --today 调整）",
                domain::period::format_date(today)
            );
            println!("演示账号（密码均为 {}）：", demo::DEMO_PASSWORD);
            for u in &data.users {
                println!("  {:<10} {}", u.username, u.display_name);
            }
            println!("按 Ctrl+C 停止。");
            serve(store, listener, settings).await
        }
        Command::Serve {
            db,
            addr,
            today,
            config,
        } => {
            // A bad configuration stops the server before it touches the database.
            let settings = config::Settings::load_or_default(config.as_deref())?;
            let store = Store::open(&db.db).await?.with_clock(clock_for(today));
            let listener = tokio::net::TcpListener::bind(addr).await?;
            println!("EconOps listening on http://{}/", listener.local_addr()?);
            serve(store, listener, settings).await
        }
        Command::Config { command } => match command {
            ConfigCommand::Example => {
                print!("{}", config::Settings::example());
                Ok(())
            }
            ConfigCommand::Check { file } => {
                config::Settings::load(&file)?;
                println!("配置文件 {} 检查通过。", file.display());
                Ok(())
            }
        },
        Command::Calendar { command } => calendar_cli::run(command).await,
        Command::Enterprises { command } => registry_cli::run(command).await,
        Command::Migrate { db } => {
            Store::open(&db.db).await?;
            println!("数据库已是最新结构。");
            Ok(())
        }
        Command::User { command } => user_command(command).await,
        Command::Token { command } => token_command(command).await,
        Command::Backup { db, out } => {
            let store = Store::open(&db.db).await?;
            store.backup(&out).await?;
            println!("已备份到 {}", out.display());
            Ok(())
        }
        Command::Restore { from, db } => {
            let store = store::backup::restore(&from, &db.db).await?;
            let regions = store.list_regions().await?.len();
            store.close().await;
            println!("已从 {} 恢复（{regions} 个地区）", from.display());
            Ok(())
        }
        Command::Import { command } => import_command(command).await,
        Command::Analyze {
            db,
            region,
            period,
            target,
            json,
        } => {
            let period =
                domain::Period::parse(&period).map_err(|e| CliError::Usage(e.to_string()))?;
            if let Some(t) = target {
                if !t.is_finite() || !domain::target::GDP_GROWTH_TARGET_RANGE.contains(&t) {
                    return Err(CliError::Usage(format!("--target {t} 不在 −50 到 50 之间")));
                }
            }
            let store = Store::open(&db.db).await?;
            let report = workflow::figures::analysis_answer(
                &store,
                &region,
                period,
                target,
                &workflow::Settings::default(),
            )
            .await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report)
                        .map_err(|e| CliError::Usage(e.to_string()))?
                );
            } else {
                print!("{}", report::locate_text(&report));
            }
            Ok(())
        }
        Command::Region { command } => match command {
            RegionCommand::Add {
                code,
                name,
                parent,
                db,
            } => {
                let code = RegionCode::parse(&code).map_err(|e| CliError::Usage(e.to_string()))?;
                let parent = parent
                    .map(|p| RegionCode::parse(&p))
                    .transpose()
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                let name = domain::BoundedText::parse(&name, "地区名称", 64)
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                let store = Store::open(&db.db).await?;
                let mut tx = store.begin_write().await?;
                tx.insert_region(&cli_actor(), &code, name.as_str(), parent.as_ref())
                    .await?;
                tx.commit().await?;
                println!("已新增地区 {code} {}", name.as_str());
                Ok(())
            }
            RegionCommand::List { db } => {
                let store = Store::open(&db.db).await?;
                for r in store.list_regions().await? {
                    println!(
                        "{}\t{}\t{}",
                        r.code,
                        r.name,
                        r.parent_code.unwrap_or_default()
                    );
                }
                Ok(())
            }
        },
    }
}

/// Prints an import's progress on standard error.
fn progress_printer() -> impl FnMut(usize, usize) + Send {
    let mut last = 0;
    move |done, total| {
        if total >= 10_000 && (done == total || done >= last + 10_000) {
            last = done;
            eprintln!("  已检查 {done}/{total} 行");
        }
    }
}

fn summary(s: &workflow::imports::ImportSummary) {
    if s.written {
        println!("导入成功：{}", s.message);
    } else {
        println!("检查通过（未写入）：{}", s.message);
    }
}

async fn import_command(command: ImportCommand) -> Result<(), CliError> {
    let actor = cli_actor();
    match command {
        ImportCommand::Indicators {
            file,
            region,
            year,
            dry_run,
            db,
        } => {
            let table = io::table::read(&file)?;
            let store = Store::open(&db.db).await?;
            let targets = region.as_deref().zip(year);
            summary(
                &workflow::imports::indicators(&store, &actor, &table, targets, !dry_run).await?,
            );
        }
        ImportCommand::Model {
            region,
            year,
            industries,
            drivers,
            dry_run,
            db,
        } => {
            let (industries, drivers) = (io::table::read(&industries)?, io::table::read(&drivers)?);
            let store = Store::open(&db.db).await?;
            summary(
                &workflow::imports::model(
                    &store,
                    &actor,
                    &region,
                    year,
                    &industries,
                    &drivers,
                    !dry_run,
                )
                .await?,
            );
        }
        ImportCommand::Projects {
            file,
            region,
            dry_run,
            db,
        } => {
            let table = io::table::read(&file)?;
            let store = Store::open(&db.db).await?;
            summary(
                &workflow::imports::projects(
                    &store,
                    &actor,
                    &region,
                    &table,
                    !dry_run,
                    &Default::default(),
                )
                .await?,
            );
        }
        ImportCommand::Holidays { file, dry_run, db } => {
            let table = io::table::read(&file)?;
            let store = Store::open(&db.db).await?;
            let found = workflow::calendar::import(&store, &actor, &table, !dry_run).await?;
            let years = found
                .years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join("、");
            let what = format!(
                "{years} 年节假日安排：放假 {} 天，调休上班 {} 天",
                found.holidays, found.workdays
            );
            if found.written {
                println!("导入成功：{what}");
            } else {
                println!("检查通过（未写入）：{what}");
            }
        }
        ImportCommand::Remedies {
            file,
            region,
            dry_run,
            db,
        } => {
            let table = io::table::read(&file)?;
            let store = Store::open(&db.db).await?;
            summary(&workflow::imports::remedies(&store, &actor, &region, &table, !dry_run).await?);
        }
        ImportCommand::Enterprises {
            file,
            region,
            dry_run,
            db,
        } => import_enterprises(&actor, &file, &region, dry_run, &db.db).await?,
        ImportCommand::FirmFigures {
            file,
            region,
            dry_run,
            db,
        } => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| file.display().to_string());
            let bytes = std::fs::read(&file)?;
            let store = Store::open(&db.db).await?;
            let s = workflow::serve::figures::import_firm_figures(
                &store,
                &actor,
                &workflow::serve::figures::ImportFirmFigures {
                    region: region.clone(),
                    file_name: name,
                    limits: registry_file_limits(),
                    write: !dry_run,
                    watch: analytics::watch::WatchRules::default(),
                },
                bytes,
            )
            .await?;
            if s.written {
                println!("导入成功：{}", s.message);
            } else {
                println!("检查通过（未写入）：{}", s.message);
            }
        }
        ImportCommand::Policies { file, region, db } => {
            let store = Store::open(&db.db).await?;
            let bytes = std::fs::read(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            // The command line acts as the system administrator.
            let system = domain::Principal {
                user_id: 0,
                username: "cli".into(),
                role: domain::Role::Admin,
                person_id: None,
                department_id: None,
                town_id: None,
            };
            let n = workflow::policies::import_policies(
                &store,
                workflow::claim::Caller {
                    principal: &system,
                    actor: &actor,
                },
                &region,
                &name,
                bytes,
            )
            .await?;
            println!("导入成功：{n} 项政策");
        }
        ImportCommand::Products {
            file,
            region,
            dry_run,
            db,
        } => {
            import_offers(
                &actor,
                store::matching::OfferKind::Product,
                &file,
                region,
                dry_run,
                &db.db,
            )
            .await?
        }
        ImportCommand::Needs {
            file,
            region,
            dry_run,
            db,
        } => {
            import_offers(
                &actor,
                store::matching::OfferKind::Need,
                &file,
                region,
                dry_run,
                &db.db,
            )
            .await?
        }
        ImportCommand::Observations {
            file,
            region,
            dry_run,
            db,
        } => {
            let table = io::table::read(&file)?;
            let store = Store::open(&db.db).await?;
            let mut progress = progress_printer();
            summary(
                &workflow::imports::observations(
                    &store,
                    &actor,
                    &region,
                    &table,
                    !dry_run,
                    &mut progress,
                )
                .await?,
            );
        }
    }
    Ok(())
}

/// The most a registry file read from disk may hold: a province's registry with a wide margin
/// (the upload page keeps the configured `[uploads]` limits).
fn registry_file_limits() -> io::ReadLimits {
    io::ReadLimits {
        max_file_bytes: 2 * 1024 * 1024 * 1024,
        max_rows: 5_000_000,
        max_cells: 100_000_000,
        ..io::ReadLimits::default()
    }
}

/// `econops import products|needs`: as the system administrator, through the same workflow
/// call as the `/matching` page.
async fn import_offers(
    actor: &Actor,
    kind: store::matching::OfferKind,
    file: &std::path::Path,
    region: String,
    dry_run: bool,
    db: &str,
) -> Result<(), CliError> {
    let bytes = std::fs::read(file)?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let store = Store::open(db).await?;
    let system = domain::Principal {
        user_id: 0,
        username: "cli".into(),
        role: domain::Role::Admin,
        person_id: None,
        department_id: None,
        town_id: None,
    };
    let s = workflow::matching::import_offers(
        &store,
        workflow::claim::Caller {
            principal: &system,
            actor,
        },
        &workflow::matching::ImportOffers {
            kind,
            region,
            file_name,
            write: !dry_run,
        },
        bytes,
    )
    .await?;
    if s.written {
        println!("导入成功：{}", s.message);
    } else {
        println!("检查通过（未写入）：{}", s.message);
    }
    store.close().await;
    Ok(())
}

async fn import_enterprises(
    actor: &Actor,
    file: &std::path::Path,
    region: &str,
    dry_run: bool,
    db: &str,
) -> Result<(), CliError> {
    use workflow::serve::registry::{ImportFirms, ImportStage};
    let started = std::time::Instant::now();
    let limits = registry_file_limits();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| file.display().to_string());
    let size = std::fs::metadata(file)?.len();
    if size > limits.max_file_bytes {
        return Err(CliError::Usage(format!(
            "{name}：文件过大（{size} 字节，上限 {} 字节）",
            limits.max_file_bytes
        )));
    }
    let bytes = std::fs::read(file)?;
    let store = Store::open(db).await?;
    let mut progress = |stage: ImportStage, done: usize, total: usize| match stage {
        ImportStage::Reading => eprintln!("  已检查 {done} 行"),
        ImportStage::Writing if total > 0 && (done.is_multiple_of(100_000) || done == total) => {
            eprintln!("  已写入 {done}/{total} 家")
        }
        ImportStage::Writing => {}
    };
    let s = workflow::serve::registry::import_firms(
        &store,
        actor,
        &ImportFirms {
            region: region.to_string(),
            file_name: name,
            limits,
            write: !dry_run,
        },
        bytes,
        &mut progress,
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    if s.written {
        println!("导入成功：{}（用时 {secs:.2} 秒）", s.message);
    } else {
        println!("检查通过（未写入）：{}（用时 {secs:.2} 秒）", s.message);
    }
    Ok(())
}

async fn user_command(command: UserCommand) -> Result<(), CliError> {
    match command {
        UserCommand::Add {
            username,
            role,
            name,
            password,
            region,
            department,
            town,
            person,
            db,
        } => {
            let store = Store::open(&db.db).await?;
            if let Some(r) = &region {
                if store.region(r).await?.is_none() {
                    return Err(CliError::Usage(format!("地区 {r} 不存在")));
                }
            }
            let department_id = resolve(&store, &region, "部门", &department).await?;
            let town_id = resolve(&store, &region, "镇街", &town).await?;
            let person_id = resolve(&store, &region, "人员", &person).await?;
            let password = read_password(password)?;
            let mut tx = store.begin_write().await?;
            tx.create_user(
                &cli_actor(),
                &NewUser {
                    display_name: name.unwrap_or_else(|| username.clone()),
                    username: username.clone(),
                    password,
                    role,
                    region_code: region,
                    person_id,
                    department_id,
                    town_id,
                },
            )
            .await?;
            tx.commit().await?;
            println!("已新增用户 {username}（{}）", role.label());
            Ok(())
        }
        UserCommand::Passwd {
            username,
            password,
            db,
        } => {
            let store = Store::open(&db.db).await?;
            let password = read_password(password)?;
            let mut tx = store.begin_write().await?;
            let ended = tx.set_password(&cli_actor(), &username, &password).await?;
            tx.commit().await?;
            println!(
                "已重置 {username} 的密码；已结束其 {} 个会话、吊销 {} 个 API 令牌",
                ended.sessions, ended.tokens
            );
            Ok(())
        }
        UserCommand::List { db } => {
            let store = Store::open(&db.db).await?;
            for u in store.users().await? {
                let role = u.principal().role.label();
                let status = if u.active == 1 { "启用" } else { "停用" };
                println!(
                    "{}\t{}\t{}\t{}\t{status}",
                    u.username, u.role, role, u.display_name
                );
            }
            Ok(())
        }
        UserCommand::Disable { username, db } => {
            let store = Store::open(&db.db).await?;
            let mut tx = store.begin_write().await?;
            let changed = tx.set_user_active(&cli_actor(), &username, false).await?;
            tx.commit().await?;
            match changed {
                Some(ended) => println!(
                    "已停用 {username}；已结束其 {} 个会话、吊销 {} 个 API 令牌",
                    ended.sessions, ended.tokens
                ),
                None => println!("{username} 已是停用状态"),
            }
            Ok(())
        }
        UserCommand::Enable { username, db } => {
            let store = Store::open(&db.db).await?;
            let mut tx = store.begin_write().await?;
            let changed = tx.set_user_active(&cli_actor(), &username, true).await?;
            tx.commit().await?;
            match changed {
                Some(_) => println!("已启用 {username}（原有 API 令牌已吊销，需要时请重新签发）"),
                None => println!("{username} 已是启用状态"),
            }
            Ok(())
        }
    }
}

async fn token_command(command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Create {
            user,
            name,
            days,
            db,
        } => {
            let days = days.unwrap_or(web::AuthSettings::default().token_days);
            let store = Store::open(&db.db).await?;
            let mut tx = store.begin_write().await?;
            let issued = tx.issue_token(&cli_actor(), &user, &name, days).await?;
            tx.commit().await?;
            // The token alone on standard output, so that scripts can take it as it is.
            println!("{}", issued.token);
            eprintln!(
                "令牌编号 {}，前缀 {}，有效期至 {}（吊销：econops token revoke {}）",
                issued.id, issued.prefix, issued.expires_at, issued.prefix
            );
            Ok(())
        }
        TokenCommand::List { user, db } => {
            let store = Store::open(&db.db).await?;
            let now = store::timestamp(store.now());
            let tokens = store.tokens(&user).await?;
            if tokens.is_empty() {
                println!("{user} 没有 API 令牌");
            }
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.prefix.as_deref().unwrap_or("-"),
                    t.name,
                    t.created_at,
                    t.expires_at.as_deref().unwrap_or("-"),
                    t.status(&now)
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { token, db } => {
            let which = store::users::TokenRef::parse(&token)?;
            let store = Store::open(&db.db).await?;
            let mut tx = store.begin_write().await?;
            let revoked = tx.revoke_token(&cli_actor(), &which).await?;
            tx.commit().await?;
            println!(
                "已吊销 {} 的 API 令牌“{}”（编号 {}）",
                revoked.username, revoked.name, revoked.id
            );
            Ok(())
        }
    }
}

/// The application as `serve` and `demo` run it: the store with the configuration's settings.
pub fn build_app(store: Store, settings: config::Settings) -> web::App {
    web::App::new(store, settings.into_web_config())
}

async fn serve(
    store: Store,
    listener: tokio::net::TcpListener,
    settings: config::Settings,
) -> Result<(), CliError> {
    if let Some(warning) = settings.exposure_warning(listener.local_addr()?) {
        tracing::warn!("{warning}");
        eprintln!("{warning}");
    }
    let app = build_app(store, settings);
    app.serve(listener, shutdown_signal()).await?;
    Ok(())
}

/// Ends the server on Ctrl+C or SIGTERM (how service managers stop it), after in-flight
/// requests finish.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
