//! Binning and the Population Stability Index.

use super::special::numpy_sum;
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
pub fn value_counts<T>(reference: &[T], current: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> BinCounts {
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
    let (mut i, mut j, mut count) = (0usize, 0usize, 0usize);
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        count += 1;
    }
    count
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
    cum.windows(2).map(|w| w[1].saturating_sub(w[0]) as u64).collect()
}

/// Sturges-binned counts of two sorted numerical samples over their
/// combined range.
pub fn sturges_counts(reference: &[f64], current: &[f64]) -> BinCounts {
    let min = reference.first().copied().unwrap_or(f64::NAN).min(current.first().copied().unwrap_or(f64::NAN));
    let max = reference.last().copied().unwrap_or(f64::NAN).max(current.last().copied().unwrap_or(f64::NAN));
    let edges = sturges_edges(min, max, reference.len() + current.len());
    BinCounts { reference: histogram_counts(reference, &edges), current: histogram_counts(current, &edges) }
}

/// Proportions count / total.
pub fn proportions(counts: &[u64], total: u64) -> Vec<f64> {
    counts.iter().map(|&c| c as f64 / total as f64).collect()
}

/// Replaces zero proportions so the logarithm in PSI stays finite: by m/1e6
/// where m, the smallest non-zero proportion, is at most 1e-4, else by 1e-4.
pub fn fill_zeroes(props: &mut [f64]) {
    let m = props.iter().copied().filter(|&p| p != 0.0).fold(f64::INFINITY, f64::min);
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
    let terms: Vec<f64> = reference.iter().zip(current).map(|(&r, &c)| (r - c) * (r / c).ln()).collect();
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
}
