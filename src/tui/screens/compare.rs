//! Runs side by side: params and final metrics with their change from the
//! first run, and one metric's histories overlaid in one chart.

mod view;

use super::DrawCx;
use super::{
    Answer, Component, Cx, Outcome, Screen, ScreenKey, is_movement, step_chart, step_index,
};
use crate::keymap::{Command, Context};
use crate::service::{Service, ServiceResult};
use crate::store::Change;
use crate::tui::effects::{Effect, OwnLoad, Task};
use ratatui::Frame;
use ratatui::layout::Rect;

// Its own commands and where its keys are looked up (`[compare]` in
// assets/keymap.toml).
/// Runs side by side.
pub const KEYS: Context = Context::new("compare", &[Command::NEXT_METRIC, Command::PREV_METRIC])
    .runs("comparing runs (space marks runs in Runs, c compares)");

pub struct CompareScreen {
    pub ids: Vec<i64>,
    pub view: Option<CompareView>,
    /// The charted metric (None: the first all the runs have).
    pub metric: Option<String>,
    pub scroll: usize,
}

/// The comparison of `ids` (in the order marked), and its first load.
pub fn open(ids: Vec<i64>) -> (Screen, Vec<Effect>) {
    let effects = vec![load(ids.clone(), None)];
    let screen = CompareScreen {
        ids,
        view: None,
        metric: None,
        scroll: 0,
    };
    (Box::new(screen), effects)
}

/// Runs side by side, and `metric`'s histories overlaid (None: the first
/// metric every run has).
fn load(ids: Vec<i64>, metric: Option<String>) -> Effect {
    let what = format!("runs {ids:?}");
    let read = move |service: Service| {
        let (ids, metric) = (ids.clone(), metric.clone());
        async move { load_compare(service.store(), &ids, metric).await }
    };
    Effect::Task(Task::Own(OwnLoad::new(ScreenKey::Compare, what, read)))
}

/// Runs side by side as the compare screen shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareView {
    pub runs: Vec<crate::store::Run>,
    pub comparison: crate::runs::compare::Comparison,
    /// Metrics with a history, in any of the runs, by name.
    pub metric_keys: Vec<String>,
    /// The charted metric, and each run's history of it (by run, in order).
    pub chart_key: Option<String>,
    pub histories: Vec<crate::store::tracking::MetricSeries>,
}

async fn load_compare(
    store: &dyn crate::store::Store,
    ids: &[i64],
    metric: Option<String>,
) -> ServiceResult<CompareView> {
    use crate::runs::compare::compare;
    let mut runs = Vec::new();
    let mut sides = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    for id in ids {
        let d = store.run_detail(*id, 0).await?;
        sides.push(d.compare_side());
        keys.push(d.metric_summaries.iter().map(|m| m.key.clone()).collect());
        runs.push(d.run);
    }
    let mut metric_keys: Vec<String> = keys.iter().flatten().cloned().collect();
    metric_keys.sort();
    metric_keys.dedup();
    // The first metric every run has a history of, else any.
    let shared = metric_keys
        .iter()
        .find(|k| keys.iter().all(|run_keys| run_keys.contains(k)))
        .or(metric_keys.first())
        .cloned();
    let chart_key = metric.filter(|m| metric_keys.contains(m)).or(shared);
    let mut histories = Vec::new();
    if let Some(k) = &chart_key {
        for id in ids {
            histories.push(
                store
                    .metric_series(*id, k, super::run::CHART_POINTS)
                    .await?,
            );
        }
    }
    Ok(CompareView {
        runs,
        comparison: compare(&sides),
        metric_keys,
        chart_key,
        histories,
    })
}

const HINTS: &[Command] = &[
    Command::NEXT_METRIC,
    Command::PREV_METRIC,
    Command::BACK,
    Command::HELP,
];

impl CompareScreen {
    fn rows(&self) -> usize {
        self.view.as_ref().map_or(0, |v| {
            v.comparison.params.len() + v.comparison.metrics.len()
        })
    }

    fn step_metric(&mut self, cx: &mut Cx, forward: bool) -> Outcome {
        let keys = self
            .view
            .as_ref()
            .map(|v| v.metric_keys.clone())
            .unwrap_or_default();
        if keys.is_empty() {
            cx.say("these runs have no metric history");
            return Outcome::done();
        }
        let shown = self.view.as_ref().and_then(|v| v.chart_key.clone());
        self.metric = Some(step_chart(cx, &keys, shown.as_ref(), forward));
        Outcome::Effects(self.reload())
    }
}

impl Component for CompareScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.theme, frame, area)
    }

    fn context(&self) -> Context {
        KEYS
    }

    fn crumb(&self) -> String {
        let ids: Vec<String> = self.ids.iter().map(|i| i.to_string()).collect();
        format!("compare {}", ids.join(" "))
    }

    fn key(&self) -> Option<ScreenKey> {
        Some(ScreenKey::Compare)
    }

    fn hints(&self) -> &'static [Command] {
        HINTS
    }

    fn on_command(&mut self, cx: &mut Cx, command: Command) -> Outcome {
        match command {
            c if is_movement(c) => {
                self.scroll = step_index(self.scroll, self.rows(), c, cx.page);
                Outcome::done()
            }
            Command::NEXT_METRIC => self.step_metric(cx, true),
            Command::PREV_METRIC => self.step_metric(cx, false),
            _ => Outcome::Ignored,
        }
    }

    fn on_loaded(&mut self, _cx: &mut Cx, answer: &Answer) -> Outcome {
        if let Some(view) = answer.own::<CompareView>() {
            self.view = Some(view.clone());
        }
        Outcome::done()
    }

    fn reload(&self) -> Vec<Effect> {
        vec![load(self.ids.clone(), self.metric.clone())]
    }

    fn shows_changed(&self, changes: &[Change]) -> bool {
        self.ids
            .iter()
            .any(|id| changes.iter().any(|c| c.touches("run", Some(*id))))
    }

    fn copy_text(&self) -> Option<String> {
        let ids: Vec<String> = self.ids.iter().map(|i| i.to_string()).collect();
        Some(format!("nexml run compare {}", ids.join(" ")))
    }
}
