//! Column kinds and the per-file samples the tests work on.

use super::psi::{BinCounts, union_distinct, value_counts};
use super::stattest::population_std;
use super::table::Column;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whole-number columns with at most this many distinct values (reference
/// and current together) are categorical.
pub const MAX_WHOLE_CATEGORIES: usize = 10;

/// How a column is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Numerical,
    Categorical,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Numerical => "numerical",
            ColumnKind::Categorical => "categorical",
        })
    }
}

/// The non-missing values of one column of one file.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    /// The numeric cells, sorted ascending.
    pub numbers: Vec<f64>,
    /// The text cells, sorted bytewise.
    pub texts: Vec<&'a [u8]>,
    /// Population standard deviation of the numbers (NaN when none).
    pub std: f64,
    /// The first text cell in file order and its row, for error messages.
    pub first_text: Option<(u64, &'a [u8])>,
}

impl<'a> Sample<'a> {
    /// Drops the missing cells of `column` and sorts what is left. The
    /// standard deviation is taken before sorting so its sum runs in file
    /// order, as numpy's does.
    pub fn new(column: &'a Column) -> Self {
        let mut numbers: Vec<f64> = Vec::with_capacity(column.number_count());
        numbers.extend(column.numbers());
        let std = population_std(&numbers);
        numbers.sort_unstable_by(f64::total_cmp);
        let mut texts: Vec<&[u8]> = column.texts().collect();
        texts.sort_unstable();
        Self { numbers, texts, std, first_text: column.first_text() }
    }

    /// Values left after dropping missing ones.
    pub fn len(&self) -> usize {
        self.numbers.len() + self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn has_text(&self) -> bool {
        !self.texts.is_empty()
    }
}

/// Kind of a column from its values when no option decides: numerical when
/// every value is a number, except that whole numbers with at most
/// [`MAX_WHOLE_CATEGORIES`] distinct values are categorical; anything with a
/// text value is categorical.
pub fn detect_kind(reference: &Sample, current: &Sample) -> ColumnKind {
    if reference.has_text() || current.has_text() {
        return ColumnKind::Categorical;
    }
    let whole = reference.numbers.iter().chain(&current.numbers).all(|x| x.fract() == 0.0);
    if whole && union_distinct(&reference.numbers, &current.numbers) <= MAX_WHOLE_CATEGORIES {
        ColumnKind::Categorical
    } else {
        ColumnKind::Numerical
    }
}

/// Counts per distinct value of both samples: numbers first, ascending, then
/// text values in byte order. A text cell never equals a number cell.
pub fn category_counts(reference: &Sample, current: &Sample) -> BinCounts {
    let mut bins = value_counts(&reference.numbers, &current.numbers, f64::total_cmp);
    let texts = value_counts(&reference.texts, &current.texts, |a, b| a.cmp(b));
    bins.reference.extend(texts.reference);
    bins.current.extend(texts.current);
    bins
}

#[cfg(test)]
mod tests {
    use super::*;
}
