//! Progress of a long command on standard error: a bar with rate and time
//! left on a terminal, an occasional plain line otherwise (a log, a pipe),
//! nothing with `--json`.

use crate::seed::Step;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often a plain line is written when standard error is not a terminal.
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
            Mode::Plain { last: None }
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
            Mode::Plain { last } => {
                let due = last.is_none_or(|t| t.elapsed() >= PLAIN_EVERY);
                if due || step.done == step.total {
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
