//! Parquet into a [`Table`]: only the wanted columns' chunks are read, one
//! column per core at a time, each row group in turn.
//!
//! Cells become what the same data exported to CSV would give: numbers
//! (integers, floats, decimals scaled) are numbers; strings are classified
//! like CSV cells (so "12.5" stored as text is a number); booleans are the
//! categories `true`/`false`; dates read `2026-11-28` and timestamps
//! RFC 3339 text, which freshness reads. Nulls, NaN and infinities are
//! missing. Nested (repeated) columns are left out: drift is measured on
//! flat ones.

use super::error::DriftError;
use super::table::{Column, Table, Wanted};
use crate::io::File;
use crate::io::threads::map_in_order;
use chrono::{DateTime, NaiveDate, SecondsFormat};
use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;
use std::path::Path;

/// The largest Parquet file read (only the wanted columns' chunks are).
pub const MAX_PARQUET_BYTES: u64 = 8 << 30;

/// The flat columns of a Parquet file, in schema order.
pub fn parquet_columns(path: &Path) -> Result<Vec<String>, DriftError> {
    let reader = open(path)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    Ok(schema
        .columns()
        .iter()
        .filter(|c| decoding(c).is_some())
        .map(|c| c.path().string())
        .collect())
}

/// Loads the wanted columns of a Parquet file.
pub fn load_parquet(path: &Path, wanted: &Wanted) -> Result<Table, DriftError> {
    let name = path.display().to_string();
    let reader = open(path)?;
    let metadata = reader.metadata();
    let rows = usize::try_from(metadata.file_metadata().num_rows()).unwrap_or(0);
    let schema = metadata.file_metadata().schema_descr_ptr();
    let chosen: Vec<(usize, String, Decode)> = schema
        .columns()
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let column = c.path().string();
            let decode = decoding(c)?;
            wanted.wants(&column).then_some((i, column, decode))
        })
        .collect();
    if rows == 0 {
        return Err(DriftError::NoParquetRows { file: name });
    }

    // One column per core at a time, each read through its own handle.
    let read = map_in_order(chosen.len(), |k| {
        let (index, column, decode) = &chosen[k];
        let reader = open(path)?;
        read_column(&reader, *index, column, *decode).map_err(|e| parquet_error(&name, e))
    });
    let columns = read.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(Table::new(name, columns, rows))
}

fn open(path: &Path) -> Result<SerializedFileReader<File>, DriftError> {
    let name = path.display().to_string();
    let file = crate::io::input_file::open_regular(path, MAX_PARQUET_BYTES)?;
    SerializedFileReader::new(file).map_err(|e| parquet_error(&name, e))
}

fn parquet_error(file: &str, e: parquet::errors::ParquetError) -> DriftError {
    DriftError::Parquet {
        file: file.to_string(),
        message: e.to_string().replace('\n', " "),
    }
}

/// How a column's stored values become cells.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decode {
    /// Divided by 10^scale (0 for plain numbers).
    Number {
        scale: i32,
    },
    Text,
    Bool,
    /// Days since 1970-01-01.
    Date,
    /// Units since the epoch, `per_second` of them a second.
    Timestamp {
        per_second: i64,
    },
}

/// How to read a column; None for a nested (repeated) one.
fn decoding(c: &ColumnDescriptor) -> Option<Decode> {
    if c.max_rep_level() > 0 {
        return None;
    }
    let scale = c.type_scale().max(0);
    let decode = match (c.logical_type_ref(), c.converted_type()) {
        (Some(LogicalType::Timestamp(t)), _) => Decode::Timestamp {
            per_second: match t.unit {
                TimeUnit::MILLIS => 1_000,
                TimeUnit::MICROS => 1_000_000,
                TimeUnit::NANOS => 1_000_000_000,
            },
        },
        (_, ConvertedType::TIMESTAMP_MILLIS) => Decode::Timestamp { per_second: 1_000 },
        (_, ConvertedType::TIMESTAMP_MICROS) => Decode::Timestamp {
            per_second: 1_000_000,
        },
        (Some(LogicalType::Date), _) | (_, ConvertedType::DATE) => Decode::Date,
        (Some(LogicalType::Decimal { .. }), _) | (_, ConvertedType::DECIMAL) => {
            Decode::Number { scale }
        }
        _ => match c.physical_type() {
            Physical::BOOLEAN => Decode::Bool,
            // Legacy timestamps (Spark, Impala).
            Physical::INT96 => Decode::Timestamp {
                per_second: 1_000_000_000,
            },
            Physical::INT32 | Physical::INT64 | Physical::FLOAT | Physical::DOUBLE => {
                Decode::Number { scale: 0 }
            }
            Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => Decode::Text,
        },
    };
    Some(decode)
}

/// One column of every row group.
fn read_column(
    reader: &SerializedFileReader<File>,
    index: usize,
    name: &str,
    decode: Decode,
) -> parquet::errors::Result<Column> {
    let rows = usize::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    let mut cells = Cells {
        column: Column::with_capacity(name.to_string(), rows),
        decode,
        row: 0,
    };
    let max_def = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .column(index)
        .max_def_level();
    if decode == (Decode::Number { scale: 0 })
        && reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .column(index)
            .physical_type()
            == Physical::DOUBLE
    {
        return read_doubles(reader, index, name, rows, max_def);
    }
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g)?;
        let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        match group.get_column_reader(index)? {
            ColumnReader::BoolColumnReader(r) => {
                read_all(r, rows, max_def, |v| cells.text(v.map(|b| b.to_string())))?
            }
            ColumnReader::Int32ColumnReader(r) => read_all(r, rows, max_def, |v| match decode {
                Decode::Date => cells.date(v.copied()),
                _ => cells.number(v.map(|x| f64::from(*x))),
            })?,
            ColumnReader::Int64ColumnReader(r) => read_all(r, rows, max_def, |v| match decode {
                Decode::Timestamp { per_second } => cells.time(v.copied(), per_second),
                // Beyond 2^53 a count loses precision as any f64 would.
                _ => cells.number(v.map(|x| *x as f64)),
            })?,
            ColumnReader::Int96ColumnReader(r) => read_all(r, rows, max_def, |v| {
                cells.time(v.map(|t| t.to_nanos()), 1_000_000_000)
            })?,
            ColumnReader::FloatColumnReader(r) => {
                read_all(r, rows, max_def, |v| cells.number(v.map(|x| f64::from(*x))))?
            }
            ColumnReader::DoubleColumnReader(r) => {
                read_all(r, rows, max_def, |v| cells.number(v.copied()))?
            }
            ColumnReader::ByteArrayColumnReader(r) => {
                read_all(r, rows, max_def, |v| cells.bytes(v.map(|b| b.data())))?
            }
            ColumnReader::FixedLenByteArrayColumnReader(r) => {
                read_all(r, rows, max_def, |v| cells.bytes(v.map(|b| b.data())))?
            }
        }
    }
    Ok(cells.column)
}

/// A column of doubles, the commonest in data files, read straight into the
/// column's own buffer (no copy of a million values); nulls, which the file
/// leaves out of its values, are spread back in as missing.
fn read_doubles(
    reader: &SerializedFileReader<File>,
    index: usize,
    name: &str,
    rows: usize,
    max_def: i16,
) -> parquet::errors::Result<Column> {
    let mut values: Vec<f64> = Vec::with_capacity(rows);
    let mut defs: Vec<i16> = match max_def {
        0 => Vec::new(),
        _ => Vec::with_capacity(rows),
    };
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g)?;
        let group_rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        let ColumnReader::DoubleColumnReader(mut r) = group.get_column_reader(index)? else {
            return Err(parquet::errors::ParquetError::General(format!(
                "column {name} is not of doubles in every row group"
            )));
        };
        read_records(&mut r, group_rows, max_def, &mut defs, &mut values)?;
    }
    if max_def > 0 {
        place_nulls(&mut values, &defs, max_def);
    }
    Ok(Column::from_numbers(name.to_string(), values))
}

/// Null rows made NaN. Values packed (only the non-null ones) are moved to
/// their rows, from the back so nothing is overwritten before it moves.
fn place_nulls(values: &mut Vec<f64>, defs: &[i16], max_def: i16) {
    if values.len() == defs.len() {
        // Padded: one value per row, a null's being filler.
        for (v, d) in values.iter_mut().zip(defs) {
            if *d != max_def {
                *v = f64::NAN;
            }
        }
        return;
    }
    let mut present = values.len();
    values.resize(defs.len(), f64::NAN);
    for (row, d) in defs.iter().enumerate().rev() {
        values[row] = match *d == max_def {
            true => {
                present -= 1;
                values[present]
            }
            false => f64::NAN,
        };
    }
}

/// Appends `rows` records of a row group's column: their values, and their
/// definition levels when the column can hold nulls.
fn read_records<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    rows: usize,
    max_def: i16,
    defs: &mut Vec<i16>,
    values: &mut Vec<T::T>,
) -> parquet::errors::Result<()> {
    let mut read = 0;
    while read < rows {
        let levels = (max_def > 0).then_some(&mut *defs);
        let (records, _, _) = reader.read_records(rows - read, levels, None, values)?;
        if records == 0 {
            break;
        }
        read += records;
    }
    Ok(())
}

/// Reads `rows` records of a flat column and hands each cell to `each`
/// (None for a null).
fn read_all<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    rows: usize,
    max_def: i16,
    mut each: impl FnMut(Option<&T::T>),
) -> parquet::errors::Result<()> {
    // Sized once: grown by doubling, a million values would be copied
    // again and again.
    let mut values = Vec::with_capacity(rows);
    let mut defs = match max_def {
        0 => Vec::new(),
        _ => Vec::with_capacity(rows),
    };
    read_records(&mut reader, rows, max_def, &mut defs, &mut values)?;
    if max_def == 0 {
        values.iter().for_each(|v| each(Some(v)));
    } else if values.len() == defs.len() {
        // Values padded to one per level.
        for (d, v) in defs.iter().zip(&values) {
            each((*d == max_def).then_some(v));
        }
    } else {
        // Values packed: only the non-null ones.
        let mut present = values.iter();
        for d in &defs {
            each(if *d == max_def { present.next() } else { None });
        }
    }
    Ok(())
}

/// A column being filled, with the row each cell is on (1 = the first).
struct Cells {
    column: Column,
    decode: Decode,
    row: u64,
}

impl Cells {
    fn number(&mut self, v: Option<f64>) {
        self.row += 1;
        match (v, self.decode) {
            (Some(v), Decode::Number { scale }) if scale > 0 => {
                self.column.push_number(v / 10f64.powi(scale))
            }
            (Some(v), _) => self.column.push_number(v),
            (None, _) => self.column.push_missing(),
        }
    }

    fn bytes(&mut self, v: Option<&[u8]>) {
        self.row += 1;
        match (v, self.decode) {
            (Some(b), Decode::Number { scale }) => self
                .column
                .push_number(decimal_bytes(b) / 10f64.powi(scale)),
            (Some(b), _) => self.column.push(b, self.row),
            (None, _) => self.column.push_missing(),
        }
    }

    fn text(&mut self, v: Option<String>) {
        self.row += 1;
        match v {
            Some(t) => self.column.push(t.as_bytes(), self.row),
            None => self.column.push_missing(),
        }
    }

    fn date(&mut self, days: Option<i32>) {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1);
        let date = days.and_then(|d| epoch?.checked_add_signed(chrono::Duration::days(d.into())));
        self.text(date.map(|d| d.format("%Y-%m-%d").to_string()));
    }

    fn time(&mut self, units: Option<i64>, per_second: i64) {
        let time = units.and_then(|u| {
            let nanos = (u.rem_euclid(per_second) * (1_000_000_000 / per_second)) as u32;
            DateTime::from_timestamp(u.div_euclid(per_second), nanos)
        });
        self.text(time.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
    }
}

/// A big-endian two's complement integer (a decimal's unscaled value).
fn decimal_bytes(b: &[u8]) -> f64 {
    if b.is_empty() || b.len() > 16 {
        return f64::NAN;
    }
    let fill = if b[0] & 0x80 != 0 { 0xFF } else { 0 };
    let mut full = [fill; 16];
    full[16 - b.len()..].copy_from_slice(b);
    i128::from_be_bytes(full) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{DriftOptions, compare, read_csv};
    use parquet::basic::Compression;
    use parquet::data_type::{
        BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type,
    };
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    const SCHEMA: &str = "message batch {
        REQUIRED DOUBLE price;
        OPTIONAL BYTE_ARRAY region (UTF8);
        OPTIONAL INT64 sold_at (TIMESTAMP_MILLIS);
        REQUIRED INT32 day (DATE);
        OPTIONAL BOOLEAN promo;
        REQUIRED INT64 cost (DECIMAL(10,2));
    }";

    /// Two row groups of `n` rows each; every third region and promo null.
    fn write(path: &Path, n: usize, shift: f64) {
        let schema = Arc::new(parse_message_type(SCHEMA).expect("schema"));
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build(),
        );
        let file = File::create(path).expect("create");
        let mut w = SerializedFileWriter::new(file, schema, props).expect("writer");
        for g in 0..2 {
            let rows: Vec<usize> = (g * n..(g + 1) * n).collect();
            let defs: Vec<i16> = rows.iter().map(|i| i16::from(i % 3 != 0)).collect();
            let mut group = w.next_row_group().expect("group");
            let mut k = 0;
            while let Some(mut col) = group.next_column().expect("column") {
                match k {
                    0 => {
                        let v: Vec<f64> = rows.iter().map(|i| (i % 97) as f64 + shift).collect();
                        col.typed::<DoubleType>().write_batch(&v, None, None)
                    }
                    1 => {
                        let v: Vec<ByteArray> = rows
                            .iter()
                            .filter(|i| *i % 3 != 0)
                            .map(|i| ByteArray::from(["north", "south"][i % 2]))
                            .collect();
                        col.typed::<ByteArrayType>()
                            .write_batch(&v, Some(&defs), None)
                    }
                    2 => {
                        let v: Vec<i64> = rows
                            .iter()
                            .filter(|i| *i % 3 != 0)
                            .map(|i| 1_764_288_000_000 + *i as i64 * 60_000)
                            .collect();
                        col.typed::<Int64Type>().write_batch(&v, Some(&defs), None)
                    }
                    3 => {
                        let v: Vec<i32> = rows.iter().map(|i| 20_420 + (*i % 30) as i32).collect();
                        col.typed::<Int32Type>().write_batch(&v, None, None)
                    }
                    4 => {
                        let v: Vec<bool> = rows
                            .iter()
                            .filter(|i| *i % 3 != 0)
                            .map(|i| i % 2 == 0)
                            .collect();
                        col.typed::<BoolType>().write_batch(&v, Some(&defs), None)
                    }
                    _ => {
                        let v: Vec<i64> = rows.iter().map(|i| -250 + *i as i64).collect();
                        col.typed::<Int64Type>().write_batch(&v, None, None)
                    }
                }
                .expect("write");
                col.close().expect("close column");
                k += 1;
            }
            group.close().expect("close group");
        }
        w.close().expect("close file");
    }

    /// The same rows as CSV, as a data team would export them.
    fn csv(n: usize, shift: f64) -> String {
        let mut s = String::from("price,region,promo\n");
        for i in 0..2 * n {
            let (region, promo) = match i % 3 {
                0 => ("", ""),
                _ => (
                    ["north", "south"][i % 2],
                    ["false", "true"][usize::from(i % 2 == 0)],
                ),
            };
            s += &format!("{},{region},{promo}\n", (i % 97) as f64 + shift);
        }
        s
    }

    #[test]
    fn cells_read_as_the_csv_export_would_give_them() {
        let d = tempfile::tempdir().expect("dir");
        let path = d.path().join("batch.parquet");
        write(&path, 50, 0.0);
        assert_eq!(
            parquet_columns(&path).expect("schema"),
            ["price", "region", "sold_at", "day", "promo", "cost"]
        );
        let t = load_parquet(&path, &Wanted::All).expect("load");
        assert_eq!(t.rows(), 100);
        let region = t.column("region").expect("region");
        assert_eq!((region.missing_count(), region.text_count()), (34, 66));
        assert_eq!(region.first_text(), Some((2, b"south".as_slice())));
        let sold = t.column("sold_at").expect("sold_at");
        assert_eq!(
            sold.texts().next(),
            Some(b"2025-11-28T00:01:00Z".as_slice())
        );
        let day = t.column("day").expect("day");
        assert_eq!(day.texts().next(), Some(b"2025-11-28".as_slice()));
        let cost = t.column("cost").expect("cost");
        assert_eq!(cost.values()[..2], [-2.5, -2.49]);
        let promo = t.column("promo").expect("promo");
        assert_eq!(promo.texts().next(), Some(b"false".as_slice()));
    }

    #[test]
    fn nulls_take_their_rows_whether_values_are_packed_or_padded() {
        let defs = [1, 0, 1, 1, 0];
        let mut packed = vec![1.0, 2.0, 3.0];
        place_nulls(&mut packed, &defs, 1);
        let mut padded = vec![1.0, 9.0, 2.0, 3.0, 9.0];
        place_nulls(&mut padded, &defs, 1);
        for got in [packed, padded] {
            let shown: Vec<String> = got.iter().map(|v| v.to_string()).collect();
            assert_eq!(shown, ["1", "NaN", "2", "3", "NaN"]);
        }
    }

    #[test]
    fn only_the_wanted_columns_are_read() {
        let d = tempfile::tempdir().expect("dir");
        let path = d.path().join("batch.pq");
        write(&path, 10, 0.0);
        let wanted = ["promo".to_string(), "price".to_string()];
        let t = load_parquet(&path, &Wanted::Only(&wanted)).expect("load");
        assert_eq!(t.column_names().collect::<Vec<_>>(), ["price", "promo"]);
    }

    /// Drift of the same data is the same whether it came as CSV or Parquet.
    #[test]
    fn drift_from_parquet_matches_drift_from_csv() {
        let d = tempfile::tempdir().expect("dir");
        let (r, c) = (d.path().join("r.parquet"), d.path().join("c.parquet"));
        write(&r, 3000, 0.0);
        write(&c, 3000, 4.0);
        let wanted = [
            "price".to_string(),
            "region".to_string(),
            "promo".to_string(),
        ];
        let from_parquet = compare(
            &load_parquet(&r, &Wanted::Only(&wanted)).expect("r"),
            &load_parquet(&c, &Wanted::Only(&wanted)).expect("c"),
            &DriftOptions::default(),
        )
        .expect("compare");
        let from_csv = compare(
            &read_csv("r.csv", csv(3000, 0.0).as_bytes()).expect("r"),
            &read_csv("c.csv", csv(3000, 4.0).as_bytes()).expect("c"),
            &DriftOptions::default(),
        )
        .expect("compare");
        assert_eq!(
            serde_json::to_value(&from_parquet.columns).expect("json"),
            serde_json::to_value(&from_csv.columns).expect("json")
        );
        assert!(from_parquet.columns[0].drifted, "price moved by 4");
    }

    #[test]
    fn an_empty_file_says_it_has_no_rows() {
        let d = tempfile::tempdir().expect("dir");
        let path = d.path().join("empty.parquet");
        write(&path, 0, 0.0);
        let err = load_parquet(&path, &Wanted::All)
            .expect_err("no rows")
            .to_string();
        assert_eq!(err, format!("{}: no rows", path.display()));
    }

    #[test]
    fn a_file_that_is_not_parquet_says_so_on_one_line() {
        let d = tempfile::tempdir().expect("dir");
        let path = d.path().join("fake.parquet");
        std::fs::write(&path, "a,b\n1,2\n").expect("write");
        let err = load_parquet(&path, &Wanted::All)
            .expect_err("not parquet")
            .to_string();
        assert!(err.starts_with(&format!("{}: ", path.display())), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}
