//! Two people on one database, each in their own terminal (tmux) as their
//! own user, on both backends: the second save merges with the first or
//! lets its author choose per place, never reverts it; chats stay apart;
//! an alert resolved meanwhile is not acknowledged from a stale view.

mod common;

use common::tmux::{Tmux, tmux_available};
use std::sync::Arc;
use std::time::Duration;

const FORECASTING: &str = "Forecasting Baseline v1";

/// The app as `user` on `url`, with a home (drafts, state) of its own.
fn open_as(user: &str, name: &str, url: &str) -> Tmux {
    let home = Arc::new(tempfile::tempdir().unwrap());
    Tmux::launch_with(
        name,
        100,
        30,
        home,
        url.to_string(),
        &format!("NEXML_USER={user}"),
    )
}

/// The forecasting baseline's editor, at the version it shows.
fn open_editor(t: &Tmux) {
    t.keys(&["/"]);
    t.text("forecasting base");
    t.keys(&["Enter", "Enter"]);
    t.wait_for("lineage");
    t.keys(&["e"]);
    t.wait_for("editing 1.0.0");
}

/// Puts the cursor on the first match of `find` and types `typed` before it.
fn type_before(t: &Tmux, find: &str, typed: &str) {
    t.keys(&["C-f"]);
    t.wait_for("find:");
    t.text(find);
    t.wait_for(&format!("find: {find}"));
    t.keys(&["Enter"]);
    t.wait_gone("find:");
    t.text(typed);
    t.wait_for(typed.trim());
}

fn save(t: &Tmux, note: &str) {
    t.wait_for("· valid");
    t.keys(&["C-s"]);
    t.wait_for("Save as a new version");
    t.text(note);
    t.keys(&["Enter"]);
}

fn latest_manifest(cli: &Tmux) -> serde_json::Value {
    let shown = cli.cli(&["recipe", "version", FORECASTING, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    v["manifest_json"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_editors_on_one_recipe_merge_and_choose_per_place() {
    if !tmux_available() {
        return;
    }
    for db in common::backends("e2e_two_editors").await {
        let url = db.url.clone();
        let alice = open_as("alice", &format!("alice-{}", db.name), &url);
        let bob = open_as("bob", &format!("bob-{}", db.name), &url);
        open_editor(&alice);
        open_editor(&bob);

        // Alice saves a change to the description.
        type_before(&alice, "weekly unit demand forecast", "ALICE ");
        save(&alice, "alice's wording");
        alice.wait_for("saved version 1.0.1");

        // Bob, still editing 1.0.0, changes the owner and the same words.
        type_before(&bob, "ml-platform", "bob-");
        type_before(&bob, "weekly unit demand forecast", "BOB ");
        save(&bob, "bob's owner");
        // The description collides: the merge panel names it, side by side.
        let panel = bob.wait_for("saved meanwhile: merge");
        assert!(panel.contains("/metadata/description"), "{panel}");
        assert!(panel.contains("is at 1.0.1 now (alice"), "{panel}");
        assert!(
            panel.contains("yours:") && panel.contains("theirs:"),
            "{panel}"
        );
        // Bob keeps alice's words there, then saves.
        bob.press_shown(&panel, "theirs");
        bob.wait_for("[theirs]");
        let panel = bob.screen();
        bob.press_shown(&panel, "save with these");
        bob.wait_for("Save as a new version");
        bob.keys(&["Enter"]);
        bob.wait_for("saved version 1.0.2");

        let m = latest_manifest(&alice);
        let description = m["metadata"]["description"].as_str().unwrap();
        assert!(
            description.contains("ALICE"),
            "alice's save kept: {description}"
        );
        assert!(
            !description.contains("BOB"),
            "bob chose theirs: {description}"
        );
        assert_eq!(m["metadata"]["owner"], "bob-ml-platform@nex.ai");

        // Bob edits 1.0.2 elsewhere while alice saves from it again: his
        // save merges without asking.
        bob.keys(&["e"]);
        bob.wait_for("editing 1.0.2");
        alice.keys(&["e"]);
        alice.wait_for("editing 1.0.2");
        type_before(&alice, "P10/P90", "A-");
        save(&alice, "");
        alice.wait_for("saved version 1.0.3");
        type_before(&bob, "store_id x sku_id x week", "B-");
        save(&bob, "");
        bob.wait_for("merged onto 1.0.3");
        let m = latest_manifest(&alice);
        assert!(m.to_string().contains("A-P10/P90"), "{m}");
        assert_eq!(m["requirements"]["grain"], "B-store_id x sku_id x week");
        drop((alice, bob));
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_chatting_on_one_recipe_keep_their_own_conversations() {
    if !tmux_available() {
        return;
    }
    for db in common::backends("e2e_two_chats").await {
        let url = db.url.clone();
        let alice = open_as("alice", &format!("chat-alice-{}", db.name), &url);
        let bob = open_as("bob", &format!("chat-bob-{}", db.name), &url);
        for (t, request) in [
            (&alice, "make MAPE under 12%"),
            (&bob, "make WAPE under 20%"),
        ] {
            t.keys(&["/"]);
            t.text("forecasting base");
            t.keys(&["Enter", "Enter"]);
            t.wait_for("lineage");
            t.keys(&["C"]);
            t.wait_for("to the offline assistant");
            t.text(request);
            t.keys(&["Enter"]);
            t.wait_for("[proposed:");
        }
        // Bob's screen shows his conversation only; alice's proposal is
        // still hers to apply after his request.
        std::thread::sleep(Duration::from_millis(1500));
        let bobs = bob.screen();
        assert!(!bobs.contains("MAPE under 12%"), "{bobs}");
        let alices = alice.wait_for("[proposed:");
        assert!(!alices.contains("WAPE under 20%"), "{alices}");
        alice.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(400));
        alice.keys(&["a"]);
        alice.wait_for("[applied]");
        // Bob applies his on top: merged with alice's version, both kept.
        bob.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(400));
        bob.keys(&["a"]);
        bob.wait_for("[applied]");
        let m = latest_manifest(&alice).to_string();
        assert!(m.contains("0.12"), "alice's threshold: {m}");
        assert!(m.contains("0.2"), "bob's threshold: {m}");
        drop((alice, bob));
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_resolved_meanwhile_is_not_acknowledged_and_says_who_resolved_it() {
    if !tmux_available() {
        return;
    }
    for db in common::backends("e2e_stale_alert").await {
        let url = db.url.clone();
        let seed = Tmux::start_seeded(&format!("alert-seed-{}", db.name), 100, 30, Some(&url));
        drop(seed);
        let alice = open_as("alice", &format!("alert-alice-{}", db.name), &url);
        // A model of the demo with an open alert, from a second shell.
        let home = tempfile::tempdir().unwrap();
        let cli = |args: &[&str]| {
            let out = common::nexml_command(home.path(), &url, "bob", args).output();
            common::outcome::succeeded(&out.unwrap(), args)
        };
        let models: serde_json::Value =
            serde_json::from_str(&cli(&["model", "list", "--json", "--status", "production"]))
                .unwrap();
        let open_alerts = |name: &str| -> Vec<i64> {
            let alerts: serde_json::Value = serde_json::from_str(&cli(&[
                "monitor", "alerts", name, "--state", "open", "--json",
            ]))
            .unwrap();
            alerts
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
                .unwrap_or_default()
        };
        let model = models["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["name"].as_str().map(str::to_string))
            .find(|name| !open_alerts(name).is_empty())
            .expect("the demo has a production model with an open alert");
        alice.keys(&["2", "/"]);
        alice.text(&model);
        alice.keys(&["Enter", "Enter"]);
        alice.wait_for("Overview");
        // To the alerts, an open one selected.
        alice.keys(&["a"]);
        alice.wait_for("open");
        // Bob resolves every open alert of the model from his shell; alice
        // then acknowledges the one she saw as open.
        let ids = open_alerts(&model);
        for id in &ids {
            cli(&["monitor", "resolve", &id.to_string()]);
        }
        alice.keys(&["a"]);
        let screen = alice.wait_for("resolved by bob");
        assert!(!screen.contains("acknowledged by alice"), "{screen}");
        assert!(
            open_alerts(&model).is_empty(),
            "none acknowledged or reopened"
        );
        drop(alice);
        db.cleanup().await;
    }
}
