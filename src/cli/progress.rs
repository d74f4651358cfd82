//! Progress of a long command on standard error: a bar with rate and time
//! left on a terminal, an occasional plain line otherwise (a log, a pipe),
//! nothing with `--json`.

use crate::seed::Step;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
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
    /// A bar per part of the job, each kept while others move (the parts
    /// of `generate` load side by side on PostgreSQL).
    Bars {
        bars: MultiProgress,
        parts: Vec<(String, ProgressBar)>,
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
            Mode::Bars {
                bars: MultiProgress::new(),
                parts: Vec::new(),
            }
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
            Mode::Bars { bars, parts } => {
                let index = match parts.iter().position(|(what, _)| what == step.what) {
                    Some(i) => i,
                    None => {
                        let bar = bars.add(ProgressBar::new(step.total));
                        bar.set_style(
                            ProgressStyle::with_template(
                                "{prefix} {bar:20} {human_pos}/{human_len} {msg} {per_sec:0} eta {eta}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                        );
                        bar.set_prefix(format!("{command}:"));
                        bar.set_message(step.what.to_string());
                        parts.push((step.what.to_string(), bar));
                        parts.len() - 1
                    }
                };
                let bar = &parts[index].1;
                bar.set_position(step.done);
                // A part done is redrawn with the others: without a rate,
                // which would fall to zero as it stands still.
                if step.done >= step.total && !bar.is_finished() {
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix} {bar:20} {human_pos}/{human_len} {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar.finish();
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
        if let Mode::Bars { parts, .. } = &mut self.mode {
            for (_, bar) in parts.drain(..) {
                bar.finish();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::ProgressDrawTarget;

    fn bars() -> Progress {
        Progress {
            command: "generate",
            mode: Mode::Bars {
                bars: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
                parts: Vec::new(),
            },
        }
    }

    /// Runs and snapshots load side by side on PostgreSQL: their steps come
    /// in turn, and each keeps its one bar (a new bar per turn stacked
    /// eighty of them on a million of each).
    #[test]
    fn parts_moving_in_turn_keep_a_bar_each_and_a_done_part_stops() {
        let mut p = bars();
        for (runs, snapshots) in [(25, 10), (50, 20), (50, 30)] {
            for (what, done, total) in [("runs", runs, 50), ("snapshots", snapshots, 40)] {
                p.show(Step { what, done, total });
            }
        }
        let Mode::Bars { parts, .. } = &p.mode else {
            panic!("not drawing bars");
        };
        let shown: Vec<(&str, u64, bool)> = parts
            .iter()
            .map(|(what, bar)| (what.as_str(), bar.position(), bar.is_finished()))
            .collect();
        assert_eq!(shown, [("runs", 50, true), ("snapshots", 30, false)]);
        p.finish();
        let Mode::Bars { parts, .. } = &p.mode else {
            panic!("not drawing bars");
        };
        assert!(parts.is_empty());
    }
}
