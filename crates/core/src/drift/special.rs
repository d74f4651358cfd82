//! Special functions: log-gamma, regularized incomplete gamma, chi-square and
//! normal tails, and small numeric helpers shared by the tests.

use std::f64::consts::PI;

/// ln(sqrt(2 pi)).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Stirling-series coefficients B_{2k} / (2k (2k-1)) for k = 1..=8.
pub const STIRLING: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360_360.0,
    1.0 / 156.0,
    -3617.0 / 122_400.0,
];

/// Natural log of the gamma function for `x > 0` (NaN otherwise).
///
/// Shifts the argument up to at least 15 and uses the Stirling series, whose
/// truncation error there is far below one ulp.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut z = x;
    let mut shift = 1.0;
    // The product stays far from overflow: at most 15 factors below 15.
    while z < 15.0 {
        shift *= z;
        z += 1.0;
    }
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    let mut series = 0.0;
    for c in STIRLING.iter().rev() {
        series = series * inv2 + c;
    }
    let stirling = (z - 0.5) * z.ln() - z + LN_SQRT_2PI + series * inv;
    stirling - shift.ln()
}

/// ln(n!) for a non-negative integer.
pub fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    ln_gamma(n as f64 + 1.0)
}

/// Regularized incomplete gamma functions (P(a, x), Q(a, x)).
///
/// Series for x < a + 1 (where Q is not small, so Q = 1 - P is accurate) and a
/// Lentz continued fraction otherwise (which gives small Q to full relative
/// precision).
pub fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if a.is_nan() || x.is_nan() || a <= 0.0 || x < 0.0 {
        return (f64::NAN, f64::NAN);
    }
    if x == 0.0 {
        return (0.0, 1.0);
    }
    if x.is_infinite() {
        return (1.0, 0.0);
    }
    let log_prefactor = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..1_000_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() <= sum.abs() * f64::EPSILON * 0.5 {
                break;
            }
        }
        let p = (log_prefactor + sum.ln()).exp().min(1.0);
        (p, 1.0 - p)
    } else {
        // Modified Lentz evaluation of the continued fraction for Q.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1_000_000u32 {
            let an = -f64::from(i) * (f64::from(i) - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() <= f64::EPSILON {
                break;
            }
        }
        let q = (log_prefactor + h.ln()).exp().min(1.0);
        (1.0 - q, q)
    }
}

/// Survival function of the chi-square distribution (scipy `chi2.sf`).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_pq(df / 2.0, x / 2.0).1
}

/// Standard normal CDF (scipy `norm.cdf`), via erfc(t) = Q(1/2, t^2).
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let half_tail = 0.5 * gamma_pq(0.5, x * x / 2.0).1;
    if x < 0.0 { half_tail } else { 1.0 - half_tail }
}

/// x * 2^e without overflow in the intermediate power (like C `ldexp`).
pub fn ldexp(mut x: f64, mut e: i64) -> f64 {
    let big = 2f64.powi(600);
    let small = 2f64.powi(-600);
    while e > 600 {
        x *= big;
        e -= 600;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -600 {
        x *= small;
        e += 600;
        if x == 0.0 {
            return x;
        }
    }
    // |e| <= 600 fits in i32 and 2^e is a normal number.
    x * 2f64.powi(e as i32)
}

/// Sum with numpy's pairwise algorithm and its exact order of additions
/// (8 interleaved accumulators in blocks of up to 128, halving above), so
/// sums agree with `numpy.sum` bit for bit and stay accurate for long inputs.
pub fn numpy_sum(values: &[f64]) -> f64 {
    0.0 + pairwise(values)
}

fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (acc, &x) in r.iter_mut().zip(&a[i..i + 8]) {
                *acc += x;
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[whole..] {
            res += x;
        }
        res
    } else {
        let n2 = pairwise_split(n);
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

/// `numpy_sum` of `n` values that arrive one at a time: the same additions
/// in the same order, holding one block of at most 128 values and a sum per
/// block instead of all `n` values (a million terms would be 8 MB).
pub struct StreamingSum {
    /// Sizes of the blocks numpy sums with its 8 accumulators, in order.
    blocks: Vec<usize>,
    block: Vec<f64>,
    sums: Vec<f64>,
    n: usize,
}

impl StreamingSum {
    pub fn new(n: usize) -> Self {
        let mut blocks = Vec::new();
        plan_blocks(n, &mut blocks);
        StreamingSum {
            sums: Vec::with_capacity(blocks.len()),
            blocks,
            block: Vec::with_capacity(128),
            n,
        }
    }

    pub fn push(&mut self, x: f64) {
        self.block.push(x);
        if self.blocks.get(self.sums.len()) == Some(&self.block.len()) {
            self.sums.push(pairwise(&self.block));
            self.block.clear();
        }
    }

    /// The sum, once all `n` values were pushed (an empty block of an empty
    /// sum is zero; a short feed sums what came, in order).
    pub fn finish(mut self) -> f64 {
        debug_assert_eq!(
            self.sums.len(),
            self.blocks.len() - usize::from(self.n == 0),
            "fewer values than announced"
        );
        if self.sums.len() < self.blocks.len() {
            self.sums.push(pairwise(&self.block));
        }
        let mut sums = self.sums.into_iter();
        0.0 + combine_blocks(self.n, &mut sums)
    }
}

/// The blocks `pairwise` splits `n` values into, left to right.
fn plan_blocks(n: usize, out: &mut Vec<usize>) {
    if n <= 128 {
        out.push(n);
    } else {
        let n2 = pairwise_split(n);
        plan_blocks(n2, out);
        plan_blocks(n - n2, out);
    }
}

/// The blocks' sums added up the way `pairwise` adds its halves.
fn combine_blocks(n: usize, sums: &mut impl Iterator<Item = f64>) -> f64 {
    if n <= 128 {
        sums.next().unwrap_or(0.0)
    } else {
        let n2 = pairwise_split(n);
        let left = combine_blocks(n2, sums);
        left + combine_blocks(n - n2, sums)
    }
}

fn pairwise_split(n: usize) -> usize {
    let n2 = n / 2;
    n2 - n2 % 8
}

/// pi^2, used by the Kolmogorov series.
pub const PI_SQUARED: f64 = PI * PI;

/// Population standard deviation (numpy `std`, ddof = 0), values in the
/// order given.
pub fn population_std(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let mean = numpy_sum(values) / n;
    let mut squares = StreamingSum::new(values.len());
    for x in values {
        squares.push((x - mean) * (x - mean));
    }
    (squares.finish() / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn ln_gamma_matches_scipy() {
        // scipy.special.gammaln([0.5, 3.7, 10, 100.5, 1e6 + 1])
        let cases = [
            (0.5, 0.5723649429247),
            (3.7, 1.428072326665388),
            (10.0, 12.801827480081469),
            (100.5, 361.43554046777757),
            (1e6 + 1.0, 12815518.384658169),
        ];
        for (x, want) in cases {
            assert!(close(ln_gamma(x), want, 1e-14), "{x}: {}", ln_gamma(x));
        }
        assert!(ln_gamma(1.0).abs() < 1e-13);
        assert!(ln_gamma(2.0).abs() < 1e-13);
        assert!(ln_gamma(0.0).is_nan());
    }

    #[test]
    fn chi2_sf_matches_scipy() {
        // scipy.stats.chi2.sf(x, df)
        let cases = [
            (3.0, 2.0, 0.22313016014842982),
            (0.5, 1.0, 0.47950012218695337),
            (10.0, 3.0, 0.01856613546304325),
            (100.0, 10.0, 5.4497019829205215e-17),
            (950.0, 1000.0, 0.8691240657456883),
            (1200.0, 1000.0, 1.2255942330622893e-05),
        ];
        for (x, df, want) in cases {
            let got = chi2_sf(x, df);
            assert!(
                close(got, want, 1e-11),
                "chi2.sf({x}, {df}) = {got}, want {want}"
            );
        }
        assert_eq!(chi2_sf(f64::INFINITY, 3.0), 0.0);
        assert_eq!(chi2_sf(0.0, 3.0), 1.0);
    }

    #[test]
    fn normal_cdf_matches_scipy() {
        // scipy.stats.norm.cdf(x)
        let cases = [
            (0.0, 0.5),
            (1.0, 0.8413447460685429),
            (-1.96, 0.024997895148220435),
            (-8.0, 6.22096057427174e-16),
            (3.5, 0.9997673709209645),
        ];
        for (x, want) in cases {
            let got = normal_cdf(x);
            assert!(
                close(got, want, 1e-13),
                "norm.cdf({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn ldexp_scales_exactly() {
        assert_eq!(ldexp(1.0, 3), 8.0);
        assert_eq!(ldexp(3.0, -1), 1.5);
        assert_eq!(ldexp(ldexp(1.5, -1000), 1000), 1.5);
        assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
        assert_eq!(ldexp(1.0, -1100), 0.0);
    }

    proptest::proptest! {
        #[test]
        fn a_streamed_sum_is_numpys_sum_bit_for_bit(
            values in proptest::collection::vec(-1e6f64..1e6, 0..3000)
        ) {
            let mut streamed = StreamingSum::new(values.len());
            for &v in &values {
                streamed.push(v);
            }
            proptest::prop_assert_eq!(streamed.finish().to_bits(), numpy_sum(&values).to_bits());
        }
    }
}
