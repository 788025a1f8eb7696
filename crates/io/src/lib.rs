//! File input for EconOps: the statistics bureau's .csv and .xlsx sheets read into typed rows.
//!
//! Reading is separate from checking: [`table`] turns a file into rows of cells, whatever its
//! format and encoding; [`imports`] maps the contract's column names (and the bureau's Chinese
//! headers) onto those cells and checks every row, collecting every problem with its file,
//! sheet, row and column. An import with any problem writes nothing.

pub mod docx;
pub mod export;
pub mod firm_figures;
pub mod firms;
pub mod imports;
pub mod limits;
pub mod table;
mod xlsx;
pub mod xlsx_guard;

pub use limits::ReadLimits;
pub use table::{Cell, Row, Table};

use std::fmt;

/// Where a problem is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub sheet: Option<String>,
    /// The row as the user sees it (1-based, the header is row 1); 0 for the whole file.
    pub row: usize,
    /// The column's header as written in the file; empty for the whole row.
    pub column: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, " 工作表“{s}”")?;
        }
        if self.row > 0 {
            write!(f, " 第 {} 行", self.row)?;
        }
        if !self.column.is_empty() {
            write!(f, " “{}”列", self.column)?;
        }
        write!(f, "：{}", self.reason)
    }
}

/// Everything wrong with an import (at least one problem).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportErrors(pub Vec<RowError>);

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "导入被拒绝，共 {} 处错误，未写入任何数据：",
            self.0.len()
        )?;
        for (i, e) in self.0.iter().enumerate() {
            if i == 50 {
                writeln!(f, "  ……另有 {} 处错误", self.0.len() - 50)?;
                break;
            }
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl ImportErrors {
    pub fn single(file: &str, reason: impl Into<String>) -> Self {
        ImportErrors(vec![RowError {
            file: file.to_string(),
            sheet: None,
            row: 0,
            column: String::new(),
            reason: reason.into(),
        }])
    }
}
