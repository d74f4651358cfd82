//! One walk over two sorted numerical samples merged, giving at once the
//! KS statistic, the Wasserstein distance and the count of distinct values
//! (`ks_statistic`, `wasserstein_distance` and `union_distinct` are this
//! walk too). Each is formed with scipy's and numpy's floating-point
//! operations, so the figures agree with them bit for bit.

use super::special::StreamingSum;

/// What one merged walk finds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    /// Distinct values of both samples together.
    pub distinct: usize,
    /// The two-sided KS statistic D.
    pub ks_statistic: f64,
    /// The 1-Wasserstein distance (NaN when not asked for).
    pub wasserstein: f64,
}

/// Walks `u` and `v` (sorted ascending, NaN-free, both non-empty); the
/// Wasserstein distance only when `wasserstein` is asked for (a term per
/// value, summed as numpy sums scipy's array of them).
pub fn walk(u: &[f64], v: &[f64], wasserstein: bool) -> Walk {
    let (nu, nv) = (u.len(), v.len());
    let mut steps = Steps::new(nu, nv, wasserstein);
    let (mut i, mut j) = (0usize, 0usize);
    // While both samples have values, which one advances is decided without
    // a branch: merging two random samples would mispredict every other step.
    while i < nu && j < nv {
        let (a, b) = (u[i], v[j]);
        let x = a.min(b);
        let (i0, j0) = (i, j);
        i += usize::from(a <= x);
        j += usize::from(b <= x);
        while i < nu && u[i] <= x {
            i += 1;
        }
        while j < nv && v[j] <= x {
            j += 1;
        }
        steps.record(x, i, j, (i - i0) + (j - j0));
    }
    // One sample is used up: the other's values remain, each a step.
    while i < nu || j < nv {
        let x = if i < nu { u[i] } else { v[j] };
        let (i0, j0) = (i, j);
        while i < nu && u[i] <= x {
            i += 1;
        }
        while j < nv && v[j] <= x {
            j += 1;
        }
        steps.record(x, i, j, (i - i0) + (j - j0));
    }
    steps.finish()
}

/// What the walk keeps from one distinct value to the next.
struct Steps {
    nuf: f64,
    nvf: f64,
    distinct: usize,
    max_diff: f64,
    min_diff: f64,
    wasserstein: bool,
    // scipy's terms: one per merged value but the first.
    terms: StreamingSum,
    /// The previous step's value and gap: its term needs this step's value.
    previous: Option<(f64, f64)>,
}

impl Steps {
    fn new(nu: usize, nv: usize, wasserstein: bool) -> Self {
        Steps {
            nuf: nu as f64,
            nvf: nv as f64,
            distinct: 0,
            max_diff: f64::NEG_INFINITY,
            min_diff: f64::INFINITY,
            wasserstein,
            terms: StreamingSum::new(match wasserstein {
                true => (nu + nv).saturating_sub(1),
                false => 0,
            }),
            previous: None,
        }
    }

    /// The value `x`, after which `i` and `j` values of each sample are
    /// at most `x`; `ties` values equal to it were passed.
    #[inline(always)]
    fn record(&mut self, x: f64, i: usize, j: usize, ties: usize) {
        self.distinct += 1;
        // The CDFs as scipy forms them: searchsorted counts over n.
        let diff = i as f64 / self.nuf - j as f64 / self.nvf;
        self.max_diff = self.max_diff.max(diff);
        self.min_diff = self.min_diff.min(diff);
        if self.wasserstein {
            if let Some((px, gap)) = self.previous {
                self.terms.push(gap * (x - px));
            }
            let gap = diff.abs();
            // Gaps inside a run of equal values are zero.
            for _ in 1..ties {
                self.terms.push(gap * 0.0);
            }
            self.previous = Some((x, gap));
        }
    }

    fn finish(self) -> Walk {
        let min_s = (-self.min_diff).clamp(0.0, 1.0);
        Walk {
            distinct: self.distinct,
            ks_statistic: if min_s > self.max_diff {
                min_s
            } else {
                self.max_diff
            },
            wasserstein: match self.wasserstein {
                true => self.terms.finish(),
                false => f64::NAN,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(f64::total_cmp);
        v
    }

    /// The walk written plainly (every term kept, one branchy merge): the
    /// fast walk must give the same bits.
    fn plain_walk(u: &[f64], v: &[f64]) -> (usize, u64, u64) {
        let (nuf, nvf) = (u.len() as f64, v.len() as f64);
        let (mut i, mut j, mut distinct) = (0, 0, 0);
        let (mut max_diff, mut min_diff) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut terms = Vec::new();
        let mut previous: Option<(f64, f64)> = None;
        while i < u.len() || j < v.len() {
            let x = match (u.get(i), v.get(j)) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => break,
            };
            let (i0, j0) = (i, j);
            while i < u.len() && u[i] <= x {
                i += 1;
            }
            while j < v.len() && v[j] <= x {
                j += 1;
            }
            distinct += 1;
            let diff = i as f64 / nuf - j as f64 / nvf;
            max_diff = max_diff.max(diff);
            min_diff = min_diff.min(diff);
            if let Some((px, gap)) = previous {
                terms.push(gap * (x - px));
            }
            terms.extend(std::iter::repeat_n(0.0, (i - i0) + (j - j0) - 1));
            previous = Some((x, diff.abs()));
        }
        let min_s = (-min_diff).clamp(0.0, 1.0);
        let d = if min_s > max_diff { min_s } else { max_diff };
        (
            distinct,
            d.to_bits(),
            crate::drift::special::numpy_sum(&terms).to_bits(),
        )
    }

    /// The empirical CDF of a sorted sample at `x`.
    fn cdf(sample: &[f64], x: f64) -> f64 {
        sample.partition_point(|v| *v <= x) as f64 / sample.len() as f64
    }

    proptest! {
        /// Against the definitions, evaluated the slow way at every value:
        /// D is the largest CDF gap, Wasserstein the area between the CDFs,
        /// and the distinct values are those of both samples together.
        #[test]
        fn agrees_with_the_definitions(
            u in prop::collection::vec(-50i32..50, 1..200),
            v in prop::collection::vec(-50i32..50, 1..200),
            scale in prop::sample::select(vec![1.0, 0.1, 7.3]),
        ) {
            let u = sorted(u.into_iter().map(|x| f64::from(x) * scale).collect());
            let v = sorted(v.into_iter().map(|x| f64::from(x) * scale).collect());
            let mut all = sorted(u.iter().chain(&v).copied().collect());
            all.dedup();
            let w = walk(&u, &v, true);
            prop_assert_eq!(w.distinct, all.len());
            let d = all.iter().map(|x| (cdf(&u, *x) - cdf(&v, *x)).abs()).fold(0.0, f64::max);
            prop_assert!((w.ks_statistic - d).abs() < 1e-12, "{} vs {d}", w.ks_statistic);
            let area: f64 = all
                .windows(2)
                .map(|p| (cdf(&u, p[0]) - cdf(&v, p[0])).abs() * (p[1] - p[0]))
                .sum();
            prop_assert!((w.wasserstein - area).abs() < 1e-9 * area.max(1.0), "{} vs {area}", w.wasserstein);
            prop_assert!(walk(&u, &v, false).wasserstein.is_nan());
            prop_assert_eq!(
                (w.distinct, w.ks_statistic.to_bits(), w.wasserstein.to_bits()),
                plain_walk(&u, &v)
            );
        }
    }
}
