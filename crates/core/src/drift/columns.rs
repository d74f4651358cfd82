//! Column kinds and the per-file samples the tests work on.

use super::kinds::ColumnKind;
use super::psi::{BinCounts, union_distinct, value_counts};
use super::sort::sort_floats;
use super::special::population_std;
use super::table::Column;

/// Whole-number columns with at most this many distinct values (reference
/// and current together) are categorical.
pub const MAX_WHOLE_CATEGORIES: usize = 10;

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
        sort_floats(&mut numbers);
        let mut texts: Vec<&[u8]> = column.texts().collect();
        texts.sort_unstable();
        Self {
            numbers,
            texts,
            std,
            first_text: column.first_text(),
        }
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
    let whole = reference
        .numbers
        .iter()
        .chain(&current.numbers)
        .all(|x| x.fract() == 0.0);
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
    use super::super::csv::read_csv;
    use super::super::table::Table;
    use super::*;

    fn read(text: &str) -> Table {
        match read_csv("t.csv", text.as_bytes()) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    fn kind(reference: &str, current: &str) -> ColumnKind {
        let (r, c) = (read(reference), read(current));
        let (rc, cc) = (&r.columns()[0], &c.columns()[0]);
        detect_kind(&Sample::new(rc), &Sample::new(cc))
    }

    fn csv_of(values: &[&str]) -> String {
        let mut s = String::from("x\n");
        for v in values {
            s.push_str(v);
            s.push('\n');
        }
        s
    }

    #[test]
    fn whole_numbers_with_few_values_are_categorical() {
        // 10 distinct whole numbers across both files: categorical
        let r = csv_of(&["1", "2", "3", "4", "5"]);
        let c = csv_of(&["6", "7", "8", "9", "10.0"]);
        assert_eq!(kind(&r, &c), ColumnKind::Categorical);
        // 11 distinct: numerical
        let c = csv_of(&["6", "7", "8", "9", "10", "11"]);
        assert_eq!(kind(&r, &c), ColumnKind::Numerical);
    }

    #[test]
    fn fractions_are_numerical_and_text_is_categorical() {
        assert_eq!(
            kind(&csv_of(&["1.5", "2"]), &csv_of(&["1"])),
            ColumnKind::Numerical
        );
        assert_eq!(
            kind(&csv_of(&["1.5", "2"]), &csv_of(&["1", "b"])),
            ColumnKind::Categorical
        );
        // Missing values do not count as text.
        assert_eq!(
            kind(&csv_of(&["1.5", "NaN", ""]), &csv_of(&["1", "inf"])),
            ColumnKind::Numerical
        );
    }

    #[test]
    fn categories_put_numbers_before_text() {
        let r = read(&csv_of(&["b", "2", "10", "a", "2"]));
        let c = read(&csv_of(&["a", "2.0", "c"]));
        let (rs, cs) = (Sample::new(&r.columns()[0]), Sample::new(&c.columns()[0]));
        let bins = category_counts(&rs, &cs);
        // keys: 2, 10, "a", "b", "c"
        assert_eq!(bins.reference, [2, 1, 1, 1, 0]);
        assert_eq!(bins.current, [1, 0, 1, 0, 1]);
        assert_eq!(rs.len(), 5);
    }
}
