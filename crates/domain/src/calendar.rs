//! The official working-day calendar: which days are worked, by the State Council's yearly notice.
//!
//! Deadlines for enterprise requests (accept within 1 working day, answer within 3, resolve within
//! 15) count working days, and in China those are not simply Monday to Friday: public holidays fall
//! on weekdays, and some weekends are worked in exchange (调休). Each year's arrangement is published
//! in November for the year after, so the calendar is data: the project ships the years it knows
//! (`data/holidays-cn.csv`) and operators import later ones. A date in a year the calendar does not
//! cover is an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration, Weekday};

use crate::period::{format_date, parse_date};

/// The years shipped with the program (the notices for 2025 and 2026).
const SHIPPED: &str = include_str!("../data/holidays-cn.csv");

/// Most rows a calendar file may hold (a year has about 40; this allows decades at once).
pub const MAX_ROWS: usize = 5_000;

/// Most working days one deadline may count (the longest rule is 30; a year has about 250).
pub const MAX_WORKING_DAYS: u32 = 1_000;

/// What the notice says of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (also when it falls on a weekend).
    Holiday,
    /// A weekend day that is worked (调休上班).
    Workday,
}

impl crate::Coded for DayKind {
    const WHAT: &'static str = "calendar day kind";
    const KNOWN: &'static [Self] = &[DayKind::Holiday, DayKind::Workday];

    fn as_code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
}

impl DayKind {
    /// Reads the kind column of a calendar file: the code or its Chinese word.
    pub fn parse(code: &str) -> Option<DayKind> {
        match code.trim() {
            "holiday" | "休" | "假日" | "节假日" => Some(DayKind::Holiday),
            "workday" | "班" | "调休上班" | "上班" => Some(DayKind::Workday),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DayKind::Holiday => "放假",
            DayKind::Workday => "调休上班",
        }
    }
}

/// One day of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: Date,
    pub kind: DayKind,
    /// The holiday's name as the notice gives it (春节, 国庆节调休上班 …).
    pub name: String,
}

/// Why a calendar file or a question to the calendar was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("第 {line} 行“{column}”列：{reason}")]
    Cell {
        line: usize,
        column: &'static str,
        reason: String,
    },
    #[error("文件表头应为 date,kind,name（或 日期,类型,名称）")]
    Header,
    #[error("文件没有任何日期")]
    Empty,
    #[error("文件超过 {MAX_ROWS} 行")]
    TooLarge,
    #[error("{0} 年的节假日安排尚未导入，无法计算工作日")]
    NotCovered(i32),
    #[error("工作日数 {0} 超出允许范围 0–{MAX_WORKING_DAYS}")]
    TooManyDays(u32),
}

/// The calendar in force: the shipped years, replaced or extended by imported ones.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<Date, (DayKind, String)>,
    years: BTreeSet<i32>,
}

impl Calendar {
    /// The years shipped with the program.
    pub fn shipped() -> Calendar {
        // The shipped file is part of the program and tested; were it ever broken the calendar
        // would cover no year, and every deadline would say so instead of guessing.
        let mut calendar = Calendar::default();
        if let Ok(days) = parse_csv(SHIPPED) {
            calendar.replace_years(days);
        }
        calendar
    }

    /// The shipped years with `imported` on top: each year present in `imported` replaces the
    /// shipped arrangement of that year as a whole (a corrected notice replaces the old one).
    pub fn shipped_with(imported: Vec<CalendarDay>) -> Calendar {
        let mut calendar = Calendar::shipped();
        calendar.replace_years(imported);
        calendar
    }

    /// Replaces the years present in `days` by `days`.
    pub fn replace_years(&mut self, days: Vec<CalendarDay>) {
        let years: BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
        self.days.retain(|date, _| !years.contains(&date.year()));
        for day in days {
            self.days.insert(day.date, (day.kind, day.name));
        }
        self.years.extend(years);
    }

    /// The years the calendar covers.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The notice's days of a year, in date order.
    pub fn days_of(&self, year: i32) -> Vec<CalendarDay> {
        self.days
            .iter()
            .filter(|(date, _)| date.year() == year)
            .map(|(date, (kind, name))| CalendarDay {
                date: *date,
                kind: *kind,
                name: name.clone(),
            })
            .collect()
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        if !self.covers(date.year()) {
            return Err(CalendarError::NotCovered(date.year()));
        }
        Ok(match self.days.get(&date) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
        })
    }

    /// The date `n` working days after `start` (the first working day after `start` is day 1;
    /// `n = 0` is `start` itself). A request received on 2025-09-30 and due in 3 working days is
    /// due on 2025-10-11: the National Day holiday is skipped and the worked Saturday counts.
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date, CalendarError> {
        if n > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyDays(n));
        }
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day
                .checked_add(Duration::DAY)
                .ok_or(CalendarError::NotCovered(day.year()))?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`):
    /// how many working days a request took, or how late it is.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<u32, CalendarError> {
        let mut count = 0u32;
        let mut day = from;
        while day < to {
            day = day
                .checked_add(Duration::DAY)
                .ok_or(CalendarError::NotCovered(day.year()))?;
            if self.is_working_day(day)? {
                count += 1;
            }
            if count > MAX_WORKING_DAYS * 40 {
                return Err(CalendarError::TooManyDays(count));
            }
        }
        Ok(count)
    }
}

/// Parses a calendar file's text: `date,kind,name` (or 日期,类型,名称), kind `holiday`/`workday`
/// (or 休/班). Every row is checked; the first bad cell is reported with its line.
pub fn parse_csv(text: &str) -> Result<Vec<CalendarDay>, CalendarError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header = lines.next().ok_or(CalendarError::Empty)?.1;
    let header: Vec<String> = header.split(',').map(str::to_string).collect();
    let rows =
        lines.map(|(index, line)| (index + 1, line.split(',').map(str::to_string).collect()));
    parse_rows(&header, rows)
}

/// Parses a calendar table already split into cells: the header, then each row with the line
/// number the user sees.
pub fn parse_rows(
    header: &[String],
    rows: impl IntoIterator<Item = (usize, Vec<String>)>,
) -> Result<Vec<CalendarDay>, CalendarError> {
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let known = [["date", "kind", "name"], ["日期", "类型", "名称"]];
    if !known
        .iter()
        .any(|k| header.len() == 3 && header.iter().zip(k.iter()).all(|(h, k)| h == k))
    {
        return Err(CalendarError::Header);
    }
    let mut days = Vec::new();
    let mut seen = BTreeSet::new();
    for (line_no, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if days.len() >= MAX_ROWS {
            return Err(CalendarError::TooLarge);
        }
        let cells: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
        let cell = |column: &'static str, reason: String| CalendarError::Cell {
            line: line_no,
            column,
            reason,
        };
        if cells.len() != 3 {
            return Err(cell("date", format!("应有 3 列，实有 {} 列", cells.len())));
        }
        let date = parse_date(cells[0])
            .map_err(|_| cell("date", format!("“{}”不是日期（如 2025-10-01）", cells[0])))?;
        if !(2000..=2100).contains(&date.year()) {
            return Err(cell(
                "date",
                format!("{} 超出允许范围 2000–2100 年", cells[0]),
            ));
        }
        let kind = DayKind::parse(cells[1]).ok_or_else(|| {
            cell(
                "kind",
                format!("“{}”应为 holiday（放假）或 workday（调休上班）", cells[1]),
            )
        })?;
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        if kind == DayKind::Workday && !weekend {
            return Err(cell(
                "kind",
                format!("{} 是工作日，不必列为调休上班", format_date(date)),
            ));
        }
        let name = cells[2];
        if name.is_empty() || name.chars().count() > 40 {
            return Err(cell("name", "名称应为 1–40 个字".to_string()));
        }
        if !seen.insert(date) {
            return Err(cell("date", format!("{} 重复出现", format_date(date))));
        }
        days.push(CalendarDay {
            date,
            kind,
            name: name.to_string(),
        });
    }
    if days.is_empty() {
        return Err(CalendarError::Empty);
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_shipped_calendar_covers_2025_and_2026() {
        let c = Calendar::shipped();
        assert_eq!(c.years().collect::<Vec<_>>(), vec![2025, 2026]);
        assert_eq!(c.days_of(2025).len(), 33);
        assert!(parse_csv(SHIPPED).is_ok());
    }

    #[test]
    fn national_day_2025_is_skipped_and_the_worked_saturday_counts() {
        let c = Calendar::shipped();
        assert_eq!(
            c.add_working_days(date!(2025 - 09 - 30), 3),
            Ok(date!(2025 - 10 - 11))
        );
        assert_eq!(
            c.add_working_days(date!(2025 - 09 - 30), 1),
            Ok(date!(2025 - 10 - 09))
        );
        assert_eq!(
            c.add_working_days(date!(2025 - 09 - 30), 0),
            Ok(date!(2025 - 09 - 30))
        );
        // The worked Sunday before the holiday.
        assert_eq!(c.is_working_day(date!(2025 - 09 - 28)), Ok(true));
        assert_eq!(c.is_working_day(date!(2025 - 10 - 08)), Ok(false));
    }

    #[test]
    fn ordinary_weeks_are_monday_to_friday() {
        let c = Calendar::shipped();
        // Friday 2025-03-07 + 1 → Monday 2025-03-10.
        assert_eq!(
            c.add_working_days(date!(2025 - 03 - 07), 1),
            Ok(date!(2025 - 03 - 10))
        );
        // 15 working days from Monday 2025-03-03: three whole weeks.
        assert_eq!(
            c.add_working_days(date!(2025 - 03 - 03), 15),
            Ok(date!(2025 - 03 - 24))
        );
    }

    #[test]
    fn spring_festival_2026_and_new_year_crossing() {
        let c = Calendar::shipped();
        // Friday 2026-02-13 + 1: Saturday 2026-02-14 is worked.
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 1),
            Ok(date!(2026 - 02 - 14))
        );
        // + 2: the holiday runs 02-15 to 02-23, so Tuesday 02-24.
        assert_eq!(
            c.add_working_days(date!(2026 - 02 - 13), 2),
            Ok(date!(2026 - 02 - 24))
        );
        // 2026-12-31 + 1 needs 2027, which is not covered: an error, not a guess.
        assert_eq!(
            c.add_working_days(date!(2026 - 12 - 31), 1),
            Err(CalendarError::NotCovered(2027))
        );
        assert_eq!(
            c.add_working_days(date!(2024 - 12 - 31), 0),
            Ok(date!(2024 - 12 - 31))
        );
        assert_eq!(
            c.is_working_day(date!(2024 - 12 - 31)),
            Err(CalendarError::NotCovered(2024))
        );
    }

    #[test]
    fn working_days_between_counts_after_the_first_day() {
        let c = Calendar::shipped();
        assert_eq!(
            c.working_days_between(date!(2025 - 09 - 30), date!(2025 - 10 - 11)),
            Ok(3)
        );
        assert_eq!(
            c.working_days_between(date!(2025 - 10 - 11), date!(2025 - 09 - 30)),
            Ok(0)
        );
        assert_eq!(
            c.add_working_days(date!(2025 - 01 - 02), MAX_WORKING_DAYS + 1),
            Err(CalendarError::TooManyDays(MAX_WORKING_DAYS + 1))
        );
    }

    #[test]
    fn an_imported_year_extends_or_replaces() {
        let file = "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-20,班,春节调休上班\n";
        let days = parse_csv(file).expect("parses");
        let c = Calendar::shipped_with(days);
        assert!(c.covers(2027));
        assert_eq!(
            c.add_working_days(date!(2026 - 12 - 31), 1),
            Ok(date!(2027 - 01 - 04))
        );
        assert_eq!(c.is_working_day(date!(2027 - 02 - 20)), Ok(true));
        // Replacing 2025 with a file that only lists 元旦 drops the other 2025 holidays.
        let c =
            Calendar::shipped_with(parse_csv("date,kind,name\n2025-01-01,holiday,元旦\n").unwrap());
        assert_eq!(c.is_working_day(date!(2025 - 10 - 08)), Ok(true));
        assert_eq!(
            c.days_of(2026).len(),
            Calendar::shipped().days_of(2026).len()
        );
    }

    #[test]
    fn bad_files_say_where() {
        assert_eq!(parse_csv("a,b,c\n"), Err(CalendarError::Header));
        assert_eq!(parse_csv("date,kind,name\n"), Err(CalendarError::Empty));
        let bad = |text: &str| match parse_csv(text) {
            Err(CalendarError::Cell { line, column, .. }) => (line, column),
            other => panic!("expected a cell error, got {other:?}"),
        };
        assert_eq!(bad("date,kind,name\n2025-13-01,holiday,x\n"), (2, "date"));
        assert_eq!(bad("date,kind,name\n2025-10-01,rest,x\n"), (2, "kind"));
        // A workday on a weekday is a mistake in the file.
        assert_eq!(bad("date,kind,name\n2025-10-09,workday,x\n"), (2, "kind"));
        assert_eq!(
            bad("date,kind,name\n2025-10-01,holiday,x\n2025-10-01,holiday,y\n"),
            (3, "date")
        );
        assert_eq!(bad("date,kind,name\n2025-10-01,holiday\n"), (2, "date"));
        assert_eq!(bad("date,kind,name\n2025-10-01,holiday,\n"), (2, "name"));
        assert_eq!(bad("date,kind,name\n1900-10-01,holiday,x\n"), (2, "date"));
    }
}
