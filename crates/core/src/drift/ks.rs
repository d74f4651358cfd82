//! Two-sample Kolmogorov-Smirnov test, two-sided, matching
//! `scipy.stats.ks_2samp` (statistic and p-value) for each `method`.

use super::kolmogorov::kstwo_sf;
use super::walk::walk;
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
    walk(sorted1, sorted2, false).ks_statistic
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
    if n1 == 0 || n2 == 0 {
        return KsResult {
            statistic: f64::NAN,
            pvalue: f64::NAN,
            method: KsMethod::Asymptotic,
        };
    }
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
                return KsResult {
                    statistic: rounded,
                    pvalue: p.clamp(0.0, 1.0),
                    method: KsMethod::Exact,
                };
            }
            (None, rounded) => {
                d = rounded;
                use_exact = false;
            }
        }
    }
    debug_assert!(!use_exact);
    KsResult {
        statistic: d,
        pvalue: ks_asymptotic_pvalue(d, n1, n2),
        method: KsMethod::Asymptotic,
    }
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
    let prob = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        prob_outside_band(n1, n2, g, h)
    };
    // NaN and values outside [0, 1] both fail this test.
    if (0.0..=1.0).contains(&prob) {
        (Some(prob), d)
    } else {
        (None, d)
    }
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
            let Some(&prev) = usize::try_from(jj + minj - lastminj)
                .ok()
                .and_then(|k| a.get(k))
            else {
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

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(f64::total_cmp);
        v
    }

    fn assert_rel(got: f64, want: f64, rel: f64, what: &str) {
        let ok = if want == 0.0 {
            got == 0.0
        } else {
            ((got - want) / want).abs() <= rel
        };
        assert!(ok, "{what}: got {got:e}, want {want:e}");
    }

    #[test]
    fn spec_example_exact_and_asymptotic() {
        let a: Vec<f64> = (0..10).map(f64::from).collect();
        let b: Vec<f64> = (5..20).map(f64::from).collect();
        let r = ks_2samp(&a, &b, KsMethod::Auto).expect("non-empty");
        // scipy.stats.ks_2samp(np.arange(10.), np.arange(5., 20.))
        assert_eq!(r.statistic, 0.6666666666666666);
        assert_rel(r.pvalue, 0.005514629400751357, 1e-12, "exact p");
        assert_eq!(r.method, KsMethod::Exact);
        // scipy.stats.ks_2samp(np.arange(10.), np.arange(5., 20.), method='asymp')
        let r = ks_2samp(&a, &b, KsMethod::Asymptotic).expect("non-empty");
        assert_eq!(r.statistic, 0.6666666666666667);
        assert_rel(r.pvalue, 0.0037722908093278406, 1e-12, "asymptotic p");
        assert_rel(
            ks_asymptotic_pvalue(r.statistic, 10, 15),
            0.0037722908093278406,
            1e-12,
            "asymptotic fn",
        );
    }

    #[test]
    fn exact_equal_sizes() {
        // a = [(i*37) % 101 for i in range(60)]; b = [(i*53) % 97 + 25 for i in range(60)]
        // scipy.stats.ks_2samp(a, b) -> (0.25, 0.046660870723173625)
        let a = sorted((0..60).map(|i| f64::from((i * 37) % 101)).collect());
        let b = sorted((0..60).map(|i| f64::from((i * 53) % 97 + 25)).collect());
        let r = ks_2samp(&a, &b, KsMethod::Auto).expect("non-empty");
        assert!((r.statistic - 0.25).abs() < 1e-12);
        assert_rel(r.pvalue, 0.046660870723173625, 1e-10, "60 vs 60");
        // scipy.stats.ks_2samp(np.arange(0., 200.), np.arange(30., 230.)) -> (0.15, 0.0220923622208589)
        let a: Vec<f64> = (0..200).map(f64::from).collect();
        let b: Vec<f64> = (30..230).map(f64::from).collect();
        let r = ks_2samp(&a, &b, KsMethod::Auto).expect("non-empty");
        assert!((r.statistic - 0.15).abs() < 1e-12);
        assert_rel(r.pvalue, 0.0220923622208589, 1e-10, "200 vs 200");
    }

    #[test]
    fn exact_unequal_sizes() {
        // scipy.stats.ks_2samp(a, [(i*53) % 97 + 25 for i in range(45)]) -> (0.25, 0.06906911466386682)
        let a = sorted((0..60).map(|i| f64::from((i * 37) % 101)).collect());
        let c = sorted((0..45).map(|i| f64::from((i * 53) % 97 + 25)).collect());
        let r = ks_2samp(&a, &c, KsMethod::Auto).expect("non-empty");
        assert!((r.statistic - 0.25).abs() < 1e-12);
        assert_rel(r.pvalue, 0.06906911466386682, 1e-10, "60 vs 45");
        // u = np.array([(i*7919) % 1000 for i in range(300)]) / 10
        // v = np.array([(i*104729) % 1013 for i in range(1000)]) / 10 + 3
        // scipy.stats.ks_2samp(u, v) -> (0.04633333333333333, 0.687598539156325)
        let u = sorted(
            (0..300)
                .map(|i| f64::from((i * 7919) % 1000) / 10.0)
                .collect(),
        );
        let v = sorted(
            (0..1000)
                .map(|i| f64::from((i * 104729) % 1013) / 10.0 + 3.0)
                .collect(),
        );
        let r = ks_2samp(&u, &v, KsMethod::Auto).expect("non-empty");
        assert!((r.statistic - 0.04633333333333333).abs() < 1e-12);
        assert_rel(r.pvalue, 0.687598539156325, 1e-10, "300 vs 1000");
    }

    #[test]
    fn exact_falls_back_to_asymptotic_like_scipy() {
        // The equal-size formula gives 1.0000000000000002 for n = 5, h = 1,
        // outside [0, 1], so scipy switches to the asymptotic method.
        assert!(prob_outside_square(5, 1) > 1.0);
        let a: Vec<f64> = (0..5).map(f64::from).collect();
        let b: Vec<f64> = (1..6).map(f64::from).collect();
        let r = ks_2samp(&a, &b, KsMethod::Auto).expect("non-empty");
        // scipy.stats.ks_2samp(np.arange(5.), np.arange(1., 6.)) -> (0.2, 1.0)
        assert_eq!(r.method, KsMethod::Asymptotic);
        assert_eq!((r.statistic, r.pvalue), (0.2, 1.0));
    }

    #[test]
    fn exact_mode_with_huge_lattice_uses_asymptotic() {
        // scipy.stats.ks_2samp(np.arange(70000.)/70000, np.arange(70001.)/70001 + 0.002,
        //                      method='exact') -> (0.002014256939186554, 0.9988344950960528)
        let a: Vec<f64> = (0..70000).map(|i| f64::from(i) / 70000.0).collect();
        let b: Vec<f64> = (0..70001).map(|i| f64::from(i) / 70001.0 + 0.002).collect();
        let r = ks_2samp(&a, &b, KsMethod::Exact).expect("non-empty");
        assert_eq!(r.method, KsMethod::Asymptotic);
        assert!((r.statistic - 0.002014256939186554).abs() < 1e-12);
        assert_rel(r.pvalue, 0.9988344950960528, 1e-9, "70000 vs 70001");
    }

    #[test]
    fn asymptotic_branch_above_ten_thousand() {
        // x = np.arange(12000)/12000; y = np.arange(15000)/15000 + s
        // scipy.stats.ks_2samp(x, y) for each shift s
        let cases = [
            (0.0, 6.666666666677035e-05, 1.0),
            (0.0005, 0.0005833333333333333, 1.0),
            (0.003, 0.0030833333333333338, 0.9999999527686184),
            (0.01, 0.010083333333333333, 0.5034958213542058),
            (0.05, 0.05008333333333337, 5.667495591503389e-15),
            (0.5, 0.5000833333333334, 0.0),
        ];
        let x: Vec<f64> = (0..12000).map(|i| f64::from(i) / 12000.0).collect();
        for (shift, stat, p) in cases {
            let y: Vec<f64> = (0..15000).map(|i| f64::from(i) / 15000.0 + shift).collect();
            let r = ks_2samp(&x, &y, KsMethod::Auto).expect("non-empty");
            assert_eq!(r.method, KsMethod::Asymptotic);
            assert!(
                (r.statistic - stat).abs() < 1e-12,
                "shift {shift}: statistic {}",
                r.statistic
            );
            assert_rel(r.pvalue, p, 1e-9, &format!("shift {shift}"));
        }
    }

    #[test]
    fn asymptotic_pvalue_for_given_d() {
        // scipy.stats.kstwo.sf(d, np.round(20000*30000/50000))
        let cases = [
            (0.0001, 1.0),
            (0.001, 1.0),
            (0.005, 0.923583863856766),
            (0.01, 0.18009691678286877),
            (0.02, 0.00013357286372337897),
            (0.05, 1.6400629843180908e-26),
            (0.2, 0.0),
        ];
        for (d, want) in cases {
            assert_rel(
                ks_asymptotic_pvalue(d, 20000, 30000),
                want,
                1e-9,
                &format!("d = {d}"),
            );
        }
    }

    #[test]
    fn identical_samples_and_empty_input() {
        let a = [1.0, 2.0, 2.0, 3.0];
        let r = ks_2samp(&a, &a, KsMethod::Auto).expect("non-empty");
        assert_eq!((r.statistic, r.pvalue), (0.0, 1.0));
        assert!(ks_2samp(&[], &a, KsMethod::Auto).is_none());
    }
}
