//! Column-by-column comparison of two tables.

use super::columns::{Sample, category_counts, detect_kind, file_order_std};
use super::error::{DriftError, show_bytes};
use super::kinds::{ColumnKind, StatTest};
use super::ks::{KsMethod, KsResult, ks_pvalue};
use super::options::DriftOptions;
use super::psi::{BinCounts, MAX_VALUE_BINS, distinct_sorted, proportions, psi, sturges_counts};
use super::report::{ColumnDrift, DATASET_DRIFT_SHARE, DriftReport};
use super::stattest::{chisquare_pvalue, jensenshannon_distance, normed, z_test_pvalue};
use super::table::{Column, Table};
use super::walk::{Walk, walk};
use crate::io::threads::{self, map_in_order};

/// Compares every column present in both tables (reference header order).
pub fn compare(
    reference: &Table,
    current: &Table,
    options: &DriftOptions,
) -> Result<DriftReport, DriftError> {
    let shared: Vec<(&Column, &Column)> = reference
        .columns()
        .iter()
        .filter(|r| options.columns.is_empty() || options.columns.iter().any(|n| n == r.name()))
        .filter_map(|r| current.column(r.name()).map(|c| (r, c)))
        .collect();
    if shared.is_empty() {
        return Err(DriftError::NoSharedColumns {
            reference: reference.name().to_string(),
            current: current.name().to_string(),
        });
    }
    let is_shared = |name: &str| shared.iter().any(|(r, _)| r.name() == name);
    for name in &options.columns {
        if reference.column(name).is_none() || current.column(name).is_none() {
            return Err(DriftError::UnknownColumn {
                column: name.clone(),
                option: "a column to compare",
            });
        }
    }
    for name in &options.categorical {
        if options.numerical.contains(name) {
            return Err(DriftError::ConflictingKind {
                column: name.clone(),
            });
        }
        if !is_shared(name) {
            return Err(DriftError::UnknownColumn {
                column: name.clone(),
                option: "categorical",
            });
        }
    }
    for name in &options.numerical {
        if !is_shared(name) {
            return Err(DriftError::UnknownColumn {
                column: name.clone(),
                option: "numerical",
            });
        }
    }

    // Columns are independent: one per core at a time. With fewer columns
    // than cores, each column's two samples are prepared side by side.
    let cores = threads::cores();
    let split = shared.len() < cores;
    let columns = map_in_order(shared.len(), |k| {
        let (r, c) = shared[k];
        compare_column(reference, current, (r, c), split, options)
    })
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    let drifted_columns = columns.iter().filter(|c| c.drifted).count();
    let drift_share = drifted_columns as f64 / columns.len() as f64;
    Ok(DriftReport {
        reference_rows: reference.rows(),
        current_rows: current.rows(),
        drifted_columns,
        drift_share,
        dataset_drift: drift_share >= DATASET_DRIFT_SHARE,
        columns,
    })
}

/// Error for a test that needs numbers on a column holding text.
fn needs_numbers(
    table: &Table,
    sample: &Sample,
    column: &str,
    test: StatTest,
) -> Option<DriftError> {
    let (row, value) = sample.first_text?;
    Some(DriftError::TestNeedsNumbers {
        file: table.name().to_string(),
        row,
        column: column.to_string(),
        test,
        value: show_bytes(value),
    })
}

/// Error for a text value in the current file's column where the
/// reference holds only numbers: the reference decides the kind (unless
/// the column is declared categorical). The loaders keep each column's
/// first text cell, so this looks at no value again.
fn unlike_reference(
    reference: &Table,
    current: &Table,
    (ref_col, cur_col): (&Column, &Column),
) -> Option<DriftError> {
    if ref_col.text_count() > 0 || ref_col.number_count() == 0 {
        return None;
    }
    let (row, value) = cur_col.first_text()?;
    Some(DriftError::NotANumberAsInReference {
        file: current.name().to_string(),
        row,
        column: ref_col.name().to_string(),
        value: show_bytes(value),
        reference: reference.name().to_string(),
    })
}

/// Both files' samples of a column, on two threads when `split`.
fn samples<'a>(r: &'a Column, c: &'a Column, split: bool) -> (Sample<'a>, Sample<'a>) {
    if !split {
        return (Sample::new(r), Sample::new(c));
    }
    let (current, reference) = threads::join(|| Sample::new(c), || Sample::new(r));
    (reference, current)
}

fn compare_column(
    reference: &Table,
    current: &Table,
    (ref_col, cur_col): (&Column, &Column),
    split: bool,
    options: &DriftOptions,
) -> Result<ColumnDrift, DriftError> {
    let name = ref_col.name();
    let categorical = options.categorical.iter().any(|n| n == name);
    if !categorical && let Some(err) = unlike_reference(reference, current, (ref_col, cur_col)) {
        return Err(err);
    }
    let (r, c) = samples(ref_col, cur_col, split);
    for (table, sample) in [(reference, &r), (current, &c)] {
        if sample.is_empty() {
            return Err(DriftError::EmptyColumn {
                file: table.name().to_string(),
                column: name.to_string(),
            });
        }
    }

    let forced = if categorical {
        Some(ColumnKind::Categorical)
    } else if options.numerical.iter().any(|n| n == name) {
        Some(ColumnKind::Numerical)
    } else {
        None
    };
    let kind = match forced {
        Some(ColumnKind::Numerical) => {
            for (table, sample) in [(reference, &r), (current, &c)] {
                if let Some((row, value)) = sample.first_text {
                    return Err(DriftError::NotANumber {
                        file: table.name().to_string(),
                        row,
                        column: name.to_string(),
                        value: show_bytes(value),
                    });
                }
            }
            ColumnKind::Numerical
        }
        Some(kind) => kind,
        None => detect_kind(&r, &c),
    };
    let numbers_only = !r.has_text() && !c.has_text();

    // Counts per distinct value, built only when something needs them (a
    // numerical column of a million distinct values never does).
    let mut categories: Option<BinCounts> = None;
    let mut category_bins = || {
        categories
            .get_or_insert_with(|| category_counts(&r, &c))
            .clone()
    };

    // One merged walk of the numbers gives the distinct count, the KS
    // statistic and (when the test may need it) the Wasserstein distance.
    let walked = numbers_only.then(|| {
        let wants_wasserstein = match options.stattest {
            Some(test) => test == StatTest::Wasserstein,
            None => kind == ColumnKind::Numerical,
        };
        walk(&r.numbers, &c.numbers, wants_wasserstein)
    });
    let ks_of = |w: Walk| {
        let (n1, n2) = (r.numbers.len(), c.numbers.len());
        ks_pvalue(w.ks_statistic, n1, n2, KsMethod::Auto)
    };
    let distinct = match walked {
        Some(w) => w.distinct,
        None => category_bins().len(),
    };
    let psi_bins = if kind == ColumnKind::Numerical && distinct_sorted(&r.numbers) > MAX_VALUE_BINS
    {
        sturges_counts(&r.numbers, &c.numbers)
    } else {
        category_bins()
    };
    let psi_value = psi(&psi_bins);

    let ks: Option<KsResult> = match kind {
        ColumnKind::Numerical => walked.map(ks_of),
        ColumnKind::Categorical => None,
    };

    let test = options
        .stattest
        .unwrap_or_else(|| StatTest::default_for(kind, r.len(), distinct));
    let threshold = options
        .threshold
        .unwrap_or_else(|| test.default_threshold());
    if test.needs_numbers() {
        for (table, sample) in [(reference, &r), (current, &c)] {
            if let Some(err) = needs_numbers(table, sample, name, test) {
                return Err(err);
            }
        }
    }
    let score = match test {
        StatTest::Psi => psi_value,
        // A categorical column of numbers too, when KS is asked for.
        StatTest::Ks => ks.or(walked.map(ks_of)).map_or(f64::NAN, |k| k.pvalue),
        StatTest::Wasserstein => {
            walked.map_or(f64::NAN, |w| normed(w.wasserstein, file_order_std(ref_col)))
        }
        StatTest::ChiSquare => chisquare_pvalue(&category_bins()),
        StatTest::Z => z_test_pvalue(&category_bins()),
        StatTest::JensenShannon => {
            let rp = proportions(&psi_bins.reference, r.len() as u64);
            let cp = proportions(&psi_bins.current, c.len() as u64);
            jensenshannon_distance(&rp, &cp)
        }
    };

    Ok(ColumnDrift {
        name: name.to_string(),
        kind,
        psi: psi_value,
        ks_statistic: ks.map(|k| k.statistic),
        ks_pvalue: ks.map(|k| k.pvalue),
        test,
        score,
        threshold,
        drifted: test.is_drift(score, threshold),
    })
}
