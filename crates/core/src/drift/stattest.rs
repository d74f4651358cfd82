//! Per-column drift tests and Evidently's default choice among them.

use super::psi::BinCounts;
use super::special::{chi2_sf, normal_cdf, numpy_sum};
use super::walk::walk;

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
    let (Some(&r_first), Some(&c_first)) = (counts.reference.first(), counts.current.first())
    else {
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
    if sorted_u.is_empty() || sorted_v.is_empty() {
        return f64::NAN;
    }
    walk(sorted_u, sorted_v, true).wasserstein
}

/// Evidently's normed Wasserstein score: the distance divided by
/// max(std of the reference, 0.001).
pub fn normed(distance: f64, reference_std: f64) -> f64 {
    distance / reference_std.max(0.001)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{ColumnKind, StatTest, population_std};

    fn close(a: f64, b: f64, rel: f64) -> bool {
        if b == 0.0 {
            a == 0.0
        } else {
            ((a - b) / b).abs() <= rel
        }
    }

    #[test]
    fn default_choice_at_the_boundaries() {
        use ColumnKind::{Categorical, Numerical};
        use StatTest::*;
        for (kind, n, k, want) in [
            (Numerical, 1000, 2, Z),
            (Numerical, 1000, 3, ChiSquare),
            (Numerical, 1000, 5, ChiSquare),
            (Numerical, 1000, 6, Ks),
            (Numerical, 1001, 2, JensenShannon),
            (Numerical, 1001, 5, JensenShannon),
            (Numerical, 1001, 6, Wasserstein),
            (Categorical, 1000, 2, Z),
            (Categorical, 1000, 3, ChiSquare),
            (Categorical, 1000, 6, ChiSquare),
            (Categorical, 1001, 2, JensenShannon),
            (Categorical, 1001, 6, JensenShannon),
        ] {
            assert_eq!(
                StatTest::default_for(kind, n, k),
                want,
                "{kind} n={n} k={k}"
            );
        }
    }

    #[test]
    fn names_parse_and_display() {
        for t in StatTest::ALL {
            assert_eq!(t.to_string().parse::<StatTest>().ok(), Some(t));
            assert_eq!(serde_json::to_string(&t).ok(), Some(format!("\"{t}\"")));
        }
        assert_eq!(" KS ".parse::<StatTest>().ok(), Some(StatTest::Ks));
        let err = "anova".parse::<StatTest>().expect_err("unknown");
        assert!(err.to_string().contains("\"anova\""));
    }

    #[test]
    fn drift_decisions_at_the_threshold() {
        assert!(StatTest::Ks.is_drift(0.05, 0.05));
        assert!(!StatTest::ChiSquare.is_drift(0.05, 0.05));
        assert!(!StatTest::Z.is_drift(0.05, 0.05));
        assert!(StatTest::Psi.is_drift(0.1, 0.1));
        assert!(StatTest::JensenShannon.is_drift(0.1, 0.1));
        assert!(!StatTest::Wasserstein.is_drift(0.0999, 0.1));
        assert!(!StatTest::Wasserstein.is_drift(f64::NAN, 0.1));
    }

    #[test]
    fn chisquare_matches_scipy() {
        // rc = np.array([30, 50, 20]); cc = np.array([25, 40, 35])
        // scipy.stats.chisquare(cc, rc * cc.sum() / rc.sum()).pvalue
        let counts = BinCounts {
            reference: vec![30, 50, 20],
            current: vec![25, 40, 35],
        };
        assert!(close(
            chisquare_pvalue(&counts),
            0.0008746675674878502,
            1e-10
        ));
    }

    #[test]
    fn chisquare_with_unseen_category_is_zero() {
        // scipy.stats.chisquare([20, 40, 35, 5], [300, 500, 200, 0] * 100/1000).pvalue == 0.0
        let counts = BinCounts {
            reference: vec![300, 500, 200, 0],
            current: vec![20, 40, 35, 5],
        };
        assert_eq!(chisquare_pvalue(&counts), 0.0);
        let single = BinCounts {
            reference: vec![10],
            current: vec![4],
        };
        assert_eq!(chisquare_pvalue(&single), 1.0);
    }

    #[test]
    fn z_test_matches_evidently_formula() {
        // p1 = (n1 - r0)/n1, p2 = (n2 - c0)/n2, P = (p1 n1 + p2 n2)/(n1 + n2),
        // z = (p1 - p2)/sqrt(P (1 - P) (1/n1 + 1/n2)); 2 * (1 - scipy.stats.norm.cdf(abs(z)))
        for (r, c, want) in [
            (vec![40, 60], vec![55, 45], 0.03367206885634588),
            (vec![40, 60, 0], vec![30, 20, 50], 0.13820766697402576),
            (vec![900, 100], vec![880, 120], 0.15291778186394622),
        ] {
            let counts = BinCounts {
                reference: r,
                current: c,
            };
            let got = z_test_pvalue(&counts);
            assert!(close(got, want, 1e-9), "{counts:?}: {got}");
        }
    }

    #[test]
    fn z_test_single_identical_value_is_one() {
        let counts = BinCounts {
            reference: vec![12],
            current: vec![7],
        };
        assert_eq!(z_test_pvalue(&counts), 1.0);
    }

    #[test]
    fn jensenshannon_matches_scipy() {
        // scipy.spatial.distance.jensenshannon([0.1, 0.4, 0.5, 0.0], [0.2, 0.2, 0.3, 0.3])
        let p = [0.1, 0.4, 0.5, 0.0];
        let q = [0.2, 0.2, 0.3, 0.3];
        assert!(close(
            jensenshannon_distance(&p, &q),
            0.3769489482198971,
            1e-12
        ));
        assert_eq!(jensenshannon_distance(&p, &p), 0.0);
    }

    #[test]
    fn wasserstein_matches_scipy() {
        // u = np.array([(i*7919) % 1000 for i in range(300)]) / 10
        // v = np.array([(i*104729) % 1013 for i in range(1000)]) / 10 + 3
        let u: Vec<f64> = (0..300)
            .map(|i| f64::from((i * 7919) % 1000) / 10.0)
            .collect();
        let mut v: Vec<f64> = (0..1000)
            .map(|i| f64::from((i * 104729) % 1013) / 10.0 + 3.0)
            .collect();
        // np.std(u)
        let std = population_std(&u);
        assert!(close(std, 29.024687767485116, 1e-13));
        let mut u = u;
        u.sort_by(f64::total_cmp);
        v.sort_by(f64::total_cmp);
        // scipy.stats.wasserstein_distance(u, v)
        assert!(close(
            wasserstein_distance(&u, &v),
            3.5022000000000006,
            1e-12
        ));
        // ... / max(np.std(u), 0.001)
        assert!(close(
            normed(wasserstein_distance(&u, &v), std),
            0.12066279672173899,
            1e-12
        ));
        // scipy.stats.wasserstein_distance([1, 1, 2, 3, 3, 3], [1, 2, 2, 4])
        let w = wasserstein_distance(&[1.0, 1.0, 2.0, 3.0, 3.0, 3.0], &[1.0, 2.0, 2.0, 4.0]);
        assert!(close(w, 0.5833333333333333, 1e-14));
        // constant reference: the 0.001 floor
        assert_eq!(
            normed(wasserstein_distance(&[1.0, 1.0], &[1.0, 2.0]), 0.0),
            0.5 / 0.001
        );
    }
}
