//! Location scoring: first-year revenue of retail sites from trade-area,
//! competition, access and site features, by ridge regression on log
//! revenue. The penalty is chosen along a path from strong to the
//! configured one (each path point a training step) on validation blocks,
//! and the model is scored on held-out spatial blocks, with a buffer so
//! neighbouring sites never straddle train and test.
//!
//! The generated sites cluster around twelve US metros; log revenue is
//! linear in the logged features plus format and region effects, with 7%
//! noise, and one site in ten has no foot-traffic coverage.

use super::job::{Job, Trainer};
use super::linalg::{self, Square, dot};
use super::quality::{self, Context};
use super::report::{Report, count, number};
use super::rng::{Rng, hash01};
use super::settings::{self, Settings};
use super::stage::{StageKind, TrainerError};
use super::table::Table;
use crate::drift::performance;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub struct LocationScoring;

/// Metro, latitude, longitude, region.
const METROS: [(&str, f64, f64, usize); 12] = [
    ("columbus", 39.96, -82.99, 0),
    ("indianapolis", 39.77, -86.16, 0),
    ("chicago", 41.88, -87.63, 1),
    ("minneapolis", 44.98, -93.27, 1),
    ("atlanta", 33.75, -84.39, 2),
    ("charlotte", 35.23, -80.84, 2),
    ("dallas", 32.78, -96.80, 3),
    ("houston", 29.76, -95.37, 3),
    ("philadelphia", 39.95, -75.17, 4),
    ("boston", 42.36, -71.06, 4),
    ("denver", 39.74, -104.99, 5),
    ("phoenix", 33.45, -112.07, 5),
];
const REGIONS: [&str; 6] = [
    "midwest_east",
    "midwest_west",
    "southeast",
    "south_central",
    "northeast",
    "west",
];
/// Revenue effect of each region (log scale).
const REGION_EFFECT: [f64; 6] = [0.0, -0.04, 0.03, 0.05, -0.02, 0.06];
/// Format, share of sites, revenue effect beyond its size (log scale).
const FORMATS: [(&str, f64, f64); 3] = [
    ("standard", 0.55, 0.0),
    ("large", 0.25, 0.05),
    ("express", 0.20, 0.10),
];
const EXISTING_SITES: usize = 520;
const CANDIDATE_SITES: usize = 60;
const NOISE: f64 = 0.07;
/// Share of blocks held out for the test folds, and for validation.
const TEST_SHARE: f64 = 0.3;
const VALIDATION_SHARE: f64 = 0.15;

const FEATURES: [&str; 15] = [
    "log_sqft",
    "log_population_5km",
    "log_median_household_income_5km",
    "competitor_count_3km",
    "log_distance_to_nearest_competitor_m",
    "log_traffic_count_aadt",
    "log_foot_traffic_weekly_visits",
    "foot_traffic_missing",
    "format_large",
    "format_express",
    "region_midwest_west",
    "region_southeast",
    "region_south_central",
    "region_northeast",
    "region_west",
];

#[derive(Debug, Clone)]
struct Site {
    id: String,
    lat: f64,
    lon: f64,
    region: usize,
    format: usize,
    sqft: f64,
    population: f64,
    income: f64,
    competitors: f64,
    competitor_distance: f64,
    traffic: f64,
    foot: Option<f64>,
    candidate: bool,
    revenue: Option<f64>,
}

fn generate(seed: u64) -> Vec<Site> {
    let mut rng = Rng::stream(seed, "location_scoring/sites");
    let mut sites = Vec::with_capacity(EXISTING_SITES + CANDIDATE_SITES);
    for i in 0..EXISTING_SITES + CANDIDATE_SITES {
        let candidate = i >= EXISTING_SITES;
        let (_, mlat, mlon, region) = METROS[rng.below(METROS.len())];
        let lat = ((mlat + 0.25 * rng.normal()).clamp(24.5, 49.5) * 1e4).round() / 1e4;
        let lon = ((mlon + 0.3 * rng.normal()).clamp(-124.5, -66.5) * 1e4).round() / 1e4;
        let draw = rng.uniform();
        let format = if draw < FORMATS[0].1 {
            0
        } else if draw < FORMATS[0].1 + FORMATS[1].1 {
            1
        } else {
            2
        };
        let sqft = match format {
            0 => rng.range(15_000.0, 22_000.0),
            1 => rng.range(30_000.0, 45_000.0),
            _ => rng.range(4_000.0, 8_000.0),
        };
        let sqft = (sqft / 100.0).round() * 100.0;
        // How urban the trade area is: more people, rivals and traffic.
        let urban = rng.normal();
        let population = (150_000f64.ln() + 0.5 * urban + 0.2 * rng.normal())
            .exp()
            .round();
        let income = ((62_000f64.ln() + 0.25 * rng.normal()).exp() / 100.0).round() * 100.0;
        let competitors = rng.poisson(3.0 * (0.4 * urban).exp()) as f64;
        let competitor_distance = (800f64.ln() - 0.4 * urban + 0.5 * rng.normal())
            .exp()
            .round();
        let traffic = (22_000f64.ln() + 0.3 * urban + 0.35 * rng.normal())
            .exp()
            .round();
        let foot =
            (9_000f64.ln() + 0.3 * urban + 0.3 * (sqft / 15_000.0).ln() + 0.3 * rng.normal())
                .exp()
                .round();
        let covered = !rng.chance(0.1);
        let log_revenue = 2.4e6f64.ln()
            + 0.55 * (sqft / 15_000.0).ln()
            + 0.3 * (population / 150_000.0).ln()
            + 0.25 * (income / 62_000.0).ln()
            - 0.05 * (competitors - 3.0)
            + 0.06 * (competitor_distance.max(1.0) / 800.0).ln()
            + 0.12 * (traffic / 22_000.0).ln()
            + 0.2 * (foot / 9_000.0).ln()
            + FORMATS[format].2
            + REGION_EFFECT[region]
            + NOISE * rng.normal();
        let revenue = (log_revenue.exp() / 100.0).round() * 100.0;
        sites.push(Site {
            id: if candidate {
                format!("CS-{:04}", i - EXISTING_SITES + 1)
            } else {
                format!("ST-{:04}", i + 1)
            },
            lat,
            lon,
            region,
            format,
            sqft,
            population,
            income,
            competitors,
            competitor_distance,
            traffic,
            foot: covered.then_some(foot),
            candidate,
            revenue: (!candidate).then_some(revenue),
        });
    }
    sites
}

fn to_table(sites: &[Site]) -> Table {
    let mut t = Table::default();
    let text = |f: &dyn Fn(&Site) -> String| sites.iter().map(|s| Some(f(s))).collect::<Vec<_>>();
    let num = |f: &dyn Fn(&Site) -> Option<f64>| sites.iter().map(f).collect::<Vec<_>>();
    t.text("site_id", text(&|s| s.id.clone()));
    t.text("snapshot_date", text(&|_| "2024-09-01".to_string()));
    t.num("latitude", num(&|s| Some(s.lat)));
    t.num("longitude", num(&|s| Some(s.lon)));
    t.text("region", text(&|s| REGIONS[s.region].to_string()));
    t.text("store_format", text(&|s| FORMATS[s.format].0.to_string()));
    t.num("sqft", num(&|s| Some(s.sqft)));
    t.num("population_5km", num(&|s| Some(s.population)));
    t.num("median_household_income_5km", num(&|s| Some(s.income)));
    t.num("competitor_count_3km", num(&|s| Some(s.competitors)));
    t.num(
        "distance_to_nearest_competitor_m",
        num(&|s| Some(s.competitor_distance)),
    );
    t.num("traffic_count_aadt", num(&|s| Some(s.traffic)));
    t.num("foot_traffic_weekly_visits", num(&|s| s.foot));
    t.flag("is_candidate", sites.iter().map(|s| Some(s.candidate)));
    t.num("annual_revenue", num(&|s| s.revenue));
    t
}

/// The model's features of a site; a site without foot-traffic coverage
/// gets `foot_fill` (the training median) and the missing indicator.
fn features(s: &Site, foot_fill: f64) -> Vec<f64> {
    let mut x = vec![
        s.sqft.max(1.0).ln(),
        s.population.max(1.0).ln(),
        s.income.max(1.0).ln(),
        s.competitors,
        s.competitor_distance.max(1.0).ln(),
        s.traffic.max(1.0).ln(),
        s.foot.map_or(foot_fill, |f| f.max(1.0).ln()),
        f64::from(u8::from(s.foot.is_none())),
        f64::from(u8::from(s.format == 1)),
        f64::from(u8::from(s.format == 2)),
    ];
    x.extend((1..REGIONS.len()).map(|r| f64::from(u8::from(s.region == r))));
    x
}

/// Where each site falls: a test fold, validation, training, or left out
/// (candidates, outliers, sites in the buffer around test blocks).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Split {
    Test(usize),
    Validation,
    Train,
    Out,
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    folds: usize,
    block_km: f64,
    buffer_km: f64,
}

fn plan(job: &Job<'_>) -> Result<Plan, TrainerError> {
    let v = settings::validation(job.manifest);
    Ok(Plan {
        folds: v.count_in(&["/folds"], 5, 1, 20)?,
        block_km: v.num_in(&["/block_size_km"], 25.0, 1.0, 500.0)?,
        buffer_km: v.num_in(&["/buffer_km"], 5.0, 0.0, 100.0)?,
    })
}

fn distance_km(a: &Site, b: &Site) -> f64 {
    let mean_lat = ((a.lat + b.lat) / 2.0).to_radians();
    let dx = (a.lon - b.lon) * 111.32 * mean_lat.cos();
    let dy = (a.lat - b.lat) * 110.57;
    (dx * dx + dy * dy).sqrt()
}

/// Sites whose log revenue is further than `max_abs_z` robust z-scores
/// (median and MAD) from the median: the quality stage's outlier rule.
fn outliers(sites: &[Site], max_abs_z: f64) -> Vec<bool> {
    let logs: Vec<f64> = sites
        .iter()
        .filter_map(|s| s.revenue)
        .map(|r| r.max(1.0).ln())
        .collect();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        if v.is_empty() { 0.0 } else { v[v.len() / 2] }
    };
    let mut sorted = logs.clone();
    let center = median(&mut sorted);
    let mut deviations: Vec<f64> = logs.iter().map(|l| (l - center).abs()).collect();
    let mad = median(&mut deviations).max(1e-9) * 1.4826;
    sites
        .iter()
        .map(|s| {
            s.revenue
                .is_some_and(|r| ((r.max(1.0).ln() - center) / mad).abs() > max_abs_z)
        })
        .collect()
}

fn outlier_z(job: &Job<'_>) -> Result<f64, TrainerError> {
    settings::stage_or_empty(job.manifest, StageKind::Quality).num_in(
        &["/revenue_outlier/max_abs_z"],
        4.0,
        0.5,
        100.0,
    )
}

/// The plan, the sites and their spatial split with the outliers left out:
/// what training and evaluation both start from.
fn split_sites(job: &Job<'_>) -> Result<(Plan, Vec<Site>, Vec<Split>), TrainerError> {
    let plan = plan(job)?;
    let sites = generate(job.seed);
    let outlier = outliers(&sites, outlier_z(job)?);
    let splits = split(job.seed, plan, &sites, &outlier);
    Ok((plan, sites, splits))
}

fn split(seed: u64, plan: Plan, sites: &[Site], outlier: &[bool]) -> Vec<Split> {
    let dlat = plan.block_km / 110.57;
    let dlon = plan.block_km / (111.32 * 38.5f64.to_radians().cos());
    let mut splits: Vec<Split> = sites
        .iter()
        .zip(outlier)
        .map(|(s, &out)| {
            if s.candidate || out {
                return Split::Out;
            }
            let block = format!(
                "location_scoring/block/{}/{}",
                (s.lat / dlat).floor() as i64,
                (s.lon / dlon).floor() as i64
            );
            let u = hash01(seed, &block);
            if u < TEST_SHARE {
                Split::Test(((u / TEST_SHARE) * plan.folds as f64) as usize % plan.folds)
            } else if u < TEST_SHARE + VALIDATION_SHARE {
                Split::Validation
            } else {
                Split::Train
            }
        })
        .collect();
    let test: Vec<&Site> = sites
        .iter()
        .zip(&splits)
        .filter(|(_, sp)| matches!(sp, Split::Test(_)))
        .map(|(s, _)| s)
        .collect();
    for (s, sp) in sites.iter().zip(splits.iter_mut()) {
        if matches!(sp, Split::Train | Split::Validation)
            && test.iter().any(|t| distance_km(s, t) < plan.buffer_km)
        {
            *sp = Split::Out;
        }
    }
    splits
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Model {
    family: String,
    trainer: String,
    features: Vec<String>,
    means: Vec<f64>,
    scales: Vec<f64>,
    /// On the standardized features.
    coefficients: Vec<f64>,
    intercept: f64,
    l2: f64,
    foot_traffic_fill: f64,
    target_transform: String,
    smearing: f64,
    train_sites: usize,
    data_seed: u64,
}

impl Model {
    fn predict(&self, s: &Site) -> f64 {
        let x = features(s, self.foot_traffic_fill);
        let z: f64 = x
            .iter()
            .zip(&self.means)
            .zip(&self.scales)
            .zip(&self.coefficients)
            .map(|(((x, m), sc), w)| (x - m) / sc * w)
            .sum();
        let f = self.intercept + z;
        if self.target_transform == "log1p" {
            (f.exp() * self.smearing - 1.0).max(0.0)
        } else {
            f
        }
    }
}

fn target(transform: &str, revenue: f64) -> f64 {
    if transform == "log1p" {
        revenue.max(0.0).ln_1p()
    } else {
        revenue
    }
}

/// Ridge on standardized, centred features: (Z'Z + l2 I) w = Z'(y - mean y).
fn ridge(gram: &Square, zy: &[f64], l2: f64) -> Option<Vec<f64>> {
    let mut a = gram.clone();
    a.add_diagonal(&vec![l2; gram.n]);
    linalg::cholesky_solve(&a, zy)
}

struct Standardized {
    means: Vec<f64>,
    scales: Vec<f64>,
    mean_y: f64,
    gram: Square,
    zy: Vec<f64>,
}

fn standardize(xs: &[Vec<f64>], ys: &[f64]) -> Standardized {
    let p = FEATURES.len();
    let (means, scales) = linalg::column_moments(xs, p);
    let mean_y = ys.iter().sum::<f64>() / ys.len().max(1) as f64;
    let zs: Vec<Vec<f64>> = xs.iter().map(|x| z(x, &means, &scales)).collect();
    let yc: Vec<f64> = ys.iter().map(|y| y - mean_y).collect();
    let (gram, zy) = linalg::normal_equations(&zs, &yc, p);
    Standardized {
        means,
        scales,
        mean_y,
        gram,
        zy,
    }
}

fn z(x: &[f64], means: &[f64], scales: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(means)
        .zip(scales)
        .map(|((x, m), s)| (x - m) / s)
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

impl Trainer for LocationScoring {
    type Model = Model;

    fn quality(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let sites = generate(job.seed);
        let table = to_table(&sites);
        quality::run(stage, &table, &Context::default(), report)?;
        let z = outlier_z(job)?;
        let flagged = outliers(&sites, z).iter().filter(|&&o| o).count();
        report.line(format!(
            "quality: revenue outliers (robust z above {}): {} sites, excluded from training",
            number(z),
            flagged
        ))
    }

    fn feature_prep(
        &self,
        job: &Job<'_>,
        _stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let sites = generate(job.seed);
        let uncovered = sites.iter().filter(|s| s.foot.is_none()).count();
        let candidates = sites.iter().filter(|s| s.candidate).count();
        report.param("features", FEATURES.len())?;
        report.line(format!(
            "feature_prep: {} sites ({} existing, {} candidates), {} features: {}",
            count(sites.len()),
            count(sites.len() - candidates),
            count(candidates),
            FEATURES.len(),
            FEATURES.join(", ")
        ))?;
        report.line(format!(
            "feature_prep: counts and distances logged; {uncovered} sites without foot-traffic coverage get the training median and an indicator"
        ))?;
        report.metric("feature_rows", sites.len() as f64, None)?;
        Ok(())
    }

    fn train(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<Model, TrainerError> {
        let (plan, sites, splits) = split_sites(job)?;
        let RidgeConfig {
            l2_min,
            steps,
            transform,
            smearing_on,
        } = ridge_config(stage)?;
        let min_sites = job
            .manifest
            .pointer("/requirements/min_training_sites")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        // Enough sites for the manifest's requirement and the regression.
        let min_sites = min_sites.max(FEATURES.len() + 2);
        let of = |want: &dyn Fn(Split) -> bool| -> Vec<&Site> {
            sites
                .iter()
                .zip(&splits)
                .filter(|(_, sp)| want(**sp))
                .map(|(s, _)| s)
                .collect()
        };
        let train = of(&|sp| sp == Split::Train);
        let val = of(&|sp| sp == Split::Validation);
        if train.len() + val.len() < min_sites || val.is_empty() {
            return Err(job.data_error(
                StageKind::Training,
                format!(
                    "{} training and {} validation sites after the spatial split; at least {} needed",
                    train.len(),
                    val.len(),
                    min_sites
                ),
            ));
        }
        let foot_fill = median(
            train
                .iter()
                .chain(&val)
                .filter_map(|s| s.foot)
                .map(|f| f.max(1.0).ln())
                .collect(),
        );
        let xy = |set: &[&Site]| -> (Vec<Vec<f64>>, Vec<f64>) {
            set.iter()
                .map(|s| {
                    (
                        features(s, foot_fill),
                        target(transform, s.revenue.unwrap_or(0.0)),
                    )
                })
                .unzip()
        };
        let (xs, ys) = xy(&train);
        let (xs_val, ys_val) = xy(&val);
        let l2_max = (1e4f64).max(1e3 * l2_min);
        report.tag("trainer", "ridge")?;
        report.param("target_transform", transform)?;
        report.param("path_steps", steps)?;
        report.param_num("l2_max", l2_max)?;
        report.param_num("l2_min", l2_min)?;
        report.param("block_size_km", number(plan.block_km))?;
        report.param("buffer_km", number(plan.buffer_km))?;
        report.line(format!(
            "training: ridge on {} sites, penalty chosen on {} validation sites in other blocks; {} test sites and {} buffer or excluded sites held out",
            train.len(),
            val.len(),
            splits.iter().filter(|sp| matches!(sp, Split::Test(_))).count(),
            splits.iter().zip(&sites).filter(|(sp, s)| **sp == Split::Out && !s.candidate).count()
        ))?;
        let st = standardize(&xs, &ys);
        let path = Path {
            l2_max,
            l2_min,
            steps,
        };
        let (best_val, l2, last_train) =
            penalty_path(job, report, &st, path, (&xs, &ys), (&xs_val, &ys_val))?;
        // Refit on training and validation sites at the chosen penalty.
        let both: Vec<&Site> = train.iter().chain(&val).copied().collect();
        let (xs_all, ys_all) = xy(&both);
        let st = standardize(&xs_all, &ys_all);
        let w = ridge(&st.gram, &st.zy, l2)
            .ok_or_else(|| job.data_error(StageKind::Training, "final ridge system singular"))?;
        let residuals: Vec<f64> = xs_all
            .iter()
            .zip(&ys_all)
            .map(|(x, y)| y - st.mean_y - dot(&z(x, &st.means, &st.scales), &w))
            .collect();
        let smearing = if smearing_on && transform == "log1p" {
            residuals.iter().map(|r| r.exp()).sum::<f64>() / residuals.len().max(1) as f64
        } else {
            1.0
        };
        report.param_num("l2", l2)?;
        report.param_num("smearing", smearing)?;
        report.metric("train_loss", last_train, None)?;
        report.metric("val_loss", best_val, None)?;
        report.line(format!(
            "training: chose l2 {} (validation loss {}); refit on {} sites; smearing factor {}",
            number(l2),
            number(best_val),
            both.len(),
            number(smearing)
        ))?;
        Ok(Model {
            family: job.family.as_str().to_string(),
            trainer: "ridge".to_string(),
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
            means: st.means,
            scales: st.scales,
            coefficients: w,
            intercept: st.mean_y,
            l2,
            foot_traffic_fill: foot_fill,
            target_transform: transform.to_string(),
            smearing,
            train_sites: both.len(),
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
        let p = FEATURES.len();
        if model.features.iter().map(String::as_str).ne(FEATURES)
            || model.means.len() != p
            || model.scales.len() != p
            || model.coefficients.len() != p
            || model.scales.iter().any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(job.model_error(format!("expected {p} features: {}", FEATURES.join(", "))));
        }
        let (plan, sites, splits) = split_sites(job)?;
        let k_neighbors = stage.count_in(
            &["/residual_spatial_autocorrelation/k_neighbors"],
            8,
            1,
            100,
        )?;
        report.tag("trainer", &model.trainer)?;
        report.param("folds", plan.folds)?;
        report.line(format!(
            "evaluation: spatial blocks of {} km in {} folds, training sites within {} km of a test site dropped",
            number(plan.block_km),
            plan.folds,
            number(plan.buffer_km)
        ))?;
        // The benchmark: the training sites' regional median revenue per
        // square foot, times the site's size.
        let per_sqft: Vec<f64> = (0..REGIONS.len())
            .map(|r| {
                median(
                    sites
                        .iter()
                        .zip(&splits)
                        .filter(|(s, sp)| {
                            s.region == r && matches!(sp, Split::Train | Split::Validation)
                        })
                        .filter_map(|(s, _)| s.revenue.map(|v| v / s.sqft))
                        .collect(),
                )
            })
            .collect();
        let kind = StageKind::Evaluation;
        let (mut actual, mut predicted, mut benchmark, mut tested) =
            (vec![], vec![], vec![], vec![]);
        for fold in 0..plan.folds {
            let (mut a, mut f) = (vec![], vec![]);
            for (s, sp) in sites.iter().zip(&splits) {
                if *sp != Split::Test(fold) {
                    continue;
                }
                let Some(revenue) = s.revenue else { continue };
                a.push(revenue);
                f.push(model.predict(s));
                benchmark.push(per_sqft[s.region] * s.sqft);
                tested.push(s);
            }
            if a.len() < 2 {
                report.line(format!(
                    "fold {}: fewer than two test sites, not scored alone",
                    fold + 1
                ))?;
            } else {
                let step = Some(fold + 1);
                let mae = job.metric(kind, "mae", performance::mae(&a, &f))?;
                let rmse = job.metric(kind, "rmse", performance::rmse(&a, &f))?;
                let r2 = job.metric(kind, "r2", performance::r2(&a, &f))?;
                let mape = job.metric(kind, "mape", performance::mape(&a, &f))?;
                report.metric("mae", mae, step)?;
                report.metric("rmse", rmse, step)?;
                report.metric("r2", r2, step)?;
                report.metric("mape", mape, step)?;
                report.line(format!(
                    "fold {}: {} sites: mae {} rmse {} r2 {} mape {}",
                    fold + 1,
                    a.len(),
                    number(mae),
                    number(rmse),
                    number(r2),
                    number(mape)
                ))?;
            }
            actual.extend(a);
            predicted.extend(f);
        }
        let mae = job.metric(kind, "mae", performance::mae(&actual, &predicted))?;
        let rmse = job.metric(kind, "rmse", performance::rmse(&actual, &predicted))?;
        let r2 = job.metric(kind, "r2", performance::r2(&actual, &predicted))?;
        let mape = job.metric(kind, "mape", performance::mape(&actual, &predicted))?;
        let bench = job.metric(kind, "benchmark_mae", performance::mae(&actual, &benchmark))?;
        let residuals: Vec<f64> = actual
            .iter()
            .zip(&predicted)
            .map(|(a, f)| a.max(1.0).ln() - f.max(1.0).ln())
            .collect();
        let moran = morans_i(&tested, &residuals, k_neighbors);
        report.metric("mae", mae, None)?;
        report.metric("rmse", rmse, None)?;
        report.metric("r2", r2, None)?;
        report.metric("mape", mape, None)?;
        report.metric("benchmark_mae", bench, None)?;
        report.metric("residual_morans_i", moran, None)?;
        report.line(format!(
            "evaluation: {} test sites: mae {} vs {} for regional revenue per sqft; residual Moran's I {} ({} nearest neighbours)",
            actual.len(),
            number(mae),
            number(bench),
            number(moran),
            k_neighbors
        ))?;
        Ok(())
    }
}

/// Moran's I of residuals with row-standardized k-nearest-neighbour
/// weights: near 0 when errors do not cluster in space.
fn morans_i(sites: &[&Site], residuals: &[f64], k: usize) -> f64 {
    let n = sites.len();
    if n < 3 {
        return 0.0;
    }
    let mean = residuals.iter().sum::<f64>() / n as f64;
    let dev: Vec<f64> = residuals.iter().map(|r| r - mean).collect();
    let denominator: f64 = dev.iter().map(|d| d * d).sum();
    if denominator <= 0.0 {
        return 0.0;
    }
    let k = k.min(n - 1);
    let mut numerator = 0.0;
    for i in 0..n {
        let mut others: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (distance_km(sites[i], sites[j]), j))
            .collect();
        others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        numerator += others[..k]
            .iter()
            .map(|&(_, j)| dev[i] * dev[j])
            .sum::<f64>()
            / k as f64;
    }
    // Row-standardized weights sum to n, so I = sum w_ij d_i d_j / sum d_i^2.
    numerator / denominator
}

/// The training stage's settings for the ridge.
struct RidgeConfig {
    l2_min: f64,
    steps: usize,
    transform: &'static str,
    smearing_on: bool,
}

fn ridge_config(stage: Settings<'_>) -> Result<RidgeConfig, TrainerError> {
    let l2_min = stage.num_in(
        &[
            "/l2",
            "/hyperparameters/reg_lambda",
            "/hyperparameters/lambda_l2",
        ],
        2.0,
        1e-6,
        1e6,
    )?;
    let steps = stage.count_in(&["/path_steps"], 40, 2, 500)?;
    let transform = match stage.text("/target_transform") {
        None | Some("log1p") => "log1p",
        Some("none" | "identity") => "none",
        Some(other) => {
            return Err(TrainerError::Config {
                place: stage.place.to_string(),
                detail: format!("target_transform: '{other}' is not log1p or none"),
            });
        }
    };
    let smearing_on = stage
        .text("/bias_correction")
        .is_none_or(|b| b == "smearing");
    Ok(RidgeConfig {
        l2_min,
        steps,
        transform,
        smearing_on,
    })
}

/// The penalties tried, log-spaced from strong to the configured one.
#[derive(Clone, Copy)]
struct Path {
    l2_max: f64,
    l2_min: f64,
    steps: usize,
}

/// Fits along the penalty path, reporting each step; the best validation
/// loss, its penalty and the last training loss.
fn penalty_path(
    job: &Job<'_>,
    report: &mut Report<'_>,
    st: &Standardized,
    path: Path,
    (xs, ys): (&[Vec<f64>], &[f64]),
    (xs_val, ys_val): (&[Vec<f64>], &[f64]),
) -> Result<(f64, f64, f64), TrainerError> {
    let mse = |w: &[f64], xs: &[Vec<f64>], ys: &[f64]| -> f64 {
        xs.iter()
            .zip(ys)
            .map(|(x, y)| (y - st.mean_y - dot(&z(x, &st.means, &st.scales), w)).powi(2))
            .sum::<f64>()
            / xs.len().max(1) as f64
    };
    let mut best: Option<(f64, f64)> = None; // (val loss, l2)
    let mut last_train = f64::NAN;
    for step in 1..=path.steps {
        // Log-spaced from strong to the configured penalty.
        let t = (step - 1) as f64 / (path.steps - 1) as f64;
        let l2 = (path.l2_max.ln() + t * (path.l2_min.ln() - path.l2_max.ln())).exp();
        let w = ridge(&st.gram, &st.zy, l2).ok_or_else(|| {
            job.data_error(
                StageKind::Training,
                format!("ridge system singular at l2 {}", number(l2)),
            )
        })?;
        let (train_loss, val_loss) = (mse(&w, xs, ys), mse(&w, xs_val, ys_val));
        last_train = train_loss;
        report.metric("train_loss", train_loss, Some(step))?;
        report.metric("val_loss", val_loss, Some(step))?;
        if step % 10 == 0 || step == path.steps {
            report.line(format!(
                "path step {step}/{}: l2 {} train_loss {} val_loss {}",
                path.steps,
                number(l2),
                number(train_loss),
                number(val_loss)
            ))?;
        }
        if best.is_none_or(|(v, _)| val_loss < v) {
            best = Some((val_loss, l2));
        }
    }
    let (best_val, l2) = best.unwrap_or((f64::NAN, path.l2_min));
    Ok((best_val, l2, last_train))
}
