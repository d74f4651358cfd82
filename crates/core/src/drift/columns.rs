//! Column kinds and the per-file samples the tests work on.

use super::kinds::ColumnKind;
use super::psi::{BinCounts, union_distinct, value_counts};
use super::sort::sorted_floats;
use super::special::population_std;
use super::table::Column;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Whole-number columns with at most this many distinct values (reference
/// and current together) are categorical.
pub const MAX_WHOLE_CATEGORIES: usize = 10;

/// The non-missing values of one column of one file.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    /// The numeric cells, sorted ascending.
    pub numbers: Vec<f64>,
    /// Each distinct text cell with how often it occurs, in byte order.
    pub texts: Vec<(&'a [u8], u64)>,
    /// How many cells are text.
    pub text_cells: usize,
    /// The first text cell in file order and its row, for error messages.
    pub first_text: Option<(u64, &'a [u8])>,
}

/// Population standard deviation of a column's numbers (NaN when none),
/// summed in file order as numpy sums; only the reference's is ever needed
/// (it norms the Wasserstein distance).
pub fn file_order_std(column: &Column) -> f64 {
    match column.number_count() == column.values().len() {
        // A column with no gaps is its values.
        true => population_std(column.values()),
        false => population_std(&column.numbers().collect::<Vec<_>>()),
    }
}

impl<'a> Sample<'a> {
    /// Drops the missing cells of `column` and sorts what is left.
    pub fn new(column: &'a Column) -> Self {
        let numbers = sorted_floats(column.numbers(), column.number_count());
        // Counted, not sorted: a million cells of a few categories.
        let mut counts: HashMap<&[u8], u64, BuildHasherDefault<Fnv>> = HashMap::default();
        for t in column.texts() {
            *counts.entry(t).or_default() += 1;
        }
        let mut texts: Vec<(&[u8], u64)> = counts.into_iter().collect();
        texts.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Self {
            numbers,
            texts,
            text_cells: column.text_count(),
            first_text: column.first_text(),
        }
    }

    /// Values left after dropping missing ones.
    pub fn len(&self) -> usize {
        self.numbers.len() + self.text_cells
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
    let texts = merge_counts(&reference.texts, &current.texts);
    bins.reference.extend(texts.reference);
    bins.current.extend(texts.current);
    bins
}

/// Bins of two sorted lists of distinct values with their counts.
fn merge_counts(reference: &[(&[u8], u64)], current: &[(&[u8], u64)]) -> BinCounts {
    let mut out = BinCounts::default();
    let (mut r, mut c) = (reference.iter().peekable(), current.iter().peekable());
    loop {
        let (a, b) = match (r.peek(), c.peek()) {
            (None, None) => return out,
            (Some(x), None) => (x.1, 0),
            (None, Some(y)) => (0, y.1),
            (Some(x), Some(y)) => match x.0.cmp(y.0) {
                std::cmp::Ordering::Less => (x.1, 0),
                std::cmp::Ordering::Greater => (0, y.1),
                std::cmp::Ordering::Equal => (x.1, y.1),
            },
        };
        if a > 0 {
            r.next();
        }
        if b > 0 {
            c.next();
        }
        out.reference.push(a);
        out.current.push(b);
    }
}

/// FNV-1a: a fast hash for short keys such as category names (the
/// standard hasher resists flooding, which counting one's own file needs
/// not).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
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
