//! What a team relies on, through the real binary on every backend: a
//! closed session stops its run's job (SIGHUP, SIGTERM), a watched folder
//! takes a batch once it is complete and once only, inputs that are not
//! regular files (devices, FIFOs) or are too large are refused without
//! hanging or filling memory, and manifest numbers that feed execution are
//! bounded at commit.

mod common;

use common::batches::pricing_batch;

use common::outcome::show;
use common::world::World;
use std::path::Path;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

const FORECASTING: &str = "Forecasting Baseline v1";
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
}

/// Waits for a child with its output, failing (and killing it) after a
/// minute: a reader that hangs fails the test instead of hanging it.
fn finish(mut child: Child, what: &[&str]) -> Output {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("waiting for nexml").is_some() {
            return child.wait_with_output().expect("its output");
        }
        if Instant::now() > until {
            let _ = child.kill();
            let out = child.wait_with_output().expect("its output");
            panic!("nexml {what:?} hung\n{}", show(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.display().to_string()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path only.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// The live (not zombie) processes of process group `pgid`, from /proc.
fn live_processes_of_group(pgid: i32) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...: the name may hold spaces.
        let Some((_, after)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.len() > 2 && fields[2] == pgid.to_string() && fields[0] != "Z" {
            out.push(stat.trim().to_string());
        }
    }
    out
}

/// SIGHUP (a closed SSH session) and SIGTERM to `run exec` stop the job's
/// whole process group as ctrl-c does, and the run says it was stopped;
/// the terminal going away first (its output closed) changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn sighup_and_sigterm_to_run_exec_stop_the_job_and_say_so() {
    for w in World::capped(World::all("exec_signals").await) {
        for (signal, name) in [(libc::SIGHUP, "SIGHUP"), (libc::SIGTERM, "SIGTERM")] {
            let pidfile = w.path(&format!("job-{name}.pid"));
            let _ = std::fs::remove_file(&pidfile);
            // A job that sleeps, with a child of its own in its group.
            let script = format!(
                "echo $$ > {}.tmp; mv {0}.tmp {0}; sleep 300 & sleep 300",
                pidfile.display()
            );
            let mut exec = w
                .command(&[
                    "run",
                    "exec",
                    "--recipe",
                    FORECASTING,
                    "--",
                    "sh",
                    "-c",
                    &script,
                ])
                .spawn()
                .expect("starting run exec");
            let until = Instant::now() + Duration::from_secs(30);
            while !pidfile.exists() {
                assert!(Instant::now() < until, "the job never started");
                std::thread::sleep(Duration::from_millis(50));
            }
            let pgid: i32 = std::fs::read_to_string(&pidfile)
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            assert!(
                live_processes_of_group(pgid).len() >= 2,
                "the job and its child run"
            );
            // The session's terminal goes first: nothing reads the output.
            drop(exec.stdout.take());
            // SAFETY: kill(2) signals the process we started.
            assert_eq!(unsafe { libc::kill(exec.id() as i32, signal) }, 0);
            let out = finish(exec, &["run", "exec"]);
            assert_eq!(out.status.code(), Some(1), "{name}\n{}", show(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&format!("cancelled: interrupted ({name}")),
                "{err}"
            );
            let left = live_processes_of_group(pgid);
            assert!(
                left.is_empty(),
                "{name}: the job's processes remain: {left:?}"
            );
            let page = w.json(&["run", "list", "--limit", "1"]);
            let run = &page["items"][0];
            assert_eq!(run["status"], "cancelled", "{name}: {run}");
            let reason = run["status_reason"].as_str().unwrap_or_default();
            assert!(
                reason.starts_with(&format!("interrupted ({name}")),
                "{reason}"
            );
            // The log has it all, though the terminal was gone.
            let id = run["id"].as_i64().unwrap().to_string();
            let log = w.ok(&["run", "logs", &id]);
            assert!(log.contains("[nexml] stopping the job: cancelled"), "{log}");
            assert!(log.contains("[nexml] == cancelled: interrupted"), "{log}");
        }
        w.db.cleanup().await;
    }
}

/// A batch written in two halves 3 s apart into a watched folder is one
/// snapshot: taken once it stopped changing, and never again.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_written_in_two_halves_gives_one_snapshot() {
    for w in World::capped(World::all("watch_halves").await) {
        let reference = w.pricing_model();
        let inbox = w.path("inbox");
        std::fs::create_dir(&inbox).unwrap();
        let folder = inbox.display().to_string();
        let mut watch = w
            .command(&[
                "monitor",
                "watch",
                &folder,
                "--model",
                "pm",
                "--reference",
                &reference,
            ])
            .spawn()
            .expect("starting the watch");
        std::thread::sleep(Duration::from_secs(1));
        let batch = pricing_batch("2026-11-02", 3.0);
        let (first, rest) = batch.split_at(batch.len() / 2);
        let path = inbox.join("sales-2026-11-02.csv");
        std::fs::write(&path, first).unwrap();
        std::thread::sleep(Duration::from_secs(3));
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(rest.as_bytes())
            .unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        while w.snapshots() == 0 {
            assert!(Instant::now() < until, "the batch was never ingested");
            std::thread::sleep(Duration::from_millis(200));
        }
        // Long enough for a second snapshot, were one coming.
        std::thread::sleep(Duration::from_secs(7));
        let _ = watch.kill();
        let out = watch.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(w.snapshots(), 1, "one batch, one snapshot\n{}", show(&out));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{stdout}");
        assert!(
            lines[0].contains("sales-2026-11-02.csv: snapshot"),
            "{stdout}"
        );
        // The whole file was measured: all 60 rows, not the first half.
        let list = w.json(&["monitor", "list", "pm"]);
        let alerts = w.json(&["monitor", "alerts", "pm"]);
        assert!(
            alerts.as_array().is_some_and(|a| !a.is_empty()),
            "the bad batch fired: {list}"
        );
        w.db.cleanup().await;
    }
}

/// Devices and FIFOs as `monitor ingest --current`, or a file over the
/// size limit, are refused at once with one line naming the file; memory
/// stays small.
#[tokio::test(flavor = "multi_thread")]
async fn devices_fifos_and_huge_files_are_refused_without_reading() {
    for w in World::capped(World::all("input_kinds").await) {
        let reference = w.pricing_model();
        let fifo = w.path("batch.csv");
        mkfifo(&fifo);
        let sparse = w.path("sparse.csv");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(2 << 30)
            .unwrap();
        let fifo_name = fifo.display().to_string();
        let sparse_name = sparse.display().to_string();
        for (current, says) in [
            (
                "/dev/zero",
                "/dev/zero: not a regular file (a character device)".to_string(),
            ),
            (
                "/dev/urandom",
                "/dev/urandom: not a regular file (a character device)".to_string(),
            ),
            (
                fifo_name.as_str(),
                format!("{fifo_name}: not a regular file (a FIFO)"),
            ),
            (
                sparse_name.as_str(),
                format!(
                    "{sparse_name}: 2147483648 bytes; at most 1 GiB (1073741824 bytes) are read"
                ),
            ),
        ] {
            let err = w.refused(&[
                "monitor",
                "ingest",
                "pm",
                "--reference",
                &reference,
                "--current",
                current,
            ]);
            assert!(err.contains(&says), "{current}: {err}");
        }
        // The same as the reference.
        let err = w.refused(&[
            "monitor",
            "ingest",
            "pm",
            "--reference",
            "/dev/zero",
            "--current",
            &reference,
        ]);
        assert!(err.contains("/dev/zero: not a regular file"), "{err}");
        assert_eq!(w.snapshots(), 0);
        // SAFETY: getrusage fills the struct it is given.
        let peak_kib = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
            usage.ru_maxrss
        };
        assert!(peak_kib < 1 << 20, "a child reached {peak_kib} KiB");
        w.db.cleanup().await;
    }
}

/// A FIFO where an import folder's manifest should be is refused, naming
/// it, instead of waiting for a writer forever.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_in_an_import_folder_is_refused() {
    for w in World::capped(World::all("import_fifo").await) {
        let dir = w.path("recipes");
        let folder = dir.display().to_string();
        w.ok(&["recipe", "export", PRICING, "--to", &folder]);
        let versions = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path().join("versions"))
            .find(|p| p.is_dir())
            .expect("an exported recipe");
        let manifest = versions.join("1.0.0.json");
        std::fs::remove_file(&manifest).unwrap();
        mkfifo(&manifest);
        let err = w.refused(&["recipe", "import", &folder]);
        assert!(
            err.contains(&format!(
                "{}: not a regular file (a FIFO); only regular files are read",
                manifest.display()
            )),
            "{err}"
        );
        w.db.cleanup().await;
    }
}

/// A stage timeout too large to be a time is refused at commit, naming
/// where it is; so are other counts and durations out of range.
#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_timeout_is_refused_at_commit() {
    for w in World::capped(World::all("manifest_ranges").await) {
        let v = w.json(&["recipe", "version", PRICING]);
        let mut m = v["manifest_json"].clone();
        m["pipeline"]["stages"][0]["timeout_minutes"] = serde_json::json!(1e300);
        let file = w.path("huge-timeout.json");
        std::fs::write(&file, serde_json::to_string_pretty(&m).unwrap()).unwrap();
        let file = file.display().to_string();
        let err = w.refused(&["recipe", "commit", PRICING, "--manifest", &file]);
        assert!(
            err.contains(
                "/pipeline/stages/0/timeout_minutes: 1e+300 is greater than the maximum of 525600"
            ),
            "{err}"
        );
        let after = w.json(&["recipe", "version", PRICING]);
        assert_eq!(
            after["version_number"], v["version_number"],
            "nothing stored"
        );
        w.db.cleanup().await;
    }
}
