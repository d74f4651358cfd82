//! The error type of the drift module. Every message is one line and names
//! the file, and where it applies the row (the line number in the file where
//! the record starts, the header being row 1) and the column.

use super::kinds::{StatTest, UnknownStatTest};

#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: row {row}: expected {expected} fields, found {found}")]
    Ragged {
        file: String,
        row: u64,
        expected: u64,
        found: u64,
    },
    #[error("{file}: row {row}: {message}")]
    Csv {
        file: String,
        row: u64,
        message: String,
    },
    #[error("{file}: not readable as Parquet: {message}")]
    Parquet { file: String, message: String },
    #[error("{file}: empty file, no header row")]
    NoHeader { file: String },
    #[error("{file}: header only, no data rows")]
    NoRows { file: String },
    #[error("{file}: no rows")]
    NoParquetRows { file: String },
    #[error("{file}: row 1, column {index}: column name is not valid UTF-8")]
    HeaderNotUtf8 { file: String, index: usize },
    #[error("{file}: row 1, column {index}: duplicate column name {name:?}")]
    DuplicateColumn {
        file: String,
        index: usize,
        name: String,
    },
    #[error("no shared columns: {reference} and {current} have no column name in common")]
    NoSharedColumns { reference: String, current: String },
    #[error("{file}: column {column:?}: every value is missing")]
    EmptyColumn { file: String, column: String },
    #[error("{file}: row {row}, column {column:?}: {value:?} is not a number")]
    NotANumber {
        file: String,
        row: u64,
        column: String,
        value: String,
    },
    /// A text value in a column the reference holds only numbers in: the
    /// reference decides a column's kind, so this is a bad value, not a
    /// new category.
    #[error(
        "{file}: row {row}, column {column:?}: {value:?} is not a number (the column holds numbers in {reference})"
    )]
    NotANumberAsInReference {
        file: String,
        row: u64,
        column: String,
        value: String,
        reference: String,
    },
    #[error("column {column:?} is listed as both categorical and numerical")]
    ConflictingKind { column: String },
    #[error("column {column:?} given as {option} is not in both files")]
    UnknownColumn {
        column: String,
        option: &'static str,
    },
    #[error("{file}: row {row}, column {column:?}: test {test} needs numbers, found {value:?}")]
    TestNeedsNumbers {
        file: String,
        row: u64,
        column: String,
        test: StatTest,
        value: String,
    },
    #[error(transparent)]
    UnknownStatTest(#[from] UnknownStatTest),
    /// Not a regular file, or over the size limit.
    #[error(transparent)]
    Input(#[from] crate::io::input_file::InputFileError),
}

/// Raw cell bytes as a short, printable string for an error message.
pub(super) fn show_bytes(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}...")
    } else {
        text.into_owned()
    }
}
