//! Writes test data as Parquet, the way a data team's pipeline would: a
//! quote-free CSV text turned into typed columns (dates as DATE, numbers as
//! DOUBLE, the rest as UTF-8 strings; empty cells null), in two row groups.
//! Included by the tests and the drift bench with `#[path]`.

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::path::Path;
use std::sync::Arc;

enum Kind {
    Date,
    Number,
    Text,
}

/// Writes `csv` (a header, then rows; no quotes) to `path` as Parquet.
pub fn csv_to_parquet(csv: &str, path: &Path) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    let cells = |c: usize| rows.iter().map(move |r| r[c]).filter(|v| !v.is_empty());
    let kinds: Vec<Kind> = (0..header.len())
        .map(|c| {
            if cells(c).all(|v| day_number(v).is_some()) {
                Kind::Date
            } else if cells(c).all(|v| v.parse::<f64>().is_ok()) {
                Kind::Number
            } else {
                Kind::Text
            }
        })
        .collect();
    let fields: Vec<String> = header
        .iter()
        .zip(&kinds)
        .map(|(name, kind)| match kind {
            Kind::Date => format!("OPTIONAL INT32 {name} (DATE);"),
            Kind::Number => format!("OPTIONAL DOUBLE {name};"),
            Kind::Text => format!("OPTIONAL BYTE_ARRAY {name} (UTF8);"),
        })
        .collect();
    let schema =
        parse_message_type(&format!("message batch {{ {} }}", fields.join(" "))).expect("schema");
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(path).expect("create");
    let mut writer =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).expect("writer");
    let half = rows.len().div_ceil(2);
    for group in rows.chunks(half.max(1)) {
        let mut g = writer.next_row_group().expect("row group");
        let mut c = 0;
        while let Some(mut column) = g.next_column().expect("column") {
            let present: Vec<&str> = group
                .iter()
                .map(|r| r[c])
                .filter(|v| !v.is_empty())
                .collect();
            let defs: Vec<i16> = group.iter().map(|r| i16::from(!r[c].is_empty())).collect();
            match kinds[c] {
                Kind::Date => {
                    let v: Vec<i32> = present.iter().filter_map(|v| day_number(v)).collect();
                    column
                        .typed::<Int32Type>()
                        .write_batch(&v, Some(&defs), None)
                }
                Kind::Number => {
                    let v: Vec<f64> = present.iter().filter_map(|v| v.parse().ok()).collect();
                    column
                        .typed::<DoubleType>()
                        .write_batch(&v, Some(&defs), None)
                }
                Kind::Text => {
                    let v: Vec<ByteArray> = present.iter().map(|v| ByteArray::from(*v)).collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&v, Some(&defs), None)
                }
            }
            .expect("write");
            column.close().expect("close column");
            c += 1;
        }
        g.close().expect("close row group");
    }
    writer.close().expect("close file");
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn day_number(text: &str) -> Option<i32> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((date - epoch).num_days()).ok()
}
