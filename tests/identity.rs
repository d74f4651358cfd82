//! Who acts: every change is signed, so a process that cannot say who it is
//! says so, and a database a team shares takes no anonymous changes.

mod common;

use nexml::seed::seed_baselines;
use std::process::Output;

const PRICING: &str = "Pricing Optimization Baseline v1";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn anonymous_changes_are_refused_only_on_a_shared_database() {
    for db in common::backends("identity").await {
        seed_baselines(&db.service()).await.unwrap();
        let home = tempfile::tempdir().unwrap();
        let clone = ["recipe", "clone", PRICING, "--name", "Anon"];
        let out = common::nexml_command(home.path(), &db.url, "unknown", &clone)
            .output()
            .unwrap();
        match db.name {
            "postgres" => {
                assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
                assert!(
                    stderr(&out).contains("no user is known"),
                    "{}",
                    stderr(&out)
                );
                assert!(
                    db.store.find_recipe("Anon").await.is_err(),
                    "nothing written"
                );
            }
            _ => assert!(out.status.success(), "{}", stderr(&out)),
        }
        // Reads need no name.
        let out = common::nexml_command(home.path(), &db.url, "unknown", &["recipe", "list"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

/// A process whose account has no name (a container's bare uid) and no
/// `--user` or `NEXML_USER` is told once, and signs nothing on PostgreSQL.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_nameless_account_is_told_who_to_be() {
    let Some(db) = common::postgres("identity_nameless").await else {
        return;
    };
    seed_baselines(&db.service()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=48213", "--regid=48213", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_nexml"))
        .args([
            "--database-url",
            &db.url,
            "recipe",
            "clone",
            PRICING,
            "--name",
            "Anon",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("setpriv runs nexml as a uid with no account name");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("note: no login name found: set --user or NEXML_USER"),
        "{err}"
    );
    assert!(err.contains("no user is known"), "{err}");
}
