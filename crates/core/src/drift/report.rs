//! The drift report (serialised as the `--json` output) and its table form.

use super::kinds::ColumnKind;
use super::kinds::StatTest;
use serde::Serialize;

/// Share of drifted columns at or above which the dataset counts as drifted.
pub const DATASET_DRIFT_SHARE: f64 = 0.5;

/// Drift of every column shared by the two files, in reference header order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub reference_rows: usize,
    pub current_rows: usize,
    pub columns: Vec<ColumnDrift>,
    pub drifted_columns: usize,
    pub drift_share: f64,
    pub dataset_drift: bool,
}

/// Drift of one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    pub name: String,
    pub kind: ColumnKind,
    pub psi: f64,
    /// KS statistic and p-value; `None` (JSON null) for categorical columns.
    pub ks_statistic: Option<f64>,
    pub ks_pvalue: Option<f64>,
    pub test: StatTest,
    pub score: f64,
    pub threshold: f64,
    pub drifted: bool,
}

/// A number for the table: four decimals, or scientific notation when tiny
/// or huge so small p-values stay readable.
fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else if v == 0.0 {
        "0".to_string()
    } else if v.abs() < 1e-3 || v.abs() >= 1e6 {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// Human-readable table: one aligned line per column (names left, numbers
/// right) and a summary line.
pub fn render_table(report: &DriftReport) -> String {
    let header = [
        "column",
        "kind",
        "test",
        "score",
        "threshold",
        "drift",
        "psi",
        "ks_stat",
        "ks_pvalue",
    ];
    let right_aligned = [false, false, false, true, true, false, true, true, true];
    let mut rows: Vec<[String; 9]> = Vec::with_capacity(report.columns.len() + 1);
    rows.push(header.map(str::to_string));
    for c in &report.columns {
        rows.push([
            c.name.clone(),
            c.kind.to_string(),
            c.test.to_string(),
            fmt_num(c.score),
            fmt_num(c.threshold),
            if c.drifted {
                "DRIFT".to_string()
            } else {
                "-".to_string()
            },
            fmt_num(c.psi),
            c.ks_statistic.map_or_else(|| "-".to_string(), fmt_num),
            c.ks_pvalue.map_or_else(|| "-".to_string(), fmt_num),
        ]);
    }
    let mut widths = [0usize; 9];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i].saturating_sub(cell.chars().count());
            if right_aligned[i] {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "{} of {} columns drifted (share {:.2}); dataset drift: {} (reference rows {}, current rows {})\n",
        report.drifted_columns,
        report.columns.len(),
        report.drift_share,
        if report.dataset_drift { "yes" } else { "no" },
        report.reference_rows,
        report.current_rows,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> DriftReport {
        DriftReport {
            reference_rows: 100,
            current_rows: 90,
            columns: vec![
                ColumnDrift {
                    name: "age".into(),
                    kind: ColumnKind::Numerical,
                    psi: 7.414532745869386,
                    ks_statistic: Some(0.5),
                    ks_pvalue: Some(1.5e-12),
                    test: StatTest::Ks,
                    score: 1.5e-12,
                    threshold: 0.05,
                    drifted: true,
                },
                ColumnDrift {
                    name: "city".into(),
                    kind: ColumnKind::Categorical,
                    psi: 0.01,
                    ks_statistic: None,
                    ks_pvalue: None,
                    test: StatTest::ChiSquare,
                    score: 0.73,
                    threshold: 0.05,
                    drifted: false,
                },
            ],
            drifted_columns: 1,
            drift_share: 0.5,
            dataset_drift: true,
        }
    }

    #[test]
    fn json_has_exactly_the_specified_fields() {
        let v = serde_json::to_value(report()).expect("serialisable");
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort_unstable();
        assert_eq!(
            sorted_keys,
            [
                "columns",
                "current_rows",
                "dataset_drift",
                "drift_share",
                "drifted_columns",
                "reference_rows"
            ]
        );
        let col = &v["columns"][1];
        let mut ck: Vec<&str> = col
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        ck.sort_unstable();
        assert_eq!(
            ck,
            [
                "drifted",
                "kind",
                "ks_pvalue",
                "ks_statistic",
                "name",
                "psi",
                "score",
                "test",
                "threshold"
            ]
        );
        assert_eq!(col["kind"], "categorical");
        assert_eq!(col["test"], "chisquare");
        assert!(col["ks_statistic"].is_null() && col["ks_pvalue"].is_null());
        assert_eq!(v["columns"][0]["kind"], "numerical");
        assert_eq!(v["columns"][0]["ks_pvalue"], 1.5e-12);
    }

    #[test]
    fn table_is_aligned_with_a_summary() {
        let text = render_table(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("column  kind "));
        // The numeric columns line up on their right edge.
        let end_of = |line: &str, cell: &str| line.find(cell).map(|i| i + cell.len());
        assert_eq!(end_of(lines[0], "score"), end_of(lines[1], "1.500e-12"));
        assert_eq!(end_of(lines[0], "score"), end_of(lines[2], "0.7300"));
        assert!(lines[1].contains("DRIFT") && lines[2].contains(" - "));
        assert_eq!(
            lines[3],
            "1 of 2 columns drifted (share 0.50); dataset drift: yes (reference rows 100, current rows 90)"
        );
    }
}
