//! One walk over two sorted numerical samples merged, giving at once the
//! KS statistic, the Wasserstein distance and the count of distinct values
//! (`ks_statistic`, `wasserstein_distance` and `union_distinct` are this
//! walk too). Each is formed with scipy's and numpy's floating-point
//! operations, so the figures agree with them bit for bit.

use super::special::numpy_sum;

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
/// Wasserstein distance only when `wasserstein` is asked for (it keeps a
/// term per value to sum as numpy does).
pub fn walk(u: &[f64], v: &[f64], wasserstein: bool) -> Walk {
    let (nu, nv) = (u.len(), v.len());
    let (nuf, nvf) = (nu as f64, nv as f64);
    let mut terms: Vec<f64> = match wasserstein {
        true => Vec::with_capacity(nu + nv),
        false => Vec::new(),
    };
    let (mut i, mut j, mut distinct) = (0usize, 0usize, 0usize);
    let (mut max_diff, mut min_diff) = (f64::NEG_INFINITY, f64::INFINITY);
    // The previous step's value and gap: its term needs this step's value.
    let mut previous: Option<(f64, f64)> = None;
    while i < nu || j < nv {
        let x = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let (i0, j0) = (i, j);
        while i < nu && u[i] <= x {
            i += 1;
        }
        while j < nv && v[j] <= x {
            j += 1;
        }
        distinct += 1;
        let diff = i as f64 / nuf - j as f64 / nvf;
        max_diff = max_diff.max(diff);
        min_diff = min_diff.min(diff);
        if wasserstein {
            if let Some((px, gap)) = previous {
                terms.push(gap * (x - px));
            }
            let gap = diff.abs();
            // Gaps inside a run of equal values are zero.
            let ties = (i - i0) + (j - j0);
            terms.extend(std::iter::repeat_n(gap * 0.0, ties - 1));
            previous = Some((x, gap));
        }
    }
    let min_s = (-min_diff).clamp(0.0, 1.0);
    Walk {
        distinct,
        ks_statistic: if min_s > max_diff { min_s } else { max_diff },
        wasserstein: match wasserstein {
            true => numpy_sum(&terms),
            false => f64::NAN,
        },
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
        }
    }
}
