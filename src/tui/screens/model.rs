//! A model: overview, deployments, monitoring over a window of days, and
//! its rule alerts to acknowledge or resolve.

mod view;

use super::DrawCx;
use super::{
    Answer, Component, Cx, Outcome, Screen, ScreenKey, cycle_section, is_movement, step_index,
};
use crate::domain::{AlertState, refusals};
use crate::keymap::{Command, Context};
use crate::service::changes::MoveAlert;
pub use crate::service::models::ModelDetail;
use crate::service::{Service, ServiceResult};
use crate::store::{Change, Snapshot};
use crate::tui::audit::AuditScope;
use crate::tui::effects::Effect;
use crate::tui::effects::{OwnLoad, Task};
use crate::tui::filters::Filters;
use crate::tui::forms::FormRequest;
use crate::tui::submit::Submission;
use crate::tui::tab::Tab;
use ratatui::Frame;
use ratatui::layout::Rect;

// Its own commands and where its keys are looked up (`[model]` in
// assets/keymap.toml).
pub const EVALUATE: Command = Command::new(
    "evaluate",
    "execute an eval run of this model (what opens the production gate)",
)
.hinted("eval"); // vocabulary: the command's label
pub const PROMOTE: Command = Command::new("promote", "move the model through its lifecycle");
pub const ACKNOWLEDGE: Command = Command::new("acknowledge", "acknowledge the selected alert");
pub const RESOLVE: Command = Command::new("resolve", "resolve the selected alert");
pub const WINDOW: Command = Command::new("window", "monitoring window: 7, 30, 90 days or all");
pub const ADD_SNAPSHOT: Command = Command::new("add_snapshot", "add a monitoring snapshot by hand");
/// A model's screen.
pub const KEYS: Context = Context::new(
    "model",
    &[
        Command::NEXT_SECTION,
        Command::PREV_SECTION,
        Command::OPEN_RECIPE,
        Command::SHOW_RUNS,
        EVALUATE,
        PROMOTE,
        Command::NEW_ITEM,
        Command::EDIT_DETAILS,
        ADD_SNAPSHOT,
        ACKNOWLEDGE,
        RESOLVE,
        WINDOW,
    ],
)
.runs("on a model (open one with enter in Models)");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSection {
    Overview,
    Deployments,
    Monitoring,
    Alerts,
}

impl ModelSection {
    pub const ALL: [ModelSection; 4] = [
        ModelSection::Overview,
        ModelSection::Deployments,
        ModelSection::Monitoring,
        ModelSection::Alerts,
    ];
    pub fn title(self) -> &'static str {
        match self {
            ModelSection::Overview => "Overview",
            ModelSection::Deployments => "Deployments",
            ModelSection::Monitoring => "Monitoring",
            ModelSection::Alerts => "Alerts",
        }
    }
}

/// A model's monitoring series over a window of days (None: all).
struct Series {
    days: Option<i64>,
    series: Vec<Snapshot>,
}

async fn load_model(store: &dyn crate::store::Store, id: i64) -> ServiceResult<ModelDetail> {
    let model = store.model(id).await?;
    Ok(ModelDetail {
        manifest: store
            .version_by_id(model.recipe_version_id)
            .await?
            .manifest_json,
        model,
        alerts: store.alerts(id, None).await?,
        history: store.audit("model", id).await?,
        snapshots: store.snapshots(id, 90).await?,
    })
}

pub struct ModelScreen {
    pub id: i64,
    pub detail: Option<ModelDetail>,
    pub section: ModelSection,
    pub scroll: usize,
    /// The Monitoring section's time window, in days (None: all history).
    pub window: Option<i64>,
    /// Snapshots of the window, oldest first, thinned by the database.
    pub series: Vec<Snapshot>,
}

/// What the Monitoring section lists and charts: the newest snapshot's
/// performance metrics, then its drift columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Metric(String),
    Drift(String),
}

impl Measure {
    pub fn name(&self) -> &str {
        match self {
            Measure::Metric(n) | Measure::Drift(n) => n,
        }
    }
}

/// The monitoring windows `w` cycles through.
pub const WINDOWS: [Option<i64>; 4] = [Some(7), Some(30), Some(90), None];

/// The model screen for `id` on `section`, and its first load.
pub fn open(id: i64, section: ModelSection) -> (Screen, Vec<Effect>) {
    let screen = ModelScreen {
        id,
        detail: None,
        section,
        scroll: 0,
        window: Some(30),
        series: Vec::new(),
    };
    let effects = screen.reload();
    (Box::new(screen), effects)
}

const HINTS: &[Command] = &[
    Command::NEXT_SECTION,
    PROMOTE,
    EVALUATE,
    Command::NEW_ITEM,
    Command::OPEN_RECIPE,
    Command::SHOW_RUNS,
    Command::BACK,
    Command::HELP,
];

impl ModelScreen {
    /// Every measure the window's snapshots hold, metrics first, each in
    /// the order the newest snapshot that has it gives (a snapshot typed in
    /// with a few metrics does not hide the drift columns of the others).
    pub fn measures(&self) -> Vec<Measure> {
        let mut metrics: Vec<Measure> = Vec::new();
        let mut drift: Vec<Measure> = Vec::new();
        for snapshot in self.series.iter().rev() {
            let named = snapshot
                .performance_metrics_json
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| v.is_number())
                .map(|(k, _)| Measure::Metric(k.clone()));
            for m in named {
                if !metrics.contains(&m) {
                    metrics.push(m);
                }
            }
            let columns = crate::monitoring::column_scores(&snapshot.drift_metrics_json)
                .map(|(k, _)| Measure::Drift(k.clone()));
            for m in columns {
                if !drift.contains(&m) {
                    drift.push(m);
                }
            }
        }
        metrics.extend(drift);
        metrics
    }

    /// The measure the chart shows (the cursor of the Monitoring section).
    pub fn charted(&self) -> Option<Measure> {
        let measures = self.measures();
        let last = measures.len().checked_sub(1)?;
        measures.into_iter().nth(self.scroll.min(last))
    }

    fn next_window(&mut self) -> Outcome {
        let i = WINDOWS.iter().position(|w| *w == self.window).unwrap_or(0);
        self.window = WINDOWS[(i + 1) % WINDOWS.len()];
        self.section = ModelSection::Monitoring;
        Outcome::effect(self.load_series())
    }

    /// The monitoring series for the window of days shown (None: all).
    fn load_series(&self) -> Effect {
        let (id, days) = (self.id, self.window);
        let read = move |service: Service| async move {
            let since = days.map(|d| service.now() - chrono::Duration::days(d));
            // About two points per column of a wide terminal.
            let series = service.store().snapshot_series(id, since, 300).await?;
            Ok(Series { days, series })
        };
        let what = format!("model {id}'s series over {days:?} days");
        Effect::Task(Task::Own(OwnLoad::new(ScreenKey::Model(id), what, read)))
    }

    /// The model with its manifest, alerts, history and recent snapshots.
    fn load_detail(&self) -> Effect {
        let id = self.id;
        let read = move |service: Service| async move { load_model(service.store(), id).await };
        Effect::Task(Task::Own(OwnLoad::new(
            ScreenKey::Model(id),
            format!("model {id}"),
            read,
        )))
    }

    /// Acknowledge or resolve the alert under the cursor (from elsewhere,
    /// first go to the alerts).
    fn set_alert(&mut self, cx: &mut Cx, state: AlertState) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        if self.section != ModelSection::Alerts {
            self.section = ModelSection::Alerts;
            self.scroll = 0;
            return Outcome::done();
        }
        let Some(alert) = d.alerts.get(self.scroll) else {
            cx.say("no alert selected");
            return Outcome::done();
        };
        let submission = Submission::MoveAlert {
            change: MoveAlert::to(alert.id, state).seen(alert.state),
            model_id: self.id,
        };
        if !cx.confirm_alert_moves {
            return Outcome::effect(Task::Submit(submission));
        }
        let verb = match state {
            AlertState::Resolved => "Resolve",
            _ => "Acknowledge",
        };
        Outcome::Confirm {
            message: format!(
                "{verb} alert {} ({}) on '{}'?",
                alert.id, alert.rule, d.model.name
            ),
            submission: Box::new(submission),
        }
    }

    fn show_runs(&self) -> Outcome {
        let Some(d) = &self.detail else {
            return Outcome::done();
        };
        let name = d.model.name.clone();
        Outcome::ShowList {
            tab: Tab::Runs,
            what: format!("runs of model '{name}'"),
            filters: Filters {
                model: Some((d.model.id, name)),
                ..Filters::default()
            },
        }
    }
}

impl Component for ModelScreen {
    fn draw(&mut self, cx: &DrawCx, frame: &mut Frame, area: Rect) {
        view::render(self, cx.theme, frame, area)
    }

    fn context(&self) -> Context {
        KEYS
    }

    fn crumb(&self) -> String {
        self.detail
            .as_ref()
            .map(|d| d.model.name.clone())
            .unwrap_or_else(|| format!("model {}", self.id))
    }

    fn key(&self) -> Option<ScreenKey> {
        Some(ScreenKey::Model(self.id))
    }

    fn hints(&self) -> &'static [Command] {
        HINTS
    }

    fn unavailable(&self, command: Command) -> Option<&'static str> {
        let d = self.detail.as_ref()?;
        let any_open = d.alerts.iter().any(|a| a.state != AlertState::Resolved);
        match command {
            PROMOTE => refusals::lifecycle_over(d.model.status),
            ACKNOWLEDGE | RESOLVE if !any_open => Some("no open alert"),
            _ => None,
        }
    }

    fn on_command(&mut self, cx: &mut Cx, command: Command) -> Outcome {
        match command {
            Command::NEXT_SECTION | Command::PREV_SECTION => {
                let forward = command == Command::NEXT_SECTION;
                self.section = cycle_section(&ModelSection::ALL, self.section, forward);
                self.scroll = 0;
                Outcome::done()
            }
            c if is_movement(c) => {
                // In Monitoring the cursor picks the charted measure.
                let len = match self.section {
                    ModelSection::Monitoring => self.measures().len(),
                    _ => usize::MAX / 2,
                };
                self.scroll = step_index(self.scroll, len, c, cx.page);
                Outcome::done()
            }
            Command::OPEN_RECIPE => match self.detail.as_ref().map(|d| d.model.recipe_id) {
                Some(id) => Outcome::push(super::recipe::open(id)),
                None => Outcome::done(),
            },
            PROMOTE => Outcome::form(FormRequest::Promote(self.id)),
            WINDOW => self.next_window(),
            ACKNOWLEDGE => self.set_alert(cx, AlertState::Acknowledged),
            RESOLVE => self.set_alert(cx, AlertState::Resolved),
            Command::EDIT_DETAILS => Outcome::form(FormRequest::EditModel(self.id)),
            Command::NEW_ITEM => Outcome::form(FormRequest::CreateRun {
                recipe_id: None,
                model_id: Some(self.id),
            }),
            ADD_SNAPSHOT => Outcome::form(FormRequest::AddSnapshot(self.id)),
            Command::SHOW_RUNS => self.show_runs(),
            EVALUATE => match &self.detail {
                Some(d) => Outcome::effect(Task::Submit(Submission::ExecRun {
                    recipe_id: d.model.recipe_id,
                    model_id: Some(self.id),
                    run_type: crate::domain::RunType::Eval,
                })),
                None => Outcome::done(),
            },
            _ => Outcome::Ignored,
        }
    }

    fn on_loaded(&mut self, _cx: &mut Cx, answer: &Answer) -> Outcome {
        if let Some(detail) = answer.own::<ModelDetail>() {
            // The alert cursor stays on the same alert when the list re-sorts.
            let selected_alert = (self.section == ModelSection::Alerts)
                .then(|| self.detail.as_ref().and_then(|d| d.alerts.get(self.scroll)))
                .flatten()
                .map(|a| a.id);
            if let Some(i) =
                selected_alert.and_then(|want| detail.alerts.iter().position(|a| a.id == want))
            {
                self.scroll = i;
            }
            self.detail = Some(detail.clone());
        }
        if let Some(Series { days, series }) = answer.own::<Series>()
            && *days == self.window
        {
            self.series = series.clone();
        }
        Outcome::done()
    }

    fn reload(&self) -> Vec<Effect> {
        vec![self.load_detail(), self.load_series()]
    }

    fn shows_changed(&self, changes: &[Change]) -> bool {
        changes.iter().any(|c| {
            c.touches("model", Some(self.id))
                || c.touches("alert", None)
                || c.touches("snapshot", None)
        })
    }

    fn audit_scope(&self) -> Option<AuditScope> {
        Some(AuditScope {
            entity: "model",
            id: self.id,
        })
    }

    fn copy_text(&self) -> Option<String> {
        Some(self.id.to_string())
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        self.detail
            .as_ref()
            .map(|d| crate::tui::fields::model(&d.model))
            .unwrap_or_default()
    }

    /// The model, the manifest it was registered from, and its alerts.
    fn inspect(&self) -> Option<crate::tui::inspect::Inspected> {
        let d = self.detail.as_ref()?;
        Some(crate::tui::inspect::Inspected::json(
            format!("model {} · {}", d.model.id, d.model.name),
            &serde_json::json!({
                "model": d.model,
                "manifest": d.manifest,
                "alerts": d.alerts,
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snapshot(id: i64, performance: serde_json::Value, drift: serde_json::Value) -> Snapshot {
        Snapshot {
            id,
            model_id: 1,
            captured_at: chrono::DateTime::from_timestamp(1_764_000_000 + id * 86_400, 0)
                .unwrap_or_default(),
            performance_metrics_json: performance,
            drift_metrics_json: drift,
            data_freshness_json: json!({}),
            alerts_json: json!([]),
            created_by: "alice".into(),
        }
    }

    /// A snapshot typed in with one metric does not hide what the others
    /// measured: every measure of the window stays listed and chartable.
    #[test]
    fn measures_come_from_the_whole_window() {
        let (mut opened, _) = open(1, ModelSection::Monitoring);
        let Some(screen) = opened.downcast_mut::<ModelScreen>() else {
            panic!("a model screen")
        };
        screen.series = vec![
            snapshot(
                1,
                json!({"mape": 0.2, "wape": 0.1}),
                json!({"columns": {"price": {"psi": 0.3}}}),
            ),
            snapshot(2, json!({"mape": 0.9}), json!({})),
        ];
        let names: Vec<String> = screen
            .measures()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        assert_eq!(names, ["mape", "wape", "price"]);
        screen.scroll = 99;
        assert_eq!(screen.charted(), Some(Measure::Drift("price".into())));
    }
}
