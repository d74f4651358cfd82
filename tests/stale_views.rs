//! A change carries what its author saw: an edit names the version it was
//! made from and is merged with versions saved since (or refused with the
//! places both changed), a move names the state it was chosen from, and a
//! conversation belongs to the person having it. On both backends, through
//! the service and through the real binary.

mod common;

use common::TestDb;
use nexml::domain::version::BumpChoice;
use nexml::domain::{AlertState, ChatStatus, ModelStatus, RecipeStatus};
use nexml::seed::seed_baselines;
use nexml::service::changes::{
    AddSnapshot, ApproveVersion, CloneRecipe, MoveAlert, MoveModel, MoveRecipe,
};
use nexml::service::{Conflict, Kind, ServiceError};
use nexml::store::{CommitOutcome, NewVersion, Recipe};
use serde_json::{Value, json};
use std::process::Output;

const PRICING: &str = "Pricing Optimization Baseline v1";

async fn pricing(db: &TestDb) -> Recipe {
    seed_baselines(&db.service()).await.unwrap();
    db.store.find_recipe(PRICING).await.unwrap()
}

fn edit(recipe: &Recipe, base: &str, manifest: Value) -> NewVersion {
    NewVersion {
        recipe_id: recipe.id,
        manifest,
        bump: BumpChoice::Auto,
        change_note: "edit".into(),
        parent_version_id: None,
        base_version: Some(base.into()),
    }
}

async fn chat_message(db: &TestDb, id: i64) -> nexml::store::ChatMessage {
    let mut s = db.store.read().await.unwrap();
    s.chat_message(id).await.unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_from_an_older_version_merges_or_names_the_places_both_changed() {
    for db in common::backends("stale_merge").await {
        let svc = db.service();
        let recipe = pricing(&db).await;
        let v1 = db.store.version(recipe.id, None).await.unwrap();
        let original = v1.manifest_json.clone();

        // Alice saves first, from 1.0.0.
        let mut alice = original.clone();
        alice["metadata"]["description"] = json!("alice's words");
        let first = svc
            .commit_version(edit(&recipe, "1.0.0", alice), "alice")
            .await
            .unwrap();
        let alice_version = first.version().version_number.clone();

        // Bob, still on 1.0.0, changes another place: both survive.
        let mut bob = original.clone();
        bob["metadata"]["owner"] = json!("bob@team");
        let merged = svc
            .commit_version(edit(&recipe, "1.0.0", bob), "bob")
            .await
            .unwrap();
        let CommitOutcome::Created {
            version,
            merged_onto: Some(onto),
        } = &merged
        else {
            panic!("expected a merged version: {merged:?}")
        };
        assert_eq!(onto.latest, alice_version);
        assert_eq!(
            version.manifest_json["metadata"]["description"],
            json!("alice's words"),
            "alice's change is not reverted"
        );
        assert_eq!(
            version.manifest_json["metadata"]["owner"],
            json!("bob@team")
        );
        assert!(
            version.change_note.contains("merged onto"),
            "{}",
            version.change_note
        );

        // Carol, still on 1.0.0, changes the place alice changed: refused,
        // naming it, and nothing is written.
        let before = db.store.versions(recipe.id).await.unwrap().len();
        let mut carol = original.clone();
        carol["metadata"]["description"] = json!("carol's words");
        let err = svc
            .commit_version(edit(&recipe, "1.0.0", carol), "carol")
            .await
            .unwrap_err();
        let ServiceError::Conflict(Conflict::Edit(conflict)) = &err else {
            panic!("expected a conflict: {err}")
        };
        assert_eq!(
            conflict
                .conflicts
                .iter()
                .map(|c| c.path.as_str())
                .collect::<Vec<_>>(),
            ["/metadata/description"]
        );
        assert_eq!(conflict.conflicts[0].mine, Some(json!("carol's words")));
        assert_eq!(conflict.conflicts[0].theirs, Some(json!("alice's words")));
        assert_eq!(conflict.latest_by, "bob");
        assert!(err.to_string().contains("/metadata/description"), "{err}");
        assert_eq!(db.store.versions(recipe.id).await.unwrap().len(), before);

        // Saved from the latest, it is an ordinary commit.
        let latest = db.store.version(recipe.id, None).await.unwrap();
        let mut dana = latest.manifest_json.clone();
        dana["metadata"]["description"] = json!("dana's words");
        let out = svc
            .commit_version(edit(&recipe, &latest.version_number, dana), "dana")
            .await
            .unwrap();
        assert!(matches!(
            out,
            CommitOutcome::Created {
                merged_onto: None,
                ..
            }
        ));
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_commits_from_the_base_a_file_names_and_refuses_conflicts_with_their_paths() {
    for db in common::backends("stale_cli").await {
        pricing(&db).await;
        let home = tempfile::tempdir().unwrap();
        let run = |user: &str, args: &[&str]| {
            common::nexml_command(home.path(), &db.url, user, args)
                .output()
                .unwrap()
        };
        // Two people take the manifest to edit, both at 1.0.0.
        let out = run("alice", &["recipe", "version", PRICING, "--manifest"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let file: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(file["$base"], json!("1.0.0"));

        let write = |name: &str, value: &Value| {
            let path = home.path().join(name);
            std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
            path.display().to_string()
        };
        let mut alice = file.clone();
        alice["evaluation"]["notes_alice"] = json!("a");
        alice["metadata"]["description"] = json!("alice");
        let mut bob = file.clone();
        bob["metadata"]["description"] = json!("bob");
        let mut carol = file.clone();
        carol["metadata"]["owner"] = json!("carol@team");
        let (a, b, c) = (
            write("a.json", &alice),
            write("b.json", &bob),
            write("c.json", &carol),
        );

        let out = run("alice", &["recipe", "commit", PRICING, "--manifest", &a]);
        assert!(out.status.success(), "{}", stderr(&out));

        // Bob's file says 1.0.0: his change to alice's place is refused.
        let out = run("bob", &["recipe", "commit", PRICING, "--manifest", &b]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains("/metadata/description"), "{err}");
        assert!(err.contains("moved on from 1.0.0"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

        // Carol's change elsewhere merges, keeping alice's.
        let out = run("carol", &["recipe", "commit", PRICING, "--manifest", &c]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("merged onto"), "{}", stdout(&out));
        let latest = db
            .store
            .version(db.store.find_recipe(PRICING).await.unwrap().id, None);
        let latest = latest.await.unwrap().manifest_json;
        assert_eq!(latest["metadata"]["description"], json!("alice"));
        assert_eq!(latest["metadata"]["owner"], json!("carol@team"));
        assert!(latest.get("$base").is_none(), "the marker is never stored");

        // --base says the same for a file without a marker; both disagreeing
        // is refused.
        let out = run(
            "bob",
            &[
                "recipe",
                "commit",
                PRICING,
                "--manifest",
                &b,
                "--base",
                "1.1.0",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("--base says 1.1.0"),
            "{}",
            stderr(&out)
        );
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_belong_to_people_and_only_their_author_settles_a_proposal() {
    for db in common::backends("stale_chat").await {
        let svc = db.service();
        let recipe = pricing(&db).await;
        let alice = svc
            .chat_ask(
                Some(recipe.id),
                "add a feature competitor_gap to competitive_position",
                false,
                "alice",
            )
            .await
            .unwrap();
        let alice_msg = alice.message.clone().unwrap();
        assert_eq!(alice_msg.status, ChatStatus::Proposed, "{}", alice.text);

        // Bob's conversation is his own: he sees none of alice's messages,
        // and his proposal leaves hers pending.
        let bob = svc
            .chat_ask(
                Some(recipe.id),
                "add a feature shelf_space to product_attributes",
                false,
                "bob",
            )
            .await
            .unwrap();
        let bob_msg = bob.message.clone().unwrap();
        let bobs = db
            .store
            .chat_history(Some(recipe.id), "bob", 50)
            .await
            .unwrap();
        assert!(bobs.iter().all(|m| m.created_by == "bob"));
        assert_eq!(bobs.len(), 2);
        let hers = chat_message(&db, alice_msg.id).await;
        assert_eq!(hers.status, ChatStatus::Proposed);

        // Neither can settle the other's proposal.
        let proposal = alice.proposal.clone().unwrap();
        let err = svc
            .chat_apply(Some(recipe.id), alice_msg.id, "x", &proposal, "bob")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("alice's"), "{err}");
        let err = svc.chat_reject(alice_msg.id, "bob").await.unwrap_err();
        assert!(err.to_string().contains("alice's"), "{err}");

        // Bob applies his: a new version. Alice's, proposed against the
        // version before, then applies merged with bob's (other places).
        let bob_proposal = bob.proposal.clone().unwrap();
        let bob_applied = svc
            .chat_apply(Some(recipe.id), bob_msg.id, "x", &bob_proposal, "bob")
            .await
            .unwrap();
        let applied = svc
            .chat_apply(Some(recipe.id), alice_msg.id, "x", &proposal, "alice")
            .await
            .unwrap();
        assert_ne!(applied.version, bob_applied.version);
        let latest = db.store.version(recipe.id, None).await.unwrap();
        let text = latest.manifest_json.to_string();
        assert!(text.contains("competitor_gap"), "alice's feature");
        assert!(
            text.contains("shelf_space"),
            "bob's feature is not reverted"
        );

        // Alice's newer request supersedes her older proposal, not rejects it.
        let first = svc
            .chat_ask(
                Some(recipe.id),
                "add a feature promo_depth to demand_context",
                false,
                "alice",
            )
            .await
            .unwrap();
        svc.chat_ask(
            Some(recipe.id),
            "add a feature promo_length to demand_context",
            false,
            "alice",
        )
        .await
        .unwrap();
        let older = chat_message(&db, first.message.unwrap().id).await;
        assert_eq!(older.status, ChatStatus::Superseded);
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_chosen_from_a_state_that_changed_since_is_refused_with_who_changed_it() {
    for db in common::backends("stale_moves").await {
        let svc = db.service();
        let recipe = pricing(&db).await;
        let model = svc
            .register_model(
                nexml::store::NewModel {
                    name: "m1".into(),
                    recipe_id: recipe.id,
                    version: None,
                    owner: "alice".into(),
                },
                "alice",
            )
            .await
            .unwrap();
        // Bob moves it to staging while alice's form still says draft.
        svc.move_model(MoveModel::to(model.id, ModelStatus::Staging), "bob")
            .await
            .unwrap();
        let err = svc
            .move_model(
                MoveModel::to(model.id, ModelStatus::Retired).seen(ModelStatus::Draft),
                "alice",
            )
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, ServiceError::Conflict(Conflict::Stale(_))),
            "{text}"
        );
        assert_eq!(err.kind(), Kind::Conflict);
        assert!(text.contains("staging by bob"), "{text}");
        assert_eq!(
            db.store.model(model.id).await.unwrap().status,
            ModelStatus::Staging
        );

        // An alert resolved by bob cannot be acknowledged from alice's view
        // of it as open.
        let snapshot = nexml::store::NewSnapshot {
            captured_at: svc.now(),
            // Above the pricing baseline's rule `units_mae_degradation`.
            performance: json!({"mae": 4.0}),
            drift: json!({}),
            freshness: json!({}),
            alerts: json!([]),
        };
        let recorded = svc
            .add_snapshot(AddSnapshot::to(model.id, snapshot), "alice")
            .await
            .unwrap();
        let alert = recorded.alerts.first().expect("an alert opens").clone();
        svc.move_alert(MoveAlert::to(alert.id, AlertState::Resolved), "bob")
            .await
            .unwrap();
        let err = svc
            .move_alert(
                MoveAlert::to(alert.id, AlertState::Acknowledged).seen(AlertState::Open),
                "alice",
            )
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("resolved by bob"), "{text}");
        assert!(text.contains("shown open"), "{text}");

        // A recipe bob archived cannot be archived again from alice's view
        // of it as approved; restored from what she sees now, it is.
        let child = svc
            .clone_recipe(CloneRecipe::of(recipe.id, "Shop Pricing"), "alice")
            .await
            .unwrap();
        svc.approve_version(ApproveVersion::latest(child.id), "carol")
            .await
            .unwrap();
        let archive = |seen| MoveRecipe {
            recipe: child.id,
            to: RecipeStatus::Archived,
            seen: Some(seen),
        };
        svc.move_recipe(archive(RecipeStatus::Approved), "bob")
            .await
            .unwrap();
        let err = svc
            .move_recipe(archive(RecipeStatus::Approved), "alice")
            .await
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), Kind::Conflict, "{text}");
        assert!(text.contains("archived by bob"), "{text}");
        let restore = MoveRecipe {
            recipe: child.id,
            to: RecipeStatus::Draft,
            seen: Some(RecipeStatus::Archived),
        };
        let restored = svc.move_recipe(restore, "alice").await.unwrap();
        assert_eq!(restored.status, RecipeStatus::Draft);
        db.cleanup().await;
    }
}

/// `nexml serve` on a free loopback port, stopped when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(home: &std::path::Path, url: &str) -> (Server, u16) {
    serve_as(home, url, "rest-user")
}

/// `nexml serve` acting as `user`.
fn serve_as(home: &std::path::Path, url: &str, user: &str) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let bind = format!("127.0.0.1:{port}");
    let child = common::nexml_command(home, url, user, &["serve", "--bind", &bind])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(&bind).is_err() {
        assert!(
            std::time::Instant::now() < until,
            "nexml serve did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (Server(child), port)
}

/// A JSON request through curl: its status and body.
fn send(port: u16, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let out = std::process::Command::new("curl")
        .args(["-s", "-X", method, "-H", "Content-Type: application/json"])
        .args(["-w", "\n%{http_code}", "--data-binary", &body.to_string()])
        .arg(format!("http://127.0.0.1:{port}/api/ml-development{path}"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').expect("a status line");
    (
        code.parse().unwrap(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_merges_a_save_from_an_older_version_and_answers_409_with_the_places() {
    for db in common::backends("stale_rest").await {
        let recipe = pricing(&db).await;
        let original = db
            .store
            .version(recipe.id, None)
            .await
            .unwrap()
            .manifest_json;
        let home = tempfile::tempdir().unwrap();
        let (_server, port) = serve(home.path(), &db.url);
        let path = format!("/recipes/{}/versions", recipe.id);

        let mut first = original.clone();
        first["metadata"]["description"] = json!("first");
        let (code, made) = send(
            port,
            "POST",
            &path,
            &json!({"manifest": first, "base_version": "1.0.0", "note": "one"}),
        );
        assert_eq!(code, 200, "{made}");
        assert_eq!(made["outcome"], "created");

        let mut other = original.clone();
        other["metadata"]["owner"] = json!("rest@team");
        let (code, merged) = send(
            port,
            "POST",
            &path,
            &json!({"manifest": other, "base_version": "1.0.0"}),
        );
        assert_eq!(code, 200, "{merged}");
        assert_eq!(merged["merged_onto"]["base"], "1.0.0");
        assert_eq!(
            merged["version"]["manifest_json"]["metadata"]["description"],
            "first"
        );

        let mut clash = original.clone();
        clash["metadata"]["description"] = json!("clash");
        let (code, refused) = send(
            port,
            "POST",
            &path,
            &json!({"manifest": clash, "base_version": "1.0.0"}),
        );
        assert_eq!(code, 409, "{refused}");
        assert_eq!(refused["error_code"], "RESOURCE_CONFLICT");
        assert_eq!(refused["conflicts"][0]["path"], "/metadata/description");
        assert_eq!(refused["conflicts"][0]["theirs"], "first");

        // A model moved since the caller looked: 409 too.
        db.service()
            .approve_version(ApproveVersion::latest(recipe.id), "dana")
            .await
            .unwrap();
        let (code, model) = send(
            port,
            "POST",
            "/models",
            &json!({"recipe_id": recipe.id, "name": "rest-model"}),
        );
        assert_eq!(code, 200, "{model}");
        let id = model["id"].as_i64().unwrap();
        db.service()
            .move_model(MoveModel::to(id, ModelStatus::Staging), "bob")
            .await
            .unwrap();
        let (code, stale) = send(
            port,
            "PUT",
            &format!("/models/{id}"),
            &json!({"status": "retired", "from": "draft"}),
        );
        assert_eq!(code, 409, "{stale}");
        assert_eq!(stale["error_code"], "RESOURCE_CONFLICT");
        assert!(
            stale["message"].as_str().unwrap().contains("by bob"),
            "{stale}"
        );
        // A rename beside a status that is none: refused whole, not renamed.
        let (code, refused) = send(
            port,
            "PUT",
            &format!("/models/{id}"),
            &json!({"name": "renamed", "status": "shipped"}),
        );
        assert_eq!(code, 400, "{refused}");
        assert!(
            refused["message"].as_str().unwrap().contains("shipped"),
            "{refused}"
        );
        assert_eq!(db.store.model(id).await.unwrap().name, "rest-model");
        drop(_server);
        db.cleanup().await;
    }
}

/// The REST answer's status and MLflow error code, and the CLI's exit status
/// and one `error:` line, for one refusal of each kind: both read the kind
/// (`ServiceError::kind`), whatever the message says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_refusal_has_its_http_status_and_exit_status() {
    for db in common::backends("refusal_kinds").await {
        let recipe = pricing(&db).await;
        let home = tempfile::tempdir().unwrap();
        let (_server, port) = serve(home.path(), &db.url);
        let cli = |user: &str, args: &[&str]| {
            common::nexml_command(home.path(), &db.url, user, args)
                .output()
                .unwrap()
        };
        // Exit 1 and one `error:` line, whatever the kind.
        let refused = |out: &Output| -> String {
            assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
            let err = stderr(out);
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
            assert!(err.starts_with("error: "), "{err}");
            err
        };
        let answer = |(code, body): (u16, Value)| (code, body["error_code"].clone(), body);
        let register = json!({"recipe_id": recipe.id, "name": "kinds"});
        let (code, model) = send(port, "POST", "/models", &register);
        assert_eq!(code, 200, "{model}");
        let id = model["id"].as_i64().unwrap();
        let model_path = format!("/models/{id}");

        // NotFound: 404.
        let (code, kind, body) = answer(send(port, "GET", "/models/999", &json!({})));
        assert_eq!(
            (code, kind),
            (404, json!("RESOURCE_DOES_NOT_EXIST")),
            "{body}"
        );
        let err = refused(&cli("alice", &["model", "show", "999"]));
        assert!(err.contains("no model '999'"), "{err}");

        // Invalid (a step the lifecycle does not take): 400.
        let to_production = json!({"status": "production"});
        let (code, kind, body) = answer(send(port, "PUT", &model_path, &to_production));
        assert_eq!(
            (code, kind),
            (400, json!("INVALID_PARAMETER_VALUE")),
            "{body}"
        );
        let err = refused(&cli("alice", &["model", "promote", "kinds", "production"]));
        assert!(err.contains("draft"), "{err}");

        // Exists (the name is taken): 400, as MLflow's client expects.
        let (code, kind, body) = answer(send(port, "POST", "/models", &register));
        assert_eq!(
            (code, kind),
            (400, json!("RESOURCE_ALREADY_EXISTS")),
            "{body}"
        );
        let err = refused(&cli(
            "alice",
            &["model", "register", "--recipe", PRICING, "--name", "kinds"],
        ));
        assert!(err.contains("already exists"), "{err}");

        // Conflict (moved since the caller looked): 409.
        let seen_staging = json!({"status": "retired", "from": "staging"});
        let (code, kind, body) = answer(send(port, "PUT", &model_path, &seen_staging));
        assert_eq!((code, kind), (409, json!("RESOURCE_CONFLICT")), "{body}");
        let out = cli("alice", &["recipe", "version", PRICING, "--manifest"]);
        let mut file: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut theirs = file.clone();
        theirs.as_object_mut().unwrap().remove("$base");
        theirs["metadata"]["description"] = json!("theirs");
        db.service()
            .commit_version(edit(&recipe, "1.0.0", theirs), "bob")
            .await
            .unwrap();
        file["metadata"]["description"] = json!("mine");
        let path = home.path().join("mine.json");
        std::fs::write(&path, file.to_string()).unwrap();
        let mine = path.display().to_string();
        let err = refused(&cli(
            "alice",
            &["recipe", "commit", PRICING, "--manifest", &mine],
        ));
        assert!(err.contains("/metadata/description"), "{err}");

        // Forbidden (governance: four-eyes; no anonymous changes on a shared
        // database): 403.
        let config = home.path().join("four-eyes.toml");
        std::fs::write(&config, "[governance]\ndistinct_approver = true\n").unwrap();
        let config = config.display().to_string();
        let err = refused(&cli(
            "bob",
            &["--config", &config, "recipe", "approve", PRICING],
        ));
        assert!(err.contains("four-eyes rule"), "{err}");
        {
            let anonymous = tempfile::tempdir().unwrap();
            let (_anonymous, port) = serve_as(anonymous.path(), &db.url, "unknown");
            let nameless = json!({"recipe_id": recipe.id, "name": "nameless"});
            let (code, kind, body) = answer(send(port, "POST", "/models", &nameless));
            if db.name == "postgres" {
                assert_eq!((code, kind), (403, json!("PERMISSION_DENIED")), "{body}");
            } else {
                // A database of one's own takes unsigned changes.
                assert_eq!(code, 200, "{body}");
            }
        }

        // Busy (another writer holds the model past the wait): 503, and the
        // CLI says to try again.
        let mut holder = db.store.write().await.unwrap();
        holder
            .lock(nexml::store::LockedTable::Model, id)
            .await
            .unwrap();
        let waiting_cli = common::nexml_command(
            home.path(),
            &db.url,
            "alice",
            &["model", "promote", "kinds", "staging"],
        )
        .spawn()
        .unwrap();
        let to_staging = json!({"status": "staging"});
        let rest = tokio::task::spawn_blocking(move || send(port, "PUT", &model_path, &to_staging));
        let out = tokio::task::spawn_blocking(move || waiting_cli.wait_with_output().unwrap());
        let (code, kind, body) = answer(rest.await.unwrap());
        let out = out.await.unwrap();
        drop(holder);
        assert_eq!(
            (code, kind),
            (503, json!("TEMPORARILY_UNAVAILABLE")),
            "{body}"
        );
        let err = refused(&out);
        assert!(err.trim_end().ends_with("; try again"), "{err}");

        drop(_server);
        db.cleanup().await;
    }
}
