//! CSV with a header row into a [`Table`].
//!
//! A file without quotes (what data pipelines usually write) is split into
//! one chunk of whole lines per core and each chunk is parsed by a plain
//! byte loop. Anything else, and any irregular line, goes through the `csv`
//! crate in one pass, which also words every error (file, row, what).

use super::error::DriftError;
use super::table::{Column, Table, Wanted};
use csv::{ByteRecord, ErrorKind, ReaderBuilder};
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// Files smaller than this are parsed on one thread: starting threads
/// would cost more than it saves.
const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// The largest CSV file read: it is read whole into memory, then parsed
/// (its columns take about as much again).
pub const MAX_CSV_BYTES: u64 = 1 << 30;

/// Loads a CSV file with a header row, every column.
pub fn load_csv(path: &Path) -> Result<Table, DriftError> {
    load_csv_columns(path, &Wanted::All)
}

/// Loads the wanted columns of a CSV file (the others are skipped unread).
pub fn load_csv_columns(path: &Path, wanted: &Wanted) -> Result<Table, DriftError> {
    let name = path.display().to_string();
    let bytes = crate::io::input_file::read_limited(path, MAX_CSV_BYTES)?;
    let threads = crate::io::threads::cores();
    if bytes.len() >= PARALLEL_MIN_BYTES
        && threads > 1
        && let Some(table) = read_chunked(&name, &bytes, wanted, threads)
    {
        return Ok(table);
    }
    read_csv_columns(&name, bytes.as_slice(), wanted)
}

/// Reads CSV with a header row from any reader; `name` is used in errors.
pub fn read_csv<R: Read>(name: &str, reader: R) -> Result<Table, DriftError> {
    read_csv_columns(name, reader, &Wanted::All)
}

/// The column names of a CSV file's header.
pub fn csv_header(path: &Path) -> Result<Vec<String>, DriftError> {
    let name = path.display().to_string();
    let file = crate::io::input_file::open_regular(path, MAX_CSV_BYTES)?;
    let mut rdr = ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file.take(MAX_CSV_BYTES));
    let headers = rdr.byte_headers().map_err(|e| csv_error(&name, e, 1))?;
    Ok(Header::parse(&name, headers)?.names)
}

/// A checked header: names (byte order mark stripped, UTF-8, unique).
struct Header {
    names: Vec<String>,
}

impl Header {
    fn parse(file: &str, headers: &ByteRecord) -> Result<Self, DriftError> {
        if headers.is_empty() {
            return Err(DriftError::NoHeader {
                file: file.to_string(),
            });
        }
        let mut seen = HashSet::new();
        let mut names = Vec::with_capacity(headers.len());
        for (i, raw) in headers.iter().enumerate() {
            // csv leaves a UTF-8 byte order mark on the first name.
            let raw = if i == 0 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            let name = std::str::from_utf8(raw)
                .map_err(|_| DriftError::HeaderNotUtf8 {
                    file: file.to_string(),
                    index: i + 1,
                })?
                .to_string();
            if !seen.insert(name.clone()) {
                return Err(DriftError::DuplicateColumn {
                    file: file.to_string(),
                    index: i + 1,
                    name,
                });
            }
            names.push(name);
        }
        Ok(Self { names })
    }

    /// For each field, the index of its column among the loaded ones.
    fn slots(&self, wanted: &Wanted) -> (Vec<Option<usize>>, Vec<Column>) {
        let mut columns = Vec::new();
        let slots = self
            .names
            .iter()
            .map(|n| {
                wanted.wants(n).then(|| {
                    columns.push(Column::new(n.clone()));
                    columns.len() - 1
                })
            })
            .collect();
        (slots, columns)
    }
}

/// The one-pass reader: every CSV the `csv` crate accepts.
pub fn read_csv_columns<R: Read>(
    name: &str,
    reader: R,
    wanted: &Wanted,
) -> Result<Table, DriftError> {
    let mut rdr = ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(reader);
    let headers = rdr.byte_headers().map_err(|e| csv_error(name, e, 1))?;
    let (slots, mut columns) = Header::parse(name, headers)?.slots(wanted);

    let mut record = ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(name, e, rows as u64 + 2)),
        }
        let row = record.position().map_or(rows as u64 + 2, |p| p.line());
        for (slot, field) in slots.iter().zip(record.iter()) {
            if let Some(i) = slot {
                columns[*i].push(field, row);
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(DriftError::NoRows {
            file: name.to_string(),
        });
    }
    Ok(Table::new(name.to_string(), columns, rows))
}

/// Parses a quote-free file in `chunks` pieces of whole lines at once.
/// None when the fast path does not apply (quotes, a lone carriage return,
/// a ragged line, no rows): the caller then reads it in one pass, which
/// reports any error precisely.
fn read_chunked(name: &str, bytes: &[u8], wanted: &Wanted, chunks: usize) -> Option<Table> {
    if bytes.contains(&b'"') {
        return None;
    }
    let header_end = bytes.iter().position(|&b| b == b'\n')? + 1;
    let mut rdr = ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[..header_end]);
    let header = Header::parse(name, rdr.byte_headers().ok()?).ok()?;
    let (slots, columns) = header.slots(wanted);
    let body = &bytes[header_end..];
    let pieces = split_at_lines(body, chunks);

    let parsed: Vec<Option<Chunk>> = crate::io::threads::map_in_order(pieces.len(), |k| {
        parse_lines(pieces[k], &slots, columns.clone())
    });

    // Rows are line numbers: the header is line 1.
    let mut merged = Chunk {
        columns,
        rows: 0,
        lines: 1,
    };
    for chunk in parsed {
        merged.append(chunk?);
    }
    if merged.rows == 0 {
        return None;
    }
    Some(Table::new(name.to_string(), merged.columns, merged.rows))
}

/// Up to `n` pieces of `body`, each ending just after a newline (or at the
/// end).
fn split_at_lines(body: &[u8], n: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..=n {
        let target = (body.len() * k / n).max(start);
        let end = match body[target..].iter().position(|&b| b == b'\n') {
            Some(i) if k < n => target + i + 1,
            _ => body.len(),
        };
        if end > start {
            pieces.push(&body[start..end]);
        }
        start = end;
        if start == body.len() {
            break;
        }
    }
    pieces
}

/// The columns of one piece of lines; text rows counted from its first line.
struct Chunk {
    columns: Vec<Column>,
    rows: usize,
    /// Lines in the piece (blank ones too), to number the next piece's.
    lines: u64,
}

impl Chunk {
    /// Appends the next piece, numbering its lines after this one's.
    fn append(&mut self, next: Chunk) {
        for (c, o) in self.columns.iter_mut().zip(next.columns) {
            c.append(o, self.lines);
        }
        self.rows += next.rows;
        self.lines += next.lines;
    }
}

/// Splits lines at commas in one pass over the bytes; None at anything the
/// fast path leaves to the `csv` crate (a field count unlike the header's,
/// a carriage return other than before a newline).
fn parse_lines(piece: &[u8], slots: &[Option<usize>], mut columns: Vec<Column>) -> Option<Chunk> {
    let (mut rows, mut lines) = (0usize, 0u64);
    let (mut field, mut start, mut line_start) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i <= piece.len() {
        let b = piece.get(i).copied().unwrap_or(b'\n');
        match b {
            b',' => {
                if let Some(column) = slots.get(field)? {
                    columns[*column].push(&piece[start..i], lines + 1);
                }
                field += 1;
                start = i + 1;
            }
            b'\n' => {
                let at_end = i == piece.len();
                // A line end, "\r\n" too; csv skips blank lines.
                let end = if i > start && piece[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                if end > line_start || field > 0 {
                    if field + 1 != slots.len() {
                        return None;
                    }
                    if let Some(column) = slots[field] {
                        columns[column].push(&piece[start..end], lines + 1);
                    }
                    rows += 1;
                }
                // The end of the piece ends a line only if one was begun.
                if !at_end || end > line_start {
                    lines += 1;
                }
                field = 0;
                start = i + 1;
                line_start = i + 1;
            }
            b'\r' if piece.get(i + 1) != Some(&b'\n') => return None,
            _ => {}
        }
        i += 1;
    }
    Some(Chunk {
        columns,
        rows,
        lines,
    })
}

/// Maps a csv error to a one-line [`DriftError`]; `fallback_row` is used
/// when the error carries no position.
fn csv_error(file: &str, err: csv::Error, fallback_row: u64) -> DriftError {
    let file = file.to_string();
    let message = err.to_string().replace('\n', " ");
    let row_of = |pos: Option<&csv::Position>| pos.map_or(fallback_row, |p| p.line());
    match err.into_kind() {
        ErrorKind::Io(source) => DriftError::Io { file, source },
        ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DriftError::Ragged {
            file,
            row: row_of(pos.as_ref()),
            expected: expected_len,
            found: len,
        },
        ErrorKind::Utf8 { pos, .. } => DriftError::Csv {
            file,
            row: row_of(pos.as_ref()),
            message,
        },
        _ => DriftError::Csv {
            file,
            row: fallback_row,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A quote-free CSV with numbers, text, blanks and a blank line.
    fn sample(rows: usize) -> String {
        let mut s = String::from("id,price,region,note\n");
        for i in 0..rows {
            let region = ["north", "south", ""][i % 3];
            let price = if i % 7 == 0 {
                "n/a".to_string()
            } else {
                format!("{}.{}", i, i % 10)
            };
            s += &format!("{i},{price},{region},x{}\n", i % 5);
            if i == rows / 2 {
                s += "\n";
            }
        }
        s
    }

    fn same(a: &Table, b: &Table) {
        assert_eq!(a.rows(), b.rows());
        assert_eq!(
            a.column_names().collect::<Vec<_>>(),
            b.column_names().collect::<Vec<_>>()
        );
        for (x, y) in a.columns().iter().zip(b.columns()) {
            let bits = |c: &Column| c.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(x), bits(y), "{}", x.name());
            assert_eq!(x.missing_count(), y.missing_count());
            assert_eq!(x.texts().collect::<Vec<_>>(), y.texts().collect::<Vec<_>>());
            assert_eq!(x.first_text(), y.first_text(), "{}", x.name());
        }
    }

    #[test]
    fn chunks_read_what_one_pass_reads_rows_included() {
        let text = sample(1000);
        let one = read_csv("t.csv", text.as_bytes()).expect("one pass");
        for n in [1, 2, 3, 7] {
            let chunked = read_chunked("t.csv", text.as_bytes(), &Wanted::All, n).expect("chunks");
            same(&one, &chunked);
        }
        // Text rows are line numbers: the header is line 1.
        let chunked = read_chunked("t.csv", text.as_bytes(), &Wanted::All, 3).expect("chunks");
        let price = chunked.column("price").expect("price");
        assert_eq!(price.first_text(), Some((2, b"n/a".as_slice())));
    }

    /// Windows line ends read the same values (the `csv` crate numbers
    /// their lines differently, so rows are not compared).
    #[test]
    fn crlf_lines_read_the_same_values() {
        let text = sample(300).replace('\n', "\r\n");
        let one = read_csv("t.csv", text.as_bytes()).expect("one pass");
        let chunked = read_chunked("t.csv", text.as_bytes(), &Wanted::All, 3).expect("chunks");
        assert_eq!(one.rows(), chunked.rows());
        for (x, y) in one.columns().iter().zip(chunked.columns()) {
            assert_eq!(x.texts().collect::<Vec<_>>(), y.texts().collect::<Vec<_>>());
            assert_eq!(x.missing_count(), y.missing_count());
        }
    }

    #[test]
    fn a_piece_counts_its_lines_blank_and_unterminated_ones_too() {
        let slots = [Some(0)];
        let count = |text: &str| {
            let c = parse_lines(text.as_bytes(), &slots, vec![Column::new("a".into())]).unwrap();
            (c.rows, c.lines)
        };
        assert_eq!(count("1\n2\n"), (2, 2));
        assert_eq!(count("1\n\n2"), (2, 3));
        assert_eq!(count("1\r\n2\r\n"), (2, 2));
        assert_eq!(count(""), (0, 0));
    }

    #[test]
    fn only_wanted_columns_are_loaded() {
        let text = sample(50);
        let wanted = vec!["region".to_string(), "id".to_string(), "absent".to_string()];
        let only = Wanted::Only(&wanted);
        let one = read_csv_columns("t.csv", text.as_bytes(), &only).expect("one pass");
        assert_eq!(one.column_names().collect::<Vec<_>>(), ["id", "region"]);
        let chunked = read_chunked("t.csv", text.as_bytes(), &only, 2).expect("chunks");
        same(&one, &chunked);
    }

    #[test]
    fn irregular_files_leave_the_fast_path() {
        for text in [
            "a,b\n1,\"2\"\n",
            "a,b\n1,2\n3\n",
            "a,b\n1,2\r3,4\n",
            "a,b\n",
        ] {
            assert!(
                read_chunked("t.csv", text.as_bytes(), &Wanted::All, 2).is_none(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_large_file_loads_in_chunks_and_a_ragged_one_names_its_row() {
        let dir = std::env::temp_dir().join(format!("nexml-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("big.csv");
        let mut text = sample(200_000);
        assert!(text.len() > PARALLEL_MIN_BYTES);
        std::fs::write(&path, &text).expect("write");
        same(
            &load_csv(&path).expect("load"),
            &read_csv("x", text.as_bytes()).expect("read"),
        );
        text.push_str("1,2\n");
        std::fs::write(&path, &text).expect("write");
        let err = load_csv(&path).expect_err("ragged").to_string();
        assert!(
            err.ends_with("row 200003: expected 4 fields, found 2"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
