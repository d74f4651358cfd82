//! Drift at scale: parsing a 10-column CSV of a million rows, and comparing
//! one numerical column of 1,000,000 reference and 1,000,000 current values.
//!
//! `cargo bench --bench drift`

use nexml::drift::{DriftOptions, compare, load_csv};
use std::io::Write;
use std::time::Instant;

/// A deterministic CSV of `rows` rows and ten columns (numbers and categories).
fn write_csv(path: &std::path::Path, rows: usize, shift: f64) -> std::io::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "a,b,c,d,e,f,g,h,region,channel")?;
    let mut x: u64 = 0x2545F4914F6CDD1D;
    for i in 0..rows {
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let v: Vec<f64> = (0..8)
            .map(|k| next() * (k + 1) as f64 * 100.0 + shift)
            .collect();
        writeln!(
            out,
            "{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{},{}",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
            ["north", "south", "east", "west"][i % 4],
            ["web", "store", "app"][i % 3]
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn main() {
    let dir = std::env::temp_dir().join(format!("nexml-drift-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (reference, current) = (dir.join("reference.csv"), dir.join("current.csv"));
    let bytes = write_csv(&reference, 1_000_000, 0.0).expect("write reference");
    write_csv(&current, 1_000_000, 3.0).expect("write current");

    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        let table = load_csv(&reference).expect("parse");
        best = best.min(start.elapsed().as_secs_f64());
        assert_eq!(table.rows(), 1_000_000);
    }
    println!(
        "parse 10 columns x 1,000,000 rows ({:.0} MB): {:.3} s, {:.0} MB/s",
        bytes as f64 / 1e6,
        best,
        bytes as f64 / 1e6 / best
    );

    let r = load_csv(&reference).expect("parse");
    let c = load_csv(&current).expect("parse");
    let options = DriftOptions {
        numerical: vec!["a".into()],
        ..Default::default()
    };
    for n in [250_000usize, 500_000, 1_000_000] {
        let (rs, cs) = (slice(&r, n, &dir, "r"), slice(&c, n, &dir, "c"));
        let start = Instant::now();
        let report = compare(
            &rs,
            &cs,
            &DriftOptions {
                numerical: vec![],
                ..options.clone()
            },
        )
        .expect("compare");
        let t = start.elapsed().as_secs_f64();
        let col = &report.columns[0];
        println!(
            "one numerical column, {n} vs {n}: {t:.3} s (psi {:.4}, ks p {:.3e}, {} {:.4})",
            col.psi,
            col.ks_pvalue.unwrap_or(f64::NAN),
            col.test,
            col.score
        );
    }
    let start = Instant::now();
    let report = compare(&r, &c, &DriftOptions::default()).expect("compare all");
    println!(
        "all 10 columns, 1,000,000 vs 1,000,000: {:.3} s ({} drifted)",
        start.elapsed().as_secs_f64(),
        report.drifted_columns
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first `n` rows of column `a`, as a one-column table.
fn slice(
    t: &nexml::drift::Table,
    n: usize,
    dir: &std::path::Path,
    tag: &str,
) -> nexml::drift::Table {
    let col = t.column("a").expect("column a");
    let path = dir.join(format!("{tag}-{n}.csv"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    writeln!(out, "a").expect("write");
    for v in col.values().iter().take(n) {
        writeln!(out, "{v}").expect("write");
    }
    drop(out);
    load_csv(&path).expect("parse slice")
}
