//! The region, year and period a user is looking at, chosen once in the top bar and kept
//! across pages in a cookie. A `?region=…&period=2025-09` query changes it.

use crate::auth::{cookie, CurrentUser};
use crate::error::AppError;
use crate::AppState;
use axum::http::HeaderMap;
use domain::Period;
use serde::Deserialize;
use store::reference::Region;

pub(crate) const VIEW_COOKIE: &str = "econops_view";

#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    pub region: Option<String>,
    pub period: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ViewContext {
    pub region: Region,
    pub period: Period,
    /// The last day of the period, "2025-09-30": actual values as of this date are shown.
    pub as_of: String,
    pub regions: Vec<Region>,
    /// (value, label) of the periods offered in the top bar.
    pub periods: Vec<(String, String)>,
    /// A `Set-Cookie` value when the query changed the view.
    pub set_cookie: Option<String>,
    /// The user's unread notifications, for the top bar's badge. Reading or receiving one
    /// moves the data version, so a cached page never shows a stale count.
    pub unread: i64,
}

impl ViewContext {
    pub fn year(&self) -> i32 {
        self.period.year()
    }

    pub fn elapsed(&self) -> f64 {
        self.period.elapsed_share()
    }

    pub fn period_label(&self) -> String {
        format!("{} 年 {}", self.period.year(), self.period.label())
    }

    pub async fn resolve(
        state: &AppState,
        user: &CurrentUser,
        headers: &HeaderMap,
        query: &ViewQuery,
    ) -> Result<Self, AppError> {
        let store = &state.store;
        let saved = cookie(headers, VIEW_COOKIE);
        let (saved_region, saved_period) = saved
            .as_deref()
            .and_then(|s| s.split_once('|'))
            .map(|(r, p)| (Some(r.to_string()), Some(p.to_string())))
            .unwrap_or((None, None));
        let regions: Vec<Region> = store
            .list_regions()
            .await?
            .into_iter()
            .filter(|r| r.code.len() == 6 && !r.code.ends_with("00"))
            .collect();
        let wanted = query
            .region
            .clone()
            .or(saved_region)
            .or(user.user.region_code.clone());
        let region = match wanted.and_then(|w| regions.iter().find(|r| r.code == w).cloned()) {
            Some(r) => r,
            None => match store.default_region().await? {
                Some(r) => r,
                None => regions.first().cloned().ok_or_else(|| {
                    AppError::NotFound("地区（请先用 econops region add 添加）".into())
                })?,
            },
        };
        if let Some(q) = &query.region {
            if *q != region.code {
                return Err(AppError::bad_field(
                    "region",
                    format!("地区代码“{q}”不存在"),
                ));
            }
        }
        let period = match &query.period {
            Some(p) => {
                Period::parse(p).map_err(|e| AppError::bad_field("period", e.to_string()))?
            }
            None => match saved_period.and_then(|p| Period::parse(&p).ok()) {
                Some(p) => p,
                None => default_period(state, &region.code).await?,
            },
        };
        // January is answered as 1–2 月, as the bureau publishes it.
        let period = domain::observed::as_published(period);
        // The picker offers the periods that have data; without any, every month of the years
        // with targets.
        let with_data = workflow::figures::periods_with_data(store, &region.code).await?;
        let mut periods: Vec<(String, String)> = with_data
            .iter()
            .map(|p| (p.to_string(), format!("{} 年 {}", p.year(), p.label())))
            .collect();
        if periods.is_empty() {
            let mut years = store.target_years(&region.code).await?;
            if !years.contains(&i64::from(period.year())) {
                years.push(i64::from(period.year()));
            }
            years.sort_unstable_by(|a, b| b.cmp(a));
            for y in years {
                for m in 1..=12u32 {
                    if let Ok(p) = Period::month(y as i32, m) {
                        periods.push((p.to_string(), format!("{y} 年 {}", p.label())));
                    }
                }
            }
        } else if !with_data.contains(&period) {
            // The period shown stays selectable even without data of its own.
            periods.insert(
                0,
                (
                    period.to_string(),
                    format!("{} 年 {}（无统计数据）", period.year(), period.label()),
                ),
            );
        }
        let set_cookie = (query.region.is_some() || query.period.is_some()).then(|| {
            format!(
                "{VIEW_COOKIE}={}|{period}; Path=/; SameSite=Lax; Max-Age=31536000",
                region.code
            )
        });
        let unread = store.unread_notifications(user.user.id).await?;
        Ok(Self {
            unread,
            as_of: domain::period::format_date(period.end_date()),
            region,
            period,
            regions,
            periods,
            set_cookie,
        })
    }
}

/// The latest month with reported actual values, or the last complete month of today.
async fn default_period(state: &AppState, region: &str) -> Result<Period, AppError> {
    let store = &state.store;
    let today = store.now().date();
    let years = store.target_years(region).await?;
    for y in years {
        if let Some(date) = store.latest_actual_date(region, y as i32).await? {
            if let Ok(d) = domain::period::parse_date(&date) {
                let month = d.month() as u32;
                if let Ok(p) = Period::month(d.year(), month) {
                    return Ok(p);
                }
            }
        }
    }
    Ok(Period::last_complete_month_before(today)
        .or_else(|| Period::month(today.year() - 1, 12).ok())
        .unwrap_or(Period::Month {
            year: today.year(),
            month: 1,
        }))
}
