//! Progress of a long command on standard error: a bar with rate and time
//! left on a terminal, an occasional plain line otherwise (a log, a pipe),
//! nothing with `--json`.

use crate::seed::Step;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// When standard error is not a terminal: how long a job runs before it says
/// anything (a quick one stays quiet), and how often it speaks after that.
const PLAIN_AFTER: Duration = Duration::from_secs(2);
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    command: &'static str,
    mode: Mode,
}

enum Mode {
    Quiet,
    Bars {
        current: Option<(String, ProgressBar)>,
    },
    Plain {
        started: Instant,
        last: Option<Instant>,
    },
}

impl Progress {
    pub fn new(command: &'static str, quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars { current: None }
        } else {
            Mode::Plain {
                started: Instant::now(),
                last: None,
            }
        };
        Progress { command, mode }
    }

    pub fn show(&mut self, step: Step<'_>) {
        let command = self.command;
        match &mut self.mode {
            Mode::Quiet => {}
            Mode::Bars { current } => {
                if current.as_ref().is_none_or(|(what, _)| what != step.what) {
                    if let Some((_, bar)) = current.take() {
                        bar.finish();
                    }
                    let bar = ProgressBar::new(step.total);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix} {bar:30} {human_pos}/{human_len} {msg} {per_sec} eta {eta}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar.set_prefix(format!("{command}:"));
                    bar.set_message(step.what.to_string());
                    *current = Some((step.what.to_string(), bar));
                }
                if let Some((_, bar)) = current {
                    bar.set_position(step.done);
                }
            }
            Mode::Plain { started, last } => {
                let due = started.elapsed() >= PLAIN_AFTER
                    && last.is_none_or(|t| t.elapsed() >= PLAIN_EVERY);
                let closing = step.done == step.total && last.is_some();
                if due || closing {
                    crate::cli::output::write_err(&format!(
                        "{command}: {} of {} {}",
                        step.done, step.total, step.what
                    ));
                    *last = Some(Instant::now());
                }
            }
        }
    }

    pub fn finish(&mut self) {
        if let Mode::Bars { current } = &mut self.mode
            && let Some((_, bar)) = current.take()
        {
            bar.finish();
        }
    }
}
