//! Drift at scale: reading a 10-column file of a million rows (CSV and
//! Parquet), and comparing 1,000,000 reference rows with 1,000,000 current
//! ones end to end (both files read, then every statistic), one column and
//! all ten. When a Python with pandas, scipy and Evidently 0.7 is found
//! (`NEXML_BENCH_PYTHON`, else `python3`), the same work is timed there
//! too, side by side, and the ratio printed.
//!
//! `cargo bench --bench drift`

#[path = "../tests/common/parquet_file.rs"]
mod parquet_file;

use nexml::drift::{DriftOptions, Table, Wanted, compare, load_csv, load_pair, load_table};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const ROWS: usize = 1_000_000;

/// A deterministic CSV of `rows` rows and ten columns (numbers and categories).
fn write_csv(path: &Path, rows: usize, shift: f64) -> std::io::Result<u64> {
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

/// The best of three runs of `f`, in seconds.
fn best_of_3<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed().as_secs_f64());
        last = Some(out);
    }
    (best, last.expect("three runs"))
}

/// Both files read and compared, as `nexml drift` does.
fn drift_end_to_end(reference: &Path, current: &Path, columns: &[String]) -> usize {
    let (r, c) = load_pair(reference, current, &Wanted::of(columns)).expect("load");
    let options = DriftOptions {
        columns: columns.to_vec(),
        ..DriftOptions::default()
    };
    compare(&r, &c, &options).expect("compare").drifted_columns
}

fn main() {
    let dir = std::env::temp_dir().join(format!("nexml-drift-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = |name: &str| dir.join(name);
    let (reference, current) = (file("reference.csv"), file("current.csv"));
    let bytes = write_csv(&reference, ROWS, 0.0).expect("write reference");
    write_csv(&current, ROWS, 3.0).expect("write current");
    let (ref_pq, cur_pq) = (file("reference.parquet"), file("current.parquet"));
    for (csv, pq) in [(&reference, &ref_pq), (&current, &cur_pq)] {
        let text = std::fs::read_to_string(csv).expect("read back");
        parquet_file::csv_to_parquet(&text, pq);
    }
    let pq_bytes = std::fs::metadata(&ref_pq).map_or(0, |m| m.len());

    let (t, table) = best_of_3(|| load_csv(&reference).expect("parse"));
    assert_eq!(table.rows(), ROWS);
    println!(
        "read a 10-column CSV of 1,000,000 rows ({:.0} MB): {t:.3} s, {:.0} MB/s",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / t
    );
    let (t, table) = best_of_3(|| load_table(&ref_pq, &Wanted::All).expect("parse"));
    assert_eq!(table.rows(), ROWS);
    println!(
        "read the same as Parquet ({:.0} MB, snappy): {t:.3} s",
        pq_bytes as f64 / 1e6
    );

    let one = ["a".to_string()];
    let mut ours = Vec::new();
    for (what, r, c, columns) in [
        ("one column, CSV", &reference, &current, &one[..]),
        ("one column, Parquet", &ref_pq, &cur_pq, &one[..]),
        ("all 10 columns, CSV", &reference, &current, &[][..]),
        ("all 10 columns, Parquet", &ref_pq, &cur_pq, &[][..]),
    ] {
        let (t, drifted) = best_of_3(|| drift_end_to_end(r, c, columns));
        println!("drift end to end, 1,000,000 vs 1,000,000, {what}: {t:.3} s ({drifted} drifted)");
        ours.push((what, r.clone(), c.clone(), columns.to_vec(), t));
    }

    let r = load_csv(&reference).expect("parse");
    let c = load_csv(&current).expect("parse");
    for n in [250_000usize, 500_000, 1_000_000] {
        let (rs, cs) = (slice(&r, n, &dir, "r"), slice(&c, n, &dir, "c"));
        let start = Instant::now();
        let report = compare(&rs, &cs, &DriftOptions::default()).expect("compare");
        let t = start.elapsed().as_secs_f64();
        let col = &report.columns[0];
        println!(
            "statistics only, one numerical column, {n} vs {n}: {t:.3} s (psi {:.4}, ks p {:.3e}, {} {:.4})",
            col.psi,
            col.ks_pvalue.unwrap_or(f64::NAN),
            col.test,
            col.score
        );
    }

    side_by_side(&ours);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same end-to-end work in pandas + scipy + Evidently, when available.
fn side_by_side(ours: &[(&str, PathBuf, PathBuf, Vec<String>, f64)]) {
    let python = std::env::var("NEXML_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/drift_reference.py");
    let has = Command::new(&python)
        .args(["-c", "import pandas, scipy, evidently, pyarrow"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        println!(
            "pandas + scipy + Evidently: not found for {python} (set NEXML_BENCH_PYTHON to a Python that has them)"
        );
        return;
    }
    for (what, r, c, columns, t) in ours {
        let out = Command::new(&python)
            .arg(&script)
            .arg(r)
            .arg(c)
            .args(columns)
            .output()
            .expect("run python");
        let text = String::from_utf8_lossy(&out.stdout);
        match text.trim().parse::<f64>() {
            Ok(py) => println!(
                "pandas + scipy + Evidently, {what}: {py:.3} s: nexml is {:.1}x faster",
                py / t
            ),
            Err(_) => println!(
                "pandas + scipy + Evidently, {what}: failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }
    }
}

/// The first `n` rows of column `a`, as a one-column table.
fn slice(t: &Table, n: usize, dir: &Path, tag: &str) -> Table {
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
