//! Table tests for `respond`, run against the real baseline manifests: each
//! request's intent, and the values the proposal leaves at JSON pointers.

use super::*;
use crate::domain::ModelFamily;
use crate::domain::diff::apply_patch;
use serde_json::{Value, json};
use std::sync::OnceLock;

fn baseline(f: ModelFamily) -> &'static Value {
    static ALL: OnceLock<Vec<(ModelFamily, Value)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let text = |f| match f {
            ModelFamily::Forecasting => {
                include_str!("../../../../seeds/baselines/forecasting/manifest.json")
            }
            ModelFamily::Pricing => {
                include_str!("../../../../seeds/baselines/pricing/manifest.json")
            }
            ModelFamily::NextBestAction => {
                include_str!("../../../../seeds/baselines/next_best_action/manifest.json")
            }
            ModelFamily::LocationScoring => {
                include_str!("../../../../seeds/baselines/location_scoring/manifest.json")
            }
        };
        ModelFamily::ALL
            .iter()
            .map(|f| {
                (
                    *f,
                    serde_json::from_str(text(*f)).expect("baseline is JSON"),
                )
            })
            .collect()
    });
    &all.iter()
        .find(|(x, _)| *x == f)
        .expect("every family has a baseline")
        .1
}

fn baselines() -> &'static [(ModelFamily, &'static Value)] {
    static B: OnceLock<Vec<(ModelFamily, &'static Value)>> = OnceLock::new();
    B.get_or_init(|| {
        ModelFamily::ALL
            .iter()
            .map(|f| (*f, baseline(*f)))
            .collect()
    })
}

/// The test contexts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fx {
    /// The forecasting baseline as the current recipe.
    Fc,
    Pricing,
    Nba,
    Loc,
    /// A forecasting recipe with three versions and a monitored model.
    FcHistory,
    /// Nothing open.
    Empty,
}

fn with(mut m: Value, edits: &[(&str, Value)]) -> Value {
    for (p, v) in edits {
        if let Some(slot) = m.pointer_mut(p) {
            *slot = v.clone();
        }
    }
    m
}

fn history() -> &'static (Vec<VersionInfo>, MonitoringInfo) {
    static H: OnceLock<(Vec<VersionInfo>, MonitoringInfo)> = OnceLock::new();
    H.get_or_init(|| {
        let base = baseline(ModelFamily::Forecasting).clone();
        let v12 = with(
            base.clone(),
            &[("/evaluation/metrics/1/threshold", json!(0.3))],
        );
        let mut v13 = with(v12.clone(), &[("/deployment/schedule", json!("0 5 * * 1"))]);
        if let Some(a) = v13
            .pointer_mut("/requirements/feature_sets/1/features")
            .and_then(Value::as_array_mut)
        {
            a.push(json!("is_payday_week"));
        }
        let version = |n: &str, note: &str, by: &str, m: &Value| VersionInfo {
            number: n.into(),
            note: note.into(),
            created_by: by.into(),
            manifest: m.clone(),
        };
        let versions = vec![
            version("1.3.0", "Payday feature, later run", "ben", &v13),
            version("1.2.0", "Tighter MAPE", "ana", &v12),
            version("1.0.0", "Initial baseline", "seed", &base),
        ];
        let monitoring = MonitoringInfo {
            model_name: "Weekly Demand EU".into(),
            latest_performance: json!({"wape": 0.34, "mape": 0.41, "bias": 0.02}),
            latest_drift: json!({
                "avg_selling_price": {"psi": 0.31, "test": "psi"},
                "promo_depth_pct": {"psi": 0.12, "test": "psi"},
                "lag_1w_units": {"psi": 0.45, "test": "psi"},
                "rolling_mean_4w_units": {"psi": 0.05, "test": "psi"},
                "store_region": {"psi": 0.01, "test": "psi"}
            }),
            freshness: json!({"staleness_hours": 20.0, "max_staleness_hours": 192}),
            open_alerts: vec![AlertInfo {
                rule: "wape_degradation".into(),
                severity: "warning".into(),
                message: "wape 0.34 above 0.3".into(),
            }],
        };
        (versions, monitoring)
    })
}

fn ctx(fx: Fx) -> Context<'static> {
    let (name, family) = match fx {
        Fx::Fc => ("Forecasting Baseline v1", ModelFamily::Forecasting),
        Fx::Pricing => ("Pricing Optimization Baseline v1", ModelFamily::Pricing),
        Fx::Nba => ("Next Best Action Baseline v1", ModelFamily::NextBestAction),
        Fx::Loc => ("Location Scoring Baseline v1", ModelFamily::LocationScoring),
        Fx::FcHistory => {
            let (versions, monitoring) = history();
            return Context {
                recipe_name: Some("Weekly Demand"),
                manifest: Some(&versions[0].manifest),
                versions,
                monitoring: Some(monitoring),
                baselines: baselines(),
                history: &[],
                pending: None,
            };
        }
        Fx::Empty => {
            return Context {
                recipe_name: None,
                manifest: None,
                versions: &[],
                monitoring: None,
                baselines: baselines(),
                history: &[],
                pending: None,
            };
        }
    };
    Context {
        recipe_name: Some(name),
        manifest: Some(baseline(family)),
        versions: &[],
        monitoring: None,
        baselines: baselines(),
        history: &[],
        pending: None,
    }
}

/// What a reply must show.
enum E {
    /// The resulting manifest has this value at the pointer.
    Is(&'static str, Value),
    /// The array at the pointer contains the value.
    Has(&'static str, Value),
    /// The array at the pointer does not contain the value.
    Lacks(&'static str, Value),
    /// Nothing at the pointer.
    Gone(&'static str),
    /// The array at the pointer has this many items.
    Len(&'static str, usize),
    /// The last item of the array at the pointer has these fields.
    Last(&'static str, Value),
    /// The reply text contains this.
    Says(&'static str),
    /// A new recipe of this family and name.
    New(ModelFamily, &'static str),
    /// Understood, but already so: no proposal.
    NoChange,
}

type Case = (Fx, &'static str, Intent, Vec<E>);

fn run(cases: Vec<Case>) {
    for (fx, req, intent, expects) in cases {
        let c = ctx(fx);
        let reply = respond(req, &c);
        let why = format!("{req:?} in {fx:?}:\n{}", reply.text);
        assert_eq!(reply.intent, intent, "{why}");
        let no_change = expects.iter().any(|e| matches!(e, E::NoChange));
        let result = match &reply.proposal {
            Some(Proposal::Edit { patch, summary }) => {
                assert!(!summary.is_empty(), "{why}");
                let m = c.manifest.expect("an edit has a manifest");
                Some(apply_patch(m, patch).expect("the patch applies"))
            }
            Some(Proposal::NewRecipe {
                family,
                name,
                manifest,
                patch,
                ..
            }) => {
                let base = baseline(*family);
                assert_eq!(
                    &apply_patch(base, patch).expect("applies"),
                    manifest,
                    "{why}"
                );
                assert_eq!(manifest["metadata"]["name"], json!(name), "{why}");
                Some(manifest.clone())
            }
            None => None,
        };
        let proposes = intent.is_edit() || intent == Intent::CreateRecipe;
        assert_eq!(result.is_some(), proposes && !no_change, "{why}");
        let at = |p: &str| result.as_ref().and_then(|m| m.pointer(p)).cloned();
        for e in expects {
            match e {
                E::Is(p, v) => assert_eq!(at(p), Some(v), "{p} in {why}"),
                E::Has(p, v) => assert!(
                    at(p).and_then(|a| a.as_array().map(|a| a.contains(&v))) == Some(true),
                    "{p} lacks {v} in {why}"
                ),
                E::Lacks(p, v) => assert!(
                    at(p).and_then(|a| a.as_array().map(|a| !a.contains(&v))) == Some(true),
                    "{p} has {v} in {why}"
                ),
                E::Gone(p) => assert_eq!(at(p), None, "{p} in {why}"),
                E::Len(p, n) => assert_eq!(
                    at(p).and_then(|a| a.as_array().map(Vec::len)),
                    Some(n),
                    "{p} in {why}"
                ),
                E::Last(p, fields) => {
                    let last = at(p)
                        .and_then(|a| a.as_array().and_then(|a| a.last().cloned()))
                        .unwrap_or(Value::Null);
                    for (k, v) in fields.as_object().expect("fields object") {
                        assert_eq!(last.get(k), Some(v), "{p}.{k} in {why}");
                    }
                }
                E::Says(s) => assert!(reply.text.contains(s), "{s:?} not in {why}"),
                E::New(f, name) => match &reply.proposal {
                    Some(Proposal::NewRecipe {
                        family, name: n, ..
                    }) => {
                        assert_eq!(*family, f, "{why}");
                        assert_eq!(n, name, "{why}");
                    }
                    other => panic!("expected a new recipe, got {other:?} for {why}"),
                },
                E::NoChange => assert!(reply.proposal.is_none(), "{why}"),
            }
        }
    }
}

use E::*;
use Fx::*;
use Intent::*;

const FS: &str = "/requirements/feature_sets";
const CAL: &str = "/requirements/feature_sets/1/features";
const PROMO: &str = "/requirements/feature_sets/2/features";
const ALERTS: &str = "/monitoring/alerts";
const DRIFT: &str = "/monitoring/drift/columns";

fn all_cases() -> Vec<Case> {
    [
        create_cases(),
        feature_cases(),
        metric_cases(),
        validation_cases(),
        deployment_cases(),
        schedule_cases(),
        drift_cases(),
        alert_cases(),
        freshness_cases(),
        question_cases(),
        decline_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Which evaluation metrics production monitoring computes: started and
/// stopped by name; drift, alerts and thresholds are left to their edits.
#[test]
fn production_monitoring_starts_and_stops_metrics_by_name() {
    const PERF: &str = "/monitoring/performance/metrics";
    run(vec![
        (
            Pricing,
            "please also track positive_elasticity_share in production",
            SetSetting,
            vec![
                Is(
                    PERF,
                    json!(["mae", "rmse", "mape", "positive_elasticity_share"]),
                ),
                Says("monitor positive_elasticity_share in production"),
            ],
        ),
        (
            Loc,
            "we should be watching mape on live sites",
            SetSetting,
            vec![Has(PERF, json!("mape")), Len(PERF, 4)],
        ),
        (
            Pricing,
            "stop tracking rmse",
            SetSetting,
            vec![Is(PERF, json!(["mae", "mape"]))],
        ),
        (
            Nba,
            "no need to monitor log loss or accuracy anymore",
            SetSetting,
            vec![Is(PERF, json!(["auc"]))],
        ),
        (
            Fc,
            "monitor wape",
            SetSetting,
            vec![NoChange, Says("already monitored")],
        ),
        (
            Loc,
            "start monitoring mape in production as well",
            SetSetting,
            vec![Has(PERF, json!("mape")), Says("monitor mape in production")],
        ),
        (
            Fc,
            "stop monitoring wape, mape and bias",
            Declined,
            vec![Says("no metric at all")],
        ),
    ]);
}

/// A feature to watch is a drift column; a drift test named is drift.
#[test]
fn watching_a_feature_or_naming_a_drift_test_configures_drift() {
    run(vec![
        (
            Fc,
            "start tracking is_holiday_week in prod",
            ConfigureDrift,
            vec![Has(DRIFT, json!("is_holiday_week")), Len(DRIFT, 6)],
        ),
        (
            Fc,
            "monitor drift on promo_depth_pct and is_holiday_week in production",
            ConfigureDrift,
            vec![Has(DRIFT, json!("is_holiday_week")), Len(DRIFT, 6)],
        ),
        (
            Pricing,
            "track unit_price and unit_cost drift with psi",
            ConfigureDrift,
            vec![Is("/monitoring/drift/method", json!("psi"))],
        ),
        (
            Pricing,
            "also track unit_price",
            ConfigureDrift,
            vec![NoChange, Says("already monitored for drift")],
        ),
        (
            Fc,
            "stop watching store_region",
            ConfigureDrift,
            vec![Lacks(DRIFT, json!("store_region")), Len(DRIFT, 4)],
        ),
        (
            Loc,
            "psi cutoff should be 0.3",
            ConfigureDrift,
            vec![Is("/monitoring/drift/threshold", json!(0.3))],
        ),
        (
            Pricing,
            "switch to wasserstein",
            ConfigureDrift,
            vec![Is("/monitoring/drift/method", json!("wasserstein"))],
        ),
    ]);
}

/// The severity asked for, not the one it had.
#[test]
fn a_rules_severity_is_the_one_asked_for_not_the_one_it_had() {
    run(vec![
        (
            Nba,
            "auc_drop should be a warning rather than critical",
            AddAlert,
            vec![Is("/monitoring/alerts/0/severity", json!("warning"))],
        ),
        (
            Fc,
            "stale_sales_feed: info, not critical",
            AddAlert,
            vec![Is("/monitoring/alerts/3/severity", json!("info"))],
        ),
    ]);
}

/// Asked to hand over a password or a key, the chat declines; a request
/// that only names one ("credential stuffing") is read as any other.
#[test]
fn a_secret_is_never_handed_over() {
    run(vec![(
        Nba,
        "give me the admin password for the feature store",
        Intent::Declined,
        vec![NoChange, Says("passwords, keys or other credentials")],
    )]);
    let reply = respond("drift on credential stuffing score", &ctx(Nba));
    assert!(
        !reply.text.contains("credentials: a recipe holds none"),
        "{}",
        reply.text
    );
}

/// Features removed by name, several at once.
#[test]
fn several_features_named_are_removed_together() {
    run(vec![(
        Fc,
        "drop week_of_year and is_holiday_week",
        RemoveFeature,
        vec![
            Lacks(CAL, json!("week_of_year")),
            Lacks(CAL, json!("is_holiday_week")),
        ],
    )]);
}

/// "No need to alert on X anymore" removes the rule on X.
#[test]
fn an_alert_no_longer_needed_is_removed() {
    run(vec![(
        Nba,
        "no need to alert on log loss anymore",
        RemoveAlert,
        vec![Len(ALERTS, 3), Says("log_loss_rise")],
    )]);
}

#[test]
fn a_feature_not_to_use_is_removed() {
    use Intent::RemoveFeature;
    run(vec![
        (
            Pricing,
            "don't use is_private_label",
            RemoveFeature,
            vec![Lacks(
                "/requirements/feature_sets/4/features",
                json!("is_private_label"),
            )],
        ),
        (
            Fc,
            "we don't print the circular anymore so get rid of is_in_circular",
            RemoveFeature,
            vec![Lacks(
                "/requirements/feature_sets/2/features",
                json!("is_in_circular"),
            )],
        ),
    ]);
}

fn create_cases() -> Vec<Case> {
    use ModelFamily::*;
    vec![
        // What else the request asks of the new recipe is made on it.
        (
            Empty,
            "build a price elasticity model, owner pricing-lab@nex.ai",
            CreateRecipe,
            vec![
                Is("/metadata/model_family", json!("pricing")),
                Is("/metadata/owner", json!("pricing-lab@nex.ai")),
            ],
        ),
        // Not a baseline any more: the tag goes, the description follows
        // the horizon.
        (
            Empty,
            "forecasting recipe w/ a 12 week horizon",
            CreateRecipe,
            vec![
                Lacks("/metadata/tags", json!("baseline")),
                Is(
                    "/pipeline/stages/2/config/forecast_horizon_weeks",
                    json!(12),
                ),
                Says("now says 1-12 week ahead"),
            ],
        ),
        (
            Empty,
            "new location scoring recipe validated on 10km blocks",
            CreateRecipe,
            vec![Is("/evaluation/validation/block_size_km", json!(10))],
        ),
        // A freshness limit and a drift threshold asked of a new recipe
        // are made on it; the limit's duration is the one beside its word.
        (
            Empty,
            "pricing recipe for grocery with a 24h staleness limit, run daily at 6am",
            CreateRecipe,
            vec![
                Is("/monitoring/freshness/max_staleness_hours", json!(24)),
                Is("/deployment/schedule", json!("0 6 * * *")),
                Says("stale_transactions still fires at 36 hours"),
            ],
        ),
        (
            Empty,
            "start a new forecasting recipe with drift threshold 0.15",
            CreateRecipe,
            vec![Is("/monitoring/drift/threshold", json!(0.15))],
        ),
        // "name X" names it; a quoted description describes it, and is no
        // name.
        (
            Empty,
            "make me a site scoring recipe for gyms, owner expansion@nex.ai, name Gym Site Scoring",
            CreateRecipe,
            vec![Is("/metadata/name", json!("Gym Site Scoring"))],
        ),
        (
            Empty,
            "new location scoring recipe, description \"Scores pharmacy sites.\"",
            CreateRecipe,
            vec![
                Is("/metadata/description", json!("Scores pharmacy sites.")),
                Says("'Custom Location Scoring v1'"),
            ],
        ),
        (
            Empty,
            "create a forecasting model for weekly retail sales",
            CreateRecipe,
            vec![
                New(Forecasting, "Weekly Retail Sales Forecasting v1"),
                Is("/metadata/industry", json!("retail")),
                Is("/requirements/grain", json!("store_id x sku_id x week")),
                Says("wape <= 0.25 (primary)"),
            ],
        ),
        (
            Empty,
            "I need a pricing recipe for hotels",
            CreateRecipe,
            vec![
                New(Pricing, "Hotels Pricing v1"),
                Is("/metadata/industry", json!("hospitality")),
                Is("/metadata/model_family", json!("pricing")),
            ],
        ),
        (
            Fc,
            "Build a NEXT-BEST-ACTION model for bank customers!",
            CreateRecipe,
            vec![
                New(NextBestAction, "Bank Customers Next Best Action v1"),
                Is("/metadata/industry", json!("banking")),
            ],
        ),
        (
            Empty,
            "new location scoring recipe called 'Site Picker EU'",
            CreateRecipe,
            vec![
                New(LocationScoring, "Site Picker EU"),
                Is("/metadata/name", json!("Site Picker EU")),
            ],
        ),
        (
            Empty,
            "Create a forecasting model for weekly retail sales with a 12 week horizon, run daily at 6am.",
            CreateRecipe,
            vec![
                Is("/evaluation/validation/horizon", json!(12)),
                Is(
                    "/pipeline/stages/2/config/forecast_horizon_weeks",
                    json!(12),
                ),
                Is("/deployment/schedule", json!("0 6 * * *")),
                Is("/requirements/grain", json!("store_id x sku_id x week")),
            ],
        ),
        (
            Empty,
            "create a daily demand forecasting model for grocery stores called Grocery Daily, horizon 14 days",
            CreateRecipe,
            vec![
                New(Forecasting, "Grocery Daily"),
                Is("/requirements/grain", json!("store_id x sku_id x day")),
                Is("/evaluation/validation/horizon", json!(14)),
                Is("/metadata/industry", json!("grocery")),
            ],
        ),
        (
            Empty,
            "forecast weekly demand for our stores",
            CreateRecipe,
            vec![New(Forecasting, "Stores Forecasting v1")],
        ),
        (
            Empty,
            "pricing recipe for airlines",
            CreateRecipe,
            vec![
                New(Pricing, "Airlines Pricing v1"),
                Is("/metadata/industry", json!("airline")),
            ],
        ),
        (
            Empty,
            "I need a next best action model that runs in batch every monday at 7",
            CreateRecipe,
            vec![
                Is("/deployment/mode", json!("batch")),
                Is("/deployment/schedule", json!("0 7 * * 1")),
            ],
        ),
        (
            Empty,
            "create a forecasting model for weekly sales and make it realtime",
            CreateRecipe,
            vec![
                Is("/deployment/mode", json!("realtime")),
                Is(
                    "/deployment/endpoint/path",
                    json!("/v1/weekly-sales-forecasting-v1/predict"),
                ),
            ],
        ),
        (
            Empty,
            "make a location scoring model for new store sites with mape under 10%",
            CreateRecipe,
            vec![
                Is("/evaluation/metrics/3/threshold", json!(0.1)),
                Is("/evaluation/metrics/3/direction", json!("lower_is_better")),
            ],
        ),
        // A quoted name is the name, with no "called" before it.
        (
            Empty,
            "spin up a pricing recipe 'Hotel Rates EU', owner rates@nex.ai",
            CreateRecipe,
            vec![New(Pricing, "Hotel Rates EU")],
        ),
        (
            Empty,
            "location scoring recipe \"Kiosk Sites\" please",
            CreateRecipe,
            vec![New(LocationScoring, "Kiosk Sites")],
        ),
        // No family named: the current recipe's family is used, and said so.
        (
            Nba,
            "create a new model",
            CreateRecipe,
            vec![
                New(NextBestAction, "Custom Next Best Action v1"),
                Says("current recipe's family"),
            ],
        ),
    ]
}

fn feature_cases() -> Vec<Case> {
    vec![
        (
            Fc,
            "add a feature holiday_flag to the calendar feature set",
            AddFeature,
            vec![Has(CAL, json!("holiday_flag")), Len(CAL, 6), Len(FS, 4)],
        ),
        (
            Fc,
            "Add holiday_flag to calendar.",
            AddFeature,
            vec![Has(CAL, json!("holiday_flag"))],
        ),
        (
            Fc,
            "please include the features temp_max and rain_mm in the calendar features",
            AddFeature,
            vec![
                Has(CAL, json!("temp_max")),
                Has(CAL, json!("rain_mm")),
                Len(CAL, 7),
            ],
        ),
        (
            Fc,
            "ADD FEATURE 'Holiday_Flag' TO THE CALENDAR SET",
            AddFeature,
            vec![Has(CAL, json!("Holiday_Flag"))],
        ),
        (
            Fc,
            "add the feature month to calendar",
            AddFeature,
            vec![NoChange, Says("already in the calendar")],
        ),
        (
            Fc,
            "remove the feature is_on_display",
            RemoveFeature,
            vec![Lacks(PROMO, json!("is_on_display")), Len(PROMO, 5)],
        ),
        (
            Fc,
            "drop feature is_in_circular from price_promotion",
            RemoveFeature,
            vec![Lacks(PROMO, json!("is_in_circular"))],
        ),
        (
            Fc,
            "Delete feature lag_52w_units!",
            RemoveFeature,
            vec![Lacks(
                "/requirements/feature_sets/0/features",
                json!("lag_52w_units"),
            )],
        ),
        (
            Fc,
            "get rid of the month feature",
            RemoveFeature,
            vec![Lacks(CAL, json!("month"))],
        ),
        (
            Fc,
            "remove avg_selling_price",
            RemoveFeature,
            vec![
                Lacks(PROMO, json!("avg_selling_price")),
                Says("still monitored for drift"),
            ],
        ),
        (
            Fc,
            "add a feature set weather with temp_max and rain_mm",
            AddFeatureSet,
            vec![
                Len(FS, 5),
                Last(
                    FS,
                    json!({"name": "weather", "features": ["temp_max", "rain_mm"]}),
                ),
            ],
        ),
        (
            Fc,
            "create a new feature group called weather: temp_max, rain_mm",
            AddFeatureSet,
            vec![Last(
                FS,
                json!({"name": "weather", "features": ["temp_max", "rain_mm"]}),
            )],
        ),
        (
            Fc,
            "Add a 'local_events' feature set containing event_count_7d.",
            AddFeatureSet,
            vec![Last(
                FS,
                json!({"name": "local_events", "features": ["event_count_7d"]}),
            )],
        ),
        (
            Fc,
            "remove the promotions feature set",
            RemoveFeatureSet,
            vec![
                Len(FS, 3),
                Is(
                    "/requirements/feature_sets/2/name",
                    json!("hierarchy_attributes"),
                ),
                Says("price_promotion"),
            ],
        ),
        (
            Fc,
            "delete the calendar feature set.",
            RemoveFeatureSet,
            vec![
                Len(FS, 3),
                Is(
                    "/requirements/feature_sets/1/name",
                    json!("price_promotion"),
                ),
            ],
        ),
        (
            Fc,
            "Drop feature group hierarchy_attributes",
            RemoveFeatureSet,
            vec![Len(FS, 3)],
        ),
        (
            Nba,
            "remove the engagement and offer_attributes feature sets",
            RemoveFeatureSet,
            vec![
                Len(FS, 3),
                Is(
                    "/requirements/feature_sets/1/name",
                    json!("transactions_rfm"),
                ),
            ],
        ),
    ]
}

fn metric_cases() -> Vec<Case> {
    vec![
        (
            Fc,
            "make MAPE under 12%",
            SetMetricThreshold,
            vec![
                Is("/evaluation/metrics/1/threshold", json!(0.12)),
                Is("/evaluation/metrics/1/direction", json!("lower_is_better")),
            ],
        ),
        (
            Fc,
            "set the wape threshold to 0.2",
            SetMetricThreshold,
            vec![
                Is("/evaluation/metrics/0/threshold", json!(0.2)),
                Is("/evaluation/metrics/0/primary", json!(true)),
            ],
        ),
        (
            Fc,
            "Bias at most 0.04.",
            SetMetricThreshold,
            vec![Is("/evaluation/metrics/2/threshold", json!(0.04))],
        ),
        (
            Fc,
            "mape < 10 percent and WAPE <= 0.22",
            SetMetricThreshold,
            vec![
                Is("/evaluation/metrics/1/threshold", json!(0.1)),
                Is("/evaluation/metrics/0/threshold", json!(0.22)),
            ],
        ),
        (
            Fc,
            "make mape under 15",
            SetMetricThreshold,
            vec![
                Is("/evaluation/metrics/1/threshold", json!(0.15)),
                Says("read 15 as 15%"),
            ],
        ),
        (
            Nba,
            "AUC at least 0.8",
            SetMetricThreshold,
            vec![
                Is("/evaluation/metrics/0/threshold", json!(0.8)),
                Is("/evaluation/metrics/0/direction", json!("higher_is_better")),
            ],
        ),
        (
            Nba,
            "make accuracy at least 95",
            SetMetricThreshold,
            vec![Is("/evaluation/metrics/2/threshold", json!(0.95))],
        ),
        (
            Nba,
            "log loss should be below .3",
            SetMetricThreshold,
            vec![Is("/evaluation/metrics/1/threshold", json!(0.3))],
        ),
        (
            Loc,
            "mae under 300k",
            SetMetricThreshold,
            vec![Is("/evaluation/metrics/0/threshold", json!(300000))],
        ),
        (
            Fc,
            "add metric r2 at least 0.6",
            SetMetricThreshold,
            vec![
                Len("/evaluation/metrics", 4),
                Last(
                    "/evaluation/metrics",
                    json!({"name": "r2", "threshold": 0.6, "direction": "higher_is_better", "primary": false}),
                ),
            ],
        ),
        // Paging is a critical rule's: "don't page" makes it a warning.
        (
            Loc,
            "don't page anyone for r2, a warning is enough",
            AddAlert,
            vec![Is("/monitoring/alerts/1/severity", json!("warning"))],
        ),
        // A change by an amount is made from the current value.
        (
            Fc,
            "tighten the mape threshold by 2 points",
            SetMetricThreshold,
            vec![
                Is("/evaluation/metrics/1/threshold", json!(0.33)),
                Says("Read as: set the mape threshold to 0.33"),
            ],
        ),
        (
            Fc,
            "raise the wape alert threshold by 10%",
            AddAlert,
            vec![Is("/monitoring/alerts/0/threshold", json!(0.33))],
        ),
        // "The alert on auc": the rule there is retuned, no second one.
        (
            Nba,
            "the alert on auc should only fire below 0.7",
            AddAlert,
            vec![
                Is("/monitoring/alerts/0/threshold", json!(0.7)),
                Len("/monitoring/alerts", 4),
            ],
        ),
        (
            Nba,
            "tighten log loss by 0.01",
            SetMetricThreshold,
            vec![Is("/evaluation/metrics/1/threshold", json!(0.32))],
        ),
        // A bound on the wrong side of the metric is questioned, never
        // saved, and the direction never flipped by the wording.
        (
            Nba,
            "auc under 0.9",
            Declined,
            vec![Says("Should runs pass when auc is at least 0.9?")],
        ),
        // A share is a fraction: 120% of it is no threshold.
        (
            Pricing,
            "allow positive elasticity share up to 120%",
            Declined,
            vec![Says("a fraction between 0 and 1")],
        ),
    ]
}

fn validation_cases() -> Vec<Case> {
    vec![
        // The kind of fold between the count and its noun keeps the count
        // its own; the horizon's number is the horizon's.
        (
            Pricing,
            "validation: 4 rolling origins with a 14 day horizon",
            SetValidation,
            vec![
                Is("/evaluation/validation/folds", json!(4)),
                Is("/evaluation/validation/horizon", json!(14)),
            ],
        ),
        (
            Fc,
            "use rolling origin validation with 6 folds",
            SetValidation,
            vec![
                Is("/evaluation/validation/strategy", json!("rolling_origin")),
                Is("/evaluation/validation/folds", json!(6)),
                Gone("/evaluation/validation/description"),
                Is("/evaluation/validation/horizon", json!(8)),
            ],
        ),
        (
            Fc,
            "Switch to 5-fold cross validation",
            SetValidation,
            vec![
                Is("/evaluation/validation/strategy", json!("k_fold")),
                Is("/evaluation/validation/folds", json!(5)),
                Says("ignores time order"),
            ],
        ),
        (
            Nba,
            "use a 20% holdout",
            SetValidation,
            vec![
                Is("/evaluation/validation/strategy", json!("holdout")),
                Is("/evaluation/validation/holdout_fraction", json!(0.2)),
            ],
        ),
        (
            Fc,
            "set the validation horizon to 12",
            SetValidation,
            vec![
                Is("/evaluation/validation/horizon", json!(12)),
                Is(
                    "/evaluation/validation/strategy",
                    json!("time_series_split"),
                ),
            ],
        ),
        (
            Pricing,
            "validate with a time series split, six folds",
            SetValidation,
            vec![
                Is(
                    "/evaluation/validation/strategy",
                    json!("time_series_split"),
                ),
                Is("/evaluation/validation/folds", json!(6)),
            ],
        ),
        (
            Loc,
            "use 10 folds",
            SetValidation,
            vec![
                Is("/evaluation/validation/strategy", json!("spatial_block")),
                Is("/evaluation/validation/folds", json!(10)),
            ],
        ),
    ]
}

fn deployment_cases() -> Vec<Case> {
    vec![
        (
            Fc,
            "make it realtime",
            SetDeploymentMode,
            vec![
                Is("/deployment/mode", json!("realtime")),
                Is(
                    "/deployment/endpoint/path",
                    json!("/v1/forecasting-baseline-v1/predict"),
                ),
                Is("/deployment/endpoint/method", json!("POST")),
            ],
        ),
        (
            Fc,
            "Switch to real-time serving at /v1/demand/predict with a 120ms latency budget",
            SetDeploymentMode,
            vec![
                Is("/deployment/mode", json!("realtime")),
                Is("/deployment/endpoint/path", json!("/v1/demand/predict")),
                Is("/deployment/endpoint/latency_budget_ms", json!(120)),
            ],
        ),
        (
            Pricing,
            "can you make it real time?",
            SetDeploymentMode,
            vec![
                Is("/deployment/mode", json!("realtime")),
                Is("/deployment/endpoint/path", json!("/v1/pricing/quote")),
            ],
        ),
        (
            Nba,
            "switch to batch",
            SetDeploymentMode,
            vec![
                Is("/deployment/mode", json!("batch")),
                Is("/deployment/schedule", json!("0 2 * * *")),
                Says("default"),
            ],
        ),
        (
            Nba,
            "make it batch, every day at 5am",
            SetDeploymentMode,
            vec![
                Is("/deployment/mode", json!("batch")),
                Is("/deployment/schedule", json!("0 5 * * *")),
            ],
        ),
        (
            Nba,
            "move from realtime to batch",
            SetDeploymentMode,
            vec![Is("/deployment/mode", json!("batch"))],
        ),
        (
            Nba,
            "make it realtime",
            SetDeploymentMode,
            vec![NoChange, Says("already realtime")],
        ),
    ]
}

fn schedule_cases() -> Vec<Case> {
    let s = "/deployment/schedule";
    vec![
        (
            Fc,
            "run it daily at 6am",
            SetSchedule,
            vec![Is(s, json!("0 6 * * *"))],
        ),
        (
            Fc,
            "Every Monday at 7.",
            SetSchedule,
            vec![Is(s, json!("0 7 * * 1"))],
        ),
        (Fc, "hourly", SetSchedule, vec![Is(s, json!("0 * * * *"))]),
        (
            Fc,
            "schedule it for weekdays at 6:30pm",
            SetSchedule,
            vec![Is(s, json!("30 18 * * 1-5"))],
        ),
        (
            Fc,
            "set the cron to 15 3 * * 2",
            SetSchedule,
            vec![Is(s, json!("15 3 * * 2"))],
        ),
        (
            Pricing,
            "RUN IT NIGHTLY",
            SetSchedule,
            vec![NoChange, Says("already daily at 02:30 UTC")],
        ),
        (
            Loc,
            "run it weekly",
            SetSchedule,
            vec![Is(s, json!("0 6 * * 1"))],
        ),
        (
            Nba,
            "retrain every sunday at 2am",
            SetSchedule,
            vec![Is("/deployment/retrain_schedule", json!("0 2 * * 0"))],
        ),
        // A day of the month alone says monthly; the old one is dropped.
        (
            Fc,
            "run it on the 3rd at 5am rather than mondays",
            SetSchedule,
            vec![Is(s, json!("0 5 3 * *"))],
        ),
    ]
}

fn drift_cases() -> Vec<Case> {
    vec![
        // A count of bins is PSI's histogram, not the threshold.
        (
            Pricing,
            "switch drift detection to psi with 10 bins",
            ConfigureDrift,
            vec![
                Is("/monitoring/drift/method", json!("psi")),
                Is("/monitoring/drift/bins", json!(10)),
                Is("/monitoring/drift/threshold", json!(0.1)),
            ],
        ),
        // The topic first, then the change; "for now" is when, not what.
        (
            Fc,
            "drift: include lag_2w_units",
            ConfigureDrift,
            vec![Has(DRIFT, json!("lag_2w_units"))],
        ),
        (
            Fc,
            "suspend drift checks for a while",
            ConfigureDrift,
            vec![Is("/monitoring/drift/enabled", json!(false))],
        ),
        (
            Fc,
            "monitor drift on price and promo_flag with PSI above 0.2",
            ConfigureDrift,
            vec![
                Has(DRIFT, json!("price")),
                Has(DRIFT, json!("promo_flag")),
                Has(DRIFT, json!("store_region")),
                Is("/monitoring/drift/method", json!("psi")),
                Is("/monitoring/drift/threshold", json!(0.2)),
                Is("/monitoring/drift/enabled", json!(true)),
                Says("check the spelling"),
            ],
        ),
        (
            Fc,
            "Track drift for unit_price only, using KS > 0.15",
            ConfigureDrift,
            vec![
                Is(DRIFT, json!(["unit_price"])),
                Is("/monitoring/drift/method", json!("ks")),
                Is("/monitoring/drift/threshold", json!(0.15)),
            ],
        ),
        (
            Fc,
            "disable drift monitoring",
            ConfigureDrift,
            vec![Is("/monitoring/drift/enabled", json!(false)), Len(DRIFT, 5)],
        ),
        (
            Fc,
            "stop monitoring drift on store_region",
            ConfigureDrift,
            vec![Lacks(DRIFT, json!("store_region")), Len(DRIFT, 4)],
        ),
        (
            Fc,
            "set the drift threshold to 0.3",
            ConfigureDrift,
            vec![Is("/monitoring/drift/threshold", json!(0.3))],
        ),
        (
            Nba,
            "use wasserstein for drift",
            ConfigureDrift,
            vec![Is("/monitoring/drift/method", json!("wasserstein"))],
        ),
        (
            Pricing,
            "monitor unit_cost for drift",
            ConfigureDrift,
            vec![NoChange, Says("already monitored")],
        ),
    ]
}

fn alert_cases() -> Vec<Case> {
    vec![
        (
            Fc,
            "alert me when mape goes above 0.15",
            AddAlert,
            vec![
                Len(ALERTS, 5),
                Last(
                    ALERTS,
                    json!({"source": "metric", "metric": "mape", "comparison": ">", "threshold": 0.15, "severity": "warning"}),
                ),
            ],
        ),
        (
            Fc,
            "critical alert if drift share over 0.5",
            AddAlert,
            vec![Last(
                ALERTS,
                json!({"source": "drift", "metric": "drift_share", "comparison": ">", "threshold": 0.5, "severity": "critical"}),
            )],
        ),
        (
            Fc,
            "Notify me when WAPE >= 30%",
            AddAlert,
            vec![Last(
                ALERTS,
                json!({"source": "metric", "metric": "wape", "comparison": ">=", "threshold": 0.3}),
            )],
        ),
        (
            Fc,
            "warn me if the data is older than 2 days",
            AddAlert,
            vec![Last(
                ALERTS,
                json!({"source": "freshness", "metric": "staleness_hours", "comparison": ">", "threshold": 48}),
            )],
        ),
        (
            Nba,
            "page me when auc drops below 0.7",
            AddAlert,
            vec![Last(
                ALERTS,
                json!({"source": "metric", "metric": "auc", "comparison": "<", "threshold": 0.7, "severity": "critical"}),
            )],
        ),
        (
            Pricing,
            "alert when drift on unit_cost exceeds 0.2, call it cost_drift",
            AddAlert,
            vec![Last(
                ALERTS,
                json!({"name": "cost_drift", "source": "drift", "metric": "unit_cost", "threshold": 0.2}),
            )],
        ),
        (
            Fc,
            "remove the stale_sales_feed alert",
            RemoveAlert,
            vec![
                Len(ALERTS, 3),
                Is("/monitoring/alerts/2/name", json!("broad_feature_drift")),
            ],
        ),
        (
            Fc,
            "Delete alert rule 'forecast_bias'.",
            RemoveAlert,
            vec![
                Len(ALERTS, 3),
                Is("/monitoring/alerts/1/name", json!("broad_feature_drift")),
            ],
        ),
        (
            Fc,
            "stop alerting on wape",
            RemoveAlert,
            vec![
                Len(ALERTS, 3),
                Is("/monitoring/alerts/0/name", json!("forecast_bias")),
            ],
        ),
    ]
}

fn freshness_cases() -> Vec<Case> {
    let p = "/monitoring/freshness/max_staleness_hours";
    vec![
        (
            Fc,
            "data must be fresher than 12 hours",
            SetFreshness,
            vec![Is(p, json!(12)), Says("stale_sales_feed")],
        ),
        (
            Fc,
            "max staleness 2 days",
            SetFreshness,
            vec![Is(p, json!(48))],
        ),
        (
            Nba,
            "Freshness limit: 36h",
            SetFreshness,
            vec![Is(p, json!(36))],
        ),
        (
            Pricing,
            "data can't be older than 90 minutes!",
            SetFreshness,
            vec![Is(p, json!(1.5))],
        ),
    ]
}

fn question_cases() -> Vec<Case> {
    vec![
        // A question about a setting by its name, and two metrics side by
        // side as the recipes describe them.
        (
            Loc,
            "is the cannibalization adjustment on?",
            AskOverview,
            vec![Says("cannibalization adjustment: on"), NoChange],
        ),
        (
            Empty,
            "how do mape and wape differ",
            AskMetrics,
            vec![
                Says("wape (lower is better)"),
                Says("mape (lower is better)"),
            ],
        ),
        (
            Fc,
            "what metrics does this use?",
            AskMetrics,
            vec![
                Says("wape <= 0.25, primary"),
                Says("mape <= 0.35"),
                Says("bias <= 0.05"),
            ],
        ),
        (
            Nba,
            "What's the AUC threshold?",
            AskMetrics,
            vec![Says("auc: runs pass when auc >= 0.75")],
        ),
        (
            FcHistory,
            "show me the metrics",
            AskMetrics,
            vec![
                Says("mape <= 0.3"),
                Says("Latest monitored values (Weekly Demand EU): wape 0.34"),
            ],
        ),
        (
            FcHistory,
            "what changed since 1.2.0?",
            AskChanges,
            vec![
                Says("1.3.0 by ben: Payday feature, later run"),
                Says("deployment.schedule: 0 4 * * 1 -> 0 5 * * 1"),
                Says("requirements.feature_sets[calendar].features[5]: is_payday_week"),
            ],
        ),
        (
            FcHistory,
            "What changed since v1.0?",
            AskChanges,
            vec![
                Says("evaluation.metrics[mape].threshold: 0.35 -> 0.3"),
                Says("1.2.0 by ana"),
            ],
        ),
        (
            FcHistory,
            "what changed in the last version",
            AskChanges,
            vec![Says("Since 1.2.0"), Says("is_payday_week")],
        ),
        (
            FcHistory,
            "show the version history",
            AskChanges,
            vec![Says("3 versions"), Says("1.0.0 by seed: Initial baseline")],
        ),
        (
            FcHistory,
            "why is this model alerting?",
            AskAlerting,
            vec![
                Says("[warning] wape_degradation: wape 0.34 above 0.3"),
                Says("wape is 0.34 > 0.3 -> firing"),
                Says("broad_feature_drift (critical): drift_share is 0.4 >= 0.4 -> firing"),
                Says("lag_1w_units 0.45, avg_selling_price 0.31"),
                Says("stale_sales_feed: staleness_hours is 20 (fires when > 192) -> ok"),
            ],
        ),
        (
            FcHistory,
            "Is anything wrong with the model",
            AskAlerting,
            vec![Says("1 open alert")],
        ),
        (
            Fc,
            "why is it alerting",
            AskAlerting,
            vec![
                Says("no monitoring data"),
                Says("wape_degradation (warning)"),
            ],
        ),
        (
            Fc,
            "when does it run?",
            AskDeployment,
            vec![Says("on Mondays at 04:00 UTC")],
        ),
        (
            Pricing,
            "How is it deployed",
            AskDeployment,
            vec![
                Says("batch mode"),
                Says("POST /v1/pricing/quote, p99 latency budget 150 ms"),
            ],
        ),
        (
            Nba,
            "what is monitored for drift?",
            AskMonitoring,
            vec![Says("jensenshannon above 0.1"), Says("propensity_score")],
        ),
        (
            Fc,
            "is drift monitoring enabled?",
            AskMonitoring,
            vec![Says("Drift: on, psi above 0.2")],
        ),
        (
            Fc,
            "how is it validated?",
            AskValidation,
            vec![Says("time_series_split, 4 folds, horizon 8")],
        ),
        (
            Loc,
            "what features does it use?",
            AskFeatures,
            vec![Says("annual_revenue"), Says("trade_area_demographics (6)")],
        ),
        (
            Fc,
            "describe this recipe",
            AskOverview,
            vec![Says("forecasting recipe"), Says("ml-platform@nex.ai")],
        ),
        (Fc, "help", Help, vec![Says("make MAPE under 12%")]),
        (Empty, "What can you do?", Help, vec![Says("Open a recipe")]),
    ]
}

fn decline_cases() -> Vec<Case> {
    vec![
        // A name the recipe does not have: said, with the closest it has.
        (
            Fc,
            "frobnicate lag_9w_unit",
            Unknown,
            vec![Says("nothing called 'lag_9w_unit'"), Says("lag_1w_units")],
        ),
        // Two settings the words fit alike, a word other keys share, a
        // percentage for a count, a name that is two things, a holdout that
        // could be either: each is asked, never guessed.
        (
            Pricing,
            "min distinct price points to 4",
            Declined,
            vec![Says("either of two settings")],
        ),
        (
            Loc,
            "radius 2",
            Declined,
            vec![Says("either of two settings")],
        ),
        // A fraction given as 1.x: neither reading is sure.
        (
            Nba,
            "auc target 1.2",
            Declined,
            vec![Says("more than 1"), Says("1.2% or 0.12")],
        ),
        // A forecast has two horizons: the validation's and the model's.
        (
            Fc,
            "make the horizon 10",
            Declined,
            vec![Says("Two horizons"), Says("forecast_horizon_weeks")],
        ),
        // One named in part, one in full with its section named by a
        // sibling ("method": "shap").
        (
            Loc,
            "set shap top k to 7",
            Declined,
            vec![Says("either of two settings")],
        ),
        (
            Pricing,
            "max skus changed per day 10%",
            Declined,
            vec![Says("What should")],
        ),
        (
            Nba,
            "drop customer_profile",
            Declined,
            vec![Says("both a feature set and a lineage input")],
        ),
        (
            Nba,
            "holdout of 30%",
            Declined,
            vec![Says("Switch the strategy")],
        ),
        (
            Pricing,
            "we need guaranteed 5% more revenue",
            Declined,
            vec![Says("guarantee")],
        ),
        (
            Fc,
            "asdfgh qwerty",
            Unknown,
            vec![Says("didn't understand")],
        ),
        // Statements and negations never become changes.
        (Fc, "the mape was 0.4 today", Unknown, vec![]),
        (
            Fc,
            "don't make it realtime",
            Declined,
            vec![Says("nothing changes")],
        ),
        (Fc, "Do not add any features", Declined, vec![]),
        (Fc, "it should not be realtime", Declined, vec![]),
        (Fc, "make it better", Unknown, vec![]),
        (Empty, "", Unknown, vec![]),
        (Fc, "delete everything", Declined, vec![Says("won't")]),
        (
            Fc,
            "Remove all the feature sets",
            Declined,
            vec![Says("won't")],
        ),
        (Fc, "wipe the manifest", Declined, vec![]),
        // A change "by" an amount is relative: never saved as the new value.
        (
            Fc,
            "remove feature set 'nonexistent'",
            Declined,
            vec![
                Says("nonexistent"),
                Says("demand_history, calendar, price_promotion, hierarchy_attributes"),
            ],
        ),
        (
            Fc,
            "remove the feature banana_count",
            Declined,
            vec![Says("no feature 'banana_count'")],
        ),
        (
            Fc,
            "delete 'nonexistent'",
            Declined,
            vec![Says("nothing called 'nonexistent'")],
        ),
        (
            Fc,
            "add holiday_flag to the weather feature set",
            Declined,
            vec![Says("no feature set 'weather'")],
        ),
        (
            Fc,
            "remove the nonexistent_alert alert",
            Declined,
            vec![Says("Alert rules: wape_degradation")],
        ),
        (
            Fc,
            "remove the sku_age_weeks feature from calendar",
            Declined,
            vec![Says("no feature 'sku_age_weeks' in the calendar")],
        ),
        (
            Fc,
            "add a feature set calendar with x1",
            Declined,
            vec![Says("already a feature set 'calendar'")],
        ),
        (
            Fc,
            "add a feature set weather",
            Declined,
            vec![Says("at least one feature")],
        ),
        (
            Empty,
            "create a pricing forecast",
            Declined,
            vec![Says("forecasting and pricing")],
        ),
        (
            Empty,
            "create a new model",
            Declined,
            vec![Says("Which kind of model")],
        ),
        (
            Empty,
            "make MAPE under 12%",
            Declined,
            vec![Says("no current recipe")],
        ),
        (
            Empty,
            "what metrics does this use?",
            Declined,
            vec![Says("no current recipe")],
        ),
        (
            FcHistory,
            "what changed since 9.9.9?",
            Declined,
            vec![Says("no version 9.9.9"), Says("1.3.0, 1.2.0, 1.0.0")],
        ),
        (
            Fc,
            "make AUC at least 0.8",
            Declined,
            vec![
                Says("not a metric of this recipe"),
                Says("wape, mape, bias"),
            ],
        ),
        (
            Fc,
            "set the threshold of foo to 3",
            Declined,
            vec![Says("no metric 'foo'")],
        ),
        (
            Fc,
            "make mape under 250%",
            Declined,
            vec![Says("fraction between 0 and 1")],
        ),
        (
            Fc,
            "use a 150% holdout",
            Declined,
            vec![Says("between 0 and 1")],
        ),
        (
            Fc,
            "run it daily at 25",
            Declined,
            vec![Says("not a time of day")],
        ),
        (
            Fc,
            "alert when bias is high",
            Declined,
            vec![Says("Give a threshold")],
        ),
        (Fc, "alert me when foo_score is above 3", Declined, vec![]),
        (Fc, "remove the only feature", Declined, vec![]),
        (
            Fc,
            "stop monitoring drift on nonexistent_col",
            Declined,
            vec![Says("not monitored for drift")],
        ),
    ]
}

#[test]
fn creates_recipes_from_baselines() {
    run(create_cases());
}

#[test]
fn adds_and_removes_features_and_feature_sets() {
    run(feature_cases());
}

#[test]
fn sets_metric_thresholds_keeping_direction() {
    run(metric_cases());
}

#[test]
fn changes_validation() {
    run(validation_cases());
}

#[test]
fn switches_batch_and_realtime() {
    run(deployment_cases());
}

#[test]
fn sets_schedules_as_cron() {
    run(schedule_cases());
}

#[test]
fn configures_drift_monitoring() {
    run(drift_cases());
}

#[test]
fn adds_and_removes_alert_rules() {
    run(alert_cases());
}

#[test]
fn changes_freshness_limits() {
    run(freshness_cases());
}

#[test]
fn answers_questions_with_real_values() {
    run(question_cases());
}

#[test]
fn declines_what_it_cannot_or_should_not_do() {
    run(decline_cases());
}

#[test]
fn every_phrasing_kind_has_at_least_three_requests() {
    let cases = all_cases();
    for intent in [
        CreateRecipe,
        AddFeature,
        RemoveFeature,
        AddFeatureSet,
        RemoveFeatureSet,
        SetMetricThreshold,
        SetValidation,
        SetDeploymentMode,
        SetSchedule,
        ConfigureDrift,
        AddAlert,
        RemoveAlert,
        SetFreshness,
        AskChanges,
        Declined,
    ] {
        let n = cases.iter().filter(|c| c.2 == intent).count();
        assert!(n >= 3, "{intent:?} has only {n} requests");
    }
}

#[test]
fn every_proposal_validates_and_every_reply_is_deterministic() {
    for (fx, req, _, _) in all_cases() {
        let c = ctx(fx);
        let a = respond(req, &c);
        let b = respond(req, &c);
        assert_eq!(a, b, "{req}");
        assert_eq!(
            serde_json::to_string(&a).expect("serialises"),
            serde_json::to_string(&b).expect("serialises")
        );
        match &a.proposal {
            Some(Proposal::Edit { patch, .. }) => {
                let m = c.manifest.expect("edits need a manifest");
                let out = apply_patch(m, patch).expect("applies");
                crate::domain::manifest::validate(&out).expect("valid");
                assert_ne!(&out, m, "{req}: a proposal must change something");
            }
            Some(Proposal::NewRecipe { manifest, .. }) => {
                crate::domain::manifest::validate(manifest).expect("valid");
            }
            None => {}
        }
        if a.intent.is_question() || matches!(a.intent, Unknown | Declined | Help) {
            assert!(a.proposal.is_none(), "{req}");
        }
        if matches!(a.intent, Unknown) {
            assert!(
                !a.suggestions.is_empty(),
                "{req}: unknown requests offer suggestions"
            );
        }
    }
}

#[test]
fn an_edit_that_would_break_the_schema_is_declined_with_the_errors() {
    // A manifest that already misses the freshness column: any edit would
    // leave it invalid, so the reply explains instead of proposing.
    let mut m = baseline(ModelFamily::Forecasting).clone();
    if let Some(f) = m
        .pointer_mut("/monitoring/freshness")
        .and_then(Value::as_object_mut)
    {
        f.remove("timestamp_column");
    }
    let c = Context {
        recipe_name: Some("Broken"),
        manifest: Some(&m),
        versions: &[],
        monitoring: None,
        baselines: baselines(),
        history: &[],
        pending: None,
    };
    let r = respond("data must be fresher than 12 hours", &c);
    assert_eq!(r.intent, Declined);
    assert!(r.proposal.is_none());
    assert!(r.text.contains("would not pass validation"), "{}", r.text);
    assert!(r.text.contains("/monitoring/freshness"), "{}", r.text);

    // Turning drift on with no columns anywhere cannot be valid either.
    let mut m = baseline(ModelFamily::Forecasting).clone();
    m["monitoring"]["drift"] = json!({"enabled": false, "threshold": 0.2});
    let c = Context {
        manifest: Some(&m),
        ..c
    };
    let r = respond("enable drift monitoring", &c);
    assert_eq!(r.intent, Declined, "{}", r.text);
    assert!(r.text.contains("Which columns"), "{}", r.text);
}

#[test]
fn the_last_feature_of_a_set_is_not_removed() {
    let mut m = baseline(ModelFamily::Forecasting).clone();
    m["requirements"]["feature_sets"][1]["features"] = json!(["month"]);
    let c = Context {
        recipe_name: None,
        manifest: Some(&m),
        versions: &[],
        monitoring: None,
        baselines: baselines(),
        history: &[],
        pending: None,
    };
    let r = respond("remove the feature month", &c);
    assert_eq!(r.intent, Declined);
    assert!(
        r.text.contains("only feature in the calendar"),
        "{}",
        r.text
    );
    assert_eq!(
        r.suggestions,
        vec!["remove the calendar feature set".to_string()]
    );
}

#[test]
fn replies_serialise_with_snake_case_kinds() {
    let r = respond("make MAPE under 12%", &ctx(Fc));
    let v = serde_json::to_value(&r).expect("serialises");
    assert_eq!(v["intent"], json!("set_metric_threshold"));
    assert_eq!(v["proposal"]["kind"], json!("edit"));
    assert_eq!(
        v["proposal"]["patch"],
        json!([{"op": "replace", "path": "/evaluation/metrics/1/threshold", "value": 0.12}])
    );
    let r = respond("I need a pricing recipe for hotels", &ctx(Empty));
    let v = serde_json::to_value(&r).expect("serialises");
    assert_eq!(v["intent"], json!("create_recipe"));
    assert_eq!(v["proposal"]["kind"], json!("new_recipe"));
    assert_eq!(v["proposal"]["family"], json!("pricing"));
    for i in [CreateRecipe, AskMetrics, Unknown, Declined] {
        assert_eq!(
            serde_json::to_value(i).expect("serialises"),
            json!(i.as_str())
        );
    }
}

#[test]
fn quick_prompts_cover_every_family_and_all_work() {
    let prompts = quick_prompts();
    for (i, f) in ModelFamily::ALL.iter().enumerate() {
        let r = respond(prompts[i], &ctx(Empty));
        match r.proposal {
            Some(Proposal::NewRecipe { family, .. }) => assert_eq!(family, *f),
            other => panic!("{}: {other:?}", prompts[i]),
        }
    }
    // The edit and question prompts work on a recipe.
    for p in &prompts[4..] {
        let r = respond(p, &ctx(FcHistory));
        assert!(!matches!(r.intent, Unknown | Declined), "{p}: {}", r.text);
    }
}

#[test]
fn quick_prompts_name_the_recipes_own_metric_and_features_and_all_work() {
    for fx in [Fc, Pricing, Nba, Loc] {
        let c = ctx(fx);
        let manifest = c.manifest.expect("a recipe is open");
        let prompts = quick_prompts_for(Some(manifest));
        let metrics = recipe::metrics(manifest);
        let metric = metrics
            .iter()
            .find(|m| m.primary)
            .or(metrics.first())
            .unwrap();
        assert!(
            prompts.iter().any(|p| p.contains(&metric.name)),
            "{fx:?}: {prompts:?} never names {}",
            metric.name
        );
        let features: Vec<String> = recipe::feature_sets(manifest)
            .into_iter()
            .flat_map(|s| s.features)
            .collect();
        let drift = prompts.iter().find(|p| p.starts_with("Monitor drift on"));
        let drift = drift.unwrap_or_else(|| panic!("{fx:?}: {prompts:?}"));
        for word in drift
            .trim_start_matches("Monitor drift on ")
            .split(' ')
            .take(1)
        {
            assert!(features.contains(&word.to_string()), "{fx:?}: {drift}");
        }
        for p in &prompts[4..] {
            let r = respond(p, &c);
            assert!(
                !matches!(r.intent, Unknown | Declined),
                "{fx:?}: {p}: {}",
                r.text
            );
        }
    }
}

#[test]
fn suggestions_offered_for_unknown_requests_are_understood() {
    for fx in [Fc, Nba, Pricing, Loc, FcHistory, Empty] {
        let c = ctx(fx);
        for req in [
            "asdf",
            "blah blah",
            "the schedul",
            "thresholds pls",
            "drfit",
        ] {
            for s in respond(req, &c).suggestions {
                let r = respond(&s, &c);
                assert!(
                    !matches!(r.intent, Unknown),
                    "{fx:?}: suggestion {s:?} not understood"
                );
            }
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "add",
        "remove",
        "feature",
        "set",
        "calendar",
        "mape",
        "under",
        "12%",
        "alert",
        "me",
        "when",
        "drift",
        "on",
        "price",
        "with",
        "psi",
        "above",
        "0.2",
        "make",
        "it",
        "realtime",
        "batch",
        "run",
        "daily",
        "at",
        "6am",
        "every",
        "monday",
        "create",
        "a",
        "forecasting",
        "model",
        "for",
        "hotels",
        "what",
        "changed",
        "since",
        "1.2.0",
        "?",
        "'x'",
        "delete",
        "everything",
        "folds",
        "holdout",
        "fresher",
        "than",
        "hours",
        "-",
        ",",
        "\"",
        "and",
        "critical",
        "share",
        "wape",
        ">=",
        "0",
        "1e9",
        "nan",
        "inf",
        "/",
        "*",
        "called",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_text_never_panics_or_proposes_invalid_manifests(s in "\\PC{0,60}") {
            for fx in [Fc, Nba, Empty] {
                check(&s, fx);
            }
        }

        #[test]
        fn word_salad_never_panics_or_proposes_invalid_manifests(
            words in prop::collection::vec(prop::sample::select(WORDS), 0..12)
        ) {
            let s = words.join(" ");
            for fx in [Fc, Pricing, Loc, FcHistory, Empty] {
                check(&s, fx);
            }
        }
    }

    fn check(s: &str, fx: Fx) {
        let c = ctx(fx);
        let r = respond(s, &c);
        match &r.proposal {
            Some(Proposal::Edit { patch, .. }) => {
                let m = c.manifest.expect("edits need a manifest");
                let out = apply_patch(m, patch).expect("applies");
                assert!(crate::domain::manifest::validate(&out).is_ok(), "{s:?}");
            }
            Some(Proposal::NewRecipe { manifest, .. }) => {
                assert!(crate::domain::manifest::validate(manifest).is_ok(), "{s:?}");
            }
            None => {}
        }
        assert_eq!(r, respond(s, &c));
    }
}

#[test]
fn new_recipes_work_from_name_less_baselines_and_need_the_baseline() {
    // The app may pass baselines without their recipe name; the proposal adds one.
    let mut bare = baseline(ModelFamily::Pricing).clone();
    if let Some(meta) = bare["metadata"].as_object_mut() {
        meta.remove("name");
    }
    let only = [(ModelFamily::Pricing, &bare)];
    let c = Context {
        recipe_name: None,
        manifest: None,
        versions: &[],
        monitoring: None,
        baselines: &only,
        history: &[],
        pending: None,
    };
    let r = respond("I need a pricing recipe for hotels", &c);
    match &r.proposal {
        Some(Proposal::NewRecipe {
            manifest, patch, ..
        }) => {
            assert_eq!(manifest["metadata"]["name"], json!("Hotels Pricing v1"));
            assert_eq!(&apply_patch(&bare, patch).expect("applies"), manifest);
        }
        other => panic!("{other:?}: {}", r.text),
    }
    let r = respond("create a forecasting model for weekly retail sales", &c);
    assert_eq!(r.intent, Declined);
    assert!(r.text.contains("no forecasting baseline"), "{}", r.text);
}

#[test]
fn every_suggestion_in_the_table_is_itself_understood() {
    for (fx, req, _, _) in all_cases() {
        let c = ctx(fx);
        let reply = respond(req, &c);
        // After a new recipe, suggestions are follow-ups on that recipe.
        let created = match &reply.proposal {
            Some(Proposal::NewRecipe { manifest, .. }) => Some(manifest.clone()),
            _ => None,
        };
        let c = Context {
            manifest: created.as_ref().or(c.manifest),
            ..c
        };
        for s in reply.suggestions {
            let r = respond(&s, &c);
            assert_ne!(
                r.intent, Unknown,
                "{req:?} suggested {s:?}, which is not understood"
            );
        }
    }
}

/// With no recipe open, questions are answered from the baselines: about
/// the family named, or which family fits when none is named clearly.
#[test]
fn questions_before_any_recipe_are_answered_from_the_baselines() {
    let c = ctx(Empty);
    let r = respond("what metrics does a pricing model track?", &c);
    assert!(r.proposal.is_none());
    assert!(r.text.starts_with("The pricing baseline"), "{}", r.text);
    assert!(r.text.contains("mae <= 2.5"), "{}", r.text);
    assert_eq!(r.suggestions, ["I need a pricing recipe for hotels"]);

    let r = respond(
        "which model should I use for ranking offers to customers?",
        &c,
    );
    assert!(r.proposal.is_none());
    assert!(r.text.contains("next_best_action"), "{}", r.text);

    let r = respond("what kind of model should I build?", &c);
    assert!(r.proposal.is_none());
    for family in [
        "forecasting",
        "pricing",
        "next_best_action",
        "location_scoring",
    ] {
        assert!(r.text.contains(&format!("- {family}: ")), "{}", r.text);
    }
    assert_eq!(r.suggestions.len(), 4);
    assert_ne!(r.intent, Declined);
}

/// Questions about the kinds of recipe, and two families set side by
/// side, are answered from the baselines, with a recipe open or not.
#[test]
fn questions_about_the_families_are_answered_not_refused() {
    for c in [ctx(Empty), ctx(Pricing)] {
        let r = respond("which types of recipe are there?", &c);
        assert!(r.proposal.is_none());
        assert_ne!(r.intent, Declined, "{}", r.text);
        for family in [
            "forecasting",
            "pricing",
            "next_best_action",
            "location_scoring",
        ] {
            assert!(r.text.contains(&format!("- {family}: ")), "{}", r.text);
        }
        assert!(!r.text.contains("No recipe is open"), "{}", r.text);
        // With a recipe open, about it, not the catalogue.
        if c.manifest.is_some() {
            let r = respond("what kind of model is this?", &c);
            assert!(!r.text.contains("- forecasting: "), "{}", r.text);
        }

        let r = respond(
            "location scoring vs next best action, how do they compare?",
            &c,
        );
        assert!(r.proposal.is_none());
        assert!(r.text.starts_with("They differ"), "{}", r.text);
        assert!(r.text.contains("- next_best_action: "), "{}", r.text);
        assert!(r.text.contains("- location_scoring: "), "{}", r.text);
        assert!(!r.text.contains("- pricing: "), "{}", r.text);
        assert!(r.text.contains("Judged by"), "{}", r.text);
        assert_eq!(r.suggestions.len(), 2);
    }
}

/// Scenario 4's follow-ups: each change stacks on the proposal not yet
/// applied, and the last proposal holds them all.
#[test]
fn a_correction_replaces_the_pending_proposal() {
    let m = baseline(ModelFamily::Forecasting);
    let ctx = Context {
        recipe_name: Some("forecasting"),
        manifest: Some(m),
        versions: &[],
        monitoring: None,
        baselines: baselines(),
        history: &[],
        pending: None,
    };
    let first = respond("set mape to 0.3", &ctx);
    let Some(pending) = first.proposal.clone() else {
        panic!("no proposal: {}", first.text)
    };
    let with_pending = Context {
        pending: Some(&pending),
        ..ctx
    };
    let corrected = respond("no, set wape to 0.2", &with_pending);
    let Some(Proposal::Edit { patch, .. }) = &corrected.proposal else {
        panic!("no proposal: {}", corrected.text)
    };
    let paths: Vec<String> = patch.0.iter().map(|op| op.path().to_string()).collect();
    assert_eq!(
        paths,
        ["/evaluation/metrics/0/threshold"],
        "{}",
        corrected.text
    );
    // Without the cue, the follow-up stacks on the proposal.
    let stacked = respond("set wape to 0.2", &with_pending);
    let Some(Proposal::Edit { patch, .. }) = &stacked.proposal else {
        panic!("no proposal: {}", stacked.text)
    };
    assert_eq!(patch.0.len(), 2, "{}", stacked.text);
}

#[test]
fn follow_ups_stack_on_the_pending_proposal() {
    let empty = Context {
        recipe_name: None,
        manifest: None,
        versions: &[],
        monitoring: None,
        baselines: baselines(),
        history: &[],
        pending: None,
    };
    let first = respond(
        "hi! we want to predict weekly unit sales for each store",
        &empty,
    );
    let Some(pending) = first.proposal.clone() else {
        panic!("no proposal: {}", first.text)
    };
    let second = respond(
        "forecast 12 weeks ahead",
        &Context {
            pending: Some(&pending),
            ..empty
        },
    );
    let Some(pending) = second.proposal.clone() else {
        panic!("no proposal: {}", second.text)
    };
    let third = respond(
        "and alert me when wape goes above 0.4",
        &Context {
            pending: Some(&pending),
            ..empty
        },
    );
    match &third.proposal {
        Some(Proposal::NewRecipe {
            family,
            manifest,
            patch,
            ..
        }) => {
            assert_eq!(*family, ModelFamily::Forecasting);
            let horizon = "/pipeline/stages/2/config/forecast_horizon_weeks";
            assert_eq!(
                manifest.pointer(horizon),
                Some(&json!(12)),
                "{}",
                third.text
            );
            let alerts = manifest["monitoring"]["alerts"].as_array().expect("alerts");
            assert!(
                alerts
                    .iter()
                    .any(|a| a["metric"] == "wape" && a["threshold"] == 0.4)
            );
            // The patch from the baseline gives the same recipe.
            let base = baselines()
                .iter()
                .find(|(f, _)| *f == ModelFamily::Forecasting)
                .map(|(_, m)| (*m).clone())
                .expect("a baseline");
            let rebuilt =
                crate::domain::diff::apply_patch(&base, patch).expect("the patch applies");
            assert_eq!(&rebuilt, manifest);
        }
        other => panic!("not a stacked new recipe: {other:?}\n{}", third.text),
    }
    assert!(
        third
            .text
            .starts_with("Added to the proposal not yet applied"),
        "{}",
        third.text
    );
}

/// Scenario 4 as people open it: a greeting, then what they want to
/// predict and for whom, no family named.
#[test]
fn indirect_requests_start_the_right_recipe() {
    let empty = Context {
        recipe_name: None,
        manifest: None,
        versions: &[],
        monitoring: None,
        baselines: baselines(),
        history: &[],
        pending: None,
    };
    let hello = respond("hi there", &empty);
    assert!(hello.proposal.is_none(), "{}", hello.text);
    let cases = [
        (
            "we want to predict weekly unit sales for each store",
            ModelFamily::Forecasting,
        ),
        (
            "I'd like to know how many units each shop will sell next month",
            ModelFamily::Forecasting,
        ),
        (
            "we need to work out how much to charge for each product",
            ModelFamily::Pricing,
        ),
        (
            "help me decide which offer to show each customer in the app",
            ModelFamily::NextBestAction,
        ),
        (
            "our bank wants to know which customers are likely to respond to a card offer",
            ModelFamily::NextBestAction,
        ),
        (
            "we are deciding where to open our next stores",
            ModelFamily::LocationScoring,
        ),
        (
            "rank candidate sites for new gyms",
            ModelFamily::LocationScoring,
        ),
    ];
    for (request, want) in cases {
        let reply = respond(
            request,
            &Context {
                history: &[],
                ..empty
            },
        );
        match &reply.proposal {
            Some(Proposal::NewRecipe { family, .. }) => assert_eq!(*family, want, "{request}"),
            other => panic!("{request}: {other:?}\n{}", reply.text),
        }
    }
}

/// The classes of the fourth set's first score (2026-12-07), in other words
/// than the set's: a metric typed with two letters swapped, an alert named
/// in words, what a new recipe is said to be for, and a family named with
/// a recipe open that asks for no new one.
#[test]
fn names_typed_loosely_and_new_recipes_said_in_passing() {
    run(vec![
        (
            Fx::Fc,
            "mpae thresh 0.31",
            Intent::SetMetricThreshold,
            vec![
                E::Is("/evaluation/metrics/1/threshold", json!(0.31)),
                E::Says("Read 'mpae' as 'mape'"),
            ],
        ),
        (
            Fx::Pricing,
            "rsme must stay under 3.1",
            Intent::SetMetricThreshold,
            vec![E::Is("/evaluation/metrics/1/threshold", json!(3.1))],
        ),
        (
            Fx::Empty,
            "set up a pricing recipe for client Globex Retail",
            Intent::CreateRecipe,
            vec![E::Is("/metadata/client", json!("Globex Retail"))],
        ),
        (
            Fx::Empty,
            "new forecasting recipe for the aerospace industry",
            Intent::CreateRecipe,
            vec![E::Is("/metadata/industry", json!("aerospace"))],
        ),
        (
            Fx::Empty,
            "a new pricing model, call it Fuel Pricing",
            Intent::CreateRecipe,
            vec![E::New(ModelFamily::Pricing, "Fuel Pricing")],
        ),
        (
            Fx::Fc,
            "promote forecast-model-v2 to production",
            Intent::Unknown,
            vec![E::NoChange],
        ),
        // "forecast" names no setting alone: 7 is a store, not a horizon.
        (
            Fx::Fc,
            "forecast units of store 7 for next month",
            Intent::Unknown,
            vec![E::NoChange],
        ),
    ]);
}

/// What a request for a new recipe says is kept in its own words: an
/// industry as named ("telco" is not rewritten as "telecom"), one named
/// after "industry" whole, a label after "predicts", and a label window
/// that is not a column.
#[test]
fn a_new_recipe_keeps_what_it_was_asked_in_its_words() {
    run(vec![
        (
            Empty,
            "new next best action recipe for a telco, client Harbor Mobile",
            CreateRecipe,
            vec![
                Is("/metadata/industry", json!("telco")),
                Is("/metadata/client", json!("Harbor Mobile")),
            ],
        ),
        (
            Empty,
            "pricing recipe, industry farm supply, client Agri Co",
            CreateRecipe,
            vec![Is("/metadata/industry", json!("farm supply"))],
        ),
        (
            Empty,
            "location scoring recipe for gyms that predicts yearly_members",
            CreateRecipe,
            vec![Is("/requirements/label", json!("yearly_members"))],
        ),
        (
            Empty,
            "an nba recipe with a 21 day label window",
            CreateRecipe,
            vec![
                Is("/requirements/label", json!("accepted")),
                Is("/requirements/label_window_days", json!(21)),
            ],
        ),
    ]);
}

/// A deployment mode a recipe has not is said so, never read as another.
#[test]
fn a_mode_a_recipe_has_not_is_declined_not_guessed() {
    for request in [
        "switch the deployment to streaming",
        "deployment mode: streaming",
    ] {
        let reply = respond(request, &ctx(Fc));
        assert!(reply.proposal.is_none(), "{request}: {}", reply.text);
        assert!(
            reply.text.contains("is not a mode it has"),
            "{request}: {}",
            reply.text
        );
    }
}

/// "and the bias alert to 0.1 as well" after a threshold change names an
/// alert: the alert rule changes, not the threshold again.
#[test]
fn an_ellipsis_naming_another_kind_of_setting_is_its_own_request() {
    let history = vec!["set the bias threshold to 0.04".to_string()];
    let c = Context {
        history: &history,
        ..ctx(Fc)
    };
    let reply = respond("and the bias alert to 0.1 as well", &c);
    let Some(Proposal::Edit { patch, .. }) = &reply.proposal else {
        panic!("no edit: {}", reply.text);
    };
    let m = apply_patch(baseline(ModelFamily::Forecasting), patch).expect("applies");
    assert_eq!(
        m.pointer("/monitoring/alerts/1/threshold"),
        Some(&json!(0.1))
    );
    assert_eq!(
        m.pointer("/evaluation/metrics/2/threshold"),
        baseline(ModelFamily::Forecasting).pointer("/evaluation/metrics/2/threshold"),
        "{}",
        reply.text
    );
}

/// A client's name keeps its "&", and names the new recipe.
#[test]
fn a_clients_name_is_kept_whole() {
    run(vec![(
        Empty,
        "new pricing recipe for client Bell & Ross",
        CreateRecipe,
        vec![
            Is("/metadata/client", json!("Bell & Ross")),
            New(ModelFamily::Pricing, "Bell & Ross Pricing v1"),
        ],
    )]);
}

/// "track it for drift" after adding a column watches the column, not the
/// feature set it went into.
#[test]
fn drift_on_it_after_adding_a_column_is_drift_on_the_column() {
    let history = vec!["add lag_52w_units to the demand history set".to_string()];
    let c = Context {
        history: &history,
        ..ctx(Fc)
    };
    let reply = respond("and track it for drift too", &c);
    let Some(Proposal::Edit { patch, .. }) = &reply.proposal else {
        panic!("no edit: {}", reply.text);
    };
    let m = apply_patch(baseline(ModelFamily::Forecasting), patch).expect("applies");
    let columns = m
        .pointer(DRIFT)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert!(columns.contains(&json!("lag_52w_units")), "{}", reply.text);
    assert!(
        !columns.contains(&json!("demand_history")),
        "{}",
        reply.text
    );
}

/// What ends an industry's name, what is no industry, and what is no label:
/// the edges of this round's rules, found in review.
#[test]
fn an_industry_ends_with_its_clause_and_a_name_is_no_label() {
    run(vec![
        (
            Empty,
            "pricing recipe, industry hospitality for client Loom",
            CreateRecipe,
            vec![Is("/metadata/industry", json!("hospitality"))],
        ),
        (
            Empty,
            "forecasting recipe, industry grocery weekly at 6am",
            CreateRecipe,
            vec![Is("/metadata/industry", json!("grocery"))],
        ),
        (
            Empty,
            "new nba recipe for a retailer, benchmarked against our industry",
            CreateRecipe,
            vec![Is("/metadata/industry", json!("retail"))],
        ),
        (
            Empty,
            "new forecasting recipe \"Holiday Demand\" for stores",
            CreateRecipe,
            vec![Is("/requirements/label", json!("units_sold"))],
        ),
        (
            Empty,
            "forecast sku_id demand by week, a new recipe",
            CreateRecipe,
            vec![Is("/requirements/label", json!("units_sold"))],
        ),
        (
            Nba,
            "set the latency budget to 50ms for edge devices",
            SetSetting,
            vec![Is("/deployment/endpoint/latency_budget_ms", json!(50))],
        ),
    ]);
}

/// "and the bias alert to 0.1 too" after "... wape alert threshold to
/// 0.3.": the same kind of setting (the full stop aside), so the previous
/// request again, about bias.
#[test]
fn an_ellipsis_of_the_same_kind_is_the_previous_request_again() {
    let history = vec!["set the wape alert threshold to 0.3.".to_string()];
    let c = Context {
        history: &history,
        ..ctx(Fc)
    };
    let reply = respond("and the bias alert to 0.1 too", &c);
    let Some(Proposal::Edit { patch, .. }) = &reply.proposal else {
        panic!("no edit: {}", reply.text);
    };
    let m = apply_patch(baseline(ModelFamily::Forecasting), patch).expect("applies");
    assert_eq!(
        m.pointer("/monitoring/alerts/1/threshold"),
        Some(&json!(0.1)),
        "{}",
        reply.text
    );
}

#[test]
fn a_value_scaled_by_a_factor_or_a_signed_share_is_scaled() {
    const LR: &str = "/pipeline/stages/2/config/hyperparameters/learning_rate";
    const PATIENCE: &str = "/pipeline/stages/2/config/early_stopping_rounds";
    run(vec![
        (
            Loc,
            "halve the learning rate please",
            SetSetting,
            vec![Is(LR, json!(0.015))],
        ),
        (
            Loc,
            "learning rate: cut it in half",
            SetSetting,
            vec![Is(LR, json!(0.015))],
        ),
        (
            Fc,
            "early stopping rounds x3",
            SetSetting,
            vec![Is(PATIENCE, json!(300))],
        ),
        (
            Fc,
            "early stopping rounds 2x",
            SetSetting,
            vec![Is(PATIENCE, json!(200))],
        ),
        (
            Nba,
            "give the early stopping twice the rounds",
            SetSetting,
            vec![Is(PATIENCE, json!(100))],
        ),
        (
            Fc,
            "-25% on the drift threshold",
            ConfigureDrift,
            vec![Is("/monitoring/drift/threshold", json!(0.15))],
        ),
        // Lowered by a factor divides; a count is no factor.
        (
            Loc,
            "cut the learning rate 2x",
            SetSetting,
            vec![Is(LR, json!(0.015))],
        ),
        (
            Fc,
            "early stopping rounds 2x smaller",
            SetSetting,
            vec![Is(PATIENCE, json!(50))],
        ),
    ]);
    const RETRIES: &str = "/deployment/resources/retries";
    run(vec![(
        Fc,
        "retry 3 times",
        SetSetting,
        vec![Is(RETRIES, json!(3))],
    )]);
}

#[test]
fn one_standing_for_a_named_thing_is_no_number() {
    run(vec![(
        Fc,
        "the wape one should fire at 0.35",
        SetMetricThreshold,
        vec![Is("/evaluation/metrics/0/threshold", json!(0.35))],
    )]);
    // Not understood is fine; a threshold of 1 is not.
    let reply = respond("the bias one should be a warning", &ctx(Fc));
    assert!(reply.proposal.is_none(), "{}", reply.text);
}

#[test]
fn a_lone_plus_joins_two_asks_and_a_later_new_gives_a_reason() {
    run(vec![(
        Fc,
        "drop lag_52w_units + watch lag_4w_units for drift",
        RemoveFeature,
        vec![
            Lacks(
                "/requirements/feature_sets/0/features",
                json!("lag_52w_units"),
            ),
            Has(DRIFT, json!("lag_4w_units")),
        ],
    )]);
    // "new stores" gives a reason: no recipe is created over the open one.
    let reply = respond(
        "remove lag_52w_units, new stores lack a year of history",
        &ctx(Fc),
    );
    assert_ne!(reply.intent, CreateRecipe, "{}", reply.text);
}

#[test]
fn a_new_recipe_keeps_its_outcome_window_endpoint_and_bracketed_industry() {
    let reply = respond(
        "new nba recipe for telco w/ a 21 day conversion window, served at /v2/telco/offers",
        &ctx(Empty),
    );
    let Some(Proposal::NewRecipe { manifest, .. }) = &reply.proposal else {
        panic!("no new recipe: {}", reply.text);
    };
    assert_eq!(
        manifest.pointer("/requirements/label_window_days"),
        Some(&json!(21))
    );
    assert_eq!(
        manifest.pointer("/deployment/endpoint/path"),
        Some(&json!("/v2/telco/offers"))
    );
    assert!(
        reply.text.contains("endpoint /v2/telco/offers."),
        "the summary: {}",
        reply.text
    );
    assert!(!reply.text.contains("'Telco W "), "{}", reply.text);
    let reply = respond(
        "location scoring for car washes (industry automotive)",
        &ctx(Empty),
    );
    let Some(Proposal::NewRecipe { manifest, .. }) = &reply.proposal else {
        panic!("no new recipe: {}", reply.text);
    };
    assert_eq!(
        manifest.pointer("/metadata/industry"),
        Some(&json!("automotive"))
    );
}
