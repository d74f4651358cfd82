//! Data files by extension (`.parquet`/`.pq` are Parquet, the rest CSV),
//! loading only the columns wanted, and a reference and a current file at
//! once.

use super::csv::{csv_header, load_csv_columns};
use super::error::DriftError;
use super::parquet::{load_parquet, parquet_columns};
use super::table::{Table, Wanted};
use std::path::Path;

/// How a data file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    /// Parquet for `.parquet` and `.pq`, else CSV.
    pub fn of(path: &Path) -> Format {
        match extension(path).as_deref() {
            Some("parquet" | "pq") => Format::Parquet,
            _ => Format::Csv,
        }
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Whether a file in a folder of batches is data (`.csv`, `.parquet`, `.pq`).
pub fn is_data_file(path: &Path) -> bool {
    matches!(extension(path).as_deref(), Some("csv" | "parquet" | "pq"))
}

/// Loads the wanted columns of a CSV or Parquet file.
pub fn load_table(path: &Path, wanted: &Wanted) -> Result<Table, DriftError> {
    match Format::of(path) {
        Format::Csv => load_csv_columns(path, wanted),
        Format::Parquet => load_parquet(path, wanted),
    }
}

/// The column names of a file, read from its header or schema alone.
pub fn column_names(path: &Path) -> Result<Vec<String>, DriftError> {
    match Format::of(path) {
        Format::Csv => csv_header(path),
        Format::Parquet => parquet_columns(path),
    }
}

/// Loads a reference and a current file side by side. With
/// [`Wanted::All`] only the columns both files have are read (drift
/// compares nothing else).
pub fn load_pair(
    reference: &Path,
    current: &Path,
    wanted: &Wanted,
) -> Result<(Table, Table), DriftError> {
    let shared: Vec<String>;
    let wanted = match wanted {
        Wanted::All => {
            let theirs = column_names(current)?;
            shared = column_names(reference)?
                .into_iter()
                .filter(|n| theirs.contains(n))
                .collect();
            if shared.is_empty() {
                return Err(DriftError::NoSharedColumns {
                    reference: reference.display().to_string(),
                    current: current.display().to_string(),
                });
            }
            Wanted::Only(&shared)
        }
        only => *only,
    };
    let (current, reference) = crate::io::threads::join(
        || load_table(current, &wanted),
        || load_table(reference, &wanted),
    );
    Ok((reference?, current?))
}
