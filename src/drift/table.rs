//! CSV loading into a column store.
//!
//! Cells are parsed once, while reading: numbers go into one `Vec<f64>` per
//! column (NaN for a missing or non-numeric cell), and only the cells that
//! are text are kept as bytes, in one contiguous buffer per column. A purely
//! numerical column therefore costs 8 bytes a row and no allocation per cell.

use super::error::DriftError;
use csv::{ByteRecord, ErrorKind, ReaderBuilder};
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// A loaded CSV file: named columns of equal length.
#[derive(Debug, Clone)]
pub struct Table {
    name: String,
    columns: Vec<Column>,
    rows: usize,
}

/// One column. Every cell is a number, missing, or text.
///
/// A cell is missing when it is empty (after trimming ASCII whitespace) or
/// parses as a non-finite number (`NaN`, `inf`, `-inf`, `infinity`, in any
/// case); it is a number when it parses as a finite `f64`; otherwise text.
#[derive(Debug, Clone)]
pub struct Column {
    name: String,
    values: Vec<f64>,
    missing: usize,
    text: TextCells,
}

/// The text cells of a column, in file order: bytes back to back, the end
/// offset of each, and the row (line number) it came from.
#[derive(Debug, Clone, Default)]
struct TextCells {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    rows: Vec<u64>,
}

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Missing,
    Number(f64),
    Text,
}

/// Classifies one raw cell (see [`Column`]).
pub fn parse_cell(raw: &[u8]) -> Cell {
    let t = raw.trim_ascii();
    let Some(&first) = t.first() else {
        return Cell::Missing;
    };
    // Anything a float can start with: digits, sign, point, or the first
    // letter of inf/infinity/nan. Other cells are text without further work.
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.' | b'i' | b'I' | b'n' | b'N')) {
        return Cell::Text;
    }
    match std::str::from_utf8(t).ok().and_then(|s| s.parse::<f64>().ok()) {
        // Adding 0.0 turns -0.0 into 0.0, so zero is one category.
        Some(v) if v.is_finite() => Cell::Number(v + 0.0),
        Some(_) => Cell::Missing,
        None => Cell::Text,
    }
}

impl Column {
    fn new(name: String) -> Self {
        Self { name, values: Vec::new(), missing: 0, text: TextCells::default() }
    }

    #[inline]
    fn push(&mut self, raw: &[u8], row: u64) {
        match parse_cell(raw) {
            Cell::Number(v) => self.values.push(v),
            Cell::Missing => {
                self.values.push(f64::NAN);
                self.missing += 1;
            }
            Cell::Text => {
                self.values.push(f64::NAN);
                self.text.bytes.extend_from_slice(raw);
                self.text.ends.push(self.text.bytes.len());
                self.text.rows.push(row);
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// One value per row: the number, or NaN when the cell is missing or text.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The numbers of the column in file order (missing and text skipped).
    pub fn numbers(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().copied().filter(|v| !v.is_nan())
    }

    /// How many cells are numbers.
    pub fn number_count(&self) -> usize {
        self.values.len() - self.missing - self.text.ends.len()
    }

    /// How many cells are missing.
    pub fn missing_count(&self) -> usize {
        self.missing
    }

    /// How many cells are text (neither a number nor missing).
    pub fn text_count(&self) -> usize {
        self.text.ends.len()
    }

    /// Cells that are not missing.
    pub fn present_count(&self) -> usize {
        self.values.len() - self.missing
    }

    /// The text cells, raw bytes in file order.
    pub fn texts(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.text.ends.iter().copied());
        starts.zip(self.text.ends.iter().copied()).map(|(s, e)| &self.text.bytes[s..e])
    }

    /// The first text cell and its row, if any.
    pub fn first_text(&self) -> Option<(u64, &[u8])> {
        let end = *self.text.ends.first()?;
        Some((*self.text.rows.first()?, &self.text.bytes[..end]))
    }
}

impl Table {
    /// The name used in error messages (usually the path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Data rows (the header excluded).
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.columns.iter().map(|c| c.name.as_str())
    }
}

/// Loads a CSV file with a header row.
pub fn load_csv(path: &Path) -> Result<Table, DriftError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| DriftError::Io { file: name.clone(), source })?;
    read_csv(&name, file)
}

/// Reads CSV with a header row from any reader; `name` is used in errors.
pub fn read_csv<R: Read>(name: &str, reader: R) -> Result<Table, DriftError> {
    let mut rdr = ReaderBuilder::new().has_headers(true).buffer_capacity(1 << 20).from_reader(reader);
    let headers = rdr.byte_headers().map_err(|e| csv_error(name, e, 1))?.clone();
    if headers.is_empty() {
        return Err(DriftError::NoHeader { file: name.to_string() });
    }
    let mut seen = HashSet::new();
    let mut columns = Vec::with_capacity(headers.len());
    for (i, raw) in headers.iter().enumerate() {
        // csv leaves a UTF-8 byte order mark on the first name.
        let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
        let column_name = std::str::from_utf8(raw)
            .map_err(|_| DriftError::HeaderNotUtf8 { file: name.to_string(), index: i + 1 })?
            .to_string();
        if !seen.insert(column_name.clone()) {
            return Err(DriftError::DuplicateColumn { file: name.to_string(), index: i + 1, name: column_name });
        }
        columns.push(Column::new(column_name));
    }

    let mut record = ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(name, e, rows as u64 + 2)),
        }
        let row = record.position().map_or(rows as u64 + 2, |p| p.line());
        for (column, field) in columns.iter_mut().zip(record.iter()) {
            column.push(field, row);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(DriftError::NoRows { file: name.to_string() });
    }
    Ok(Table { name: name.to_string(), columns, rows })
}

/// Maps a csv error to a one-line [`DriftError`]; `fallback_row` is used
/// when the error carries no position.
fn csv_error(file: &str, err: csv::Error, fallback_row: u64) -> DriftError {
    let file = file.to_string();
    let row_of = |pos: Option<&csv::Position>| pos.map_or(fallback_row, |p| p.line());
    match err.into_kind() {
        ErrorKind::Io(source) => DriftError::Io { file, source },
        ErrorKind::UnequalLengths { pos, expected_len, len } => {
            DriftError::Ragged { file, row: row_of(pos.as_ref()), expected: expected_len, found: len }
        }
        ErrorKind::Utf8 { pos, err } => DriftError::Csv { file, row: row_of(pos.as_ref()), message: err.to_string() },
        other => {
            let message = format!("{:?}", other).replace('\n', " ");
            DriftError::Csv { file, row: fallback_row, message }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
}
