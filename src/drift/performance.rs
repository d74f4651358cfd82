//! Model performance metrics (regression and binary classification) and data
//! freshness. Each metric takes the actual values first and returns an error
//! where it is undefined instead of NaN.

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

fn check_pair(actual: &[f64], predicted: &[f64]) -> Result<(), MetricError> {
    if actual.len() != predicted.len() {
        return Err(MetricError::LengthMismatch { actual: actual.len(), predicted: predicted.len() });
    }
    if actual.is_empty() {
        return Err(MetricError::Empty);
    }
    if let Some(index) = actual.iter().chain(predicted).position(|v| !v.is_finite()) {
        return Err(MetricError::NonFinite { index: index % actual.len() });
    }
    Ok(())
}

fn check_labels(actual: &[f64]) -> Result<(), MetricError> {
    match actual.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(index) => Err(MetricError::InvalidLabel { index, value: actual[index] }),
        None => Ok(()),
    }
}

fn check_probabilities(probs: &[f64]) -> Result<(), MetricError> {
    match probs.iter().position(|v| !(0.0..=1.0).contains(v)) {
        Some(index) => Err(MetricError::InvalidProbability { index, value: probs[index] }),
        None => Ok(()),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n as f64
}

/// Mean absolute error.
pub fn mae(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    Ok(mean(actual.iter().zip(predicted).map(|(a, p)| (p - a).abs())))
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
    let mut rows = actual.iter().zip(predicted).filter(|(a, _)| **a != 0.0).peekable();
    if rows.peek().is_none() {
        return Err(MetricError::Undefined("every actual value is zero"));
    }
    Ok(mean(rows.map(|(a, p)| ((p - a) / a).abs())))
}

/// Weighted absolute percentage error: sum |p - a| / sum |a|, as a fraction.
pub fn wape(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    let total: f64 = actual.iter().map(|a| a.abs()).sum();
    if total == 0.0 {
        return Err(MetricError::Undefined("every actual value is zero"));
    }
    let error: f64 = actual.iter().zip(predicted).map(|(a, p)| (p - a).abs()).sum();
    Ok(error / total)
}

/// Mean signed error, mean(predicted - actual): positive when the model
/// over-predicts.
pub fn bias(actual: &[f64], predicted: &[f64]) -> Result<f64, MetricError> {
    check_pair(actual, predicted)?;
    Ok(mean(actual.iter().zip(predicted).map(|(a, p)| p - a)))
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
    let ss_res: f64 = actual.iter().zip(predicted).map(|(a, p)| (a - p) * (a - p)).sum();
    let ss_tot: f64 = actual.iter().map(|a| (a - m) * (a - m)).sum();
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
        return Err(MetricError::Undefined("AUC needs both classes in the actual values"));
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
        let pos_in_run = order[start..end].iter().filter(|&&i| actual[i] == 1.0).count();
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
    let hits = actual.iter().zip(probs).filter(|&(&a, &p)| (p > DECISION_THRESHOLD) == (a == 1.0)).count();
    Ok(hits as f64 / actual.len() as f64)
}

/// Accuracy of predicted labels: the share of exact matches.
pub fn accuracy<T: PartialEq>(actual: &[T], predicted: &[T]) -> Result<f64, MetricError> {
    if actual.len() != predicted.len() {
        return Err(MetricError::LengthMismatch { actual: actual.len(), predicted: predicted.len() });
    }
    if actual.is_empty() {
        return Err(MetricError::Empty);
    }
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
    Ok(mean(actual.iter().zip(probs).map(|(&a, &p)| if a == 1.0 { -clip(p).ln() } else { -clip(1.0 - p).ln() })))
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
    Freshness { staleness_hours, stale: staleness_hours > max_staleness_hours }
}

#[cfg(test)]
mod tests {
    use super::*;
}
