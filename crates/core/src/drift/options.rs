//! What a comparison is asked to do.

use super::kinds::StatTest;

/// Options of a comparison (`drift::compare`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftOptions {
    /// Only these columns (every column both files have when empty); a
    /// name not in both files is an error.
    pub columns: Vec<String>,
    /// Columns to treat as categorical whatever their values.
    pub categorical: Vec<String>,
    /// Columns to treat as numerical (every value must then be a number).
    pub numerical: Vec<String>,
    /// One test for every column instead of the per-column default.
    pub stattest: Option<StatTest>,
    /// Threshold for every column's test instead of the test's default.
    pub threshold: Option<f64>,
}
