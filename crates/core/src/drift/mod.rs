//! Data drift between a reference and a current file (CSV or Parquet), and model
//! performance metrics. Pure computation: no database, terminal or async.
//!
//! For every column present in both files the report gives the PSI, the
//! two-sample KS statistic and p-value (numerical columns), and the verdict
//! of one drift test, chosen per column as Evidently 0.7 chooses by default
//! (or forced through [`DriftOptions`]). p-values follow scipy's
//! definitions so they can be checked against it.
//!
//! ```text
//! let (reference, current) =
//!     drift::load_pair(Path::new("ref.csv"), Path::new("cur.parquet"), &Wanted::All)?;
//! let report = drift::compare(&reference, &current, &DriftOptions::default())?;
//! println!("{}", drift::render_table(&report));
//! ```

mod columns;
mod compare;
mod csv;
mod error;
mod kinds;
mod kolmogorov;
mod ks;
mod options;
mod parquet;
pub mod performance;
mod psi;
mod report;
mod sort;
mod source;
mod special;
mod stattest;
mod table;
mod walk;

#[cfg(test)]
mod tests;

pub use columns::MAX_WHOLE_CATEGORIES;
pub use compare::compare;
pub use csv::{MAX_CSV_BYTES, load_csv, read_csv};
pub use error::DriftError;
pub use kinds::{ColumnKind, StatTest, UnknownStatTest};
pub use kolmogorov::{kstwo_cdf, kstwo_sf, smirnov_sf};
pub use ks::{
    KsMethod, KsResult, MAX_EXACT_N, ks_2samp, ks_asymptotic_pvalue, ks_pvalue, ks_statistic,
};
pub use options::DriftOptions;
pub use parquet::MAX_PARQUET_BYTES;
pub use psi::{BinCounts, MAX_VALUE_BINS, PSI_THRESHOLD, histogram_counts, sturges_edges};
pub use report::{ColumnDrift, DATASET_DRIFT_SHARE, DriftReport, render_table};
pub use source::{Format, column_names, is_data_file, load_pair, load_table};
pub use special::{chi2_sf, normal_cdf, population_std};
pub use stattest::{chisquare_pvalue, jensenshannon_distance, wasserstein_distance, z_test_pvalue};
pub use table::{Cell, Column, Table, Wanted, parse_cell};
