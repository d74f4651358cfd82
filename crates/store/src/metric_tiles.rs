//! Metric histories in tiles of `TILE_STEPS` steps, each holding its point
//! count and its lowest and highest value at their own steps. The store
//! folds appended points into tiles as it writes them, so summarizing or
//! thinning a million-point history reads a few thousand tiles, never every
//! point. Tiles are `step / TILE_STEPS` truncating toward zero, in SQL as
//! in Rust.

use crate::records::{MetricPoint, MetricTile, NewMetricPoint};
use std::collections::BTreeMap;

pub const TILE_STEPS: i64 = 256;

/// The tile a step falls in.
pub fn tile_of(step: i64) -> i64 {
    step / TILE_STEPS
}

/// What a batch of points adds to one tile of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct TileDelta {
    pub key: String,
    pub tile: i64,
    pub points: i64,
    pub first_step: i64,
    pub last_step: i64,
    pub lo: NewMetricPoint,
    pub hi: NewMetricPoint,
}

/// Folds points into one delta per (metric, tile). On a tie the earlier
/// point stays the extreme, as the stored tile keeps its own on a tie.
pub fn fold_into_tiles(points: &[NewMetricPoint]) -> Vec<TileDelta> {
    let mut tiles: BTreeMap<(&str, i64), TileDelta> = BTreeMap::new();
    for p in points {
        let tile = tile_of(p.step);
        match tiles.get_mut(&(p.key.as_str(), tile)) {
            Some(t) => {
                t.points += 1;
                t.first_step = t.first_step.min(p.step);
                t.last_step = t.last_step.max(p.step);
                if p.value < t.lo.value {
                    t.lo = p.clone();
                }
                if p.value > t.hi.value {
                    t.hi = p.clone();
                }
            }
            None => {
                tiles.insert(
                    (p.key.as_str(), tile),
                    TileDelta {
                        key: p.key.clone(),
                        tile,
                        points: 1,
                        first_step: p.step,
                        last_step: p.step,
                        lo: p.clone(),
                        hi: p.clone(),
                    },
                );
            }
        }
    }
    tiles.into_values().collect()
}

/// Thins a metric's tiles (in tile order) to `buckets` step buckets, each
/// as its lowest and highest point, in step order; `None` when the tiles
/// are too coarse for that many buckets (the points must be read instead).
pub fn thin_tiles(key: &str, tiles: &[MetricTile], buckets: i64) -> Option<Vec<MetricPoint>> {
    let (first, last) = (tiles.first()?.tile, tiles.last()?.tile);
    let span = last - first + 1;
    if span < buckets {
        return None;
    }
    let mut extremes: Vec<(MetricPoint, MetricPoint)> = Vec::new();
    let mut current_bucket = None;
    for t in tiles {
        let bucket = (t.tile - first) * buckets / span;
        let lo = point(key, t.lo_step, t.lo_value, t.lo_at);
        let hi = point(key, t.hi_step, t.hi_value, t.hi_at);
        match extremes.last_mut() {
            Some((bucket_lo, bucket_hi)) if current_bucket == Some(bucket) => {
                if lo.value < bucket_lo.value {
                    *bucket_lo = lo;
                }
                if hi.value > bucket_hi.value {
                    *bucket_hi = hi;
                }
            }
            _ => {
                current_bucket = Some(bucket);
                extremes.push((lo, hi));
            }
        }
    }
    let mut points = Vec::with_capacity(extremes.len() * 2);
    for (lo, hi) in extremes {
        if lo == hi {
            points.push(lo);
        } else if (lo.step, lo.value) <= (hi.step, hi.value) {
            points.extend([lo, hi]);
        } else {
            points.extend([hi, lo]);
        }
    }
    Some(points)
}

fn point(key: &str, step: i64, value: f64, at: chrono::DateTime<chrono::Utc>) -> MetricPoint {
    MetricPoint {
        key: key.to_string(),
        step,
        value,
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn p(key: &str, step: i64, value: f64) -> NewMetricPoint {
        NewMetricPoint {
            key: key.to_string(),
            step,
            value,
            at: Utc.timestamp_opt(step, 0).unwrap(),
        }
    }

    fn tile_from(delta: &TileDelta) -> MetricTile {
        MetricTile {
            tile: delta.tile,
            lo_step: delta.lo.step,
            lo_value: delta.lo.value,
            lo_at: delta.lo.at,
            hi_step: delta.hi.step,
            hi_value: delta.hi.value,
            hi_at: delta.hi.at,
        }
    }

    #[test]
    fn tiles_truncate_toward_zero_like_sql() {
        assert_eq!(tile_of(0), 0);
        assert_eq!(tile_of(255), 0);
        assert_eq!(tile_of(256), 1);
        assert_eq!(tile_of(-255), 0);
        assert_eq!(tile_of(-256), -1);
    }

    #[test]
    fn a_fold_counts_each_tile_and_keeps_its_extremes_at_their_steps() {
        let points = [
            p("loss", 1, 0.5),
            p("loss", 300, 0.9),
            p("loss", 2, 0.1),
            p("loss", 3, 0.7),
            p("acc", 1, 0.3),
            p("loss", 4, 0.1),
        ];
        let tiles = fold_into_tiles(&points);
        assert_eq!(tiles.len(), 3);
        let loss0 = tiles
            .iter()
            .find(|t| t.key == "loss" && t.tile == 0)
            .unwrap();
        assert_eq!(loss0.points, 4);
        assert_eq!((loss0.first_step, loss0.last_step), (1, 4));
        assert_eq!(
            (loss0.lo.step, loss0.lo.value),
            (2, 0.1),
            "the earlier of a tie"
        );
        assert_eq!((loss0.hi.step, loss0.hi.value), (3, 0.7));
        let loss1 = tiles
            .iter()
            .find(|t| t.key == "loss" && t.tile == 1)
            .unwrap();
        assert_eq!((loss1.points, loss1.lo.step), (1, 300));
    }

    #[test]
    fn thinning_merges_tiles_into_buckets_keeping_each_spike() {
        // 1,000 tiles of a slowly falling loss with one spike at step 77,777.
        let points: Vec<NewMetricPoint> = (0..256_000)
            .map(|s| {
                p(
                    "loss",
                    s,
                    if s == 77_777 {
                        9.0
                    } else {
                        1.0 / (s + 1) as f64
                    },
                )
            })
            .collect();
        let tiles: Vec<MetricTile> = fold_into_tiles(&points).iter().map(tile_from).collect();
        assert_eq!(tiles.len(), 1000);
        let thinned = thin_tiles("loss", &tiles, 100).unwrap();
        assert!(thinned.len() <= 200, "{} points", thinned.len());
        assert!(thinned.iter().any(|p| p.step == 77_777 && p.value == 9.0));
        assert!(thinned.windows(2).all(|w| w[0].step <= w[1].step));
        assert_eq!(
            thinned.first().map(|p| p.step),
            Some(0),
            "the first point, highest"
        );
        assert_eq!(
            thinned.last().map(|p| p.step),
            Some(255_999),
            "the last, lowest"
        );
    }

    #[test]
    fn tiles_coarser_than_the_buckets_asked_for_are_not_thinned() {
        let points: Vec<NewMetricPoint> = (0..1000).map(|s| p("loss", s, s as f64)).collect();
        let tiles: Vec<MetricTile> = fold_into_tiles(&points).iter().map(tile_from).collect();
        assert_eq!(thin_tiles("loss", &tiles, 50), None);
        assert_eq!(thin_tiles("loss", &[], 50), None);
    }
}
