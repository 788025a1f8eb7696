//! `econops enterprises search …`: the registry's search from the shell, through the same
//! workflow call as the page and the API, as the office sees it. It prints the page of firms and
//! how long the search took, so that the benchmark script times the real code path on a
//! province's registry (decision 130).

use crate::{CliError, DbArg};
use clap::Subcommand;
use domain::enterprise::{ScaleKind, Tag};
use domain::Coded;
use store::Store;
use workflow::serve::enterprises::{search, FirmSearch};

#[derive(Debug, Subcommand)]
pub enum EnterpriseCommand {
    /// Search the registry (name or former name containing TEXT, or a USCC starting with it).
    Search {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        region: String,
        /// Name substring or USCC prefix.
        #[arg(long)]
        text: Option<String>,
        /// GB/T 4754-2017 division, group or class (2–4 digits).
        #[arg(long)]
        industry: Option<String>,
        /// Town id.
        #[arg(long)]
        town: Option<i64>,
        /// Tag: 链主, 专精特新, 高新技术企业 or 上市.
        #[arg(long)]
        tag: Option<String>,
        /// Scale kind code (industry, wholesale, retail, hospitality, services).
        #[arg(long)]
        scale: Option<String>,
        /// Only firms above the statistical threshold.
        #[arg(long)]
        above_scale: bool,
        #[arg(long, default_value_t = 1)]
        page: i64,
        #[arg(long, default_value_t = 20)]
        per_page: i64,
        /// Run the search this many times and report the slowest and the median.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        repeat: u32,
        /// Print only the timing line.
        #[arg(long)]
        quiet: bool,
    },
}

pub async fn run(command: EnterpriseCommand) -> Result<(), CliError> {
    match command {
        EnterpriseCommand::Search {
            db,
            region,
            text,
            industry,
            town,
            tag,
            scale,
            above_scale,
            page,
            per_page,
            repeat,
            quiet,
        } => {
            let tag = match tag {
                None => None,
                Some(t) => {
                    Some(Tag::parse(&t).ok_or_else(|| CliError::Usage(format!("标签“{t}”无效")))?)
                }
            };
            let scale_kind = match scale {
                None => None,
                Some(s) => {
                    Some(ScaleKind::from_code(&s).map_err(|e| CliError::Usage(e.to_string()))?)
                }
            };
            let store = Store::open(&db.db).await?;
            let office = domain::Principal {
                user_id: 0,
                username: "cli".into(),
                role: domain::Role::Office,
                person_id: None,
                department_id: None,
                town_id: None,
            };
            let query = FirmSearch {
                region,
                text,
                industry,
                town_id: town,
                tag,
                scale_kind,
                above_scale: above_scale.then_some(true),
                track_id: None,
                page,
                per_page,
            };
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..repeat {
                let started = std::time::Instant::now();
                let found = search(&store, &office, &query).await?;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                last = Some(found);
            }
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            let slowest = times[times.len() - 1];
            let Some(found) = last else {
                return Ok(());
            };
            if !quiet {
                for f in &found.firms {
                    println!(
                        "{}\t{}\t{}\t{}",
                        f.uscc,
                        f.name,
                        f.industry_code.as_deref().unwrap_or(""),
                        f.tag_labels.join("、")
                    );
                }
            }
            println!(
                "{} 家{}；用时 中位 {median:.1} 毫秒，最长 {slowest:.1} 毫秒（{repeat} 次）",
                found.firms.len(),
                if found.has_more {
                    "（还有更多）"
                } else {
                    ""
                }
            );
            store.close().await;
            Ok(())
        }
    }
}
