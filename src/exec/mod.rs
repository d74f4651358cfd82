//! Executing a run: its steps as child process groups, their output
//! streamed into the run's log in chunks, the report lines they print
//! recorded as they come, a heartbeat, cancel and per-stage timeouts.

pub mod child;
pub mod plan;
mod signals;

use crate::domain::RunStatus;
use crate::runs::protocol::{self, Report};
use crate::service::Service;
use crate::service::tracking::RunReport;
use crate::store::Run;
use crate::store::tracking::NewMetricPoint;
use child::{Exit, Job, Line};
use color_eyre::eyre::{Result, WrapErr};
use plan::{Program, Step};
use signals::StopSignals;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often output is written to the run (and a screen sees it).
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// How often the executor vouches for its run (a write).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// How often it looks for a cancel (a read): a cancel takes effect within this.
const CANCEL_CHECK_EVERY: Duration = Duration::from_secs(1);
/// After the job exits, how long its output may still be arriving.
const DRAIN: Duration = Duration::from_secs(1);

/// Everything one execution needs.
pub struct Execution<'a> {
    pub service: &'a Service,
    pub run_id: i64,
    pub steps: Vec<Step>,
    pub manifest: serde_json::Value,
    pub run_dir: PathBuf,
    pub database_url: String,
    pub actor: String,
    /// Where commands given on the command line run (built-in stages run in the run dir).
    pub workdir: PathBuf,
    /// Where the job's output goes as it comes, besides the log (a terminal watching).
    pub echo: Option<&'a (dyn Fn(&str) + Sync)>,
}

/// How a step ended.
enum Ended {
    Exited(Exit),
    TimedOut(Duration),
    Cancelled(String),
    Unstartable(String),
}

impl Execution<'_> {
    /// Runs every step in order and ends the run as the first failure says.
    pub async fn run(self) -> Result<Run> {
        let executor = format!("{}:{}", child::this_host(), std::process::id());
        // Caught from before the run is claimed: from then on a signal stops
        // the job and ends the run as cancelled, never leaves it running.
        let mut signals =
            StopSignals::new().wrap_err("listening for SIGINT, SIGTERM and SIGHUP")?;
        self.service
            .claim_run(self.run_id, &executor, &self.actor)
            .await?;
        std::fs::create_dir_all(&self.run_dir)
            .wrap_err_with(|| format!("creating the run folder {}", self.run_dir.display()))?;
        let manifest_path = self.run_dir.join("manifest.json");
        std::fs::write(
            &manifest_path,
            serde_json::to_vec_pretty(&self.manifest).unwrap_or_default(),
        )
        .wrap_err_with(|| format!("writing {}", manifest_path.display()))?;
        let mut recorder = Recorder::new(&self);
        let mut outcome = (RunStatus::Succeeded, String::new(), None);
        for step in &self.steps {
            recorder.note(&format!("== {} ({}) ==", step.name, step.kind));
            let ended = self
                .step(step, &manifest_path, &mut recorder, &mut signals)
                .await;
            recorder.flush().await?;
            let failed = match ended {
                Ended::Exited(Exit::Code(0)) => None,
                Ended::Exited(Exit::Code(code)) => Some((
                    RunStatus::Failed,
                    format!("{}: exit status {code}", step.name),
                    Some(code as i64),
                )),
                Ended::Exited(Exit::Signal(sig)) => Some((
                    RunStatus::Failed,
                    format!("{}: killed by signal {sig}", step.name),
                    None,
                )),
                Ended::TimedOut(after) => Some((
                    RunStatus::Failed,
                    format!(
                        "{}: timed out after {} (timeout_minutes)",
                        step.name,
                        crate::text::duration(Some(after.as_secs() as i64))
                    ),
                    None,
                )),
                Ended::Cancelled(why) => Some((RunStatus::Cancelled, why, None)),
                Ended::Unstartable(why) => Some((
                    RunStatus::Failed,
                    format!("{}: {why}", step.name),
                    Some(127),
                )),
            };
            if let Some(f) = failed {
                outcome = f;
                break;
            }
        }
        let (status, reason, code) = outcome;
        recorder.note(&format!(
            "== {status}{} ==",
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            }
        ));
        recorder.flush().await?;
        Ok(self
            .service
            .finish_run(self.run_id, status, &reason, code, &self.actor)
            .await?)
    }

    async fn step(
        &self,
        step: &Step,
        manifest_path: &Path,
        recorder: &mut Recorder<'_>,
        signals: &mut StopSignals,
    ) -> Ended {
        let (argv, dir) = match &step.program {
            Program::Argv(argv) => (argv.clone(), self.workdir.clone()),
            Program::Shell(line) => (
                vec!["sh".into(), "-c".into(), line.clone()],
                self.workdir.clone(),
            ),
            Program::BuiltIn { family } => {
                let exe = std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| "nexml".into());
                (
                    vec![
                        exe,
                        "builtin-stage".into(),
                        "--family".into(),
                        family.clone(),
                        "--stage".into(),
                        step.kind.clone(),
                    ],
                    self.run_dir.clone(),
                )
            }
        };
        recorder.dir = dir.clone();
        let env = vec![
            ("NEXML_RUN_ID".to_string(), self.run_id.to_string()),
            ("NEXML_RUN_DIR".into(), self.run_dir.display().to_string()),
            ("NEXML_DATABASE_URL".into(), self.database_url.clone()),
            ("NEXML_MANIFEST".into(), manifest_path.display().to_string()),
            ("NEXML_STAGE".into(), step.name.clone()),
            ("NEXML_USER".into(), self.actor.clone()),
        ];
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut job = match Job::start(&argv, &env, &dir, tx) {
            Ok(job) => job,
            Err(e) => {
                recorder.note(&format!("cannot start {}: {e}", argv.join(" ")));
                return Ended::Unstartable(format!("cannot start '{}': {e}", argv[0]));
            }
        };
        let started = Instant::now();
        // A timeout too far away to be an instant is no deadline (the
        // manifest's check keeps it within a year; this keeps a stored
        // older one from panicking).
        let deadline = step.timeout.and_then(|t| started.checked_add(t));
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
        heartbeat.tick().await;
        let mut cancel_check = tokio::time::interval(CANCEL_CHECK_EVERY);
        cancel_check.tick().await;
        let stop = loop {
            let until_deadline = deadline
                .map(|d| d.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(86_400 * 365));
            tokio::select! {
                line = rx.recv() => match line {
                    Some(line) => recorder.line(line).await,
                    // Both streams closed: the job is ending.
                    None => match job.wait().await {
                        Ok(exit) => return Ended::Exited(exit),
                        Err(e) => return Ended::Unstartable(e.to_string()),
                    },
                },
                exit = job.wait() => {
                    let exit = match exit {
                        Ok(exit) => exit,
                        Err(e) => return Ended::Unstartable(e.to_string()),
                    };
                    // What it printed last may still be in the pipes.
                    let drain_until = Instant::now() + DRAIN;
                    while let Ok(Some(line)) = tokio::time::timeout_at(drain_until.into(), rx.recv()).await {
                        recorder.line(line).await;
                    }
                    return Ended::Exited(exit);
                }
                _ = flush.tick() => {
                    if let Err(e) = recorder.flush().await {
                        tracing::warn!(run = self.run_id, "recording output: {e:#}");
                    }
                }
                _ = heartbeat.tick() => {
                    match self.service.heartbeat_run(self.run_id).await {
                        Ok(true) => break Ended::Cancelled("cancelled on request".into()),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(run = self.run_id, "heartbeat: {e}"),
                    }
                }
                _ = cancel_check.tick() => {
                    match self.service.store().run_row(self.run_id).await {
                        Ok(run) if run.cancel_requested_at.is_some() => {
                            break Ended::Cancelled("cancelled on request".into());
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(run = self.run_id, "checking for a cancel: {e}"),
                    }
                }
                _ = tokio::time::sleep(until_deadline) => {
                    break Ended::TimedOut(step.timeout.unwrap_or_default());
                }
                why = signals.recv() => {
                    break Ended::Cancelled(why.into());
                }
            }
        };
        recorder.note(&match &stop {
            Ended::TimedOut(_) => "stopping the job: its stage timed out".to_string(),
            _ => "stopping the job: cancelled".to_string(),
        });
        if let Err(e) = job.stop(child::GRACE).await {
            recorder.note(&format!("stopping the job: {e}"));
        }
        while let Ok(line) = rx.try_recv() {
            recorder.line(line).await;
        }
        stop
    }
}

/// Gathers a job's output and reports between flushes.
struct Recorder<'a> {
    service: &'a Service,
    run_id: i64,
    actor: &'a str,
    run_dir: &'a Path,
    /// Where the job runs: relative artifact paths are from here.
    dir: PathBuf,
    echo: Option<&'a (dyn Fn(&str) + Sync)>,
    pending: RunReport,
    /// Each metric's highest step so far.
    last_steps: std::collections::HashMap<String, i64>,
}

impl<'a> Recorder<'a> {
    fn new(e: &'a Execution<'a>) -> Recorder<'a> {
        Recorder {
            service: e.service,
            run_id: e.run_id,
            actor: &e.actor,
            run_dir: &e.run_dir,
            dir: e.workdir.clone(),
            echo: e.echo,
            pending: RunReport::default(),
            last_steps: std::collections::HashMap::new(),
        }
    }

    /// A line of nexml's own in the log.
    fn note(&mut self, text: &str) {
        self.log(&format!("[nexml] {text}"));
    }

    fn log(&mut self, text: &str) {
        if let Some(echo) = self.echo {
            echo(text);
        }
        let log = self.pending.log.get_or_insert_with(String::new);
        log.push_str(text);
        log.push('\n');
    }

    async fn line(&mut self, line: Line) {
        self.log(&line.text);
        match protocol::parse_line(&line.text) {
            None => {}
            Some(Err(bad)) => self.note(&format!("not recorded: {bad}")),
            Some(Ok(report)) => self.report(report).await,
        }
    }

    async fn report(&mut self, report: Report) {
        let at = self.service.now();
        match report {
            Report::Metrics { values, step } => {
                for (key, value) in values {
                    let last = self.last_steps.entry(key.clone()).or_insert(-1);
                    // A value without a step is the metric's final one: it
                    // follows the steps before it.
                    let step = step.unwrap_or(*last + 1);
                    *last = (*last).max(step);
                    self.pending.metrics.push(NewMetricPoint {
                        key,
                        step,
                        value,
                        at,
                    });
                }
            }
            Report::Params(p) => self.pending.params.extend(p),
            Report::Tags(t) => self.pending.tags.extend(t),
            Report::Artifact(path) => {
                let source = self.dir.join(&path);
                let dest = source
                    .strip_prefix(self.run_dir.join("artifacts"))
                    .or_else(|_| source.strip_prefix(&self.dir))
                    .map(|p| p.display().to_string())
                    .unwrap_or(path.clone());
                let stored =
                    crate::artifacts::store_artifact(self.run_dir, self.run_id, &source, &dest, at);
                let registered = match stored {
                    Ok(a) => self
                        .service
                        .register_artifact(a, self.actor)
                        .await
                        .map_err(color_eyre::eyre::Report::from),
                    Err(e) => Err(e),
                };
                if let Err(e) = registered {
                    self.note(&format!("artifact not recorded: {e:#}"));
                }
            }
        }
    }

    /// Writes what gathered since the last flush, in one unit of work.
    async fn flush(&mut self) -> Result<()> {
        let report = std::mem::take(&mut self.pending);
        if report.is_empty() {
            return Ok(());
        }
        match self
            .service
            .report_run(self.run_id, report.clone(), self.actor)
            .await
        {
            Ok(()) => Ok(()),
            // A refused report (a param changed, a bad key): record what
            // can be (without the params, else only the log) and say why.
            Err(e) if e.is_refusal() => {
                let log = format!(
                    "{}[nexml] not recorded: {e}\n",
                    report.log.clone().unwrap_or_default()
                );
                let without_params = RunReport {
                    params: Vec::new(),
                    log: Some(log.clone()),
                    ..report
                };
                match self
                    .service
                    .report_run(self.run_id, without_params, self.actor)
                    .await
                {
                    Err(e) if e.is_refusal() => {
                        let only_log = RunReport {
                            log: Some(format!("{log}[nexml] not recorded: {e}\n")),
                            ..RunReport::default()
                        };
                        Ok(self
                            .service
                            .report_run(self.run_id, only_log, self.actor)
                            .await?)
                    }
                    other => Ok(other?),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Starts `nexml run exec --run ID` (with `command` after `--`) in a
/// process group of its own, so it goes on after the caller (a command or
/// the app) ends; its own output goes to `executor.log` in the run folder.
pub fn spawn_detached(
    database_url: &str,
    user: &str,
    run_id: i64,
    run_dir: &Path,
    command: &[String],
) -> Result<()> {
    std::fs::create_dir_all(run_dir)
        .wrap_err_with(|| format!("creating the run folder {}", run_dir.display()))?;
    let log_path = run_dir.join("executor.log");
    let log = std::fs::File::create(&log_path)
        .wrap_err_with(|| format!("creating {}", log_path.display()))?;
    let exe = std::env::current_exe().wrap_err("finding the nexml program")?;
    let mut child = std::process::Command::new(exe);
    child
        .args([
            "--database-url",
            database_url,
            "--user",
            user,
            "run",
            "exec",
            "--run",
        ])
        .arg(run_id.to_string());
    if !command.is_empty() {
        child.arg("--").args(command);
    }
    use std::os::unix::process::CommandExt;
    child
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().wrap_err("opening the executor log")?)
        .stderr(log)
        .process_group(0);
    let mut executor = child.spawn().wrap_err("starting the executor")?;
    // Reaped when it ends, so a long-lived caller (the app) keeps no zombie.
    std::thread::spawn(move || executor.wait());
    Ok(())
}
