//! One walk over two sorted numerical samples merged, giving at once what
//! the KS statistic, the Wasserstein distance and the count of distinct
//! values each used to walk for. Each figure is formed with the same
//! floating-point operations as its own function (`ks_statistic`,
//! `wasserstein_distance`, `union_distinct`), so results agree bit for bit.

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
    use super::super::ks::ks_statistic;
    use super::super::psi::union_distinct;
    use super::super::stattest::wasserstein_distance;
    use super::*;
    use proptest::prelude::*;

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(f64::total_cmp);
        v
    }

    proptest! {
        /// The walk agrees bit for bit with the three separate walks,
        /// ties and all.
        #[test]
        fn agrees_with_each_statistic_alone(
            u in prop::collection::vec(-50i32..50, 1..300),
            v in prop::collection::vec(-50i32..50, 1..300),
            scale in prop::sample::select(vec![1.0, 0.1, 1e-3, 7.3]),
        ) {
            let u = sorted(u.into_iter().map(|x| f64::from(x) * scale).collect());
            let v = sorted(v.into_iter().map(|x| f64::from(x) * scale).collect());
            let w = walk(&u, &v, true);
            prop_assert_eq!(w.distinct, union_distinct(&u, &v));
            prop_assert_eq!(w.ks_statistic.to_bits(), ks_statistic(&u, &v).to_bits());
            prop_assert_eq!(w.wasserstein.to_bits(), wasserstein_distance(&u, &v).to_bits());
            prop_assert!(walk(&u, &v, false).wasserstein.is_nan());
        }
    }
}
