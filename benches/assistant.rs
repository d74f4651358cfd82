//! How long the offline assistant takes to answer: every request of the
//! evaluation sets (`tests/data/assistant_requests*.jsonl`) against its
//! recipe's baseline, timed one by one, many rounds; the slowest answer and
//! the percentiles are printed. The bar is 50 ms per answer.
//!
//! `cargo bench --bench assistant`

use nexml::assistant::{Context, respond};
use nexml::domain::ModelFamily;
use serde_json::Value;
use std::time::Instant;

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let baseline = |family: &str| -> Value {
        let path = format!("{root}/seeds/baselines/{family}/manifest.json");
        let text = std::fs::read_to_string(&path).expect("a baseline");
        serde_json::from_str(&text).expect("baseline JSON")
    };
    let baselines: Vec<(ModelFamily, Value)> = ModelFamily::ALL
        .iter()
        .map(|f| (*f, baseline(f.as_str())))
        .collect();
    let refs: Vec<(ModelFamily, &Value)> = baselines.iter().map(|(f, m)| (*f, m)).collect();
    // Both evaluation sets: the first, and the fresh one written without
    // reading the code.
    let cases: Vec<Value> = ["assistant_requests.jsonl", "assistant_requests_fresh.jsonl"]
        .iter()
        .flat_map(|set| {
            let text = std::fs::read_to_string(format!("{root}/tests/data/{set}"))
                .expect("an evaluation set");
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).expect("a case"))
                .collect::<Vec<Value>>()
        })
        .collect();
    let rounds = 20;
    let mut times = Vec::with_capacity(cases.len() * rounds);
    let mut slowest = (0.0, String::new());
    for _ in 0..rounds {
        for case in &cases {
            let manifest = case["recipe"].as_str().map(baseline);
            let history: Vec<String> = case["history"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect();
            let ctx = Context {
                recipe_name: None,
                manifest: manifest.as_ref(),
                versions: &[],
                monitoring: None,
                baselines: &refs,
                history: &history,
                pending: None,
            };
            let request = case["request"].as_str().unwrap_or("");
            let start = Instant::now();
            let reply = respond(request, &ctx);
            let ms = start.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(reply);
            if ms > slowest.0 {
                slowest = (ms, request.to_string());
            }
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "assistant: {} answers ({} requests x {rounds}): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({:?})",
        times.len(),
        cases.len(),
        at(0.5),
        at(0.99),
        slowest.0,
        slowest.1
    );
}
