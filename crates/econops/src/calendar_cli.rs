//! `econops calendar …`: working-day arithmetic by the official calendar, from the shell. Works
//! without a database (the shipped years); with `--db` (or `ECONOPS_DB`) the imported years count.

use crate::CliError;
use clap::Subcommand;
use domain::calendar::Calendar;
use domain::period::format_date;
use store::Store;

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the date N working days after DATE (N = 0 prints DATE).
    Due {
        #[arg(value_parser = crate::parse_day)]
        date: time::Date,
        /// Working days to count (0–1000).
        #[arg(value_parser = clap::value_parser!(u32).range(0..=1000))]
        days: u32,
        /// Database whose imported years also count (sqlite://PATH or postgres://…).
        #[arg(long, env = "ECONOPS_DB")]
        db: Option<String>,
    },
    /// List a year's holidays and worked weekend days.
    Show {
        #[arg(value_parser = clap::value_parser!(i32).range(2000..=2100))]
        year: i32,
        #[arg(long, env = "ECONOPS_DB")]
        db: Option<String>,
    },
}

async fn calendar(db: Option<&str>) -> Result<Calendar, CliError> {
    match db {
        None => Ok(Calendar::shipped()),
        Some(url) => {
            let store = Store::open(url).await?;
            Ok(workflow::calendar::in_force(&store).await?)
        }
    }
}

pub async fn run(command: CalendarCommand) -> Result<(), CliError> {
    match command {
        CalendarCommand::Due { date, days, db } => {
            let calendar = calendar(db.as_deref()).await?;
            let due = calendar
                .add_working_days(date, days)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            println!("{}", format_date(due));
        }
        CalendarCommand::Show { year, db } => {
            let calendar = calendar(db.as_deref()).await?;
            if !calendar.covers(year) {
                return Err(CliError::Usage(format!(
                    "{year} 年的节假日安排尚未导入（econops import holidays FILE）"
                )));
            }
            for day in calendar.days_of(year) {
                println!(
                    "{}\t{}\t{}",
                    format_date(day.date),
                    day.kind.label(),
                    day.name
                );
            }
        }
    }
    Ok(())
}
