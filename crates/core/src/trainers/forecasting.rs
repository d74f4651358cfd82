//! Forecasting: weekly units per store x SKU, forecast by additive
//! Holt-Winters with one set of smoothing weights shared by every series
//! (fitted by coordinate search on one-step-ahead errors), benchmarked by a
//! seasonal naive and a 4-week moving average, scored by an expanding-window
//! backtest.
//!
//! The generated series have a level, a slow trend, a yearly season, holiday
//! weeks that recur on the same week of the year, promotions, a level
//! that drifts as a slow random walk and multiplicative noise of 7%.

use super::job::{Job, Trainer};
use super::quality::{self, Context};
use super::report::{Report, count, number, percent};
use super::rng::Rng;
use super::settings::{self, Settings};
use super::stage::{StageKind, TrainerError};
use super::table::Table;
use crate::drift::performance;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::f64::consts::TAU;

pub struct Forecasting;

/// Store, region and a size factor on demand.
const STORES: [(&str, &str, f64); 4] = [
    ("S0142", "northeast", 1.0),
    ("S0217", "southeast", 0.8),
    ("S0388", "midwest", 1.25),
    ("S0455", "west", 0.9),
];

/// SKU, category, regular shelf price.
const SKUS: [(&str, &str, f64); 6] = [
    ("SKU-100231", "CAT-BREAKFAST", 4.29),
    ("SKU-100487", "CAT-BREAKFAST", 3.49),
    ("SKU-200114", "CAT-BEVERAGES", 6.99),
    ("SKU-200376", "CAT-BEVERAGES", 1.99),
    ("SKU-300052", "CAT-SNACKS", 2.79),
    ("SKU-300918", "CAT-SNACKS", 5.49),
];

/// Weeks of a 52-week year with a US retail holiday: Memorial Day, July
/// 4th, Labor Day, Thanksgiving, Christmas.
const HOLIDAY_WEEKS: [usize; 5] = [20, 26, 35, 46, 51];

/// Relative noise of weekly units, and the weekly step of the level's
/// random walk (log scale).
const NOISE: f64 = 0.07;
const DRIFT: f64 = 0.02;

/// The backtest plan, from the manifest's validation and training stage.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    season: usize,
    horizon: usize,
    gap: usize,
    /// Forecast origins (weeks of history before each fold), ascending.
    origins: Vec<usize>,
    /// Weeks of data in all.
    weeks: usize,
}

fn plan(job: &Job<'_>) -> Result<Plan, TrainerError> {
    let training = settings::stage_or_empty(job.manifest, StageKind::Training);
    let validation = settings::validation(job.manifest);
    let season = training.count_in(&["/season_length_weeks", "/seasonal_periods"], 52, 2, 104)?;
    let default_horizon = training.count_in(&["/forecast_horizon_weeks"], 8, 1, 52)?;
    let horizon = validation.count_in(&["/horizon"], default_horizon, 1, 52)?;
    let folds = validation.count_in(&["/folds"], 4, 1, 12)?;
    let step = validation.count_in(&["/step_periods"], horizon, 1, 52)?;
    let gap = validation.count_in(&["/gap_periods"], 0, 0, 26)?;
    // Two seasons initialise the model, then at least 20 weeks (and a
    // validation horizon) of one-step errors fit its smoothing weights.
    let first = 2 * season + (horizon + gap).max(20);
    let origins: Vec<usize> = (0..folds).map(|k| first + k * step).collect();
    let weeks = first + (folds - 1) * step + gap + horizon;
    Ok(Plan {
        season,
        horizon,
        gap,
        origins,
        weeks,
    })
}

/// The backtest plan and the series generated for it: where every stage
/// but evaluation starts (evaluation checks the model in between).
fn data(job: &Job<'_>) -> Result<(Plan, Vec<Series>), TrainerError> {
    let plan = plan(job)?;
    let series = generate(job.seed, plan.weeks);
    Ok((plan, series))
}

struct Series {
    store: &'static str,
    region: &'static str,
    sku: &'static str,
    category: &'static str,
    /// Units per week; index 0 is a warm-up week before the data starts, so
    /// the first row has a previous week.
    units: Vec<f64>,
    price: Vec<f64>,
    depth: Vec<f64>,
    holiday: Vec<bool>,
}

impl Series {
    fn history(&self) -> &[f64] {
        &self.units[1..]
    }
}

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 3).unwrap_or_default() // a Monday
}

fn week_date(week: usize) -> NaiveDate {
    let start = start_date();
    start
        .checked_add_days(Days::new(7 * week as u64))
        .unwrap_or(start)
}

fn generate(seed: u64, weeks: usize) -> Vec<Series> {
    let mut rng = Rng::stream(seed, "forecasting/series");
    let mut out = Vec::with_capacity(STORES.len() * SKUS.len());
    for &(store, region, size) in &STORES {
        for (k, &(sku, category, regular)) in SKUS.iter().enumerate() {
            // Breakfast peaks in winter, beverages in summer, snacks between.
            let phase = match k / 2 {
                0 => 0.0,
                1 => std::f64::consts::PI,
                _ => std::f64::consts::FRAC_PI_2,
            } + rng.range(-0.3, 0.3);
            let level = rng.range(25.0, 70.0) * size;
            let trend = rng.range(-0.0008, 0.0015);
            let amp1 = rng.range(0.10, 0.25);
            let amp2 = rng.range(0.0, 0.08);
            let phase2 = rng.range(0.0, TAU);
            let holiday_lift = rng.range(0.10, 0.35);
            // Demand also drifts: a slow random walk on the level.
            let mut drift = 0.0;
            let n = weeks + 1;
            let mut series = Series {
                store,
                region,
                sku,
                category,
                units: Vec::with_capacity(n),
                price: Vec::with_capacity(n),
                depth: Vec::with_capacity(n),
                holiday: Vec::with_capacity(n),
            };
            for w in 0..n {
                let year_week = w % 52;
                let x = TAU * year_week as f64 / 52.0;
                let holiday = HOLIDAY_WEEKS.contains(&year_week);
                let depth = if rng.chance(0.08) {
                    [0.1, 0.15, 0.2, 0.25, 0.3][rng.below(5)]
                } else {
                    0.0
                };
                drift += DRIFT * rng.normal();
                let mean = level
                    * drift.exp()
                    * (1.0 + trend * w as f64)
                    * (1.0 + amp1 * (x + phase).sin() + amp2 * (2.0 * x + phase2).sin())
                    * if holiday { 1.0 + holiday_lift } else { 1.0 }
                    * (1.0 + 1.2 * depth);
                let units = (mean * (1.0 + NOISE * rng.normal())).max(0.0).round();
                series.units.push(units);
                series
                    .price
                    .push((regular * (1.0 - depth) * 100.0).round() / 100.0);
                series.depth.push(depth);
                series.holiday.push(holiday);
            }
            out.push(series);
        }
    }
    out
}

/// The rows as the recipe's example has them, for the quality checks; and
/// per row the week it was loaded with.
fn to_table(series: &[Series], weeks: usize) -> (Table, Vec<i64>) {
    let rows = series.len() * weeks;
    let mut t = Table::default();
    let each = |f: &dyn Fn(&Series, usize) -> Option<f64>| -> Vec<Option<f64>> {
        series
            .iter()
            .flat_map(|s| (1..=weeks).map(move |w| (s, w)))
            .map(|(s, w)| f(s, w))
            .collect()
    };
    let text = |f: &dyn Fn(&Series, usize) -> String| -> Vec<Option<String>> {
        series
            .iter()
            .flat_map(|s| (1..=weeks).map(move |w| (s, w)))
            .map(|(s, w)| Some(f(s, w)))
            .collect()
    };
    t.text(
        "week_start_date",
        text(&|_, w| week_date(w - 1).format("%Y-%m-%d").to_string()),
    );
    t.text("store_id", text(&|s, _| s.store.to_string()));
    t.text("sku_id", text(&|s, _| s.sku.to_string()));
    t.text("category_id", text(&|s, _| s.category.to_string()));
    t.text("store_region", text(&|s, _| s.region.to_string()));
    t.num("avg_selling_price", each(&|s, w| Some(s.price[w])));
    t.num("promo_depth_pct", each(&|s, w| Some(s.depth[w])));
    t.flag(
        "is_on_promotion",
        each(&|s, w| Some(s.depth[w]))
            .into_iter()
            .map(|d| d.map(|d| d > 0.0)),
    );
    t.flag(
        "is_holiday_week",
        series
            .iter()
            .flat_map(|s| (1..=weeks).map(move |w| Some(s.holiday[w]))),
    );
    t.num("lag_1w_units", each(&|s, w| Some(s.units[w - 1])));
    t.num(
        "lag_52w_units",
        each(&|s, w| w.checked_sub(52).map(|i| s.units[i])),
    );
    t.num(
        "rolling_mean_4w_units",
        each(&|s, w| {
            let from = w.saturating_sub(4);
            Some(s.units[from..w].iter().sum::<f64>() / (w - from) as f64)
        }),
    );
    t.num("units_sold", each(&|s, w| Some(s.units[w])));
    let load = (0..rows).map(|r| (r % weeks) as i64).collect();
    (t, load)
}

/// What feature preparation does to the history the model sees.
struct Prepared {
    /// Per series, the history after winsorizing; None when excluded.
    history: Vec<Option<Vec<f64>>>,
    winsorized: usize,
    quantile: f64,
    min_nonzero: usize,
}

fn prepare(job: &Job<'_>, series: &[Series]) -> Result<Prepared, TrainerError> {
    let stage = settings::stage_or_empty(job.manifest, StageKind::FeaturePrep);
    let quantile = stage.num_in(&["/outlier_treatment/upper_quantile"], 0.995, 0.5, 1.0)?;
    let min_nonzero = stage.count_in(&["/exclude_series/min_nonzero_weeks"], 8, 0, 520)?;
    let mut history: Vec<Option<Vec<f64>>> = series
        .iter()
        .map(|s| Some(s.history().iter().map(|&u| u.max(0.0)).collect()))
        .collect();
    // Winsorize by SKU: one cap per SKU over all its stores' weeks.
    let mut winsorized = 0;
    for &(sku, _, _) in &SKUS {
        let mut values: Vec<f64> = series
            .iter()
            .zip(&history)
            .filter(|(s, _)| s.sku == sku)
            .flat_map(|(_, h)| h.iter().flatten().copied())
            .collect();
        if values.is_empty() {
            continue;
        }
        values.sort_by(f64::total_cmp);
        let at = ((values.len() - 1) as f64 * quantile).round() as usize;
        let cap = values[at.min(values.len() - 1)];
        for (s, h) in series.iter().zip(history.iter_mut()) {
            if s.sku != sku {
                continue;
            }
            for v in h.iter_mut().flatten() {
                if *v > cap {
                    *v = cap;
                    winsorized += 1;
                }
            }
        }
    }
    for h in history.iter_mut() {
        let nonzero = h
            .as_ref()
            .map_or(0, |h| h.iter().filter(|&&v| v > 0.0).count());
        if nonzero < min_nonzero {
            *h = None;
        }
    }
    Ok(Prepared {
        history,
        winsorized,
        quantile,
        min_nonzero,
    })
}

/// Smoothing weights of level, trend and season.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Smoothing {
    alpha: f64,
    beta: f64,
    gamma: f64,
}

impl Smoothing {
    fn get(&self, i: usize) -> f64 {
        [self.alpha, self.beta, self.gamma][i % 3]
    }

    fn with(mut self, i: usize, value: f64) -> Smoothing {
        match i % 3 {
            0 => self.alpha = value,
            1 => self.beta = value,
            _ => self.gamma = value,
        }
        self
    }
}

/// Bounds of alpha, beta, gamma: a trend weight above 0.5 only chases noise.
const BOUNDS: [(f64, f64); 3] = [(0.01, 0.99), (0.0, 0.5), (0.0, 0.99)];

#[derive(Debug, Clone)]
struct State {
    level: f64,
    trend: f64,
    /// Seasonal terms by week modulo the season length.
    season: Vec<f64>,
}

impl State {
    /// The classic start from the first two seasons: their means give level
    /// and trend, the deviations from the trend line the seasonal terms. The
    /// level is set for the week before the data starts.
    fn initial(y: &[f64], m: usize) -> State {
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let (first, second) = (mean(&y[..m]), mean(&y[m..2 * m]));
        let trend = (second - first) / m as f64;
        // A season's mean sits at its middle week; detrend around it.
        let middle = (m as f64 - 1.0) / 2.0;
        let season = (0..m)
            .map(|i| {
                let off = trend * (i as f64 - middle);
                ((y[i] - first - off) + (y[m + i] - second - off)) / 2.0
            })
            .collect();
        State {
            level: first - trend * (m as f64 + 1.0) / 2.0,
            trend,
            season,
        }
    }

    /// Forecast for week `t` made with the history up to `origin` (t >= origin).
    fn forecast(&self, origin: usize, t: usize) -> f64 {
        let h = (t + 1 - origin) as f64;
        self.level + h * self.trend + self.season[t % self.season.len()]
    }
}

/// Runs the recursions over `y` (at least two seasons); `on_error(t, e)`
/// gets each one-step error after the first season.
fn filter(y: &[f64], m: usize, p: Smoothing, mut on_error: impl FnMut(usize, f64)) -> State {
    let mut s = State::initial(y, m);
    for (t, &value) in y.iter().enumerate() {
        let i = t % m;
        let base = s.level + s.trend;
        let error = value - (base + s.season[i]);
        if t >= m {
            on_error(t, error);
        }
        let level = p.alpha * (value - s.season[i]) + (1.0 - p.alpha) * base;
        s.trend = p.beta * (level - s.level) + (1.0 - p.beta) * s.trend;
        s.season[i] = p.gamma * (value - base) + (1.0 - p.gamma) * s.season[i];
        s.level = level;
    }
    s
}

/// Mean squared one-step error over the series' first `weeks` weeks.
fn train_loss(history: &[&[f64]], weeks: usize, m: usize, p: Smoothing) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for h in history {
        filter(&h[..weeks], m, p, |_, e| {
            sum += e * e;
            n += 1;
        });
    }
    sum / n.max(1) as f64
}

/// Mean squared error of forecasts 1..=horizon weeks past `origin`.
fn holdout_loss(history: &[&[f64]], origin: usize, horizon: usize, m: usize, p: Smoothing) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for h in history {
        let state = filter(&h[..origin], m, p, |_, _| {});
        for t in origin..origin + horizon {
            let e = h[t] - state.forecast(origin, t).max(0.0);
            sum += e * e;
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SeriesState {
    store_id: String,
    sku_id: String,
    level: f64,
    trend: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Model {
    family: String,
    trainer: String,
    alpha: f64,
    beta: f64,
    gamma: f64,
    season_length: usize,
    trained_weeks: usize,
    search_steps: usize,
    train_loss: f64,
    data_seed: u64,
    series: Vec<SeriesState>,
}

fn kept(prepared: &Prepared) -> Vec<&[f64]> {
    prepared
        .history
        .iter()
        .flatten()
        .map(Vec::as_slice)
        .collect()
}

impl Trainer for Forecasting {
    type Model = Model;

    fn quality(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let (plan, series) = data(job)?;
        let (table, load) = to_table(&series, plan.weeks);
        let negative = series
            .iter()
            .flat_map(|s| s.history())
            .filter(|&&u| u < 0.0)
            .count();
        report.line(format!(
            "quality: {} negative unit values (policy {})",
            count(negative),
            stage
                .text("/negative_units_policy")
                .unwrap_or("clip_to_zero")
        ))?;
        let ctx = Context {
            load: Some(&load),
            ..Context::default()
        };
        quality::run(stage, &table, &ctx, report)
    }

    fn feature_prep(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let (plan, series) = data(job)?;
        let prepared = prepare(job, &series)?;
        let lags = stage.counts("/lags_weeks", &[1, 2, 4, 52])?;
        let windows = stage.counts("/rolling_windows_weeks", &[4, 13])?;
        let stats: Vec<&str> = stage
            .get("/rolling_stats")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_else(|| vec!["mean", "std"]);
        let join = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        report.param("lags_weeks", join(&lags))?;
        report.param("rolling_windows_weeks", join(&windows))?;
        report.param("rolling_stats", stats.join(","))?;
        report.param_num("winsorize_upper_quantile", prepared.quantile)?;
        // Lags and rolling statistics of the kept series; a lag is missing
        // until the series is that long.
        let kept = kept(&prepared);
        let (mut values, mut missing) = (0usize, 0usize);
        for h in &kept {
            for t in 0..h.len() {
                for &lag in &lags {
                    values += 1;
                    missing += usize::from(t < lag);
                }
                values += windows.len() * stats.len();
                missing += windows.iter().filter(|&&w| t < w).count() * stats.len();
            }
        }
        // Calendar (week of year, holiday) and price/promotion columns.
        let features = lags.len() + windows.len() * stats.len() + 2 + 3;
        report.line(format!(
            "feature_prep: {} series x {} weeks = {} rows, {} features",
            kept.len(),
            plan.weeks,
            count(kept.len() * plan.weeks),
            features
        ))?;
        report.line(format!(
            "feature_prep: lags {} weeks; rolling {} over {} weeks; {} of {} lag/rolling values missing before the history is long enough",
            join(&lags),
            stats.join(","),
            join(&windows),
            count(missing),
            count(values)
        ))?;
        let excluded = prepared.history.iter().filter(|h| h.is_none()).count();
        report.line(format!(
            "feature_prep: {} values winsorized at the {} quantile by sku_id; {} series excluded (fewer than {} non-zero weeks)",
            count(prepared.winsorized),
            number(prepared.quantile),
            excluded,
            prepared.min_nonzero
        ))?;
        report.metric("feature_rows", (kept.len() * plan.weeks) as f64, None)?;
        Ok(())
    }

    fn train(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<Model, TrainerError> {
        let (plan, series) = data(job)?;
        let prepared = prepare(job, &series)?;
        let history = kept(&prepared);
        if history.is_empty() {
            return Err(job.data_error(
                StageKind::Training,
                "every series was excluded by feature preparation",
            ));
        }
        let m = plan.season;
        let weeks = plan.origins[0];
        let steps = stage.count_in(&["/search_steps"], 60, 3, 500)?;
        let mut p = Smoothing {
            alpha: stage.num_in(&["/alpha"], 0.5, 0.01, 0.99)?,
            beta: stage.num_in(&["/beta"], 0.1, 0.0, 0.5)?,
            gamma: stage.num_in(&["/gamma"], 0.3, 0.0, 0.99)?,
        };
        report.tag("trainer", "holt_winters")?;
        report.tag("benchmark", format!("seasonal_naive_{m}w"))?;
        report.param("season_length_weeks", m)?;
        report.param("search", "coordinate")?;
        report.param("search_steps", steps)?;
        report.param_num("alpha_start", p.alpha)?;
        report.param_num("beta_start", p.beta)?;
        report.param_num("gamma_start", p.gamma)?;
        report.line(format!(
            "training: additive Holt-Winters on {} series x {} weeks (backtest weeks held out), one smoothing set for all series",
            history.len(),
            weeks
        ))?;
        // Validation: the last `horizon` training weeks, forecast from
        // before them.
        let val_origin = weeks - plan.horizon;
        let mut loss = train_loss(&history, weeks, m, p);
        let mut delta = [0.15; 3];
        for step in 1..=steps {
            let c = (step - 1) % 3;
            let (lo, hi) = BOUNDS[c];
            let current = p.get(c);
            let mut best: Option<(f64, Smoothing)> = None;
            for candidate in [current + delta[c], current - delta[c]] {
                let candidate = candidate.clamp(lo, hi);
                if candidate == current {
                    continue;
                }
                let trial = p.with(c, candidate);
                let l = train_loss(&history, weeks, m, trial);
                if l < best.map_or(loss, |b| b.0) {
                    best = Some((l, trial));
                }
            }
            match best {
                Some((l, trial)) => {
                    loss = l;
                    p = trial;
                }
                None => delta[c] /= 2.0,
            }
            let val = holdout_loss(&history, val_origin, plan.horizon, m, p);
            report.metric("train_loss", loss, Some(step))?;
            report.metric("val_loss", val, Some(step))?;
            if step % 10 == 0 || step == steps {
                report.line(format!(
                    "search step {step}/{steps}: alpha {} beta {} gamma {} train_loss {} val_loss {}",
                    number(p.alpha),
                    number(p.beta),
                    number(p.gamma),
                    number(loss),
                    number(val)
                ))?;
            }
        }
        report.param_num("alpha", p.alpha)?;
        report.param_num("beta", p.beta)?;
        report.param_num("gamma", p.gamma)?;
        report.metric("train_loss", loss, None)?;
        let states = series
            .iter()
            .zip(&prepared.history)
            .filter_map(|(s, h)| h.as_ref().map(|h| (s, h)))
            .map(|(s, h)| {
                let state = filter(&h[..weeks], m, p, |_, _| {});
                SeriesState {
                    store_id: s.store.to_string(),
                    sku_id: s.sku.to_string(),
                    level: state.level,
                    trend: state.trend,
                }
            })
            .collect();
        Ok(Model {
            family: job.family.as_str().to_string(),
            trainer: "holt_winters".to_string(),
            alpha: p.alpha,
            beta: p.beta,
            gamma: p.gamma,
            season_length: m,
            trained_weeks: weeks,
            search_steps: steps,
            train_loss: loss,
            data_seed: job.seed,
            series: states,
        })
    }

    fn evaluate(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        model: &Model,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let plan = plan(job)?;
        let m = model.season_length;
        let p = Smoothing {
            alpha: model.alpha,
            beta: model.beta,
            gamma: model.gamma,
        };
        let valid = |x: f64, (lo, hi): (f64, f64)| (lo..=hi).contains(&x);
        if !(valid(p.alpha, BOUNDS[0]) && valid(p.beta, BOUNDS[1]) && valid(p.gamma, BOUNDS[2])) {
            return Err(job.model_error("smoothing weights outside their bounds"));
        }
        if m < 2 || m.saturating_mul(2) > plan.origins[0] {
            return Err(job.model_error(format!(
                "season length {m} needs {} weeks of history before the first backtest origin (week {})",
                2 * m,
                plan.origins[0]
            )));
        }
        let series = generate(job.seed, plan.weeks);
        let prepared = prepare(job, &series)?;
        report.tag("trainer", &model.trainer)?;
        report.param("folds", plan.origins.len())?;
        report.param("horizon_weeks", plan.horizon)?;
        report.param("gap_weeks", plan.gap)?;
        report.line(format!(
            "evaluation: expanding-window backtest, {} origins, each scored on the next {} weeks, against seasonal naive ({m}w) and 4-week moving average",
            plan.origins.len(),
            plan.horizon
        ))?;
        let kind = StageKind::Evaluation;
        let mut all = Scores::default();
        for (k, &origin) in plan.origins.iter().enumerate() {
            let mut fold = Scores::default();
            for (s, h) in series.iter().zip(&prepared.history) {
                let Some(h) = h else { continue };
                let state = filter(&h[..origin], m, p, |_, _| {});
                let average = h[origin - 4..origin].iter().sum::<f64>() / 4.0;
                let first = origin + plan.gap;
                for t in first..first + plan.horizon {
                    // Seasonal naive: the same week of the latest season
                    // before the origin.
                    let back = m * (t + 1 - origin).div_ceil(m);
                    fold.actual.push(s.history()[t]);
                    fold.model.push(state.forecast(origin, t).max(0.0));
                    fold.naive.push(h[t - back]);
                    fold.average.push(average);
                }
            }
            let scored = fold.score(job, kind)?;
            let step = Some(k + 1);
            report.metric("wape", scored.wape, step)?;
            report.metric("mape", scored.mape, step)?;
            report.metric("bias", scored.bias_signed.abs(), step)?;
            report.metric("bias_signed", scored.bias_signed, step)?;
            report.metric("naive_wape", scored.naive_wape, step)?;
            report.line(format!(
                "fold {}: origin {}, {} forecasts: wape {} (seasonal naive {}, moving average {}), bias {}",
                k + 1,
                week_date(origin).format("%Y-%m-%d"),
                count(fold.actual.len()),
                number(scored.wape),
                number(scored.naive_wape),
                number(scored.average_wape),
                number(scored.bias_signed)
            ))?;
            all.extend(fold);
        }
        let scored = all.score(job, kind)?;
        let improvement = 1.0 - scored.wape / scored.naive_wape;
        report.metric("wape", scored.wape, None)?;
        report.metric("mape", scored.mape, None)?;
        report.metric("bias", scored.bias_signed.abs(), None)?;
        report.metric("bias_signed", scored.bias_signed, None)?;
        report.metric("naive_wape", scored.naive_wape, None)?;
        report.metric("ma4_wape", scored.average_wape, None)?;
        report.metric("wape_improvement_vs_naive", improvement, None)?;
        report.line(format!(
            "evaluation: {} forecasts; wape {} vs seasonal naive {} ({} better)",
            count(all.actual.len()),
            number(scored.wape),
            number(scored.naive_wape),
            percent(improvement)
        ))?;
        if let Some(required) = stage.num("/min_wape_improvement_vs_benchmark")? {
            report.line(format!(
                "evaluation: improvement over the seasonal naive benchmark {} ({} required by stage '{}')",
                if improvement >= required { "met" } else { "NOT met" },
                percent(required),
                stage.place
            ))?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Scores {
    actual: Vec<f64>,
    model: Vec<f64>,
    naive: Vec<f64>,
    average: Vec<f64>,
}

struct Scored {
    wape: f64,
    mape: f64,
    bias_signed: f64,
    naive_wape: f64,
    average_wape: f64,
}

impl Scores {
    fn extend(&mut self, other: Scores) {
        self.actual.extend(other.actual);
        self.model.extend(other.model);
        self.naive.extend(other.naive);
        self.average.extend(other.average);
    }

    fn score(&self, job: &Job<'_>, stage: StageKind) -> Result<Scored, TrainerError> {
        let a = &self.actual;
        Ok(Scored {
            wape: job.metric(stage, "wape", performance::wape(a, &self.model))?,
            mape: job.metric(stage, "mape", performance::mape(a, &self.model))?,
            bias_signed: job.metric(stage, "bias", performance::signed_bias(a, &self.model))?,
            naive_wape: job.metric(stage, "naive_wape", performance::wape(a, &self.naive))?,
            average_wape: job.metric(stage, "ma4_wape", performance::wape(a, &self.average))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plan_follows_the_manifest() {
        let manifest: Value = serde_json::from_str(include_str!(
            "../../../../seeds/baselines/forecasting/manifest.json"
        ))
        .unwrap();
        let job = Job {
            family: crate::domain::ModelFamily::Forecasting,
            manifest: &manifest,
            seed: 1,
        };
        let p = plan(&job).unwrap();
        assert_eq!(p.origins, vec![124, 132, 140, 148]);
        assert_eq!(p.weeks, 156);
        let other = json!({ "evaluation": { "validation": { "folds": 2, "horizon": 12, "step_periods": 4 } } });
        let p = plan(&Job {
            manifest: &other,
            ..job
        })
        .unwrap();
        assert_eq!(p.origins, vec![124, 128]);
        assert_eq!(p.weeks, 140);
        let bad = json!({ "evaluation": { "validation": { "folds": 0 } } });
        let err = plan(&Job {
            manifest: &bad,
            ..job
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("evaluation.validation: folds"), "{err}");
    }

    #[test]
    fn quality_fails_on_data_that_breaks_each_check() {
        use super::super::table::Cells;
        let manifest: Value = serde_json::from_str(include_str!(
            "../../../../seeds/baselines/forecasting/manifest.json"
        ))
        .unwrap();
        let stage = settings::stage(&manifest, StageKind::Quality).unwrap();
        let weeks = 156;
        let series = generate(3, weeks);
        let check = |table: &Table, load: &[i64]| {
            let ctx = Context {
                load: Some(load),
                ..Context::default()
            };
            let mut out = Vec::new();
            quality::run(stage, table, &ctx, &mut Report::new(&mut out))
        };
        let (clean, load) = to_table(&series, weeks);
        assert!(check(&clean, &load).is_ok());

        let broken = |column: &str, edit: &dyn Fn(&mut Cells)| {
            let mut t = clean.clone();
            edit(t.column_mut(column).unwrap());
            check(&t, &load).unwrap_err().to_string()
        };
        let err = broken("store_id", &|c| {
            if let Cells::Text(v) = c {
                v[17] = None;
            }
        });
        assert!(
            err.contains("not_null") && err.contains("store_id has 1 missing"),
            "{err}"
        );
        let err = broken("week_start_date", &|c| {
            if let Cells::Text(v) = c {
                v[1] = v[0].clone();
            }
        });
        assert!(
            err.contains("unique") && err.contains("1 duplicate rows"),
            "{err}"
        );
        let err = broken("avg_selling_price", &|c| {
            if let Cells::Num(v) = c {
                v[5] = Some(0.0);
            }
        });
        assert!(err.contains("range(avg_selling_price)"), "{err}");
        // A last load half the size of the one before.
        let mut short = load.clone();
        let last = weeks as i64 - 1;
        for (k, l) in short.iter_mut().filter(|l| **l == last).enumerate() {
            if k % 2 == 0 {
                *l = last - 2;
            }
        }
        let err = check(&clean, &short).unwrap_err();
        assert!(matches!(err, TrainerError::Quality { .. }));
        assert!(err.to_string().contains("row_count_change"), "{err}");
    }

    #[test]
    fn holt_winters_tracks_a_clean_seasonal_series() {
        let m = 13;
        let y: Vec<f64> = (0..80)
            .map(|t| 50.0 + 0.2 * t as f64 + 8.0 * (TAU * t as f64 / m as f64).sin())
            .collect();
        let p = Smoothing {
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.2,
        };
        let state = filter(&y[..70], m, p, |_, _| {});
        for (t, actual) in y.iter().enumerate().skip(70) {
            assert!((state.forecast(70, t) - actual).abs() < 0.5, "week {t}");
        }
    }
}
