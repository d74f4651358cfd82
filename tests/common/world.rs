//! A backend's database seeded with the baselines, a home for files, and
//! `nexml` run there as alice: the setting of the tests that drive the real
//! binary on every backend. A test file adds its own helpers in an `impl
//! World` of its own.

use super::TestDb;
use super::outcome;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

pub struct World {
    pub db: TestDb,
    pub home: tempfile::TempDir,
    /// Run each process under an 8 GiB address-space cap: a reader that
    /// does not stop fails the test instead of taking the machine's memory.
    pub memory_cap: bool,
}

impl World {
    /// One world per compiled backend (PostgreSQL when reachable).
    pub async fn all(label: &str) -> Vec<World> {
        let mut out = Vec::new();
        for db in super::backends(label).await {
            out.push(World::on(db));
        }
        out
    }

    #[cfg(feature = "sqlite")]
    pub async fn sqlite() -> World {
        World::on(super::sqlite().await)
    }

    pub fn on(db: TestDb) -> World {
        let w = World {
            db,
            home: tempfile::tempdir().expect("a temporary home"),
            memory_cap: false,
        };
        w.ok(&["--seed"]);
        w
    }

    /// The same worlds, each process capped in memory.
    pub fn capped(mut worlds: Vec<World>) -> Vec<World> {
        for w in &mut worlds {
            w.memory_cap = true;
        }
        worlds
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = super::nexml_command(self.home.path(), &self.db.url, "alice", args);
        c.env("NEXML_RUNS_DIR", self.path("runs"))
            .env("NEXML_BIN", env!("CARGO_BIN_EXE_nexml"))
            .current_dir(self.home.path());
        if self.memory_cap {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs here.
            unsafe {
                c.pre_exec(|| {
                    let limit = libc::rlimit {
                        rlim_cur: 8 << 30,
                        rlim_max: 8 << 30,
                    };
                    libc::setrlimit(libc::RLIMIT_AS, &limit);
                    Ok(())
                });
            }
        }
        c
    }

    /// Runs nexml to its end, reading its output as it comes; one that
    /// hangs for five minutes is killed and fails the test instead of
    /// hanging it.
    pub fn run(&self, args: &[&str]) -> Output {
        let child = self.command(args).spawn().expect("starting nexml");
        let pid = child.id() as libc::pid_t;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(out) => out.expect("its output"),
            Err(_) => {
                // SAFETY: a plain signal to the child this test started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                let out = rx.recv().expect("its output").expect("its output");
                panic!("nexml {args:?} hung\n{}", outcome::show(&out));
            }
        }
    }

    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        outcome::succeeded(&self.run(args), args)
    }

    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        outcome::json(&self.ok(&all))
    }

    /// A refusal: exit 1 and one `error:` line, returned.
    #[track_caller]
    pub fn refused(&self, args: &[&str]) -> String {
        outcome::refusal(&self.run(args))
    }
}
