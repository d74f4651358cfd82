//! Per-column drift tests and Evidently's default choice among them.

use super::columns::ColumnKind;
use super::error::DriftError;
use super::psi::BinCounts;
use super::special::{chi2_sf, normal_cdf, numpy_sum};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A drift test. Names (for parsing, display and JSON): `ks`, `chisquare`,
/// `z`, `jensenshannon`, `wasserstein`, `psi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatTest {
    /// Two-sample Kolmogorov-Smirnov; score is the p-value.
    Ks,
    /// Pearson chi-square of current against scaled reference counts; p-value.
    #[serde(rename = "chisquare")]
    ChiSquare,
    /// Pooled two-proportion z-test; p-value.
    Z,
    /// Jensen-Shannon distance of the bin proportions.
    #[serde(rename = "jensenshannon")]
    JensenShannon,
    /// 1-Wasserstein distance over the reference's standard deviation.
    Wasserstein,
    /// Population Stability Index.
    Psi,
}

impl StatTest {
    pub const ALL: [StatTest; 6] =
        [StatTest::Ks, StatTest::ChiSquare, StatTest::Z, StatTest::JensenShannon, StatTest::Wasserstein, StatTest::Psi];

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

impl FromStr for StatTest {
    type Err = DriftError;

    /// Parses a test name, ignoring ASCII case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        StatTest::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| DriftError::UnknownStatTest { name: s.to_string() })
    }
}

/// Chi-square goodness-of-fit p-value of the current counts against the
/// reference counts scaled to the current size (scipy `chisquare(f_obs,
/// f_exp)`), categories in sorted order. A category the reference never saw
/// has an expected count of zero, an infinite statistic and p = 0. With a
/// single category there is nothing to test and p = 1.
pub fn chisquare_pvalue(counts: &BinCounts) -> f64 {
    let k = counts.len();
    if k < 2 {
        return 1.0;
    }
    let n_ref: u64 = counts.reference.iter().sum();
    let n_cur: u64 = counts.current.iter().sum();
    let k_norm = n_cur as f64 / n_ref as f64;
    let terms: Vec<f64> = counts
        .reference
        .iter()
        .zip(&counts.current)
        .map(|(&r, &c)| {
            let expected = r as f64 * k_norm;
            let diff = c as f64 - expected;
            diff * diff / expected
        })
        .collect();
    let stat = numpy_sum(&terms);
    chi2_sf(stat, (k - 1) as f64)
}

/// Two-sided p-value of the pooled two-proportion z-test of "first sorted
/// category against the rest", as Evidently computes it:
/// 2 * (1 - Phi(|z|)). When both samples hold the same single value p = 1.
pub fn z_test_pvalue(counts: &BinCounts) -> f64 {
    let ref_present = counts.reference.iter().filter(|&&c| c > 0).count();
    let cur_present = counts.current.iter().filter(|&&c| c > 0).count();
    if counts.len() == 1 && ref_present == 1 && cur_present == 1 {
        return 1.0;
    }
    let (Some(&r_first), Some(&c_first)) = (counts.reference.first(), counts.current.first()) else {
        return 1.0;
    };
    let n1: u64 = counts.reference.iter().sum();
    let n2: u64 = counts.current.iter().sum();
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    // Indicator "not the first category", as Evidently encodes it.
    let p1 = (n1 - r_first) as f64 / n1f;
    let p2 = (n2 - c_first) as f64 / n2f;
    let pooled = (p1 * n1f + p2 * n2f) / (n1f + n2f);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    if z.is_nan() {
        return 1.0;
    }
    2.0 * (1.0 - normal_cdf(z.abs()))
}

/// Jensen-Shannon distance (natural log) between two distributions given as
/// proportions (scipy `spatial.distance.jensenshannon`): each is normalised
/// to sum 1, then sqrt((KL(p, m) + KL(q, m)) / 2) with m = (p + q) / 2.
pub fn jensenshannon_distance(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq) = (numpy_sum(p), numpy_sum(q));
    let p: Vec<f64> = p.iter().map(|x| x / sp).collect();
    let q: Vec<f64> = q.iter().map(|x| x / sq).collect();
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    let left: Vec<f64> = p.iter().zip(&m).map(|(&a, &b)| rel_entr(a, b)).collect();
    let right: Vec<f64> = q.iter().zip(&m).map(|(&a, &b)| rel_entr(a, b)).collect();
    let js = numpy_sum(&left) + numpy_sum(&right);
    (js / 2.0).sqrt()
}

/// x ln(x / y), with 0 ln(0 / y) = 0 (scipy `special.rel_entr`).
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// The 1-Wasserstein distance between two sorted samples (scipy
/// `wasserstein_distance`): the integral of |F_u - F_v| between successive
/// values of the merged sample.
pub fn wasserstein_distance(sorted_u: &[f64], sorted_v: &[f64]) -> f64 {
    let (nu, nv) = (sorted_u.len(), sorted_v.len());
    if nu == 0 || nv == 0 {
        return f64::NAN;
    }
    let (nuf, nvf) = (nu as f64, nv as f64);
    // One term per gap of the merged sample, in order, so the sum is the
    // one numpy forms (ties contribute exact zeros).
    let mut terms = Vec::with_capacity(nu + nv - 1);
    let (mut i, mut j) = (0usize, 0usize);
    while i < nu || j < nv {
        let x = match (sorted_u.get(i), sorted_v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let (i0, j0) = (i, j);
        while i < nu && sorted_u[i] <= x {
            i += 1;
        }
        while j < nv && sorted_v[j] <= x {
            j += 1;
        }
        let ties = (i - i0) + (j - j0);
        let next = match (sorted_u.get(i), sorted_v.get(j)) {
            (Some(&a), Some(&b)) => Some(a.min(b)),
            (Some(&a), None) => Some(a),
            (None, Some(&b)) => Some(b),
            (None, None) => None,
        };
        let gap = (i as f64 / nuf - j as f64 / nvf).abs();
        // Gaps inside a run of equal values are zero; the last sample has
        // no gap after it.
        terms.extend(std::iter::repeat_n(gap * 0.0, ties - 1));
        if let Some(next) = next {
            terms.push(gap * (next - x));
        }
    }
    numpy_sum(&terms)
}

/// Population standard deviation (numpy `std`, ddof = 0), values in the
/// order given.
pub fn population_std(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let mean = numpy_sum(values) / n;
    let squares: Vec<f64> = values.iter().map(|x| (x - mean) * (x - mean)).collect();
    (numpy_sum(&squares) / n).sqrt()
}

/// Evidently's normed Wasserstein score: the distance divided by
/// max(std of the reference, 0.001).
pub fn wasserstein_normed(sorted_reference: &[f64], sorted_current: &[f64], reference_std: f64) -> f64 {
    wasserstein_distance(sorted_reference, sorted_current) / reference_std.max(0.001)
}

#[cfg(test)]
mod tests {
    use super::*;
}
