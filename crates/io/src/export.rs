//! Excel exports: tables as .xlsx with Chinese headers, numbers right-aligned and formatted the
//! way Chinese statistics write them.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// One line of the ranking (赛马), with the parts of its score.
#[derive(Debug, Clone)]
pub struct RankLine {
    /// 部门 or 镇街.
    pub kind: String,
    /// None: not ranked (无到期任务).
    pub rank: Option<i64>,
    pub name: String,
    pub total: i64,
    pub due: i64,
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    pub running: i64,
    pub overdue_days: i64,
    /// In %.
    pub on_time_rate: Option<f64>,
    /// 0–100.
    pub timeliness: Option<f64>,
    /// 0–100.
    pub results: Option<f64>,
    /// Requests received (诉求件数).
    pub requests_received: i64,
    /// Requests part (诉求得分), 0–100.
    pub requests: Option<f64>,
    /// 0–100.
    pub score: Option<f64>,
}

/// The column headers of the ranking, the page's and the workbook's.
pub const RANK_HEADERS: [&str; 16] = [
    "类别",
    "名次",
    "单位",
    "任务数",
    "到期任务",
    "按期完成",
    "逾期完成",
    "逾期未完成",
    "未到期",
    "逾期天数合计",
    "按期完成率",
    "时效得分",
    "成效得分",
    "诉求件数",
    "诉求得分",
    "综合得分",
];

/// The ranking of departments and of towns (each ranked on its own), with the formula, as a
/// workbook.
pub fn ranking_xlsx(
    region: &str,
    as_of: &str,
    formula: &str,
    lines: &[RankLine],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("赛马排名")?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("#F1F3F5")
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let number = Format::new()
        .set_num_format("0")
        .set_align(FormatAlign::Right);
    let score = Format::new()
        .set_num_format("0.0")
        .set_align(FormatAlign::Right);
    let percent = Format::new()
        .set_num_format("0.0%")
        .set_align(FormatAlign::Right);
    sheet.write_string_with_format(0, 0, format!("{region} 赛马排名（截至 {as_of}）"), &title)?;
    sheet.write_string(1, 0, formula)?;
    for (c, h) in RANK_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &header)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_string(r, 0, &l.kind)?;
        match l.rank {
            Some(n) => sheet.write_number_with_format(r, 1, n as f64, &number)?,
            None => sheet.write_string(r, 1, "无到期任务")?,
        };
        sheet.write_string(r, 2, &l.name)?;
        for (c, v) in [
            l.total,
            l.due,
            l.done_on_time,
            l.done_late,
            l.overdue,
            l.running,
            l.overdue_days,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_number_with_format(r, 3 + c as u16, *v as f64, &number)?;
        }
        match l.on_time_rate {
            Some(rate) => sheet.write_number_with_format(r, 10, rate / 100.0, &percent)?,
            None => sheet.write_string(r, 10, "—")?,
        };
        for (col, v) in [
            (11, l.timeliness),
            (12, l.results),
            (14, l.requests),
            (15, l.score),
        ] {
            match v {
                Some(x) => sheet.write_number_with_format(r, col, x, &score)?,
                None => sheet.write_string(r, col, "—")?,
            };
        }
        sheet.write_number_with_format(r, 13, l.requests_received as f64, &number)?;
    }
    sheet.set_column_width(1, 10)?;
    sheet.set_column_width(2, 28)?;
    sheet.set_column_width(10, 12)?;
    book.save_to_buffer()
}

/// One firm on a watch list (重点监测名单).
#[derive(Debug, Clone)]
pub struct WatchListLine {
    pub list: String,
    pub name: String,
    pub uscc: String,
    pub town: String,
    pub manager: String,
    pub reason: String,
}

/// The watch lists of a month, as a workbook.
pub fn watch_lists_xlsx(
    region: &str,
    period: &str,
    lines: &[WatchListLine],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("重点监测名单")?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("#F1F3F5")
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    sheet.write_string_with_format(
        0,
        0,
        format!("{region} 重点企业监测名单（{period}）"),
        &title,
    )?;
    let headers = [
        "名单",
        "企业名称",
        "统一社会信用代码",
        "镇街",
        "企业服务经理人",
        "列入原因",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &header)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = 3 + i as u32;
        for (c, v) in [&l.list, &l.name, &l.uscc, &l.town, &l.manager, &l.reason]
            .iter()
            .enumerate()
        {
            sheet.write_string(r, c as u16, v.as_str())?;
        }
    }
    for (c, w) in [
        (0u16, 14.0),
        (1, 32.0),
        (2, 22.0),
        (3, 12.0),
        (4, 14.0),
        (5, 60.0),
    ] {
        sheet.set_column_width(c, w)?;
    }
    book.save_to_buffer()
}

/// One group's line of the request measures (诉求考核).
#[derive(Debug, Clone)]
pub struct RequestMeasureLine {
    pub name: String,
    pub received: u32,
    pub accepted_on_time: u32,
    pub resolved_on_time: u32,
    pub closed: u32,
    pub closure_pct: Option<f64>,
    pub satisfaction_pct: Option<f64>,
    pub avg_days_to_resolve: Option<f64>,
}

/// The request measures per department, town or service manager, as a workbook.
pub fn request_measures_xlsx(
    region: &str,
    as_of: &str,
    group: &str,
    lines: &[RequestMeasureLine],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("诉求办理考核")?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("#F1F3F5")
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let number = Format::new()
        .set_num_format("0")
        .set_align(FormatAlign::Right);
    let days = Format::new()
        .set_num_format("0.0")
        .set_align(FormatAlign::Right);
    let percent = Format::new()
        .set_num_format("0.0%")
        .set_align(FormatAlign::Right);
    sheet.write_string_with_format(
        0,
        0,
        format!("{region} 企业诉求办理情况（按{group}，截至 {as_of}）"),
        &title,
    )?;
    let headers = [
        group,
        "受理诉求",
        "按时受理",
        "按时办结",
        "已确认办结",
        "办结率",
        "满意率",
        "平均办结工作日",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &header)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_string(r, 0, &l.name)?;
        for (c, v) in [l.received, l.accepted_on_time, l.resolved_on_time, l.closed]
            .iter()
            .enumerate()
        {
            sheet.write_number_with_format(r, 1 + c as u16, f64::from(*v), &number)?;
        }
        for (c, v) in [l.closure_pct, l.satisfaction_pct].iter().enumerate() {
            match v {
                Some(p) => sheet.write_number_with_format(r, 5 + c as u16, p / 100.0, &percent)?,
                None => sheet.write_string(r, 5 + c as u16, "—")?,
            };
        }
        match l.avg_days_to_resolve {
            Some(d) => sheet.write_number_with_format(r, 7, d, &days)?,
            None => sheet.write_string(r, 7, "—")?,
        };
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(7, 14)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_workbook, Cell};

    #[test]
    fn the_ranking_reads_back() {
        let line = RankLine {
            kind: "部门".into(),
            rank: Some(1),
            name: "市工业和信息化局".into(),
            total: 4,
            due: 4,
            done_on_time: 3,
            done_late: 0,
            overdue: 1,
            running: 0,
            overdue_days: 5,
            on_time_rate: Some(75.0),
            timeliness: Some(73.75),
            results: None,
            requests_received: 6,
            requests: Some(80.0),
            score: Some(73.75),
        };
        let idle = RankLine {
            rank: None,
            name: "胶西街道".into(),
            kind: "镇街".into(),
            score: None,
            ..line.clone()
        };
        let bytes =
            ranking_xlsx("胶州市", "2025-10-14", "综合得分 = …", &[line, idle]).expect("xlsx");
        let t = read_workbook("ranking.xlsx", bytes).expect("read");
        assert_eq!(t.sheet.as_deref(), Some("赛马排名"));
        let row = t
            .rows
            .iter()
            .find(|r| {
                r.cells
                    .iter()
                    .any(|c| *c == Cell::Text("市工业和信息化局".into()))
            })
            .expect("row");
        assert_eq!(
            row.cells[10],
            Cell::Number {
                value: 0.75,
                percent: true
            }
        );
        assert_eq!(
            (row.cells[13].clone(), row.cells[14].clone()),
            (
                Cell::Number {
                    value: 6.0,
                    percent: false
                },
                Cell::Number {
                    value: 80.0,
                    percent: false
                }
            ),
            "诉求件数 and 诉求得分"
        );
        assert!(t.rows.iter().any(|r| r
            .cells
            .iter()
            .any(|c| *c == Cell::Text("无到期任务".into()))));
    }
}

/// One project of the pipeline export.
#[derive(Debug, Clone)]
pub struct ProjectLine {
    pub id: i64,
    pub name: String,
    pub stage: String,
    pub tier: String,
    pub track: String,
    pub town: String,
    pub investment_yi: Option<f64>,
    pub signed_on: String,
    pub started_on: String,
    pub production_month: String,
    pub stall: String,
}

/// The project pipeline as a workbook.
pub fn projects_xlsx(region: &str, lines: &[ProjectLine]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("项目库")?;
    let header = Format::new()
        .set_bold()
        .set_background_color("#F1F3F5")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let money = Format::new()
        .set_num_format("#,##0.00")
        .set_align(FormatAlign::Right);
    sheet.write_string_with_format(
        0,
        0,
        format!("{region} 项目库"),
        &Format::new().set_bold().set_font_size(14),
    )?;
    let headers = [
        "编号",
        "项目",
        "阶段",
        "层级",
        "产业赛道",
        "镇街",
        "总投资（亿元）",
        "签约日期",
        "开工日期",
        "预计投产",
        "推进状态",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &header)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_number(r, 0, l.id as f64)?;
        sheet.write_string(r, 1, &l.name)?;
        sheet.write_string(r, 2, &l.stage)?;
        sheet.write_string(r, 3, &l.tier)?;
        sheet.write_string(r, 4, &l.track)?;
        sheet.write_string(r, 5, &l.town)?;
        match l.investment_yi {
            Some(v) => sheet.write_number_with_format(r, 6, v, &money)?,
            None => sheet.write_string(r, 6, "—")?,
        };
        sheet.write_string(r, 7, &l.signed_on)?;
        sheet.write_string(r, 8, &l.started_on)?;
        sheet.write_string(r, 9, &l.production_month)?;
        sheet.write_string(r, 10, &l.stall)?;
    }
    sheet.set_column_width(1, 36)?;
    sheet.set_column_width(4, 16)?;
    book.save_to_buffer()
}

/// A plain one-sheet workbook: a header row and text rows (a template to fill in, a test file).
pub fn table_xlsx(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }
    wb.save_to_buffer()
}
