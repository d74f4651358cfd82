//! The column store files load into (CSV in `csv.rs`, Parquet in
//! `parquet.rs`).
//!
//! Cells are parsed once, while reading: numbers go into one `Vec<f64>` per
//! column (NaN for a missing or non-numeric cell), and only the cells that
//! are text are kept as bytes, in one contiguous buffer per column. A purely
//! numerical column therefore costs 8 bytes a row and no allocation per cell.

/// Which columns of a file to load.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    All,
    /// These names; names the file lacks are left out, not an error.
    Only(&'a [String]),
}

impl<'a> Wanted<'a> {
    /// These columns; every column when the list is empty.
    pub fn of(columns: &'a [String]) -> Self {
        match columns.is_empty() {
            true => Wanted::All,
            false => Wanted::Only(columns),
        }
    }

    pub fn wants(&self, name: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

/// A loaded file: named columns of equal length.
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
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.' | b'i' | b'I' | b'n' | b'N'))
    {
        return Cell::Text;
    }
    let parsed = fast_decimal(t).or_else(|| std::str::from_utf8(t).ok()?.parse::<f64>().ok());
    match parsed {
        // Adding 0.0 turns -0.0 into 0.0, so zero is one category.
        Some(v) if v.is_finite() => Cell::Number(v + 0.0),
        Some(_) => Cell::Missing,
        None => Cell::Text,
    }
}

/// Exact powers of ten (all representable in f64).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Fast path for plain decimals (`[+-]digits[.digits]`, no exponent) whose
/// digits form an integer below 2^53 with at most 22 decimals: that integer
/// and the power of ten are exact doubles, so one IEEE division gives the
/// correctly rounded value, the same as `str::parse`. Returns `None` for
/// anything else, which then goes through `str::parse`.
fn fast_decimal(s: &[u8]) -> Option<f64> {
    let (negative, body) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut decimals: Option<usize> = None;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                // 19 digits cannot overflow a u64; longer inputs take the slow path.
                if digits == 19 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if let Some(d) = decimals.as_mut() {
                    *d += 1;
                }
            }
            b'.' if decimals.is_none() => decimals = Some(0),
            _ => return None,
        }
    }
    let decimals = decimals.unwrap_or(0);
    if digits == 0 || mantissa >= 1 << 53 || decimals >= POW10.len() {
        return None;
    }
    let value = mantissa as f64 / POW10[decimals];
    Some(if negative { -value } else { value })
}

impl Column {
    pub(super) fn new(name: String) -> Self {
        Self::with_capacity(name, 0)
    }

    /// A column with room for `rows` cells (no reallocation while filling).
    pub(super) fn with_capacity(name: String, rows: usize) -> Self {
        Self {
            name,
            values: Vec::with_capacity(rows),
            missing: 0,
            text: TextCells::default(),
        }
    }

    /// A column of typed numbers read in one piece (a binary format's
    /// floats), kept in their own buffer: NaN and infinities are missing,
    /// as `push_number` has them.
    pub(super) fn from_numbers(name: String, mut values: Vec<f64>) -> Self {
        let mut missing = 0;
        for v in &mut values {
            if v.is_finite() {
                *v += 0.0;
            } else {
                *v = f64::NAN;
                missing += 1;
            }
        }
        Self {
            name,
            values,
            missing,
            text: TextCells::default(),
        }
    }

    /// Appends a raw cell (text as read), classified by [`parse_cell`].
    #[inline]
    pub(super) fn push(&mut self, raw: &[u8], row: u64) {
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

    /// Appends a typed number (from a binary format): NaN and infinities
    /// are missing, as they are in text.
    pub(super) fn push_number(&mut self, v: f64) {
        if v.is_finite() {
            self.values.push(v + 0.0);
        } else {
            self.push_missing();
        }
    }

    pub(super) fn push_missing(&mut self) {
        self.values.push(f64::NAN);
        self.missing += 1;
    }

    /// Appends the cells of `other`, read after this column's; its text
    /// cells' rows move down by `row_offset`.
    pub(super) fn append(&mut self, other: Column, row_offset: u64) {
        let base = self.text.bytes.len();
        self.values.extend_from_slice(&other.values);
        self.missing += other.missing;
        self.text.bytes.extend_from_slice(&other.text.bytes);
        self.text
            .ends
            .extend(other.text.ends.iter().map(|e| e + base));
        self.text
            .rows
            .extend(other.text.rows.iter().map(|r| r + row_offset));
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
        starts
            .zip(self.text.ends.iter().copied())
            .map(|(s, e)| &self.text.bytes[s..e])
    }

    /// The first text cell and its row, if any.
    pub fn first_text(&self) -> Option<(u64, &[u8])> {
        let end = *self.text.ends.first()?;
        Some((*self.text.rows.first()?, &self.text.bytes[..end]))
    }
}

impl Table {
    pub(super) fn new(name: String, columns: Vec<Column>, rows: usize) -> Self {
        Self {
            name,
            columns,
            rows,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::super::csv::{load_csv, read_csv};
    use super::super::error::DriftError;
    use super::*;
    use std::io::Read;
    use std::path::Path;

    fn read(text: &str) -> Result<Table, DriftError> {
        read_csv("t.csv", text.as_bytes())
    }

    fn message(text: &str) -> String {
        match read(text) {
            Ok(_) => panic!("expected an error for {text:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn cells_are_numbers_missing_or_text() {
        for raw in [
            "",
            "  ",
            "NaN",
            "nan",
            "NAN",
            "inf",
            "-inf",
            "INF",
            "-Infinity",
            "+inf",
        ] {
            assert_eq!(parse_cell(raw.as_bytes()), Cell::Missing, "{raw:?}");
        }
        assert_eq!(parse_cell(b" 1.5 "), Cell::Number(1.5));
        assert_eq!(parse_cell(b"-2e3"), Cell::Number(-2000.0));
        assert_eq!(parse_cell(b".5"), Cell::Number(0.5));
        assert_eq!(parse_cell(b"-0"), Cell::Number(0.0));
        assert!(matches!(parse_cell(b"-0"), Cell::Number(z) if z.is_sign_positive()));
        for raw in ["abc", "1.2.3", "n/a", "none", "12a", "\u{e9}"] {
            assert_eq!(parse_cell(raw.as_bytes()), Cell::Text, "{raw:?}");
        }
    }

    #[test]
    fn fast_decimal_path_agrees_with_str_parse() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let int = next() % 10u64.pow((next() % 17) as u32 + 1);
            let decimals = (next() % 24) as usize;
            let digits = format!("{int:0>width$}", width = decimals + 1);
            let (whole, frac) = digits.split_at(digits.len() - decimals);
            let sign = ["", "-", "+"][(next() % 3) as usize];
            let text = format!("{sign}{whole}.{frac}");
            let want: f64 = text.parse().unwrap_or(f64::NAN);
            if let Some(got) = fast_decimal(text.as_bytes()) {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            }
            assert_eq!(
                parse_cell(text.as_bytes()),
                Cell::Number(want + 0.0),
                "{text}"
            );
        }
        for text in [
            "",
            "-",
            ".",
            "1.2.3",
            "1e5",
            "12345678901234567890",
            "--1",
            "1-",
        ] {
            assert_eq!(fast_decimal(text.as_bytes()), None, "{text:?}");
        }
        assert_eq!(fast_decimal(b"-12.50"), Some(-12.5));
        assert_eq!(fast_decimal(b"7."), Some(7.0));
        assert_eq!(fast_decimal(b".25"), Some(0.25));
    }

    #[test]
    fn reads_columns_with_missing_and_text() {
        let t = read("a,b,c\n1,x,\n2,NaN,3.5\n,\"y, z\",inf\n").expect("valid");
        assert_eq!(t.rows(), 3);
        assert_eq!(t.column_names().collect::<Vec<_>>(), ["a", "b", "c"]);
        let a = t.column("a").expect("a");
        assert_eq!(a.numbers().collect::<Vec<_>>(), [1.0, 2.0]);
        assert_eq!(
            (a.missing_count(), a.text_count(), a.present_count()),
            (1, 0, 2)
        );
        let b = t.column("b").expect("b");
        assert_eq!(
            b.texts().collect::<Vec<_>>(),
            [b"x".as_slice(), b"y, z".as_slice()]
        );
        assert_eq!(b.first_text(), Some((2, b"x".as_slice())));
        assert_eq!(b.missing_count(), 1);
        let c = t.column("c").expect("c");
        assert_eq!(c.numbers().collect::<Vec<_>>(), [3.5]);
        assert_eq!(c.values().len(), 3);
    }

    #[test]
    fn strips_byte_order_mark() {
        let t = read("\u{feff}id,v\n1,2\n").expect("valid");
        assert_eq!(t.column_names().collect::<Vec<_>>(), ["id", "v"]);
    }

    #[test]
    fn ragged_row_names_file_and_row() {
        assert_eq!(
            message("a,b,c\n1,2,3\n4,5\n"),
            "t.csv: row 3: expected 3 fields, found 2"
        );
        assert_eq!(
            message("a,b\n1,2\n3,4\n5,6,7\n"),
            "t.csv: row 4: expected 2 fields, found 3"
        );
    }

    #[test]
    fn header_only_and_empty_files() {
        assert_eq!(message("a,b\n"), "t.csv: header only, no data rows");
        assert_eq!(message(""), "t.csv: empty file, no header row");
    }

    #[test]
    fn bad_headers() {
        assert_eq!(
            message("a,b,a\n1,2,3\n"),
            "t.csv: row 1, column 3: duplicate column name \"a\""
        );
        let err = read_csv("t.csv", b"a,\xff\n1,2\n".as_slice()).expect_err("bad utf-8");
        assert_eq!(
            err.to_string(),
            "t.csv: row 1, column 2: column name is not valid UTF-8"
        );
    }

    #[test]
    fn missing_and_unreadable_files() {
        let err = load_csv(Path::new("/nonexistent/ref.csv")).expect_err("missing");
        let msg = err.to_string();
        assert!(
            msg.starts_with("/nonexistent/ref.csv: cannot read: "),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
        // A folder (or a device, a FIFO) is refused before it is read.
        let err = load_csv(Path::new("/")).expect_err("directory");
        assert!(
            err.to_string().starts_with("/: not a regular file"),
            "{err}"
        );
    }

    #[test]
    fn reader_errors_surface_as_io() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let err = read_csv("x.csv", Failing).expect_err("io");
        assert_eq!(err.to_string(), "x.csv: cannot read: disk on fire");
    }
}
