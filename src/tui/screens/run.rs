//! A run: its details and log, followed like `tail -f` while it runs, with
//! search through the log.

mod view;

use super::DrawCx;
use super::{
    Answer, Component, Cx, LineEdit, Outcome, Screen, ScreenKey, edit_line, is_movement,
    step_chart, step_index,
};
use crate::domain::RunStatus;
use crate::keymap::{Command, Context};
use crate::service::changes::{CancelRuns, Rerun, StartRun};
use crate::service::{Service, ServiceResult};
use crate::store::{Change, Run};
use crate::tui::audit::AuditScope;
use crate::tui::effects::{Effect, OwnLoad, Task};
use crate::tui::forms::FormRequest;
use crate::tui::submit::Submission;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

// Its own commands and where its keys are looked up (`[run]` in
// assets/keymap.toml).
pub const OPEN_MODEL: Command = Command::new("open_model", "open the model").hinted("model");
pub const NEXT_MATCH: Command =
    Command::new("next_match", "next search match").hinted("next match");
pub const PREV_MATCH: Command = Command::new("prev_match", "previous search match");
pub const FOLLOW: Command = Command::new("follow", "follow the growing log");
pub const RERUN: Command = Command::new(
    "rerun",
    "start this queued run, or run an ended one again (its version, model and type)",
);
pub const VIEW_ARTIFACT: Command = Command::new(
    "view_artifact",
    "preview the next artifact file (after the last, the log again)",
)
.hinted("artifact");
pub const UPDATE_RUN: Command = Command::new(
    "update_run",
    "change status, attach metrics, append to the log",
)
.hinted("update");
pub const LINK_EXPERIMENT: Command = Command::new(
    "link_experiment",
    "link the run's experiment (made through MLflow) to a recipe: its runs become the recipe's",
)
.hinted("link");
/// A run's screen.
pub const KEYS: Context = Context::new(
    "run",
    &[
        Command::SEARCH,
        Command::OPEN_RECIPE,
        OPEN_MODEL,
        NEXT_MATCH,
        PREV_MATCH,
        FOLLOW,
        Command::CANCEL_RUN,
        RERUN,
        Command::NEXT_METRIC,
        Command::PREV_METRIC,
        VIEW_ARTIFACT,
        UPDATE_RUN,
        LINK_EXPERIMENT,
    ],
)
.runs("on a run (open one with enter in Runs)");

pub struct RunScreen {
    pub id: i64,
    pub run: Option<Run>,
    /// Params, tags, metric summaries and artifact files.
    pub view: Option<RunView>,
    /// The charted metric (None: the one with the most points).
    pub metric: Option<String>,
    /// The artifact previewed in place of the log (None: the log).
    pub artifact: Option<usize>,
    pub scroll: usize,
    pub follow: bool,
    /// The log search's prompt is open (keys are typed into `search`).
    pub searching: bool,
    pub search: String,
    pub matches: Vec<usize>,
    pub current_match: usize,
}

/// The run screen for `id`, and its first load.
pub fn open(id: i64) -> (Screen, Vec<Effect>) {
    let screen = RunScreen {
        id,
        run: None,
        view: None,
        metric: None,
        artifact: None,
        scroll: 0,
        follow: false,
        searching: false,
        search: String::new(),
        matches: Vec::new(),
        current_match: 0,
    };
    (Box::new(screen), vec![load(id, None)])
}

/// The run with what it recorded, and `metric`'s history for the chart
/// (None: the metric with the most points).
fn load(id: i64, metric: Option<String>) -> Effect {
    let read = move |service: Service| {
        let metric = metric.clone();
        async move { load_run(service.store(), id, metric).await }
    };
    Effect::Task(Task::Own(OwnLoad::new(
        ScreenKey::Run(id),
        format!("run {id}"),
        read,
    )))
}

/// A run as its screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub detail: crate::store::tracking::RunDetail,
    /// The charted metric and its history, thinned for the screen.
    pub chart: Option<(String, crate::store::tracking::MetricSeries)>,
    /// The first lines of each artifact file that is text, JSON or CSV
    /// (None: not previewable, or no longer on this machine).
    pub previews: Vec<(String, Option<Vec<String>>)>,
}

/// Artifact files previewed per run, and lines per preview.
const PREVIEWED: usize = 20;
const PREVIEW_LINES: usize = 200;

/// Points of a charted history: about two per column of a wide terminal.
pub const CHART_POINTS: i64 = 600;

async fn load_run(
    store: &dyn crate::store::Store,
    id: i64,
    metric: Option<String>,
) -> ServiceResult<RunView> {
    let detail = store.run_detail(id, 0).await?;
    let key = metric
        .filter(|m| detail.metric_summaries.iter().any(|s| &s.key == m))
        .or_else(|| {
            detail
                .metric_summaries
                .iter()
                .max_by_key(|s| s.points)
                .map(|s| s.key.clone())
        });
    let chart = match key {
        Some(k) => {
            let series = store.metric_series(id, &k, CHART_POINTS).await?;
            Some((k, series))
        }
        None => None,
    };
    let previews = detail
        .artifact_files
        .iter()
        .take(PREVIEWED)
        .map(|a| (a.path.clone(), crate::artifacts::preview(a, PREVIEW_LINES)))
        .collect();
    Ok(RunView {
        detail,
        chart,
        previews,
    })
}

const HINTS: &[Command] = &[
    Command::NEXT_METRIC,
    VIEW_ARTIFACT,
    Command::CANCEL_RUN,
    UPDATE_RUN,
    Command::SEARCH,
    FOLLOW,
    Command::BACK,
    Command::HELP,
];

impl RunScreen {
    fn log_lines(&self) -> usize {
        if let Some(lines) = self.previewed() {
            return lines.len();
        }
        self.run.as_ref().map_or(0, |r| r.log().lines().count())
    }

    /// The previewed artifact's path and lines, when one is shown.
    pub fn previewed_artifact(&self) -> Option<(&str, Option<&[String]>)> {
        let i = self.artifact?;
        let (path, lines) = self.view.as_ref()?.previews.get(i)?;
        Some((path.as_str(), lines.as_deref()))
    }

    fn previewed(&self) -> Option<&[String]> {
        self.previewed_artifact().and_then(|(_, lines)| lines)
    }

    /// Lines of the log containing the search text (case-insensitive).
    pub fn find_matches(&mut self) {
        let needle = self.search.to_lowercase();
        self.matches = match (&self.run, needle.is_empty()) {
            (Some(run), false) => run
                .log()
                .lines()
                .enumerate()
                .filter(|(_, l)| l.to_lowercase().contains(&needle))
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
        self.current_match = 0;
        if let Some(first) = self.matches.first() {
            self.scroll = *first;
        }
    }

    fn step_match(&mut self, cx: &mut Cx, forward: bool) {
        if self.matches.is_empty() {
            cx.say("no matches");
            return;
        }
        let n = self.matches.len();
        self.current_match = if forward {
            (self.current_match + 1) % n
        } else {
            (self.current_match + n - 1) % n
        };
        self.scroll = self.matches[self.current_match];
        // A match shown stays shown: following would pin the end again.
        let stopped = if self.follow {
            " (stopped following)"
        } else {
            ""
        };
        self.follow = false;
        cx.say(format!(
            "match {} of {}{stopped}",
            self.current_match + 1,
            n
        ));
    }

    fn toggle_follow(&mut self, cx: &mut Cx) {
        self.follow = !self.follow;
        if self.follow {
            self.scroll = self.log_lines().saturating_sub(1);
            cx.say("following the log");
        } else {
            cx.say("stopped following");
        }
    }

    /// Charts the next (or previous) metric the run has a history of.
    fn step_metric(&mut self, cx: &mut Cx, forward: bool) -> Outcome {
        let keys: Vec<&str> = self
            .view
            .as_ref()
            .map(|v| {
                v.detail
                    .metric_summaries
                    .iter()
                    .map(|m| m.key.as_str())
                    .collect()
            })
            .unwrap_or_default();
        if keys.is_empty() {
            cx.say("this run has no metric history yet");
            return Outcome::done();
        }
        let shown = self
            .view
            .as_ref()
            .and_then(|v| v.chart.as_ref())
            .map(|(k, _)| k.as_str());
        self.metric = Some(step_chart(cx, &keys, shown.as_ref(), forward));
        Outcome::Effects(self.reload())
    }

    /// The next artifact's preview in place of the log; after the last,
    /// the log again.
    fn next_artifact(&mut self, cx: &mut Cx) {
        let n = self.view.as_ref().map_or(0, |v| v.previews.len());
        if n == 0 {
            cx.say("this run has no artifact files");
            return;
        }
        self.artifact = match self.artifact {
            None => Some(0),
            Some(i) if i + 1 < n => Some(i + 1),
            Some(_) => None,
        };
        self.scroll = 0;
        self.follow = false;
        if self.artifact.is_none() {
            cx.say("the log again");
        }
    }

    fn cancel(&self, cx: &mut Cx) -> Outcome {
        match &self.run {
            Some(r) if !r.status.is_finished() => Outcome::Confirm {
                message: format!(
                    "Cancel run {} ({} of '{}')? Its job gets SIGTERM, then SIGKILL after {} s.",
                    r.id,
                    r.run_type,
                    r.recipe_or_experiment(),
                    crate::exec::child::GRACE.as_secs()
                ),
                submission: Box::new(Submission::CancelRuns(CancelRuns { runs: vec![r.id] })),
            },
            Some(r) => {
                cx.say(format!("run {} is {} already", r.id, r.status));
                Outcome::done()
            }
            None => Outcome::done(),
        }
    }

    /// A queued run nobody executes is started; an ended one runs again as
    /// a new run (asked first: it executes the recipe's commands).
    fn rerun(&self) -> Outcome {
        let Some(r) = &self.run else {
            return Outcome::done();
        };
        if r.status == RunStatus::Queued {
            return Outcome::effect(Task::Submit(Submission::StartRun(StartRun { run: r.id })));
        }
        Outcome::Confirm {
            message: format!(
                "Run {} of {} again, as a new run? It executes that version's commands.",
                r.run_type,
                r.origin()
            ),
            submission: Box::new(Submission::Rerun(Rerun { run: r.id })),
        }
    }

    /// A new reading of the run: followed to its end while following, and
    /// its matches found again (the view stays where it was).
    fn take(&mut self, run: &Run) {
        // A run still going is followed from when it opens, as `tail -f`.
        if self.run.is_none() && !run.status.is_finished() {
            self.follow = true;
        }
        self.run = Some(run.clone());
        if self.follow {
            self.scroll = self.log_lines().saturating_sub(1);
        }
        if !self.search.is_empty() {
            let keep = self.scroll;
            self.find_matches();
            self.scroll = keep;
        }
    }
}

impl Component for RunScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.theme, frame, area, cx.now)
    }

    fn context(&self) -> Context {
        KEYS
    }

    fn crumb(&self) -> String {
        format!("run {}", self.id)
    }

    fn key(&self) -> Option<ScreenKey> {
        Some(ScreenKey::Run(self.id))
    }

    fn hints(&self) -> &'static [Command] {
        HINTS
    }

    fn unavailable(&self, command: Command) -> Option<&'static str> {
        let r = self.run.as_ref()?;
        match command {
            RERUN if r.recipe_id.is_none() => {
                Some("its experiment has no recipe, so no commands to run (E links one)")
            }
            LINK_EXPERIMENT if r.recipe_id.is_some() => Some("its experiment has a recipe"),
            RERUN if r.status == RunStatus::Running => Some("the run is running"),
            RERUN if r.executor.is_some() && !r.status.is_final() => Some("an executor holds it"),
            _ => None,
        }
    }

    fn on_command(&mut self, cx: &mut Cx, command: Command) -> Outcome {
        match command {
            c if is_movement(c) => {
                self.scroll = step_index(self.scroll, self.log_lines(), c, cx.page);
                self.follow = c == Command::BOTTOM && self.follow;
            }
            Command::SEARCH => self.searching = true,
            UPDATE_RUN => return Outcome::form(FormRequest::UpdateRun(self.id)),
            LINK_EXPERIMENT => {
                if let Some(r) = &self.run {
                    return Outcome::form(FormRequest::LinkExperiment {
                        experiment: r.experiment_id,
                        name: r.experiment_name.clone(),
                    });
                }
            }
            NEXT_MATCH => self.step_match(cx, true),
            PREV_MATCH => self.step_match(cx, false),
            FOLLOW => self.toggle_follow(cx),
            Command::NEXT_METRIC => return self.step_metric(cx, true),
            Command::PREV_METRIC => return self.step_metric(cx, false),
            Command::CANCEL_RUN => return self.cancel(cx),
            RERUN => return self.rerun(),
            VIEW_ARTIFACT => self.next_artifact(cx),
            Command::OPEN_RECIPE => match self.run.as_ref().map(|r| r.recipe_id) {
                Some(Some(id)) => return Outcome::push(super::recipe::open(id)),
                Some(None) => cx.say("this run's experiment has no recipe"),
                None => {}
            },
            OPEN_MODEL => match self.run.as_ref().and_then(|r| r.model_id) {
                Some(id) => {
                    return Outcome::push(super::model::open(id, super::ModelSection::Overview));
                }
                None => cx.say("this run has no model"),
            },
            _ => return Outcome::Ignored,
        }
        Outcome::done()
    }

    fn on_key(&mut self, _cx: &mut Cx, key: KeyEvent) -> Option<Outcome> {
        if !self.searching {
            return None;
        }
        match edit_line(&mut self.search, key) {
            LineEdit::Cleared => {
                self.searching = false;
                self.find_matches();
            }
            LineEdit::Kept => self.searching = false,
            LineEdit::Changed => self.find_matches(),
            LineEdit::Unchanged => {}
        }
        Some(Outcome::done())
    }

    fn prompt(&self) -> Option<(&'static str, &str)> {
        self.searching
            .then_some(("search log", self.search.as_str()))
    }

    fn on_loaded(&mut self, _cx: &mut Cx, answer: &Answer) -> Outcome {
        if let Some(view) = answer.own::<RunView>() {
            self.take(&view.detail.run);
            self.view = Some(view.clone());
        }
        Outcome::done()
    }

    fn reload(&self) -> Vec<Effect> {
        vec![load(self.id, self.metric.clone())]
    }

    /// Its run, and what MLflow's client keeps beside it: a logged model
    /// (audited as its recipe's) or a registered version of one.
    fn shows_changed(&self, changes: &[Change]) -> bool {
        let recipe = self.run.as_ref().and_then(|r| r.recipe_id);
        changes.iter().any(|c| {
            c.touches("run", Some(self.id))
                || c.touches("registered_model", None)
                || c.touches("experiment", None)
                || recipe.is_some_and(|id| c.touches("recipe", Some(id)))
        })
    }

    /// A run that can still change is polled, so a run a script or a
    /// teammate updates is followed live.
    fn on_tick(&self) -> Vec<Effect> {
        let going = self.run.as_ref().is_some_and(|r| !r.status.is_finished());
        if self.follow || going {
            self.reload()
        } else {
            Vec::new()
        }
    }

    fn audit_scope(&self) -> Option<AuditScope> {
        Some(AuditScope {
            entity: "run",
            id: self.id,
        })
    }

    fn copy_text(&self) -> Option<String> {
        Some(self.id.to_string())
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        self.run
            .as_ref()
            .map(crate::tui::fields::run)
            .unwrap_or_default()
    }

    /// What `run show --json` prints: the run, its params, tags, metrics
    /// and artifact files.
    fn inspect(&self) -> Option<crate::tui::inspect::Inspected> {
        let view = self.view.as_ref()?;
        Some(crate::tui::inspect::Inspected::json(
            format!("run {}", self.id),
            &view.detail,
        ))
    }
}
