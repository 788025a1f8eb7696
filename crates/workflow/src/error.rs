//! The one error of the application layer. Its messages are written for the user (Simplified
//! Chinese) except [`Error::Store`], whose cause is internal: front ends log it and say only
//! that something failed.

use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The region code names no region.
    #[error("地区 {0} 不存在")]
    UnknownRegion(String),
    /// The analysis needs an accounting model the region does not have for the year.
    #[error("{region} 尚无 {year} 年核算模型：请先导入核算模型")]
    NoModel { region: String, year: i32 },
    /// The analysis needs a GDP growth target the region does not have for the year.
    #[error("{region} 尚未设定 {year} 年地区生产总值增速目标：请在目标中设定")]
    NoTarget { region: String, year: i32 },
    /// The accounting could not be run on the data as it stands.
    #[error("{0}")]
    Analysis(#[from] analytics::AnalysisError),
    /// The indicator is not part of the analysis.
    #[error("指标“{0}”不在分析中")]
    UnknownIndicator(String),
    /// The pipeline contribution needs last year's GDP.
    #[error("缺少上年地区生产总值（指标 gdp 的“上年全年”），无法折算项目对增速的贡献")]
    NoGdpBase,
    /// An import was refused, with every problem and its place.
    #[error("{0}")]
    Rejected(#[from] io::ImportErrors),
    /// The actor may not do this.
    #[error("无权访问：{0}")]
    Forbidden(String),
    /// What was asked for does not exist (or is not the actor's to see).
    #[error("{0}不存在")]
    NotFound(String),
    /// The command is malformed; `field` names the input at fault.
    #[error("{detail}")]
    Invalid {
        detail: String,
        field: Option<String>,
    },
    /// The stored state forbids the command (a duplicate, a move out of order, a lost race).
    #[error("{0}")]
    Conflict(String),
    /// A second open shortfall for a region, indicator and period; names the first.
    #[error("{period} 的“{indicator_name}”已有未关闭的短板（短板 {existing_id}），请在该短板下继续工作，或先关闭它")]
    DuplicateShortfall {
        existing_id: i64,
        indicator_name: String,
        period: String,
    },
    /// The store failed or refused; see [`StoreError`].
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    pub fn invalid(detail: impl Into<String>) -> Self {
        Error::Invalid {
            detail: detail.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: &str, detail: impl Into<String>) -> Self {
        Error::Invalid {
            detail: detail.into(),
            field: Some(field.to_string()),
        }
    }
}

impl From<domain::bounds::OutOfRange> for Error {
    fn from(e: domain::bounds::OutOfRange) -> Self {
        Error::Invalid {
            detail: e.message,
            field: Some(e.field),
        }
    }
}
