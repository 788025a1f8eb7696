//! How big a file the readers accept. Every limit is checked before the reader allocates for
//! it, so a small hostile file (a cell at XFD1048576, a zip bomb, a 300 MB cell) is refused
//! with a message instead of taking the server's memory.

/// Limits on what [`crate::table::read_bytes_with`] reads. The defaults fit a county
/// statistics bureau's real workbooks with a wide margin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLimits {
    /// Largest file accepted, in bytes (the upload or the file on disk).
    pub max_file_bytes: u64,
    /// Largest total uncompressed size of all entries of an .xlsx (a zip container), in bytes,
    /// both as declared in the zip directory and as actually decompressed.
    pub max_decompressed_bytes: u64,
    /// Largest uncompressed size of one entry of an .xlsx (one sheet, the shared strings), in
    /// bytes, declared and actual.
    pub max_entry_bytes: u64,
    /// Most cells in the table as it is held in memory: the non-empty cells read, and every
    /// row counted as wide as its last non-empty cell.
    pub max_cells: u64,
    /// Most rows a sheet may reach: the last row of the declared `<dimension>` and of every
    /// non-empty cell (rows are streamed, only non-empty rows are kept).
    pub max_rows: u32,
    /// Most columns a sheet may reach: the last column of the declared `<dimension>` and of
    /// every non-empty cell; for a CSV the fields of a record.
    pub max_columns: u32,
    /// Longest text of one cell, in characters (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 32 * 1024 * 1024,
            max_decompressed_bytes: 256 * 1024 * 1024,
            max_entry_bytes: 128 * 1024 * 1024,
            max_cells: 2_000_000,
            max_rows: 1_048_576,
            max_columns: 256,
            max_cell_chars: 32_767,
        }
    }
}

impl ReadLimits {
    /// The longest single XML event (one text run, one tag) an .xlsx may hold: a cell of
    /// `max_cell_chars` characters, each written as a numeric character reference at worst,
    /// plus room for markup.
    pub(crate) fn max_xml_event_bytes(&self) -> u64 {
        (self.max_cell_chars as u64).saturating_mul(10) + 64 * 1024
    }
}
