//! Model performance metrics (regression and binary classification) and data
//! freshness. Each metric takes the actual values first and returns an error
//! where it is undefined instead of NaN.

use super::special::numpy_sum;
use serde::Serialize;

/// Why a metric has no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    #[error("no values")]
    Empty,
    #[error("{actual} actual values but {predicted} predictions")]
    LengthMismatch { actual: usize, predicted: usize },
    #[error("value {index} is not a finite number")]
    NonFinite { index: usize },
    #[error("label {value} at index {index} is not 0 or 1")]
    InvalidLabel { index: usize, value: f64 },
    #[error("probability {value} at index {index} is outside [0, 1]")]
    InvalidProbability { index: usize, value: f64 },
    #[error("{0}")]
    Undefined(&'static str),
}

/// Probabilities are clipped to [EPS, 1 - EPS] in the log loss.
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Predictions with probability above this are the positive class.
pub const DECISION_THRESHOLD: f64 = 0.5;

/// One prediction per actual value, and at least one of each: what every
/// metric needs, whatever its values are.
fn check_lengths<T>(actual: &[T], predicted: &[T]) -> Result<(), MetricError> {
    if actual.len() != predicted.len() {
        return Err(MetricError::LengthMismatch {
            actual: actual.len(),
            predicted: predicted.len(),
        });
    }
    if actual.is_empty() {
        return Err(MetricError::Empty);
    }
    Ok(())
}

fn check_pair(actual: &[f64], predicted: &[f64]) -> Result<(), MetricError> {
    check_lengths(actual, predicted)?;
    if let Some(index) = actual.iter().chain(predicted).position(|v| !v.is_finite()) {
        return Err(MetricError::NonFinite {
            index: index % actual.len(),
        });
    }
    Ok(())
}

fn check_labels(actual: &[f64]) -> Result<(), MetricError> {
    match actual.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(index) => Err(MetricError::InvalidLabel {
            index,
            value: actual[index],
        }),
        None => Ok(()),
    }
}

fn check_probabilities(probs: &[f64]) -> Result<(), MetricError> {
    match probs.iter().position(|v| !(0.0..=1.0).contains(v)) {
        Some(index) => Err(MetricError::InvalidProbability {
            index,
            value: probs[index],
        }),
        None => Ok(()),
    }
}

/// Mean with numpy's pairwise summation (accurate for long inputs and
/// agreeing with sklearn, which averages with numpy).
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    numpy_sum(&values) / values.len() as f64
}

fn sum(values: impl Iterator<Item = f64>) -> f64 {
    numpy_sum(&values.collect::<Vec<f64>>())
}

/// Mean absolute error.
pub fn mae(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    Ok(mean(
        actual.iter().zip(predicted).map(|(a, p)| (p - a).abs()),
    ))
}

/// Root mean squared error.
pub fn rmse(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    Ok(mean(actual.iter().zip(predicted).map(|(a, p)| (p - a) * (p - a))).sqrt())
}

/// Mean absolute percentage error as a fraction (0.1 = 10%), over the rows
/// whose actual value is not zero; undefined when every actual value is zero.
pub fn mape(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    let mut rows = actual
        .iter()
        .zip(predicted)
        .filter(|(a, _)| **a != 0.0)
        .peekable();
    if rows.peek().is_none() {
        return Err(MetricError::Undefined("every actual value is zero"));
    }
    Ok(mean(rows.map(|(a, p)| ((p - a) / a).abs())))
}

/// Weighted absolute percentage error: sum |p - a| / sum |a|, as a fraction.
pub fn wape(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    let total = sum(actual.iter().map(|a| a.abs()));
    if total == 0.0 {
        return Err(MetricError::Undefined("every actual value is zero"));
    }
    let error = sum(actual.iter().zip(predicted).map(|(a, p)| (p - a).abs()));
    Ok(error / total)
}

/// Mean signed error, mean(predicted - actual), in the label's units:
/// positive when the model over-predicts.
pub fn mean_error(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    Ok(mean(actual.iter().zip(predicted).map(|(a, p)| p - a)))
}

/// Signed relative bias, sum(predicted - actual) / sum(actual): positive
/// when the model over-predicts. The manifests' `bias` is its magnitude.
pub fn signed_bias(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    let total = sum(actual.iter().copied());
    if total == 0.0 {
        return Err(MetricError::Undefined("the actual values sum to zero"));
    }
    Ok(sum(actual.iter().zip(predicted).map(|(a, p)| p - a)) / total)
}

/// Relative bias as the manifests define it: |sum(predicted - actual)| /
/// sum(actual).
pub fn bias(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    signed_bias(actual, predicted).map(f64::abs)
}

/// Coefficient of determination, as sklearn's `r2_score`: 1 - SS_res /
/// SS_tot, and when the actual values are constant 1.0 for a perfect fit,
/// else 0.0. Undefined for fewer than two values.
pub fn r2(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    if actual.len() < 2 {
        return Err(MetricError::Undefined("R2 needs at least two values"));
    }
    let m = mean(actual.iter().copied());
    let ss_res = sum(actual.iter().zip(predicted).map(|(a, p)| (a - p) * (a - p)));
    let ss_tot = sum(actual.iter().map(|a| (a - m) * (a - m)));
    if ss_tot == 0.0 {
        return Ok(if ss_res == 0.0 { 1.0 } else { 0.0 });
    }
    Ok(1.0 - ss_res / ss_tot)
}

/// ROC AUC of scores for binary labels (0 or 1), as sklearn's
/// `roc_auc_score`: tied scores count one half (the Mann-Whitney statistic
/// with mid-ranks). Undefined when only one class is present.
pub fn auc(actual: &[f64], scores: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, scores)?;
    check_labels(actual)?;
    let positives = actual.iter().filter(|&&a| a == 1.0).count();
    let negatives = actual.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(MetricError::Undefined(
            "AUC needs both classes in the actual values",
        ));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&i, &j| scores[i].total_cmp(&scores[j]));
    // Sum of the (1-based, mid-) ranks of the positives; exact in f64 for
    // any realistic size (all values are multiples of 0.5 below 2^52).
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let mid_rank = (start + 1 + end) as f64 / 2.0;
        let pos_in_run = order[start..end]
            .iter()
            .filter(|&&i| actual[i] == 1.0)
            .count();
        rank_sum += mid_rank * pos_in_run as f64;
        start = end;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Accuracy of predicted probabilities for binary labels (0 or 1): a
/// probability above 0.5 predicts 1, as a classifier's `predict` does.
pub fn accuracy_from_probabilities(actual: &[f64], probs: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, probs)?;
    check_labels(actual)?;
    check_probabilities(probs)?;
    let hits = actual
        .iter()
        .zip(probs)
        .filter(|&(&a, &p)| (p > DECISION_THRESHOLD) == (a == 1.0))
        .count();
    Ok(hits as f64 / actual.len() as f64)
}

/// Accuracy of predicted labels: the share of exact matches.
pub fn accuracy<T: PartialEq>(actual: &[T], predicted: &[T]) -> Result<f64, MetricError> {
    check_lengths(actual, predicted)?;
    let hits = actual.iter().zip(predicted).filter(|(a, p)| a == p).count();
    Ok(hits as f64 / actual.len() as f64)
}

/// Binary cross-entropy of probabilities of class 1 for labels 0 or 1, with
/// each class probability clipped to [1e-15, 1 - 1e-15] so a confident
/// mistake costs about 34.5 rather than infinity.
pub fn log_loss(actual: &[f64], probs: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, probs)?;
    check_labels(actual)?;
    check_probabilities(probs)?;
    let clip = |p: f64| p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
    Ok(mean(actual.iter().zip(probs).map(|(&a, &p)| {
        if a == 1.0 {
            -clip(p).ln()
        } else {
            -clip(1.0 - p).ln()
        }
    })))
}

/// How old the newest data is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Freshness {
    /// Hours from the newest record to now (negative when it lies ahead).
    pub staleness_hours: f64,
    /// Whether the staleness exceeds the allowed maximum.
    pub stale: bool,
}

/// Freshness of data whose newest record has timestamp `newest` at time
/// `now` (both seconds since the Unix epoch).
pub fn freshness(newest: f64, now: f64, max_staleness_hours: f64) -> Freshness {
    let staleness_hours = (now - newest) / 3600.0;
    Freshness {
        staleness_hours,
        stale: staleness_hours > max_staleness_hours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 6] = [3.0, -0.5, 2.0, 7.0, 0.0, 4.5];
    const P: [f64; 6] = [2.5, 0.0, 2.1, 7.8, 0.3, 4.0];

    fn close(a: Result<f64, MetricError>, b: f64) -> bool {
        a.is_ok_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1.0))
    }

    #[test]
    fn regression_metrics_match_sklearn() {
        // sklearn.metrics.mean_absolute_error(A, P)
        assert!(close(mae(&A, &P), 0.44999999999999996));
        // np.sqrt(sklearn.metrics.mean_squared_error(A, P))
        assert!(close(rmse(&A, &P), 0.4983305462575351));
        // sklearn.metrics.mean_absolute_percentage_error(A[A != 0], P[A != 0])
        assert!(close(mape(&A, &P), 0.28841269841269845));
        // np.sum(np.abs(P - A)) / np.sum(np.abs(A))
        assert!(close(wape(&A, &P), 0.1588235294117647));
        // np.mean(P - A)
        assert!(close(mean_error(&A, &P), 0.11666666666666665));
        // sum(P - A) / sum(A) over the same pairs, and its magnitude.
        let signed = A.iter().zip(&P).map(|(a, p)| p - a).sum::<f64>() / A.iter().sum::<f64>();
        assert!(close(signed_bias(&A, &P), signed));
        assert!(close(bias(&A, &P), signed.abs()));
        assert!(close(bias(&[10.0, 10.0], &[8.0, 9.0]), 0.15));
        assert!(close(signed_bias(&[10.0, 10.0], &[8.0, 9.0]), -0.15));
        assert!(bias(&[1.0, -1.0], &[1.0, 2.0]).is_err(), "a zero total");
        // sklearn.metrics.r2_score(A, P)
        assert!(close(r2(&A, &P), 0.9625941422594142));
        // sklearn.metrics.r2_score([2, 2, 2], [2, 2, 2]) == 1.0; ([2, 2, 2], [2, 2, 3]) == 0.0
        assert_eq!(r2(&[2.0, 2.0, 2.0], &[2.0, 2.0, 2.0]), Ok(1.0));
        assert_eq!(r2(&[2.0, 2.0, 2.0], &[2.0, 2.0, 3.0]), Ok(0.0));
    }

    #[test]
    fn undefined_regression_inputs() {
        assert_eq!(mae(&[], &[]), Err(MetricError::Empty));
        assert_eq!(
            rmse(&[1.0], &[1.0, 2.0]),
            Err(MetricError::LengthMismatch {
                actual: 1,
                predicted: 2
            })
        );
        assert!(matches!(
            mape(&[0.0, 0.0], &[1.0, 2.0]),
            Err(MetricError::Undefined(_))
        ));
        assert!(matches!(
            wape(&[0.0], &[1.0]),
            Err(MetricError::Undefined(_))
        ));
        assert!(matches!(r2(&[1.0], &[1.0]), Err(MetricError::Undefined(_))));
        assert_eq!(
            mean_error(&[1.0, f64::NAN], &[1.0, 2.0]),
            Err(MetricError::NonFinite { index: 1 })
        );
    }

    const Y: [f64; 10] = [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
    const S: [f64; 10] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.65, 0.4];

    #[test]
    fn classification_metrics_match_sklearn() {
        // sklearn.metrics.roc_auc_score(Y, S) (four tied scores of 0.4)
        assert!(close(auc(&Y, &S), 0.8333333333333334));
        // sklearn.metrics.accuracy_score(Y, S > 0.5)
        assert!(close(accuracy_from_probabilities(&Y, &S), 0.7));
        // sklearn.metrics.log_loss(Y, S)
        assert!(close(log_loss(&Y, &S), 0.4991845885815495));
        // sklearn.metrics.accuracy_score(["a","b","c","a"], ["a","c","c","a"])
        assert!(close(
            accuracy(&["a", "b", "c", "a"], &["a", "c", "c", "a"]),
            0.75
        ));
    }

    #[test]
    fn log_loss_clips_confident_mistakes() {
        // clip = lambda q: np.clip(q, 1e-15, 1 - 1e-15)
        // -np.mean(np.where(y == 1, np.log(clip(p)), np.log(clip(1 - p)))) for
        // y = [1, 0, 1, 0], p = [1.0, 0.0, 0.0, 1e-20]
        assert!(close(
            log_loss(&[1.0, 0.0, 1.0, 0.0], &[1.0, 0.0, 0.0, 1e-20]),
            8.634694098727671
        ));
    }

    #[test]
    fn undefined_classification_inputs() {
        assert!(matches!(
            auc(&[1.0, 1.0], &[0.2, 0.3]),
            Err(MetricError::Undefined(_))
        ));
        assert_eq!(
            auc(&[1.0, 2.0], &[0.2, 0.3]),
            Err(MetricError::InvalidLabel {
                index: 1,
                value: 2.0
            })
        );
        assert_eq!(
            log_loss(&[1.0], &[1.5]),
            Err(MetricError::InvalidProbability {
                index: 0,
                value: 1.5
            })
        );
        assert_eq!(accuracy::<u8>(&[], &[]), Err(MetricError::Empty));
        // A single class is fine for the log loss and accuracy.
        assert!(log_loss(&[1.0, 1.0], &[0.9, 0.8]).is_ok());
    }

    #[test]
    fn freshness_against_limit() {
        let now = 1_700_000_000.0;
        let f = freshness(now - 5.0 * 3600.0, now, 24.0);
        assert_eq!(
            f,
            Freshness {
                staleness_hours: 5.0,
                stale: false
            }
        );
        let f = freshness(now - 30.0 * 3600.0, now, 24.0);
        assert!(f.stale && f.staleness_hours == 30.0);
        assert!(!freshness(now - 24.0 * 3600.0, now, 24.0).stale);
        assert!(freshness(now + 3600.0, now, 24.0).staleness_hours < 0.0);
    }
}
