//! Table tests for `respond`, run against the real baseline manifests.

use super::*;
use crate::domain::ModelFamily;
use serde_json::{Value, json};
use std::sync::OnceLock;

fn baseline(f: ModelFamily) -> &'static Value {
    static ALL: OnceLock<Vec<(ModelFamily, Value)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let text = |f| match f {
            ModelFamily::Forecasting => include_str!("../../seeds/baselines/forecasting/manifest.json"),
            ModelFamily::Pricing => include_str!("../../seeds/baselines/pricing/manifest.json"),
            ModelFamily::NextBestAction => include_str!("../../seeds/baselines/next_best_action/manifest.json"),
            ModelFamily::LocationScoring => include_str!("../../seeds/baselines/location_scoring/manifest.json"),
        };
        ModelFamily::ALL
            .iter()
            .map(|f| (*f, serde_json::from_str(text(*f)).expect("baseline is JSON")))
            .collect()
    });
    &all.iter().find(|(x, _)| *x == f).expect("every family has a baseline").1
}

fn baselines() -> Vec<(ModelFamily, &'static Value)> {
    ModelFamily::ALL.iter().map(|f| (*f, baseline(*f))).collect()
}

#[test]
fn dump() {
    let bl = baselines();
    let fam: ModelFamily = std::env::var("FAM").unwrap_or("forecasting".into()).parse().unwrap();
    let m = baseline(fam);
    let ctx = Context { recipe_name: Some("Forecasting Baseline v1"), manifest: Some(m), versions: &[], monitoring: None, baselines: &bl };
    for r in std::env::var("REQ").unwrap_or_default().split('|').filter(|s| !s.is_empty()) {
        let reply = respond(r, &ctx);
        println!(">>> {r}\n{:?}\n{}\nsuggest: {:?}", reply.intent, reply.text, reply.suggestions);
        if let Some(p) = &reply.proposal { println!("{}", serde_json::to_string(p).unwrap().chars().take(600).collect::<String>()); }
        println!();
    }
}
