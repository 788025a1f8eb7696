//! 打项目: the project pipeline from lead to production, approvals and the pipeline's
//! contribution to growth. This module holds what the pages and the API of the step share and
//! that is about the web only: a project as a card, the list's query parameters.

pub(crate) mod api;
pub(crate) mod pages;

use crate::error::AppError;
use crate::AppState;
use domain::project::Stage;
use domain::Yuan;
use workflow::land::{
    idle_days, stall_status, PageRequest, ProjectFilter, ProjectSort, ProjectView, StallFilter,
};

/// A project as a user may see it: confidential names replaced by code names outside its scope.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectCard {
    pub id: i64,
    pub name: String,
    pub confidential: bool,
    pub stage: String,
    pub stage_label: String,
    pub track: String,
    pub tier: String,
    pub town: String,
    pub investment: Option<i64>,
    pub investment_text: String,
    pub major: bool,
    pub stall: String,
    pub stall_label: String,
    pub idle_days: i64,
    pub signed_on: Option<String>,
    pub started_on: Option<String>,
    pub expected_production_month: Option<String>,
}

pub(crate) fn cards(state: &AppState, views: &[ProjectView]) -> Vec<ProjectCard> {
    let today = state.store.now().date();
    let rules = state.config.rules.stall;
    views
        .iter()
        .map(|v| {
            let p = v.row();
            let status = stall_status(p, today, &rules);
            ProjectCard {
                id: p.id,
                name: p.name.clone(),
                confidential: !p.code_name.trim().is_empty(),
                stage: p.stage.clone(),
                stage_label: p.stage().label().to_string(),
                track: p.track_name.clone().unwrap_or_default(),
                tier: p.tier_name.clone().unwrap_or_default(),
                town: p.town_name.clone().unwrap_or_default(),
                investment: p.total_investment,
                investment_text: p
                    .total_investment
                    .map(|v| format!("{} 亿元", Yuan(v).yi_text()))
                    .unwrap_or_else(|| "—".into()),
                major: domain::project::is_major(p.total_investment),
                stall: status.code().to_string(),
                stall_label: stall_label(status).to_string(),
                idle_days: idle_days(p, today),
                signed_on: p.signed_on.clone(),
                started_on: p.started_on.clone(),
                expected_production_month: p.expected_production_month.clone(),
            }
        })
        .collect()
}

fn stall_label(status: domain::Status) -> &'static str {
    match status {
        domain::Status::Red => "停滞",
        domain::Status::Yellow => "放缓",
        _ => "正常",
    }
}

/// The list parameters of 项目库, the same in the page's URL and the API's query string.
/// Empty values (a form's “全部”) mean no filter.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ListParams {
    pub stage: Option<String>,
    pub tier: Option<String>,
    pub track: Option<String>,
    pub town: Option<String>,
    pub stall: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn id_param(v: &Option<String>, field: &str, label: &str) -> Result<Option<i64>, AppError> {
    match given(v) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(Some)
            .ok_or_else(|| AppError::bad_field(field, format!("{label}“{s}”无效，应为正整数编号"))),
    }
}

impl ListParams {
    /// Refuses a parameter given empty (the API has no “全部” value: leave it out).
    pub fn refuse_empty(&self) -> Result<(), AppError> {
        for (field, v) in [
            ("stage", &self.stage),
            ("tier", &self.tier),
            ("track", &self.track),
            ("town", &self.town),
            ("stall", &self.stall),
            ("sort", &self.sort),
            ("page", &self.page),
            ("per_page", &self.per_page),
        ] {
            if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
                return Err(AppError::bad_field(field, format!("参数 {field} 不能为空")));
            }
        }
        Ok(())
    }

    /// The filter and page these parameters ask for; what and where when one is malformed.
    pub fn parse(&self) -> Result<(ProjectFilter, PageRequest), AppError> {
        let stage = match given(&self.stage) {
            None => None,
            Some(s) => Some(
                Stage::parse(s)
                    .filter(|st| st.code() == s)
                    .ok_or_else(|| AppError::bad_field("stage", format!("阶段“{s}”无效")))?,
            ),
        };
        let stall = match given(&self.stall) {
            None => None,
            Some(s) => Some(StallFilter::parse(s).ok_or_else(|| {
                AppError::bad_field(
                    "stall",
                    format!("推进状态“{s}”无效，应为 red、yellow 或 green"),
                )
            })?),
        };
        let sort = match given(&self.sort) {
            None => ProjectSort::default(),
            Some(s) => ProjectSort::parse(s).ok_or_else(|| {
                AppError::bad_field(
                    "sort",
                    format!("排序“{s}”无效，应为 idle、investment、newest、signed 或 production"),
                )
            })?,
        };
        let number =
            |v: &Option<String>, field: &str, label: &str| -> Result<Option<i64>, AppError> {
                match given(v) {
                    None => Ok(None),
                    Some(s) => s
                        .parse::<i64>()
                        .map(Some)
                        .map_err(|_| AppError::bad_field(field, format!("{label}“{s}”应为整数"))),
                }
            };
        let page = PageRequest::new(
            number(&self.page, "page", "页码")?,
            number(&self.per_page, "per_page", "每页条数")?,
        )?;
        Ok((
            ProjectFilter {
                stage,
                tier_id: id_param(&self.tier, "tier", "产业层级")?,
                track_id: id_param(&self.track, "track", "产业赛道")?,
                town_id: id_param(&self.town, "town", "镇街")?,
                stall,
                sort,
            },
            page,
        ))
    }
}

/// The filter (without stage and page) as URL parameters, so links keep it: `&k=v…`.
pub(crate) fn filter_params(f: &ProjectFilter) -> String {
    let mut out = String::new();
    for (k, v) in [
        ("tier", f.tier_id.map(|v| v.to_string())),
        ("track", f.track_id.map(|v| v.to_string())),
        ("town", f.town_id.map(|v| v.to_string())),
        ("stall", f.stall.map(|s| s.code().to_string())),
        (
            "sort",
            (f.sort != ProjectSort::default()).then(|| f.sort.code().to_string()),
        ),
    ] {
        if let Some(v) = v {
            out.push('&');
            out.push_str(k);
            out.push('=');
            out.push_str(&v);
        }
    }
    out
}
