//! Monitoring ingestion through the real binary on every backend: a batch
//! that contradicts what the recipe monitors is refused with its file, row
//! and column and leaves nothing stored, and a batch a model has already is
//! recognized and skipped (a folder ingested again, a copy under another
//! name, a file changed in place, two ingesters at once), saying so.

mod common;

use common::batches::pricing_batch;

use common::outcome::show;
use common::world::World;
use serde_json::Value;
use std::path::Path;

const PRICING: &str = "Pricing Optimization Baseline v1";

impl World {
    /// The pricing baseline's model "pm" and a reference batch.
    fn pricing_model(&self) -> String {
        self.ok(&["model", "register", "--recipe", PRICING, "--name", "pm"]);
        let reference = self.path("reference.csv");
        std::fs::write(&reference, pricing_batch("2026-10-31", 0.05)).unwrap();
        reference.display().to_string()
    }

    fn snapshots(&self) -> usize {
        self.json(&["monitor", "list", "pm"])
            .as_array()
            .map_or(0, Vec::len)
    }

    /// `monitor ingest pm` of `current` (a file or a folder).
    fn ingest_args<'a>(reference: &'a str, current: &'a str) -> [&'a str; 7] {
        [
            "monitor",
            "ingest",
            "pm",
            "--reference",
            reference,
            "--current",
            current,
        ]
    }
}

/// `csv` with the first field of line `line` (the header is line 1) made
/// `value`.
fn with_first_field(csv: &str, line: usize, value: &str) -> String {
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let rest = lines[line - 1].split_once(',').map(|(_, r)| r.to_string());
    lines[line - 1] = format!("{value},{}", rest.unwrap_or_default());
    lines.join("\n") + "\n"
}

/// `csv` without its second column (competitor_price_index).
fn without_second_column(csv: &str) -> String {
    csv.lines()
        .map(|l| {
            let mut fields: Vec<&str> = l.split(',').collect();
            fields.remove(1);
            fields.join(",") + "\n"
        })
        .collect()
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).unwrap();
    path.display().to_string()
}

/// A text value in a column the reference holds numbers in, or a monitored
/// column missing, refuses the batch with one line naming the file (and the
/// row and column), and nothing of it is stored; `nexml drift` says the
/// same. A column the user declares categorical compares.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_unlike_the_reference_or_recipe_is_refused_and_nothing_is_stored() {
    for w in World::all("ingest_refused").await {
        let reference = w.pricing_model();
        let good = pricing_batch("2026-11-02", 0.05);
        let bad = write(&w.path("batch.csv"), &with_first_field(&good, 17, "abc"));
        let says = format!(
            "error: {bad}: row 17, column \"unit_price\": \"abc\" is not a number (the column holds numbers in {reference})"
        );
        let err = w.refused(&World::ingest_args(&reference, &bad));
        assert_eq!(err, says, "on {}", w.db.name);
        assert_eq!(w.snapshots(), 0, "nothing stored on {}", w.db.name);
        let drift = ["drift", "--reference", &reference, "--current", &bad];
        assert_eq!(w.refused(&drift), says, "drift on {}", w.db.name);
        let declared = w.ok(&[
            "drift",
            "--reference",
            &reference,
            "--current",
            &bad,
            "--categorical",
            "unit_price",
        ]);
        assert!(declared.contains("unit_price"), "{declared}");

        let lacking = write(&w.path("lacking.csv"), &without_second_column(&good));
        let err = w.refused(&World::ingest_args(&reference, &lacking));
        assert_eq!(
            err,
            format!(
                "error: {lacking}: no column \"competitor_price_index\" (monitoring.drift.columns names it)"
            )
        );
        let alerts = w.json(&["monitor", "alerts", "pm"]);
        assert_eq!((w.snapshots(), alerts), (0, serde_json::json!([])));

        // In a folder: the batch before it is stored, the bad one named once.
        let dir = w.path("batches");
        std::fs::create_dir(&dir).unwrap();
        write(&dir.join("sales-2026-11-01.csv"), &good);
        let broken = write(
            &dir.join("sales-2026-11-02.csv"),
            &with_first_field(&good, 17, "abc"),
        );
        let folder = dir.display().to_string();
        let err = w.refused(&World::ingest_args(&reference, &folder));
        assert!(
            err.starts_with(&format!("error: {broken}: row 17, column \"unit_price\"")),
            "{err}"
        );
        assert!(err.ends_with("(the batches before it are stored)"), "{err}");
        assert_eq!(err.matches("sales-2026-11-02.csv").count(), 1, "{err}");
        assert_eq!(w.snapshots(), 1, "on {}", w.db.name);
        w.db.cleanup().await;
    }
}

/// What `monitor list` and `monitor alerts` show of model "pm".
fn history(w: &World) -> (Value, Value) {
    (
        w.json(&["monitor", "list", "pm"]),
        w.json(&["monitor", "alerts", "pm"]),
    )
}

/// A folder ingested again adds no snapshot and moves no alert: each batch
/// is skipped with the snapshot it became; a new one among them is taken.
/// A copy under another name and a file changed in place are skipped too; a
/// new file renamed over an old one is a new batch.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_ingested_before_is_skipped_and_says_so() {
    for w in World::all("ingest_again").await {
        let reference = w.pricing_model();
        let dir = w.path("batches");
        std::fs::create_dir(&dir).unwrap();
        for (date, error) in [
            ("2026-11-01", 0.05),
            ("2026-11-02", 3.0),
            ("2026-11-03", 0.05),
        ] {
            write(
                &dir.join(format!("sales-{date}.csv")),
                &pricing_batch(date, error),
            );
        }
        let folder = dir.display().to_string();
        let args = World::ingest_args(&reference, &folder);
        assert!(w.ok(&args).contains("3 batches of 'pm' ingested"));
        let before = history(&w);
        let ids: Vec<i64> = before
            .0
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();

        let again = w.ok(&args);
        let lines: Vec<&str> = again.lines().collect();
        assert_eq!(lines.len(), 4, "{again}");
        for (k, date) in ["2026-11-01", "2026-11-02", "2026-11-03"]
            .iter()
            .enumerate()
        {
            let line = lines[k];
            let file = dir.join(format!("sales-{date}.csv"));
            assert!(
                line.starts_with(&format!("skipped {}: already ingested on ", file.display())),
                "{line}"
            );
            assert!(
                line.ends_with(&format!(" as snapshot {} (the same content)", ids[k])),
                "{line}"
            );
        }
        assert_eq!(
            lines[3],
            "0 batches of 'pm' ingested, 3 skipped (ingested before)"
        );
        assert_eq!(history(&w), before, "nothing moved on {}", w.db.name);

        // A new day among them is taken; --json says what became of each.
        write(
            &dir.join("sales-2026-11-04.csv"),
            &pricing_batch("2026-11-04", 0.05),
        );
        let mut json_args = vec!["--json"];
        json_args.extend_from_slice(&args);
        let outcomes = common::outcome::json(&w.ok(&json_args));
        let outcomes = outcomes.as_array().unwrap();
        assert_eq!(outcomes.len(), 4);
        for (k, o) in outcomes[..3].iter().enumerate() {
            assert_eq!(o["skipped"]["snapshot_id"], ids[k], "{o}");
            assert_eq!(o["skipped"]["reason"], "the same content", "{o}");
            assert_eq!(o["skipped"]["ingested_by"], "alice", "{o}");
        }
        assert!(outcomes[3]["snapshot"]["id"].is_i64(), "{}", outcomes[3]);
        assert_eq!(w.snapshots(), 4);

        // The same content under another name.
        let first = dir.join("sales-2026-11-01.csv");
        let copy = write(
            &w.path("copy.csv"),
            &std::fs::read_to_string(&first).unwrap(),
        );
        let said = w.ok(&World::ingest_args(&reference, &copy));
        assert_eq!(
            said.trim_end(),
            format!(
                "skipped {copy}: already ingested on {} as snapshot {} (the same content as {})",
                &outcomes[0]["skipped"]["ingested_at"].as_str().unwrap()[..16].replace('T', " "),
                ids[0],
                first.display()
            )
        );

        // The same file, changed in place afterwards.
        let third = dir.join("sales-2026-11-03.csv");
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&third)
            .unwrap()
            .write_all(b"5.00,0.900,0.00,3.00,9,10.50,10,2026-11-03\n")
            .unwrap();
        let third_name = third.display().to_string();
        let said = w.ok(&World::ingest_args(&reference, &third_name));
        assert!(
            said.trim_end().ends_with(&format!(
                "as snapshot {} (changed since: a batch is ingested once (write a new file for a new batch))",
                ids[2]
            )),
            "{said}"
        );
        assert_eq!(w.snapshots(), 4, "on {}", w.db.name);

        // Another file renamed over it is a new batch.
        let fresh = w.path("sales-2026-11-03.csv.part");
        write(&fresh, &pricing_batch("2026-11-03", 0.1));
        std::fs::rename(&fresh, &third).unwrap();
        let said = w.ok(&World::ingest_args(&reference, &third_name));
        assert!(said.starts_with("snapshot "), "{said}");
        assert_eq!(w.snapshots(), 5, "on {}", w.db.name);
        w.db.cleanup().await;
    }
}

/// Two ingesters given the same batch at once store one snapshot: the
/// other says it skipped it.
#[tokio::test(flavor = "multi_thread")]
async fn two_ingesters_at_once_store_one_snapshot() {
    for w in World::all("ingest_race").await {
        let reference = w.pricing_model();
        let batch = write(
            &w.path("sales-2026-11-02.csv"),
            &pricing_batch("2026-11-02", 3.0),
        );
        let args = World::ingest_args(&reference, &batch);
        let children: Vec<_> = (0..2)
            .map(|_| w.command(&args).spawn().expect("starting an ingest"))
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("its output"))
            .collect();
        let mut said: Vec<String> = outs
            .iter()
            .map(|o| {
                assert!(o.status.success(), "{}", show(o));
                String::from_utf8_lossy(&o.stdout).into_owned()
            })
            .collect();
        said.sort_by_key(|s| s.starts_with("skipped"));
        assert!(said[0].starts_with("snapshot "), "{said:?}");
        assert!(
            said[1].starts_with(&format!("skipped {batch}: already ingested")),
            "{said:?}"
        );
        assert_eq!(w.snapshots(), 1, "on {}", w.db.name);
        // Each rule that fired opened one alert, from the one snapshot.
        let alerts = w.json(&["monitor", "alerts", "pm"]);
        let alerts = alerts.as_array().unwrap();
        let mut rules: Vec<&str> = alerts.iter().map(|a| a["rule"].as_str().unwrap()).collect();
        rules.sort_unstable();
        assert_eq!(
            rules,
            [
                "revenue_mape_breach",
                "stale_transactions",
                "units_mae_degradation"
            ]
        );
        let first = w.json(&["monitor", "list", "pm"])[0]["id"].clone();
        assert!(
            alerts.iter().all(|a| a["snapshot_id"] == first),
            "{alerts:?}"
        );
        w.db.cleanup().await;
    }
}
