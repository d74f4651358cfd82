//! Binning and the Population Stability Index.

use super::special::numpy_sum;
use super::walk::walk;
use std::cmp::Ordering;

/// A numerical column with more distinct reference values than this gets
/// equal-width (Sturges) bins; any other column one bin per distinct value.
pub const MAX_VALUE_BINS: usize = 20;

/// Default PSI drift threshold (drift when PSI >= threshold).
pub const PSI_THRESHOLD: f64 = 0.1;

/// Bin counts of the two samples over the same bins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BinCounts {
    pub reference: Vec<u64>,
    pub current: Vec<u64>,
}

impl BinCounts {
    pub fn len(&self) -> usize {
        self.reference.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reference.is_empty()
    }
}

/// Counts per distinct value of two sorted samples, bins in ascending order
/// of the union of their values. `cmp` must be the order the slices are
/// sorted by; equal elements form one bin.
pub fn value_counts<T>(
    reference: &[T],
    current: &[T],
    cmp: impl Fn(&T, &T) -> Ordering,
) -> BinCounts {
    let mut out = BinCounts::default();
    let (mut i, mut j) = (0usize, 0usize);
    while i < reference.len() || j < current.len() {
        let pivot = match (reference.get(i), current.get(j)) {
            (Some(a), Some(b)) => {
                if cmp(a, b) == Ordering::Greater {
                    b
                } else {
                    a
                }
            }
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let (i0, j0) = (i, j);
        while i < reference.len() && cmp(&reference[i], pivot) == Ordering::Equal {
            i += 1;
        }
        while j < current.len() && cmp(&current[j], pivot) == Ordering::Equal {
            j += 1;
        }
        out.reference.push((i - i0) as u64);
        out.current.push((j - j0) as u64);
    }
    out
}

/// Number of distinct values of two sorted samples taken together.
pub fn union_distinct(a: &[f64], b: &[f64]) -> usize {
    walk(a, b, false).distinct
}

/// Number of distinct values in a sorted sample.
pub fn distinct_sorted(sorted: &[f64]) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    1 + sorted.windows(2).filter(|w| w[0] != w[1]).count()
}

/// Bin edges of `numpy.histogram_bin_edges(data, bins="sturges")` for data
/// with the given minimum, maximum and size, with numpy's floating-point
/// steps: width = ptp / (log2(n) + 1), bins = ceil((max - min) / width),
/// edges from `linspace` (start + i * step, the last edge set to max).
pub fn sturges_edges(min: f64, max: f64, n: usize) -> Vec<f64> {
    let (mut first, mut last) = (min, max);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let ptp = max - min;
    let width = ptp / ((n as f64).log2() + 1.0);
    let bins = if width != 0.0 && width.is_finite() {
        ((last - first) / width).ceil().max(1.0) as usize
    } else {
        1
    };
    linspace(first, last, bins + 1)
}

/// `numpy.linspace(start, stop, num)` with endpoint, as numpy computes it.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut out: Vec<f64> = if step == 0.0 {
        (0..num).map(|i| i as f64 / div * delta + start).collect()
    } else {
        (0..num).map(|i| i as f64 * step + start).collect()
    };
    out[num - 1] = stop;
    out
}

/// `numpy.histogram(sorted, edges)[0]`: bins [e_i, e_{i+1}) except the last,
/// which is closed; values outside the edges are not counted.
pub fn histogram_counts(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    if edges.len() < 2 {
        return Vec::new();
    }
    let below = |e: f64| sorted.partition_point(|&x| x < e);
    let at_or_below = |e: f64| sorted.partition_point(|&x| x <= e);
    let last = edges.len() - 1;
    let cum: Vec<usize> = edges
        .iter()
        .enumerate()
        .map(|(i, &e)| if i == last { at_or_below(e) } else { below(e) })
        .collect();
    cum.windows(2)
        .map(|w| w[1].saturating_sub(w[0]) as u64)
        .collect()
}

/// Sturges-binned counts of two sorted numerical samples over their
/// combined range.
pub fn sturges_counts(reference: &[f64], current: &[f64]) -> BinCounts {
    let min = reference
        .first()
        .copied()
        .unwrap_or(f64::NAN)
        .min(current.first().copied().unwrap_or(f64::NAN));
    let max = reference
        .last()
        .copied()
        .unwrap_or(f64::NAN)
        .max(current.last().copied().unwrap_or(f64::NAN));
    let edges = sturges_edges(min, max, reference.len() + current.len());
    BinCounts {
        reference: histogram_counts(reference, &edges),
        current: histogram_counts(current, &edges),
    }
}

/// Proportions count / total.
pub fn proportions(counts: &[u64], total: u64) -> Vec<f64> {
    counts.iter().map(|&c| c as f64 / total as f64).collect()
}

/// Replaces zero proportions so the logarithm in PSI stays finite: by m/1e6
/// where m, the smallest non-zero proportion, is at most 1e-4, else by 1e-4.
pub fn fill_zeroes(props: &mut [f64]) {
    let m = props
        .iter()
        .copied()
        .filter(|&p| p != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !m.is_finite() {
        return;
    }
    let fill = if m <= 1e-4 { m / 1e6 } else { 1e-4 };
    for p in props.iter_mut().filter(|p| **p == 0.0) {
        *p = fill;
    }
}

/// PSI = sum (r - c) ln(r / c) over bins of already zero-filled proportions.
pub fn psi_from_proportions(reference: &[f64], current: &[f64]) -> f64 {
    let terms: Vec<f64> = reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .collect();
    numpy_sum(&terms)
}

/// PSI of bin counts: proportions of the row counts, zero-filled per side.
pub fn psi(counts: &BinCounts) -> f64 {
    let mut r = proportions(&counts.reference, counts.reference.iter().sum());
    let mut c = proportions(&counts.current, counts.current.iter().sum());
    fill_zeroes(&mut r);
    fill_zeroes(&mut c);
    psi_from_proportions(&r, &c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_psi_over_nine_bins() {
        let r: Vec<f64> = (0..100).map(f64::from).collect();
        let c: Vec<f64> = (50..150).map(f64::from).collect();
        let counts = sturges_counts(&r, &c);
        assert_eq!(counts.len(), 9);
        // rp, cp = histograms over np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges"),
        // zero-filled; np.sum((rp - cp) * np.log(rp / cp))
        assert!(
            (psi(&counts) - 7.414532745869386).abs() < 1e-12,
            "{}",
            psi(&counts)
        );
    }

    #[test]
    fn sturges_edges_and_counts_match_numpy_at_float_edges() {
        // ref = np.arange(101)/100; cur = (np.arange(199) % 101)/100 * 0.5 + 0.25
        // e = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        let r: Vec<f64> = (0..101).map(|k| f64::from(k) / 100.0).collect();
        let mut c: Vec<f64> = (0..199)
            .map(|k| f64::from(k % 101) / 100.0 * 0.5 + 0.25)
            .collect();
        c.sort_by(f64::total_cmp);
        let edges = sturges_edges(0.0, 1.0, 300);
        let want = [
            0.0,
            0.1,
            0.2,
            0.30000000000000004,
            0.4,
            0.5,
            0.6000000000000001,
            0.7000000000000001,
            0.8,
            0.9,
            1.0,
        ];
        assert_eq!(edges, want);
        // np.histogram(ref, e)[0]: 0.3 and 0.7 fall below their edges
        assert_eq!(
            histogram_counts(&r, &edges),
            [10, 10, 11, 9, 10, 11, 10, 9, 10, 11]
        );
        // np.histogram(cur, e)[0]
        assert_eq!(
            histogram_counts(&c, &edges),
            [0, 0, 22, 38, 40, 42, 40, 17, 0, 0]
        );
        // PSI of those counts with zero filling
        let counts = sturges_counts(&r, &c);
        assert!((psi(&counts) - 3.0975404791288814).abs() < 1e-12);
    }

    #[test]
    fn psi_with_empty_bins() {
        // psi([2, 2, 1, 0], [0, 0, 2, 3]) with zeros replaced by 1e-4 on each side
        let counts = BinCounts {
            reference: vec![2, 2, 1, 0],
            current: vec![0, 0, 2, 3],
        };
        assert!((psi(&counts) - 11.991049235716885).abs() < 1e-12);
        // smallest non-zero proportion 1/20000 <= 1e-4, so zeros become 5e-5 / 1e6
        let counts = BinCounts {
            reference: vec![19999, 1, 0],
            current: vec![10000, 5000, 5000],
        };
        assert!((psi(&counts) - 8.058562309218967).abs() < 1e-12);
        let mut props = vec![0.5, 0.0, 0.00005, 0.49995];
        fill_zeroes(&mut props);
        assert_eq!(props[1], 0.00005 / 1e6);
    }

    #[test]
    fn value_counts_merge_both_samples() {
        let counts = value_counts(&[1.0, 1.0, 2.0, 5.0], &[0.0, 2.0, 2.0, 7.0], f64::total_cmp);
        assert_eq!(counts.reference, [0, 2, 1, 1, 0]);
        assert_eq!(counts.current, [1, 0, 2, 0, 1]);
        assert_eq!(
            union_distinct(&[1.0, 1.0, 2.0, 5.0], &[0.0, 2.0, 2.0, 7.0]),
            5
        );
        assert_eq!(distinct_sorted(&[1.0, 1.0, 2.0, 5.0]), 3);
    }

    #[test]
    fn linspace_like_numpy() {
        // np.linspace(0, 1, 4)
        assert_eq!(
            linspace(0.0, 1.0, 4),
            [0.0, 0.3333333333333333, 0.6666666666666666, 1.0]
        );
        // a constant range is widened by 0.5 on each side
        assert_eq!(sturges_edges(3.0, 3.0, 10), linspace(2.5, 3.5, 2));
    }
}
