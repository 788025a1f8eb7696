//! 存量提升 in the browser and the API: the enterprise registry's list and search, and one
//! firm's file (一企一档). Handlers parse the request into `workflow::serve`'s typed search and
//! render; scope and confidentiality are decided there.

pub mod api;
pub mod pages;
pub mod service;
pub mod watch;

use crate::error::AppError;
use domain::enterprise::{ScaleKind, Tag};
use domain::Coded;
use serde::Deserialize;
use workflow::serve::enterprises::FirmSearch;

/// The registry's search as a query string (page and API alike).
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    pub region: Option<String>,
    pub q: Option<String>,
    pub industry: Option<String>,
    pub town: Option<String>,
    pub tag: Option<String>,
    pub scale: Option<String>,
    pub above: Option<String>,
    pub track: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

pub(crate) fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) fn id(v: &Option<String>, field: &str, what: &str) -> Result<Option<i64>, AppError> {
    match nonempty(v) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| AppError::bad_field(field, format!("{what}“{s}”无效"))),
    }
}

impl SearchParams {
    pub fn search(&self, region: String) -> Result<FirmSearch, AppError> {
        let text = nonempty(&self.q).map(str::to_string);
        if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
            return Err(AppError::bad_field("q", "搜索词不能超过 100 个字"));
        }
        let tag = match nonempty(&self.tag) {
            None => None,
            Some(t) => Some(
                Tag::parse(t)
                    .ok_or_else(|| AppError::bad_field("tag", format!("标签“{t}”无效")))?,
            ),
        };
        let scale_kind = match nonempty(&self.scale) {
            None => None,
            Some(s) => Some(
                ScaleKind::from_code(s)
                    .map_err(|_| AppError::bad_field("scale", format!("统计口径“{s}”无效")))?,
            ),
        };
        let above_scale = match nonempty(&self.above) {
            None => None,
            Some("1") | Some("true") => Some(true),
            Some("0") | Some("false") => Some(false),
            Some(s) => {
                return Err(AppError::bad_field(
                    "above",
                    format!("规模以上标志“{s}”无效：应为 1 或 0"),
                ))
            }
        };
        let page = id(&self.page, "page", "页码")?.unwrap_or(1);
        if page > 1_000_000 {
            return Err(AppError::bad_field(
                "page",
                "页码应为 1–1,000,000".to_string(),
            ));
        }
        let per_page = id(&self.per_page, "per_page", "每页条数")?.unwrap_or(0);
        if per_page > workflow::serve::enterprises::MAX_PER_PAGE {
            return Err(AppError::bad_field(
                "per_page",
                format!("每页最多 {} 条", workflow::serve::enterprises::MAX_PER_PAGE),
            ));
        }
        if let Some(code) = nonempty(&self.industry) {
            if !(2..=4).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AppError::bad_field(
                    "industry",
                    format!("行业代码“{code}”应为 2–4 位数字（大类、中类或小类）"),
                ));
            }
        }
        Ok(FirmSearch {
            region,
            text,
            industry: nonempty(&self.industry).map(str::to_string),
            town_id: id(&self.town, "town", "镇街")?,
            tag,
            scale_kind,
            above_scale,
            track_id: id(&self.track, "track", "产业赛道")?,
            page,
            per_page,
        })
    }
}
