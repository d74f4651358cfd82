//! Pricing: daily units per SKU x price zone, modelled by a log-log demand
//! regression, log units ~ segment intercept + segment slope x log price +
//! calendar, promotion and competitor controls, fitted by gradient steps
//! (steepest descent with exact line search) on the ridge least-squares
//! loss over standardized features.
//! The own-price elasticity of a segment is its slope plus the competitor
//! index's coefficient, since raising our price also raises our price
//! relative to competitors. Scored on the weeks after the training window.
//!
//! The generated demand has a true elasticity per segment between -2.6 and
//! -0.7, base price changes every three to seven weeks, week-long
//! promotions, a drifting competitor price, weekday and holiday effects and
//! lognormal noise of 15%.

use super::job::{Job, Trainer};
use super::linalg::{self, dot};
use super::quality::{self, Context};
use super::report::{Report, count, number, percent};
use super::rng::Rng;
use super::settings::{self, Settings};
use super::stage::{StageKind, TrainerError};
use super::table::Table;
use crate::drift::performance;
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub struct Pricing;

/// SKU, category, regular price.
const SKUS: [(&str, &str, f64); 10] = [
    ("SKU-310045", "CAT-PANTRY", 12.99),
    ("SKU-310112", "CAT-PANTRY", 3.49),
    ("SKU-310378", "CAT-PANTRY", 6.79),
    ("SKU-420019", "CAT-DAIRY", 4.29),
    ("SKU-420233", "CAT-DAIRY", 2.59),
    ("SKU-530007", "CAT-HOUSEHOLD", 9.99),
    ("SKU-530164", "CAT-HOUSEHOLD", 15.49),
    ("SKU-640088", "CAT-PERSONAL-CARE", 7.99),
    ("SKU-640251", "CAT-PERSONAL-CARE", 5.29),
    ("SKU-640399", "CAT-PERSONAL-CARE", 11.49),
];

/// Price zone and a demand factor.
const ZONES: [(&str, f64); 3] = [
    ("PZ-URBAN-01", 1.3),
    ("PZ-SUBURBAN-02", 1.0),
    ("PZ-RURAL-03", 0.7),
];

/// Days of training data; the last `VALIDATION_DAYS` of them are held out
/// to follow the fit.
const TRAIN_DAYS: usize = 112;
const VALIDATION_DAYS: usize = 14;
/// Days generated before the data starts, for reference prices and lags.
const WARM_UP: usize = 56;
/// Day-of-year (0-based, 2024) of retail holidays.
const HOLIDAYS: [u32; 6] = [0, 146, 185, 244, 332, 359];
/// Demand by weekday, Monday first (log scale).
const WEEKDAY: [f64; 7] = [0.0, -0.05, -0.05, 0.0, 0.08, 0.2, 0.15];
const NOISE: f64 = 0.15;

const CONTROLS: [&str; 10] = [
    "dow_tue",
    "dow_wed",
    "dow_thu",
    "dow_fri",
    "dow_sat",
    "dow_sun",
    "is_holiday",
    "is_on_promotion",
    "log_competitor_price_index",
    "competitor_price_index_missing",
];

struct Segment {
    sku: &'static str,
    zone: &'static str,
    category: &'static str,
    cost: f64,
}

#[derive(Debug, Clone)]
struct Row {
    day: usize,
    seg: usize,
    date: NaiveDate,
    price: f64,
    reference: f64,
    promo: bool,
    holiday: bool,
    cpi: Option<f64>,
    lag7: f64,
    units: f64,
}

struct Data {
    segments: Vec<Segment>,
    /// Segment-major, day order within a segment.
    rows: Vec<Row>,
    days: usize,
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    folds: usize,
    horizon: usize,
}

fn plan(job: &Job<'_>) -> Result<Plan, TrainerError> {
    let v = settings::validation(job.manifest);
    Ok(Plan {
        folds: v.count_in(&["/folds"], 3, 1, 12)?,
        horizon: v.count_in(&["/horizon"], 28, 7, 91)?,
    })
}

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
}

fn generate(seed: u64, days: usize) -> Data {
    let mut rng = Rng::stream(seed, "pricing/segments");
    let start = start_date();
    let mut segments = Vec::new();
    let mut rows = Vec::with_capacity(SKUS.len() * ZONES.len() * days);
    for &(sku, category, regular) in &SKUS {
        let sku_elasticity = rng.range(-2.4, -0.9);
        let cost = (regular * rng.range(0.55, 0.72) * 100.0).round() / 100.0;
        for &(zone, zone_factor) in &ZONES {
            let seg = segments.len();
            let elasticity = sku_elasticity + rng.range(-0.2, 0.2);
            let base = rng.range(5.0, 12.0) * zone_factor;
            segments.push(Segment {
                sku,
                zone,
                category,
                cost,
            });
            // Base price levels around the regular price; a change always
            // moves to another level.
            let levels = [0.92, 0.96, 1.0, 1.04, 1.08];
            let mut level = 2;
            let mut next_change = rng.range(21.0, 49.0) as usize;
            let (mut promo_left, mut depth) = (0usize, 0.0);
            let mut competitor = regular * rng.range(0.95, 1.05);
            let mut prices = Vec::with_capacity(WARM_UP + days);
            let mut units = Vec::with_capacity(WARM_UP + days);
            for d in 0..WARM_UP + days {
                if d == next_change {
                    level = (level + 1 + rng.below(levels.len() - 1)) % levels.len();
                    next_change = d + rng.range(21.0, 49.0) as usize;
                }
                if promo_left == 0 && rng.chance(1.0 / 25.0) {
                    promo_left = 7;
                    depth = (rng.range(0.1, 0.25) * 20.0).round() / 20.0;
                }
                let promo = promo_left > 0;
                promo_left = promo_left.saturating_sub(1);
                let price =
                    (regular * levels[level] * if promo { 1.0 - depth } else { 1.0 } * 100.0)
                        .round()
                        / 100.0;
                competitor = (competitor * (0.005 * rng.normal()).exp())
                    .clamp(0.85 * regular, 1.15 * regular);
                let date = start
                    .checked_add_days(Days::new(d as u64))
                    .and_then(|x| x.checked_sub_days(Days::new(WARM_UP as u64)))
                    .unwrap_or(start);
                let holiday = HOLIDAYS.contains(&date.ordinal0());
                let weekday = date.weekday().num_days_from_monday() as usize;
                let log_q = base.ln()
                    + elasticity * (price / regular).ln()
                    + 0.5 * (competitor / regular).ln()
                    + WEEKDAY[weekday]
                    + if holiday { 0.25 } else { 0.0 }
                    + if promo { 0.12 } else { 0.0 }
                    + NOISE * rng.normal();
                let sold = log_q.exp().round().max(0.0);
                let cpi =
                    (!rng.chance(0.05)).then(|| ((price / competitor) * 1000.0).round() / 1000.0);
                prices.push(price);
                units.push(sold);
                if d >= WARM_UP {
                    // The customer's reference: the median price of the
                    // previous 56 days.
                    let mut window: Vec<f64> = prices[d - WARM_UP..d].to_vec();
                    window.sort_by(f64::total_cmp);
                    let reference = window[window.len() / 2];
                    rows.push(Row {
                        day: d - WARM_UP,
                        seg,
                        date,
                        price,
                        reference,
                        promo,
                        holiday,
                        cpi,
                        lag7: units[d - 7],
                        units: sold,
                    });
                }
            }
        }
    }
    Data {
        segments,
        rows,
        days,
    }
}

fn data(job: &Job<'_>) -> Result<(Plan, Data), TrainerError> {
    let plan = plan(job)?;
    let data = generate(job.seed, TRAIN_DAYS + plan.folds * plan.horizon);
    Ok((plan, data))
}

fn to_table(data: &Data) -> Table {
    let rows = &data.rows;
    let seg = |r: &Row| &data.segments[r.seg];
    let mut t = Table::default();
    t.text(
        "transaction_date",
        rows.iter()
            .map(|r| Some(r.date.format("%Y-%m-%d").to_string())),
    );
    t.text("sku_id", rows.iter().map(|r| Some(seg(r).sku.to_string())));
    t.text(
        "price_zone_id",
        rows.iter().map(|r| Some(seg(r).zone.to_string())),
    );
    t.text(
        "category_id",
        rows.iter().map(|r| Some(seg(r).category.to_string())),
    );
    t.num("unit_price", rows.iter().map(|r| Some(r.price)));
    t.num("reference_price", rows.iter().map(|r| Some(r.reference)));
    t.num(
        "discount_depth_pct",
        rows.iter()
            .map(|r| Some((1.0 - r.price / r.reference).max(0.0))),
    );
    t.flag("is_on_promotion", rows.iter().map(|r| Some(r.promo)));
    t.num("competitor_price_index", rows.iter().map(|r| r.cpi));
    t.num("unit_cost", rows.iter().map(|r| Some(seg(r).cost)));
    t.num("lag_7d_units", rows.iter().map(|r| Some(r.lag7)));
    t.num("units_sold", rows.iter().map(|r| Some(r.units)));
    t
}

/// The control columns of a row (see `CONTROLS`).
fn controls(r: &Row) -> [f64; 10] {
    let weekday = r.date.weekday().num_days_from_monday() as usize;
    let mut c = [0.0; 10];
    if weekday > 0 {
        c[weekday - 1] = 1.0;
    }
    c[6] = f64::from(u8::from(r.holiday));
    c[7] = f64::from(u8::from(r.promo));
    match r.cpi {
        Some(cpi) if cpi > 0.0 => c[8] = cpi.ln(),
        _ => c[9] = 1.0,
    }
    c
}

/// The log of units the regression fits; a day without sales counts as
/// half a unit so the log stays finite.
fn log_units(units: f64) -> f64 {
    units.max(0.5).ln()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SegmentFit {
    sku_id: String,
    price_zone_id: String,
    intercept: f64,
    slope: f64,
    mean_log_price: f64,
    elasticity: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Model {
    family: String,
    trainer: String,
    segments: Vec<SegmentFit>,
    control_names: Vec<String>,
    controls: Vec<f64>,
    /// Duan's smearing factor: mean exp(residual), so exp(prediction) x
    /// smearing estimates mean units rather than median units.
    smearing: f64,
    l2: f64,
    steps: usize,
    train_loss: f64,
    data_seed: u64,
}

impl Model {
    fn predict(&self, seg: &SegmentFit, r: &Row) -> f64 {
        let c = controls(r);
        let x = seg.intercept
            + seg.slope * (r.price.ln() - seg.mean_log_price)
            + dot(&self.controls, &c);
        x.exp() * self.smearing
    }
}

impl Trainer for Pricing {
    type Model = Model;

    fn quality(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let (_, data) = data(job)?;
        let table = to_table(&data);
        let load: Vec<i64> = data.rows.iter().map(|r| r.day as i64).collect();
        let ctx = Context {
            load: Some(&load),
            ..Context::default()
        };
        quality::run(stage, &table, &ctx, report)?;
        // Elasticity needs price variation: count distinct prices per
        // segment in the training window.
        let min_points = stage.count_in(&["/min_distinct_price_points_per_sku"], 3, 1, 1000)?;
        let mut distinct: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
        for r in data.rows.iter().filter(|r| r.day < TRAIN_DAYS) {
            distinct
                .entry(r.seg)
                .or_default()
                .push((r.price * 100.0).round() as i64);
        }
        let fewest = distinct
            .values_mut()
            .map(|v| {
                v.sort_unstable();
                v.dedup();
                v.len()
            })
            .min()
            .unwrap_or(0);
        let detail = format!(
            "at least {fewest} distinct prices per SKU-zone in the training window ({min_points} required)"
        );
        if fewest < min_points && stage.flag("/fail_on_error", true) {
            report.line(format!("quality: FAIL price points: {detail}"))?;
            return Err(TrainerError::Quality {
                stage: stage.place.to_string(),
                checks: 1,
                failed: 1,
                first: format!("price points: {detail}"),
            });
        }
        report.line(format!("quality: pass price points: {detail}"))
    }

    fn feature_prep(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let (_, data) = data(job)?;
        let window = stage.count_in(&["/reference_price/window_days"], 56, 7, 365)?;
        report.param("reference_price_window_days", window)?;
        report.param("log_transform", "unit_price,units_sold")?;
        let missing_cpi = data.rows.iter().filter(|r| r.cpi.is_none()).count();
        let promo = data.rows.iter().filter(|r| r.promo).count();
        let discounted = data.rows.iter().filter(|r| r.price < r.reference).count();
        report.line(format!(
            "feature_prep: {} rows, {} SKU-zones x {} days; features: log price (centred by SKU-zone), {}",
            count(data.rows.len()),
            data.segments.len(),
            data.days,
            CONTROLS.join(", ")
        ))?;
        report.line(format!(
            "feature_prep: {} rows on promotion, {} below their {window}-day reference price, {} without a competitor match (indicator set)",
            count(promo),
            count(discounted),
            count(missing_cpi)
        ))?;
        report.metric("feature_rows", data.rows.len() as f64, None)?;
        Ok(())
    }

    fn train(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<Model, TrainerError> {
        let (_, data) = data(job)?;
        let l2 = stage.num_in(
            &[
                "/l2",
                "/hyperparameters/lambda_l2",
                "/hyperparameters/reg_lambda",
            ],
            1.0,
            0.0,
            1e6,
        )?;
        let max_steps = stage.count_in(&["/max_steps"], 500, 1, 10_000)?;
        let fit_days = TRAIN_DAYS - VALIDATION_DAYS;
        let s = data.segments.len();
        let p = 2 * s + CONTROLS.len();
        report.tag("trainer", "log_log_elasticity")?;
        report.param("solver", "steepest_descent")?;
        report.param_num("l2", l2)?;
        report.param("max_steps", max_steps)?;
        report.param("train_days", fit_days)?;
        report.param("validation_days", VALIDATION_DAYS)?;

        let Design {
            xs_fit,
            ys_fit,
            xs_val,
            ys_val,
            mean_log_price,
            center,
            scale,
        } = design(&data, fit_days, p);
        let (mut a, b) = linalg::normal_equations(&xs_fit, &ys_fit, p);
        let penalty: Vec<f64> = (0..p).map(|j| if j < s { 0.0 } else { l2 }).collect();
        a.add_diagonal(&penalty);
        let n = xs_fit.len().max(1) as f64;
        let loss = |w: &[f64], xs: &[Vec<f64>], ys: &[f64]| -> f64 {
            xs.iter()
                .zip(ys)
                .map(|(x, y)| (y - dot(x, w)).powi(2))
                .sum::<f64>()
                / xs.len().max(1) as f64
        };
        let objective = |w: &[f64]| {
            loss(w, &xs_fit, &ys_fit)
                + dot(&penalty, &w.iter().map(|v| v * v).collect::<Vec<_>>()) / n
        };
        report.line(format!(
            "training: log-log demand regression on {} rows ({} SKU-zones, {} coefficients), validated on the next {} days ({} rows)",
            count(xs_fit.len()),
            s,
            p,
            VALIDATION_DAYS,
            count(xs_val.len())
        ))?;
        let mut last = (0.0, 0.0);
        let solved = linalg::steepest_descent(&a, &b, max_steps, 1e-6, |step, w| {
            let (train, valid) = (objective(w), loss(w, &xs_val, &ys_val));
            last = (train, valid);
            report.metric("train_loss", train, Some(step))?;
            report.metric("val_loss", valid, Some(step))?;
            if step % 25 == 0 {
                report.line(format!(
                    "step {step}: train_loss {} val_loss {}",
                    number(train),
                    number(valid)
                ))?;
            }
            Ok::<(), TrainerError>(())
        })?;
        report.line(format!(
            "training: gradient descent {} after {} steps; train_loss {} val_loss {}",
            if solved.converged {
                "converged"
            } else {
                "stopped"
            },
            solved.steps,
            number(last.0),
            number(last.1)
        ))?;
        let w: Vec<f64> = solved.x.iter().zip(&scale).map(|(g, sc)| g / sc).collect();
        let smearing = ys_fit
            .iter()
            .zip(&xs_fit)
            .map(|(y, x)| (y - dot(x, &solved.x)).exp())
            .sum::<f64>()
            / n;
        let cpi_coef = w[2 * s + 8];
        // Back to uncentred controls: their means move into the intercepts.
        let shift: f64 = (2 * s..p).map(|j| w[j] * center[j]).sum();
        let segments: Vec<SegmentFit> = data
            .segments
            .iter()
            .enumerate()
            .map(|(i, seg)| SegmentFit {
                sku_id: seg.sku.to_string(),
                price_zone_id: seg.zone.to_string(),
                intercept: w[i] - shift,
                slope: w[s + i],
                mean_log_price: mean_log_price[i],
                elasticity: w[s + i] + cpi_coef,
            })
            .collect();
        let elasticities: Vec<f64> = segments.iter().map(|f| f.elasticity).collect();
        let lo = elasticities.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = elasticities
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        report.line(format!(
            "training: own-price elasticities from {} to {} (mean {}); smearing factor {}",
            number(lo),
            number(hi),
            number(elasticities.iter().sum::<f64>() / s as f64),
            number(smearing)
        ))?;
        report.param_num("smearing", smearing)?;
        report.metric("train_loss", last.0, None)?;
        report.metric("val_loss", last.1, None)?;
        Ok(Model {
            family: job.family.as_str().to_string(),
            trainer: "log_log_elasticity".to_string(),
            segments,
            control_names: CONTROLS.iter().map(|c| c.to_string()).collect(),
            controls: w[2 * s..].to_vec(),
            smearing,
            l2,
            steps: solved.steps,
            train_loss: last.0,
            data_seed: job.seed,
        })
    }

    fn evaluate(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        model: &Model,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        if model.controls.len() != CONTROLS.len()
            || model
                .control_names
                .iter()
                .zip(CONTROLS)
                .any(|(a, b)| a != b)
        {
            return Err(job.model_error(format!("expected the controls {}", CONTROLS.join(", "))));
        }
        if !(model.smearing.is_finite() && model.smearing > 0.0) {
            return Err(job.model_error("smearing factor is not a positive number"));
        }
        let (plan, data) = data(job)?;
        let fits: Vec<&SegmentFit> = data
            .segments
            .iter()
            .map(|seg| {
                model
                    .segments
                    .iter()
                    .find(|f| f.sku_id == seg.sku && f.price_zone_id == seg.zone)
                    .ok_or_else(|| {
                        job.model_error(format!("no fit for {} in {}", seg.sku, seg.zone))
                    })
            })
            .collect::<Result<_, _>>()?;
        let (lo, hi) = match stage
            .get("/elasticity_plausible_range")
            .and_then(Value::as_array)
        {
            Some(r) if r.len() == 2 => {
                (r[0].as_f64().unwrap_or(-5.0), r[1].as_f64().unwrap_or(-0.2))
            }
            _ => (-5.0, -0.2),
        };
        report.tag("trainer", &model.trainer)?;
        report.param("folds", plan.folds)?;
        report.param("horizon_days", plan.horizon)?;
        report.line(format!(
            "evaluation: {} rolling windows of {} days after the {}-day training window; mape on weekly revenue per SKU-zone",
            plan.folds, plan.horizon, TRAIN_DAYS
        ))?;
        let stage_kind = StageKind::Evaluation;
        let mut all = Scores::default();
        for k in 0..plan.folds {
            let from = TRAIN_DAYS + k * plan.horizon;
            let mut fold = Scores::default();
            let mut weekly: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
            for r in data
                .rows
                .iter()
                .filter(|r| (from..from + plan.horizon).contains(&r.day))
            {
                let predicted = model.predict(fits[r.seg], r);
                fold.actual.push(r.units);
                fold.predicted.push(predicted);
                let week = weekly.entry((r.seg, (r.day - from) / 7)).or_default();
                week.0 += r.price * r.units;
                week.1 += r.price * predicted;
            }
            fold.revenue.extend(weekly.values().map(|w| w.0));
            fold.revenue_predicted.extend(weekly.values().map(|w| w.1));
            let scored = fold.score(job, stage_kind)?;
            let step = Some(k + 1);
            report.metric("mae", scored.mae, step)?;
            report.metric("rmse", scored.rmse, step)?;
            report.metric("mape", scored.mape, step)?;
            report.line(format!(
                "fold {}: days {}-{}, {} rows: mae {} rmse {} weekly revenue mape {}",
                k + 1,
                from + 1,
                from + plan.horizon,
                count(fold.actual.len()),
                number(scored.mae),
                number(scored.rmse),
                number(scored.mape)
            ))?;
            all.extend(fold);
        }
        let scored = all.score(job, stage_kind)?;
        let s = model.segments.len().max(1) as f64;
        let positive = model.segments.iter().filter(|f| f.elasticity > 0.0).count() as f64 / s;
        let implausible = model
            .segments
            .iter()
            .filter(|f| !(lo..=hi).contains(&f.elasticity))
            .count() as f64
            / s;
        report.metric("mae", scored.mae, None)?;
        report.metric("rmse", scored.rmse, None)?;
        report.metric("mape", scored.mape, None)?;
        report.metric("positive_elasticity_share", positive, None)?;
        report.metric("implausible_elasticity_share", implausible, None)?;
        // In a log-log model units fall as price rises exactly when the
        // elasticity is negative: the counterfactual price grid's check.
        let monotone = model.segments.iter().filter(|f| f.elasticity < 0.0).count();
        report.line(format!(
            "evaluation: {} SKU-zones, {} with a positive elasticity, {} outside the plausible range {} to {}; predicted units fall as price rises in {} of them",
            model.segments.len(),
            percent(positive),
            percent(implausible),
            number(lo),
            number(hi),
            monotone
        ))?;
        Ok(())
    }
}

#[derive(Default)]
struct Scores {
    actual: Vec<f64>,
    predicted: Vec<f64>,
    revenue: Vec<f64>,
    revenue_predicted: Vec<f64>,
}

struct Scored {
    mae: f64,
    rmse: f64,
    mape: f64,
}

impl Scores {
    fn extend(&mut self, other: Scores) {
        self.actual.extend(other.actual);
        self.predicted.extend(other.predicted);
        self.revenue.extend(other.revenue);
        self.revenue_predicted.extend(other.revenue_predicted);
    }

    fn score(&self, job: &Job<'_>, stage: StageKind) -> Result<Scored, TrainerError> {
        Ok(Scored {
            mae: job.metric(
                stage,
                "mae",
                performance::mae(&self.actual, &self.predicted),
            )?,
            rmse: job.metric(
                stage,
                "rmse",
                performance::rmse(&self.actual, &self.predicted),
            )?,
            mape: job.metric(
                stage,
                "mape",
                performance::mape(&self.revenue, &self.revenue_predicted),
            )?,
        })
    }
}

/// The regression's rows, fitting days then validation days: segment
/// intercepts, log-price slopes centred on the segment's mean log price,
/// and the controls; every column centred and scaled on the fitting days.
struct Design {
    xs_fit: Vec<Vec<f64>>,
    ys_fit: Vec<f64>,
    xs_val: Vec<Vec<f64>>,
    ys_val: Vec<f64>,
    mean_log_price: Vec<f64>,
    center: Vec<f64>,
    scale: Vec<f64>,
}

fn design(data: &Data, fit_days: usize, p: usize) -> Design {
    let s = data.segments.len();
    let fit: Vec<&Row> = data.rows.iter().filter(|r| r.day < fit_days).collect();
    let val: Vec<&Row> = data
        .rows
        .iter()
        .filter(|r| (fit_days..TRAIN_DAYS).contains(&r.day))
        .collect();
    let mut mean_log_price = vec![0.0; s];
    let mut per_seg = vec![0usize; s];
    for r in &fit {
        mean_log_price[r.seg] += r.price.ln();
        per_seg[r.seg] += 1;
    }
    for (m, n) in mean_log_price.iter_mut().zip(&per_seg) {
        *m /= (*n).max(1) as f64;
    }
    let raw = |r: &Row| -> Vec<f64> {
        let mut x = vec![0.0; p];
        x[r.seg] = 1.0;
        x[s + r.seg] = r.price.ln() - mean_log_price[r.seg];
        x[2 * s..].copy_from_slice(&controls(r));
        x
    };
    // Controls centred (the intercepts absorb their means) and every
    // column scaled to unit root-mean-square: one penalty then fits all
    // columns, and gradient steps make even progress on each.
    let xs_fit: Vec<Vec<f64>> = fit.iter().map(|r| raw(r)).collect();
    let rows = xs_fit.len().max(1) as f64;
    let mut center = vec![0.0; p];
    for j in 2 * s..p {
        center[j] = xs_fit.iter().map(|x| x[j]).sum::<f64>() / rows;
    }
    let mut scale = vec![1.0; p];
    for j in 0..p {
        let ms = xs_fit
            .iter()
            .map(|x| (x[j] - center[j]).powi(2))
            .sum::<f64>()
            / rows;
        if ms > 1e-18 {
            scale[j] = ms.sqrt();
        }
    }
    let scaled = |mut x: Vec<f64>| {
        for ((v, c), sc) in x.iter_mut().zip(&center).zip(&scale) {
            *v = (*v - c) / sc;
        }
        x
    };
    let xs_fit: Vec<Vec<f64>> = xs_fit.into_iter().map(scaled).collect();
    let ys_fit: Vec<f64> = fit.iter().map(|r| log_units(r.units)).collect();
    let xs_val: Vec<Vec<f64>> = val.iter().map(|r| scaled(raw(r))).collect();
    let ys_val: Vec<f64> = val.iter().map(|r| log_units(r.units)).collect();
    Design {
        xs_fit,
        ys_fit,
        xs_val,
        ys_val,
        mean_log_price,
        center,
        scale,
    }
}
