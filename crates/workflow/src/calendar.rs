//! The working-day calendar in force (the shipped years with the imported ones on top), and the
//! import of a later year's notice. Deadlines that count working days read the calendar here.

use crate::Error;

type Result<T> = std::result::Result<T, Error>;
use domain::calendar::{self, Calendar, CalendarDay};
use store::{Actor, Store};

/// The calendar in force.
pub async fn in_force(store: &Store) -> Result<Calendar> {
    Ok(Calendar::shipped_with(store.calendar_days().await?))
}

/// What an import found (and wrote, unless it was a dry run).
#[derive(Debug, Clone)]
pub struct CalendarImport {
    pub years: Vec<i32>,
    pub holidays: usize,
    pub workdays: usize,
    pub written: bool,
}

/// Imports a notice (one or more years): every row checked first, then each year present
/// replaces that year's arrangement in one audited transaction. Nothing is written on any error.
pub async fn import(
    store: &Store,
    actor: &Actor,
    table: &io::table::Table,
    write: bool,
) -> Result<CalendarImport> {
    let rows = table.rows.iter().map(|row| {
        let cells = row
            .cells
            .iter()
            .map(|cell| match cell {
                io::table::Cell::Empty => String::new(),
                io::table::Cell::Text(text) => text.clone(),
                io::table::Cell::Number { value, .. } => value.to_string(),
            })
            .collect();
        (row.number, cells)
    });
    let days: Vec<CalendarDay> = calendar::parse_rows(&table.headers, rows)
        .map_err(|e| Error::invalid(format!("{}：{e}", table.file)))?;
    let mut years: Vec<i32> = days.iter().map(|d| d.date.year()).collect();
    years.sort_unstable();
    years.dedup();
    let holidays = days
        .iter()
        .filter(|d| d.kind == calendar::DayKind::Holiday)
        .count();
    let found = CalendarImport {
        years,
        holidays,
        workdays: days.len() - holidays,
        written: write,
    };
    if write {
        let mut tx = store.begin_write().await?;
        tx.replace_calendar_years(actor, &days).await?;
        tx.commit().await?;
    }
    Ok(found)
}
