//! Next best action: which offer a customer takes, if any. Each treated
//! decision shows the customer every offer in the catalog and they accept
//! at most one, so the model is a softmax regression over "none" and the
//! offers (a discrete-choice model), trained by mini-batch Adam with L2 over
//! epochs. A holdout arm sees no offer; a second, binary model of its
//! organic conversions makes a T-learner whose difference ranks customers
//! by uplift, scored by the Qini coefficient. The propensity of an offer row
//! is the softmax probability of that offer.
//!
//! The generated customers prefer the offer that fits their segment, more
//! so the more engaged they are; loyal customers also buy without an offer,
//! so their uplift is smaller.

use super::job::{Job, Trainer};
use super::quality::{self, Context};
use super::report::{Report, count, number, percent};
use super::rng::{Rng, hash01};
use super::settings::{self, Settings};
use super::stage::{StageKind, TrainerError};
use super::table::Table;
use crate::drift::performance;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

pub struct NextBestAction;

/// Offer, type, face value, the segment it suits.
const OFFERS: [(&str, &str, f64, usize); 4] = [
    ("OFF-CASHBACK-10", "cashback", 10.0, 1),
    ("OFF-FREESHIP-30D", "free_shipping", 5.99, 2),
    ("OFF-UPGRADE-PLUS", "upgrade", 15.0, 0),
    ("OFF-BUNDLE-2FOR1", "bundle", 8.0, 3),
];
const SEGMENTS: [&str; 4] = [
    "loyal_high_value",
    "deal_seeker",
    "online_regular",
    "family_shopper",
];
const CHANNELS: [&str; 4] = ["app_push", "email", "web", "sms"];
/// Extra appeal of an offer in a channel (offer x channel, log-odds).
const CHANNEL_APPEAL: [[f64; 4]; 4] = [
    [0.0, 0.4, 0.0, 0.0],
    [0.0, 0.0, 0.6, 0.0],
    [0.5, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0],
];
const CUSTOMERS: usize = 2500;
const DECISIONS: usize = 5000;
/// Share of customers whose decisions are held out for evaluation, and for
/// validation during training.
const EVAL_SHARE: f64 = 0.35;
const VALIDATION_SHARE: f64 = 0.10;

const FEATURES: [&str; 14] = [
    "log_tenure_months",
    "log_recency_days",
    "recency_missing",
    "log_frequency_90d",
    "log_monetary_90d",
    "email_open_rate_90d",
    "email_open_missing",
    "offers_received_30d",
    "segment_deal_seeker",
    "segment_online_regular",
    "segment_family_shopper",
    "channel_email",
    "channel_web",
    "channel_sms",
];

#[derive(Debug, Clone)]
struct Customer {
    id: String,
    segment: usize,
    tenure: f64,
    recency: Option<f64>,
    frequency: f64,
    monetary: f64,
    email_open: Option<f64>,
}

#[derive(Debug, Clone)]
struct Decision {
    customer: usize,
    ts: NaiveDateTime,
    age_days: i64,
    channel: usize,
    offers_received: f64,
    treated: bool,
    /// The offer accepted (treated decisions only).
    choice: Option<usize>,
    /// Bought within the label window: accepted an offer when treated, an
    /// organic purchase in the holdout arm.
    converted: bool,
}

struct Data {
    customers: Vec<Customer>,
    decisions: Vec<Decision>,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn as_of() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 9, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// The generator's own scaled signals; the model sees the same raw columns.
fn signals(c: &Customer, offers_received: f64) -> (f64, f64, f64) {
    let f = ((1.0 + c.frequency).ln() - 1.6) / 0.6;
    let r = c.recency.map_or(1.5, |r| ((1.0 + r).ln() - 3.0) / 0.8);
    let o = c.email_open.map_or(0.0, |o| (o - 0.35) / 0.2);
    let t = ((1.0 + c.tenure).ln() - 3.5) / 1.0;
    let engagement = 0.9 * f - 0.6 * r + 0.7 * o + 0.2 * t - 0.3 * (offers_received - 2.0);
    (engagement, f, r)
}

fn generate(seed: u64, control_share: f64) -> Data {
    let mut rng = Rng::stream(seed, "next_best_action/customers");
    let customers: Vec<Customer> = (0..CUSTOMERS)
        .map(|i| {
            let latent = rng.normal();
            let frequency = rng.poisson((1.5 + 0.5 * latent).exp()) as f64;
            let basket = rng.range(40.0, 120.0);
            Customer {
                id: format!("C-{:08}", 418_000 + 37 * i),
                segment: rng.below(SEGMENTS.len()),
                tenure: rng.range(1.0, 120.0).round(),
                recency: (!rng.chance(0.05)).then(|| {
                    (20f64.ln() - 0.6 * latent + 0.5 * rng.normal())
                        .exp()
                        .round()
                        .clamp(1.0, 365.0)
                }),
                frequency,
                monetary: (frequency * basket * 100.0).round() / 100.0,
                email_open: (!rng.chance(0.08)).then(|| {
                    (sigmoid(-0.5 + 0.8 * latent + 0.3 * rng.normal()) * 100.0).round() / 100.0
                }),
            }
        })
        .collect();
    let mut rng = Rng::stream(seed, "next_best_action/decisions");
    let end = as_of() - Duration::days(8);
    let span = 150 * 86_400 / DECISIONS as i64; // seconds between decisions
    let start = end - Duration::seconds(span * DECISIONS as i64);
    let decisions = (0..DECISIONS)
        .map(|i| {
            let customer = rng.below(CUSTOMERS);
            let c = &customers[customer];
            // Strictly increasing times keep (customer, offer, time) unique.
            let ts = start + Duration::seconds(span * i as i64 + rng.below(span as usize) as i64);
            let channel = rng.below(CHANNELS.len());
            let offers_received = rng.poisson(2.0) as f64;
            let treated = !rng.chance(control_share);
            let (engagement, f, r) = signals(c, offers_received);
            let (choice, converted) = if treated {
                let utilities: Vec<f64> = OFFERS
                    .iter()
                    .enumerate()
                    .map(|(k, &(_, _, _, suits))| {
                        let fits = suits == c.segment;
                        -3.2 + if fits { 2.7 } else { 0.0 }
                            + if fits { 1.6 } else { 0.4 } * engagement
                            + CHANNEL_APPEAL[k][channel]
                    })
                    .collect();
                let weights: Vec<f64> = std::iter::once(1.0)
                    .chain(utilities.iter().map(|u| u.exp()))
                    .collect();
                let total: f64 = weights.iter().sum();
                let mut draw = rng.uniform() * total;
                let mut class = 0;
                for (j, w) in weights.iter().enumerate() {
                    if draw < *w {
                        class = j;
                        break;
                    }
                    draw -= w;
                    class = j;
                }
                let choice = class.checked_sub(1);
                (choice, choice.is_some())
            } else {
                let loyal = if c.segment == 0 { 1.4 } else { 0.0 };
                (None, rng.chance(sigmoid(-2.3 + loyal + 0.6 * f - 0.4 * r)))
            };
            Decision {
                customer,
                ts,
                age_days: (as_of() - ts).num_days(),
                channel,
                offers_received,
                treated,
                choice,
                converted,
            }
        })
        .collect();
    Data {
        customers,
        decisions,
    }
}

fn control_share(job: &Job<'_>) -> Result<f64, TrainerError> {
    settings::stage_or_empty(job.manifest, StageKind::Training).num_in(
        &["/uplift/control_group_fraction"],
        0.1,
        0.01,
        0.9,
    )
}

fn data(job: &Job<'_>) -> Result<Data, TrainerError> {
    Ok(generate(job.seed, control_share(job)?))
}

/// Rows as the example has them: one per offer shown, and one `HOLDOUT`
/// row per decision of the holdout arm. Also per row whether it is an
/// offer shown, and its age in days.
fn to_table(data: &Data) -> (Table, Vec<bool>, Vec<i64>) {
    struct Row<'a> {
        d: &'a Decision,
        c: &'a Customer,
        offer: Option<usize>,
    }
    let rows: Vec<Row> = data
        .decisions
        .iter()
        .flat_map(|d| {
            let c = &data.customers[d.customer];
            let offers: Vec<Option<usize>> = if d.treated {
                (0..OFFERS.len()).map(Some).collect()
            } else {
                vec![None]
            };
            offers.into_iter().map(move |offer| Row { d, c, offer })
        })
        .collect();
    let mut t = Table::default();
    t.text(
        "decision_ts",
        rows.iter()
            .map(|r| Some(r.d.ts.format("%Y-%m-%dT%H:%M:%SZ").to_string())),
    );
    t.text("customer_id", rows.iter().map(|r| Some(r.c.id.clone())));
    t.text(
        "offer_id",
        rows.iter()
            .map(|r| Some(r.offer.map_or("HOLDOUT", |k| OFFERS[k].0).to_string())),
    );
    t.text(
        "offer_type",
        rows.iter()
            .map(|r| Some(r.offer.map_or("none", |k| OFFERS[k].1).to_string())),
    );
    t.text(
        "channel",
        rows.iter().map(|r| Some(CHANNELS[r.d.channel].to_string())),
    );
    t.text(
        "segment",
        rows.iter().map(|r| Some(SEGMENTS[r.c.segment].to_string())),
    );
    t.num("tenure_months", rows.iter().map(|r| Some(r.c.tenure)));
    t.num("recency_days", rows.iter().map(|r| r.c.recency));
    t.num("frequency_90d", rows.iter().map(|r| Some(r.c.frequency)));
    t.num("monetary_90d", rows.iter().map(|r| Some(r.c.monetary)));
    t.num("email_open_rate_90d", rows.iter().map(|r| r.c.email_open));
    t.num(
        "offers_received_30d",
        rows.iter().map(|r| Some(r.d.offers_received)),
    );
    t.num(
        "discount_value",
        rows.iter()
            .map(|r| Some(r.offer.map_or(0.0, |k| OFFERS[k].2))),
    );
    t.flag("treatment_flag", rows.iter().map(|r| Some(r.d.treated)));
    t.flag(
        "accepted",
        rows.iter()
            .map(|r| Some(r.offer.is_some() && r.d.choice == r.offer)),
    );
    t.flag("converted_7d", rows.iter().map(|r| Some(r.d.converted)));
    let shown = rows.iter().map(|r| r.offer.is_some()).collect();
    let ages = rows.iter().map(|r| r.d.age_days).collect();
    (t, shown, ages)
}

/// What features are filled with when missing.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Fill {
    email_open: f64,
}

fn features(c: &Customer, d: &Decision, fill: Fill) -> Vec<f64> {
    let mut x = vec![
        (1.0 + c.tenure).ln(),
        (1.0 + c.recency.unwrap_or(365.0)).ln(),
        f64::from(u8::from(c.recency.is_none())),
        (1.0 + c.frequency).ln(),
        (1.0 + c.monetary).ln(),
        c.email_open.unwrap_or(fill.email_open),
        f64::from(u8::from(c.email_open.is_none())),
        d.offers_received,
    ];
    x.extend((1..SEGMENTS.len()).map(|s| f64::from(u8::from(c.segment == s))));
    x.extend((1..CHANNELS.len()).map(|ch| f64::from(u8::from(d.channel == ch))));
    x
}

/// Which customers' decisions go where.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Split {
    Eval(usize),
    Validation,
    Train,
}

fn split(seed: u64, customer: &Customer, folds: usize) -> Split {
    let u = hash01(seed, &format!("next_best_action/customer/{}", customer.id));
    if u < EVAL_SHARE {
        Split::Eval(((u / EVAL_SHARE) * folds as f64) as usize % folds)
    } else if u < EVAL_SHARE + VALIDATION_SHARE {
        Split::Validation
    } else {
        Split::Train
    }
}

/// A linear softmax over `classes` classes; with two classes and one row of
/// weights it is a logistic regression. Weights are per class, the bias last.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Linear {
    weights: Vec<Vec<f64>>,
}

impl Linear {
    fn zeros(classes: usize, p: usize) -> Linear {
        Linear {
            weights: vec![vec![0.0; p + 1]; classes],
        }
    }

    fn scores(&self, z: &[f64]) -> Vec<f64> {
        self.weights
            .iter()
            .map(|w| {
                let p = w.len() - 1;
                w[p] + w[..p].iter().zip(z).map(|(a, b)| a * b).sum::<f64>()
            })
            .collect()
    }

    /// Class probabilities; a single row of weights is a logistic model of
    /// class 1 against class 0.
    fn probabilities(&self, z: &[f64]) -> Vec<f64> {
        let s = self.scores(z);
        if s.len() == 1 {
            let p = sigmoid(s[0]);
            return vec![1.0 - p, p];
        }
        let top = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = s.iter().map(|v| (v - top).exp()).collect();
        let total: f64 = e.iter().sum();
        e.into_iter().map(|v| v / total).collect()
    }

    /// Mean cross-entropy over examples (`z`, class).
    fn loss(&self, set: &[(Vec<f64>, usize)]) -> f64 {
        set.iter()
            .map(|(z, y)| -self.probabilities(z)[*y].max(1e-15).ln())
            .sum::<f64>()
            / set.len().max(1) as f64
    }
}

#[derive(Debug, Clone, Copy)]
struct Optimizer {
    learning_rate: f64,
    l2: f64,
    /// Examples per step; 0 is the whole set.
    batch: usize,
}

/// Adam (Kingma and Ba); the L2 penalty is added to the gradient of every
/// weight but the biases. One `step` per mini-batch.
struct Adam {
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    t: i32,
}

impl Adam {
    fn new(model: &Linear) -> Adam {
        let zeros: Vec<Vec<f64>> = model.weights.iter().map(|w| vec![0.0; w.len()]).collect();
        Adam {
            m: zeros.clone(),
            v: zeros,
            t: 0,
        }
    }

    fn step(&mut self, model: &mut Linear, batch: &[&(Vec<f64>, usize)], opt: Optimizer) {
        let rows = model.weights.len();
        let p = model.weights[0].len() - 1;
        let mut grad = vec![vec![0.0; p + 1]; rows];
        for (z, y) in batch {
            let probs = model.probabilities(z);
            for (r, g) in grad.iter_mut().enumerate() {
                // Softmax: d/dw_r = (p_r - [y == r]) x; logistic row: class 1.
                let class = if rows == 1 { 1 } else { r };
                let err = probs[class] - f64::from(u8::from(*y == class));
                for (gj, zj) in g.iter_mut().zip(z.iter()) {
                    *gj += err * zj;
                }
                g[p] += err;
            }
        }
        let n = batch.len().max(1) as f64;
        self.t += 1;
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        let rows = model
            .weights
            .iter_mut()
            .zip(&grad)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()));
        for ((weights, grad), (m, v)) in rows {
            for (j, w) in weights.iter_mut().enumerate() {
                let mut g = grad[j] / n;
                if j < p {
                    g += opt.l2 * *w;
                }
                m[j] = b1 * m[j] + (1.0 - b1) * g;
                v[j] = b2 * v[j] + (1.0 - b2) * g * g;
                *w -= opt.learning_rate * (m[j] / c1) / ((v[j] / c2).sqrt() + eps);
            }
        }
    }
}

/// One epoch: a shuffled pass in mini-batches.
fn epoch(
    model: &mut Linear,
    adam: &mut Adam,
    set: &[(Vec<f64>, usize)],
    opt: Optimizer,
    rng: &mut Rng,
) {
    let mut order: Vec<usize> = (0..set.len()).collect();
    rng.shuffle(&mut order);
    let size = if opt.batch == 0 {
        set.len().max(1)
    } else {
        opt.batch
    };
    for chunk in order.chunks(size) {
        let batch: Vec<&(Vec<f64>, usize)> = chunk.iter().map(|&i| &set[i]).collect();
        adam.step(model, &batch, opt);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Model {
    family: String,
    trainer: String,
    /// Class 0 is "no offer taken"; class k + 1 is `actions[k]`.
    actions: Vec<String>,
    features: Vec<String>,
    means: Vec<f64>,
    scales: Vec<f64>,
    fill: Fill,
    choice: Linear,
    /// The holdout arm's organic conversion, for the T-learner's uplift.
    control: Linear,
    epochs: usize,
    learning_rate: f64,
    l2: f64,
    train_loss: f64,
    data_seed: u64,
}

impl Model {
    fn z(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(&self.means)
            .zip(&self.scales)
            .map(|((x, m), s)| (x - m) / s)
            .collect()
    }
}

/// Qini coefficient: the area between the Qini curve of a ranking by
/// `score` and the straight line of random targeting, both normalised so
/// the curve ends at the average uplift, averaged over the population.
/// Q(k) = conversions of the treated among the top k minus the control
/// conversions scaled to the treated count there.
fn qini(score: &[f64], treated: &[bool], converted: &[bool]) -> f64 {
    let n = score.len();
    let total_treated = treated.iter().filter(|&&t| t).count();
    if n == 0 || total_treated == 0 || total_treated == n {
        return 0.0;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    let (mut nt, mut nc, mut yt, mut yc) = (0.0, 0.0, 0.0, 0.0);
    let mut curve = Vec::with_capacity(n);
    for &i in &order {
        if treated[i] {
            nt += 1.0;
            yt += f64::from(u8::from(converted[i]));
        } else {
            nc += 1.0;
            yc += f64::from(u8::from(converted[i]));
        }
        let q = yt - if nc > 0.0 { yc * nt / nc } else { 0.0 };
        curve.push(q / total_treated as f64);
    }
    let end = curve[n - 1];
    curve
        .iter()
        .enumerate()
        .map(|(k, q)| q - end * (k + 1) as f64 / n as f64)
        .sum::<f64>()
        / n as f64
}

/// The examples of one split: standardized features and the class.
struct Sets {
    choice: Vec<(Vec<f64>, usize)>,
    control: Vec<(Vec<f64>, usize)>,
}

impl Trainer for NextBestAction {
    type Model = Model;

    fn quality(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let data = data(job)?;
        let (table, shown, ages) = to_table(&data);
        let ctx = Context {
            age_days: Some(&ages),
            label: Some("accepted"),
            label_rows: Some(&shown),
            ..Context::default()
        };
        quality::run(stage, &table, &ctx, report)
    }

    fn feature_prep(
        &self,
        job: &Job<'_>,
        _stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let data = data(job)?;
        let treated = data.decisions.iter().filter(|d| d.treated).count();
        let no_recency = data
            .customers
            .iter()
            .filter(|c| c.recency.is_none())
            .count();
        let no_email = data
            .customers
            .iter()
            .filter(|c| c.email_open.is_none())
            .count();
        report.param("features", FEATURES.len())?;
        report.param("missing_engagement_policy", "fill_with_indicator")?;
        report.line(format!(
            "feature_prep: {} decisions ({} with all {} offers shown, {} in the holdout arm) by {} customers",
            count(data.decisions.len()),
            count(treated),
            OFFERS.len(),
            count(data.decisions.len() - treated),
            count(data.customers.len())
        ))?;
        report.line(format!(
            "feature_prep: {} features per decision: {}",
            FEATURES.len(),
            FEATURES.join(", ")
        ))?;
        report.line(format!(
            "feature_prep: {no_recency} customers never purchased (recency 365 days and an indicator), {no_email} without email history (mean and an indicator); the choice model needs no negative downsampling"
        ))?;
        report.metric("feature_rows", data.decisions.len() as f64, None)?;
        Ok(())
    }

    fn train(
        &self,
        job: &Job<'_>,
        stage: Settings<'_>,
        report: &mut Report<'_>,
    ) -> Result<Model, TrainerError> {
        let data = data(job)?;
        let folds = settings::validation(job.manifest).count_in(&["/folds"], 5, 1, 20)?;
        let opt = optimizer(stage)?;
        let epochs = stage.count_in(&["/epochs"], 200, 1, 2000)?;
        let splits: Vec<Split> = data
            .customers
            .iter()
            .map(|c| split(job.seed, c, folds))
            .collect();
        let fill = fill_of(&data, &splits);
        let raw = |want: Split| -> Vec<(Vec<f64>, &Decision)> {
            data.decisions
                .iter()
                .filter(|d| splits[d.customer] == want)
                .map(|d| (features(&data.customers[d.customer], d, fill), d))
                .collect()
        };
        let train_raw = raw(Split::Train);
        let val_raw = raw(Split::Validation);
        let xs: Vec<Vec<f64>> = train_raw.iter().map(|(x, _)| x.clone()).collect();
        let (means, scales) = super::linalg::column_moments(&xs, FEATURES.len());
        let sets = |rows: &[(Vec<f64>, &Decision)]| -> Sets {
            let z = |x: &[f64]| -> Vec<f64> {
                x.iter()
                    .zip(&means)
                    .zip(&scales)
                    .map(|((x, m), s)| (x - m) / s)
                    .collect()
            };
            Sets {
                choice: rows
                    .iter()
                    .filter(|(_, d)| d.treated)
                    .map(|(x, d)| (z(x), d.choice.map_or(0, |k| k + 1)))
                    .collect(),
                control: rows
                    .iter()
                    .filter(|(_, d)| !d.treated)
                    .map(|(x, d)| (z(x), usize::from(d.converted)))
                    .collect(),
            }
        };
        let train = sets(&train_raw);
        let val = sets(&val_raw);
        if train.choice.is_empty() || train.control.is_empty() || val.choice.is_empty() {
            return Err(job.data_error(StageKind::Training, "a split has no decisions of an arm"));
        }
        report.tag("trainer", "softmax_regression")?;
        report.tag("uplift", "t_learner")?;
        report.param("epochs", epochs)?;
        report.param_num("learning_rate", opt.learning_rate)?;
        report.param_num("l2", opt.l2)?;
        match opt.batch {
            0 => report.param("batch_size", "full")?,
            n => report.param("batch_size", n)?,
        }
        report.param("optimizer", "adam")?;
        report.param("classes", OFFERS.len() + 1)?;
        report.line(format!(
            "training: softmax over none + {} offers on {} decisions ({} holdout-arm decisions for the uplift model), validated on {} decisions of other customers",
            OFFERS.len(),
            count(train.choice.len()),
            count(train.control.len()),
            count(val.choice.len())
        ))?;
        let p = FEATURES.len();
        let mut choice = Linear::zeros(OFFERS.len() + 1, p);
        let mut control = Linear::zeros(1, p);
        let (mut adam, mut adam_control) = (Adam::new(&choice), Adam::new(&control));
        let mut rng = Rng::stream(job.seed, "next_best_action/epochs");
        let mut last = (f64::NAN, f64::NAN);
        for e in 1..=epochs {
            epoch(&mut choice, &mut adam, &train.choice, opt, &mut rng);
            epoch(
                &mut control,
                &mut adam_control,
                &train.control,
                opt,
                &mut rng,
            );
            last = (choice.loss(&train.choice), choice.loss(&val.choice));
            report.metric("train_loss", last.0, Some(e))?;
            report.metric("val_loss", last.1, Some(e))?;
            if e % 20 == 0 || e == epochs {
                report.line(format!(
                    "epoch {e}/{epochs} loss {} val_loss {}",
                    number(last.0),
                    number(last.1)
                ))?;
            }
        }
        let control_loss = control.loss(&train.control);
        report.metric("train_loss", last.0, None)?;
        report.metric("val_loss", last.1, None)?;
        report.metric("control_train_loss", control_loss, None)?;
        Ok(Model {
            family: job.family.as_str().to_string(),
            trainer: "softmax_regression".to_string(),
            actions: OFFERS.iter().map(|o| o.0.to_string()).collect(),
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
            means,
            scales,
            fill,
            choice,
            control,
            epochs,
            learning_rate: opt.learning_rate,
            l2: opt.l2,
            train_loss: last.0,
            data_seed: job.seed,
        })
    }

    fn evaluate(
        &self,
        job: &Job<'_>,
        _stage: Settings<'_>,
        model: &Model,
        report: &mut Report<'_>,
    ) -> Result<(), TrainerError> {
        let p = FEATURES.len();
        let shape_ok = model
            .actions
            .iter()
            .map(String::as_str)
            .eq(OFFERS.iter().map(|o| o.0))
            && model.features.iter().map(String::as_str).eq(FEATURES)
            && model.means.len() == p
            && model.scales.len() == p
            && model.scales.iter().all(|s| s.is_finite() && *s > 0.0)
            && model.choice.weights.len() == OFFERS.len() + 1
            && model.control.weights.len() == 1
            && model
                .choice
                .weights
                .iter()
                .chain(&model.control.weights)
                .all(|w| w.len() == p + 1);
        if !shape_ok {
            return Err(job.model_error(format!(
                "expected weights for none + {} offers over {p} features",
                OFFERS.len()
            )));
        }
        let data = data(job)?;
        let folds = settings::validation(job.manifest).count_in(&["/folds"], 5, 1, 20)?;
        report.tag("trainer", &model.trainer)?;
        report.param("folds", folds)?;
        report.line(format!(
            "evaluation: decisions of {} held-out customers in {folds} customer-grouped folds; offer rows scored by their softmax probability",
            percent(EVAL_SHARE)
        ))?;
        let kind = StageKind::Evaluation;
        let mut all = Scores::default();
        for fold in 0..folds {
            let mut s = Scores::default();
            for d in &data.decisions {
                let c = &data.customers[d.customer];
                if split(job.seed, c, folds) != Split::Eval(fold) {
                    continue;
                }
                let z = model.z(&features(c, d, model.fill));
                let probs = model.choice.probabilities(&z);
                let organic = model.control.probabilities(&z)[1];
                s.uplift.push((1.0 - probs[0]) - organic);
                s.treated.push(d.treated);
                s.converted.push(d.converted);
                if d.treated {
                    for k in 0..OFFERS.len() {
                        s.label.push(f64::from(u8::from(d.choice == Some(k))));
                        s.propensity.push(probs[k + 1]);
                    }
                    let best = (0..OFFERS.len())
                        .max_by(|&a, &b| probs[a + 1].total_cmp(&probs[b + 1]))
                        .unwrap_or(0);
                    s.top_taken.push(d.choice == Some(best));
                }
            }
            if s.label.is_empty() {
                report.line(format!("fold {}: no held-out decisions", fold + 1))?;
                continue;
            }
            let scored = s.score(job, kind)?;
            let step = Some(fold + 1);
            report.metric("auc", scored.auc, step)?;
            report.metric("log_loss", scored.log_loss, step)?;
            report.metric("accuracy", scored.accuracy, step)?;
            report.metric("qini_coefficient", scored.qini, step)?;
            report.line(format!(
                "fold {}: {} offer rows, {} holdout decisions: auc {} log_loss {} accuracy {} qini {}",
                fold + 1,
                count(s.label.len()),
                s.treated.iter().filter(|t| !**t).count(),
                number(scored.auc),
                number(scored.log_loss),
                number(scored.accuracy),
                number(scored.qini)
            ))?;
            all.extend(s);
        }
        let scored = all.score(job, kind)?;
        let positives = all.label.iter().sum::<f64>() / all.label.len().max(1) as f64;
        let top =
            all.top_taken.iter().filter(|&&t| t).count() as f64 / all.top_taken.len().max(1) as f64;
        report.metric("auc", scored.auc, None)?;
        report.metric("log_loss", scored.log_loss, None)?;
        report.metric("accuracy", scored.accuracy, None)?;
        report.metric("qini_coefficient", scored.qini, None)?;
        report.metric("accuracy_majority_baseline", 1.0 - positives, None)?;
        report.metric("top1_acceptance", top, None)?;
        report.line(format!(
            "evaluation: {} offer rows ({} accepted); the top-ranked offer was taken in {} of treated decisions",
            count(all.label.len()),
            percent(positives),
            percent(top)
        ))?;
        Ok(())
    }
}

#[derive(Default)]
struct Scores {
    label: Vec<f64>,
    propensity: Vec<f64>,
    top_taken: Vec<bool>,
    uplift: Vec<f64>,
    treated: Vec<bool>,
    converted: Vec<bool>,
}

struct Scored {
    auc: f64,
    log_loss: f64,
    accuracy: f64,
    qini: f64,
}

impl Scores {
    fn extend(&mut self, other: Scores) {
        self.label.extend(other.label);
        self.propensity.extend(other.propensity);
        self.top_taken.extend(other.top_taken);
        self.uplift.extend(other.uplift);
        self.treated.extend(other.treated);
        self.converted.extend(other.converted);
    }

    fn score(&self, job: &Job<'_>, stage: StageKind) -> Result<Scored, TrainerError> {
        let (y, p) = (&self.label, &self.propensity);
        Ok(Scored {
            auc: job.metric(stage, "auc", performance::auc(y, p))?,
            log_loss: job.metric(stage, "log_loss", performance::log_loss(y, p))?,
            accuracy: job.metric(
                stage,
                "accuracy",
                performance::accuracy_from_probabilities(y, p),
            )?,
            qini: qini(&self.uplift, &self.treated, &self.converted),
        })
    }
}

/// The training stage's optimizer settings.
fn optimizer(stage: Settings<'_>) -> Result<Optimizer, TrainerError> {
    Ok(Optimizer {
        learning_rate: stage.num_in(
            &["/learning_rate", "/hyperparameters/learning_rate"],
            0.05,
            1e-5,
            1.0,
        )?,
        l2: stage.num_in(
            &[
                "/l2",
                "/hyperparameters/lambda_l2",
                "/hyperparameters/reg_lambda",
            ],
            1e-4,
            0.0,
            10.0,
        )?,
        // Full batch by default: one smooth Adam step per epoch.
        batch: stage.count_in(&["/batch_size"], 0, 0, 1_000_000)?,
    })
}

/// What fills a missing email open rate: the training customers' mean.
fn fill_of(data: &Data, splits: &[Split]) -> Fill {
    Fill {
        email_open: {
            let known: Vec<f64> = data
                .decisions
                .iter()
                .filter(|d| splits[d.customer] == Split::Train)
                .filter_map(|d| data.customers[d.customer].email_open)
                .collect();
            if known.is_empty() {
                0.0
            } else {
                known.iter().sum::<f64>() / known.len() as f64
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qini_rewards_ranking_by_uplift() {
        // Half the population responds only when treated (uplift 1), half
        // never: ranking the responders first beats random targeting.
        let mut score = vec![];
        let mut treated = vec![];
        let mut converted = vec![];
        for i in 0..400 {
            let responder = i % 2 == 0;
            let t = (i / 2) % 2 == 0;
            score.push(if responder { 1.0 } else { 0.0 } + i as f64 * 1e-6);
            treated.push(t);
            converted.push(responder && t);
        }
        let good = qini(&score, &treated, &converted);
        let reversed: Vec<f64> = score.iter().map(|s| -s).collect();
        let bad = qini(&reversed, &treated, &converted);
        assert!(good > 0.1, "{good}");
        assert!(bad < -0.1, "{bad}");
    }

    #[test]
    fn softmax_probabilities_sum_to_one() {
        let mut m = Linear::zeros(3, 2);
        m.weights[1] = vec![1.0, -2.0, 0.5];
        let p = m.probabilities(&[0.3, 0.7]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let logistic = Linear {
            weights: vec![vec![2.0, 0.0]],
        };
        let q = logistic.probabilities(&[1.0]);
        assert!((q[1] - sigmoid(2.0)).abs() < 1e-12);
    }
}
