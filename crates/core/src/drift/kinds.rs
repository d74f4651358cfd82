//! What drift is measured on and with: column kinds and the statistical
//! tests, the one place that knows the tests' names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a column is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Numerical,
    Categorical,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Numerical => "numerical",
            ColumnKind::Categorical => "categorical",
        })
    }
}

/// A drift test. Names (for parsing, display and JSON): `ks`, `chisquare`,
/// `z`, `jensenshannon`, `wasserstein`, `psi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatTest {
    /// Two-sample Kolmogorov-Smirnov; score is the p-value.
    Ks,
    /// Pearson chi-square of current against scaled reference counts; p-value.
    ChiSquare,
    /// Pooled two-proportion z-test; p-value.
    Z,
    /// Jensen-Shannon distance of the bin proportions.
    JensenShannon,
    /// 1-Wasserstein distance over the reference's standard deviation.
    Wasserstein,
    /// Population Stability Index.
    Psi,
}

impl StatTest {
    pub const ALL: [StatTest; 6] = [
        StatTest::Ks,
        StatTest::ChiSquare,
        StatTest::Z,
        StatTest::JensenShannon,
        StatTest::Wasserstein,
        StatTest::Psi,
    ];

    /// How people write the tests' names in requests, each with its test.
    pub const SPOKEN: &'static [(&'static str, StatTest)] = &[
        ("psi", StatTest::Psi),
        ("population stability", StatTest::Psi),
        ("ks", StatTest::Ks),
        ("kolmogorov smirnov", StatTest::Ks),
        ("kolmogorov", StatTest::Ks),
        ("wasserstein", StatTest::Wasserstein),
        ("jensen shannon", StatTest::JensenShannon),
        ("jensenshannon", StatTest::JensenShannon),
        ("js", StatTest::JensenShannon),
        ("chi square", StatTest::ChiSquare),
        ("chisquare", StatTest::ChiSquare),
        ("chi squared", StatTest::ChiSquare),
        ("chi2", StatTest::ChiSquare),
        ("z test", StatTest::Z),
        ("z score", StatTest::Z),
    ];

    /// Every name, comma-separated, for messages.
    pub fn names() -> String {
        StatTest::ALL.map(StatTest::name).join(", ")
    }

    pub fn name(self) -> &'static str {
        match self {
            StatTest::Ks => "ks",
            StatTest::ChiSquare => "chisquare",
            StatTest::Z => "z",
            StatTest::JensenShannon => "jensenshannon",
            StatTest::Wasserstein => "wasserstein",
            StatTest::Psi => "psi",
        }
    }

    /// Evidently's default threshold for the test.
    pub fn default_threshold(self) -> f64 {
        match self {
            StatTest::Ks | StatTest::ChiSquare | StatTest::Z => 0.05,
            StatTest::JensenShannon | StatTest::Wasserstein | StatTest::Psi => 0.1,
        }
    }

    /// Whether `score` means drift: p-value tests drift when the p-value is
    /// small (KS at or below the threshold, chi-square and z strictly below),
    /// distances when at or above it. A NaN score never drifts.
    pub fn is_drift(self, score: f64, threshold: f64) -> bool {
        match self {
            StatTest::Ks => score <= threshold,
            StatTest::ChiSquare | StatTest::Z => score < threshold,
            StatTest::JensenShannon | StatTest::Wasserstein | StatTest::Psi => score >= threshold,
        }
    }

    /// The test Evidently 0.7 picks by default, given the column kind, the
    /// reference rows left after dropping missing values, and the number of
    /// distinct values of reference and current together.
    pub fn default_for(kind: ColumnKind, reference_rows: usize, distinct: usize) -> StatTest {
        match kind {
            ColumnKind::Numerical if reference_rows <= 1000 => match distinct {
                0..=2 => StatTest::Z,
                3..=5 => StatTest::ChiSquare,
                _ => StatTest::Ks,
            },
            ColumnKind::Numerical => {
                if distinct <= 5 {
                    StatTest::JensenShannon
                } else {
                    StatTest::Wasserstein
                }
            }
            ColumnKind::Categorical if reference_rows <= 1000 => {
                if distinct > 2 {
                    StatTest::ChiSquare
                } else {
                    StatTest::Z
                }
            }
            ColumnKind::Categorical => StatTest::JensenShannon,
        }
    }

    /// Whether the test works on the values themselves (rather than on
    /// counts per category), so needs every value to be a number.
    pub fn needs_numbers(self) -> bool {
        matches!(self, StatTest::Ks | StatTest::Wasserstein)
    }
}

impl fmt::Display for StatTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A test name that is none of `StatTest::ALL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown statistical test {name:?} (expected one of: {})",
    StatTest::names()
)]
pub struct UnknownStatTest {
    pub name: String,
}

impl FromStr for StatTest {
    type Err = UnknownStatTest;

    /// Parses a test name, ignoring ASCII case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        StatTest::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownStatTest {
                name: s.to_string(),
            })
    }
}
