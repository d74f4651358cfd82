//! Two-sample Kolmogorov-Smirnov test, two-sided, matching
//! `scipy.stats.ks_2samp` (statistic and p-value) for each `method`.

use super::kolmogorov::kstwo_sf;
use serde::Serialize;

/// Largest sample for which `method='auto'` tries the exact distribution.
pub const MAX_EXACT_N: usize = 10_000;

/// How the p-value is computed (scipy's `method` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KsMethod {
    /// Exact when the larger sample has at most 10,000 values, else asymptotic.
    Auto,
    /// Exact lattice-path count, falling back to asymptotic when it fails.
    Exact,
    /// The one-sample Kolmogorov distribution with n = round(n1 n2 / (n1 + n2)).
    Asymptotic,
}

/// Result of [`ks_2samp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KsResult {
    pub statistic: f64,
    pub pvalue: f64,
    /// `Exact` or `Asymptotic`: the method that produced the p-value.
    pub method: KsMethod,
}

/// The two-sided statistic D = max |F1 - F2| of two sorted samples, computed
/// with the same floating-point operations as scipy (i/n1 - j/n2 at every
/// data point), so it agrees bit for bit.
///
/// Both slices must be sorted ascending and free of NaN.
pub fn ks_statistic(sorted1: &[f64], sorted2: &[f64]) -> f64 {
    debug_assert!(sorted1.is_sorted() && sorted2.is_sorted());
    let (n1, n2) = (sorted1.len() as f64, sorted2.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let (mut max_diff, mut min_diff) = (f64::NEG_INFINITY, f64::INFINITY);
    while i < sorted1.len() || j < sorted2.len() {
        let x = match (sorted1.get(i), sorted2.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        while i < sorted1.len() && sorted1[i] <= x {
            i += 1;
        }
        while j < sorted2.len() && sorted2[j] <= x {
            j += 1;
        }
        let diff = i as f64 / n1 - j as f64 / n2;
        max_diff = max_diff.max(diff);
        min_diff = min_diff.min(diff);
    }
    let min_s = (-min_diff).clamp(0.0, 1.0);
    if min_s > max_diff { min_s } else { max_diff }
}

/// `scipy.stats.ks_2samp(a, b, method=...)` for two sorted, NaN-free
/// samples; `None` when either is empty.
pub fn ks_2samp(sorted1: &[f64], sorted2: &[f64], method: KsMethod) -> Option<KsResult> {
    let (n1, n2) = (sorted1.len(), sorted2.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let d = ks_statistic(sorted1, sorted2);
    Some(ks_pvalue(d, n1, n2, method))
}

/// The p-value step of [`ks_2samp`] for a given statistic `d` and sample
/// sizes. For the exact method the returned statistic is `d` rounded to the
/// lattice (h / lcm(n1, n2)), as scipy reports it.
pub fn ks_pvalue(d: f64, n1: usize, n2: usize, method: KsMethod) -> KsResult {
    let (n1u, n2u) = (n1 as u64, n2 as u64);
    let g = gcd(n1u, n2u);
    let mut use_exact = match method {
        KsMethod::Auto => n1.max(n2) <= MAX_EXACT_N,
        // scipy refuses the exact count when lcm(n1, n2) would not fit an int32.
        KsMethod::Exact => ((n1u / g) as f64) < f64::from(i32::MAX) / (n2u / g) as f64,
        KsMethod::Asymptotic => false,
    };
    let mut d = d;
    if use_exact {
        match exact_pvalue(n1u, n2u, g, d) {
            (Some(p), rounded) => {
                return KsResult { statistic: rounded, pvalue: p.clamp(0.0, 1.0), method: KsMethod::Exact };
            }
            (None, rounded) => {
                d = rounded;
                use_exact = false;
            }
        }
    }
    debug_assert!(!use_exact);
    KsResult { statistic: d, pvalue: ks_asymptotic_pvalue(d, n1, n2), method: KsMethod::Asymptotic }
}

/// Asymptotic two-sided p-value: `kstwo.sf(d, round(n1 n2 / (n1 + n2)))`,
/// clipped to [0, 1].
pub fn ks_asymptotic_pvalue(d: f64, n1: usize, n2: usize) -> f64 {
    let (a, b) = (n1 as f64, n2 as f64);
    let (m, n) = if a >= b { (a, b) } else { (b, a) };
    let en = m * n / (m + n);
    kstwo_sf(d, en.round_ties_even()).clamp(0.0, 1.0)
}

/// Exact p-value attempt. Returns the probability (None when the
/// computation is unusable, which sends scipy to the asymptotic method) and
/// `d` rounded to the lattice.
fn exact_pvalue(n1: u64, n2: u64, g: u64, d: f64) -> (Option<f64>, f64) {
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as u64;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return (Some(1.0), d);
    }
    let prob = if n1 == n2 { prob_outside_square(n1, h) } else { prob_outside_band(n1, n2, g, h) };
    // NaN and values outside [0, 1] both fail this test.
    if (0.0..=1.0).contains(&prob) { (Some(prob), d) } else { (None, d) }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// P(D_{n,n} >= h/n) for equal sample sizes, by the reflection formula
/// 2 * sum_k (-1)^(k+1) C(2n, n - k h) / C(2n, n), evaluated as a Horner-like
/// nest of ratios (no large binomials, no cancellation).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = n / h;
    loop {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n as f64 - (k * h) as f64 - j as f64) * p1 / ((n + k * h + j + 1) as f64);
        }
        p = p1 * (1.0 - p);
        if k == 0 {
            break;
        }
        k -= 1;
    }
    2.0 * p
}

/// P(D_{m,n} >= h / lcm(m, n)) for unequal sizes: the share of monotone
/// lattice paths from (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm
/// (Hodges 1958). The recursion tracks that share directly, column by
/// column, as a weighted average (Viehmann 2021), so it neither overflows
/// nor cancels.
fn prob_outside_band(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (m, n, h) = (m as i64, n as i64, h as i64);
    let ceil_div = |a: i64, b: i64| (a as f64 / b as f64).ceil() as i64;
    let floor_div = |a: i64, b: i64| (a as f64 / b as f64).floor() as i64;

    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for x in a.iter_mut().take(maxj as usize) {
        *x = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            let Some(&prev) = usize::try_from(jj + minj - lastminj).ok().and_then(|k| a.get(k)) else {
                return f64::NAN;
            };
            val = (prev * i as f64 + val * j as f64) / ((i + j) as f64);
            let Some(slot) = a.get_mut(jj as usize) else {
                return f64::NAN;
            };
            *slot = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            // Entries carried over past the window are paths already outside.
            let start = (maxj - minj) as usize;
            let end = (start + (lastlen - curlen) as usize).min(a.len());
            for x in a.iter_mut().take(end).skip(start) {
                *x = 1.0;
            }
        }
    }
    match usize::try_from(maxj - minj - 1).ok().and_then(|k| a.get(k)) {
        Some(&p) => p,
        None => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
}
