//! The command line, as clap parses it.

use crate::domain::version::BumpChoice;
use crate::domain::{
    AlertState, ModelFamily, ModelStatus, RecipeLevel, RecipeStatus, RunStatus, RunType,
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "nexml",
    version,
    about = "A terminal workspace for ML model development: recipes, models, runs, monitoring.",
    long_about = "A terminal workspace for ML model development.\n\nWith no command, opens the terminal app (seeding the baseline recipes into an empty database). Commands script everything the app can do; add --json for machine-readable output."
)]
pub struct Cli {
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB [default: SQLite in the data directory]
    #[arg(long, env = "NEXML_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Who is acting, recorded with every change [default: the login name]
    #[arg(long, env = "NEXML_USER", global = true)]
    pub user: Option<String>,

    /// Configuration file [default: config.toml in the config directory]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,

    /// Print JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// Log level for the log file in the state directory
    #[arg(long, default_value = "info", global = true)]
    pub log_level: String,

    /// Migrate and seed the four baseline recipes, then exit
    #[arg(long)]
    pub seed: bool,

    /// With --seed: also add demo models, runs and 90 days of monitoring
    #[arg(long, requires = "seed")]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recipes: versioned manifests with inheritance and approval
    #[command(subcommand)]
    Recipe(RecipeCommand),
    /// Models registered from approved recipe versions
    #[command(subcommand)]
    Model(ModelCommand),
    /// Train, eval and backtest runs
    #[command(subcommand)]
    Run(RunCommand),
    /// MLflow's experiments: each recipe's own, and those clients made
    #[command(subcommand)]
    Experiment(ExperimentCommand),
    /// Monitoring snapshots of a model
    #[command(subcommand)]
    Monitor(MonitorCommand),
    /// Fill the database with synthetic content at scale
    Generate(GenerateArgs),
    /// Ask the assistant (offline rules): questions, or changes it proposes as a patch
    Chat(ChatArgs),
    /// Data drift between two CSV files (no database): PSI, KS and Evidently's default tests
    Drift(DriftArgs),
    /// Print a shell completion script (recipe and model names complete too)
    Completions { shell: CompletionShell },
    /// The audit log: who changed what and when, and whether it is intact
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Serve the MLflow tracking API and nexml's REST endpoints
    Serve(ServeArgs),
    /// A built-in trainer's stage (run exec starts it)
    #[command(name = "builtin-stage", hide = true)]
    BuiltinStage {
        #[arg(long)]
        family: String,
        #[arg(long)]
        stage: String,
    },
    /// Print the manual page (roff): `nexml man | man -l -`
    Man,
    /// Names to complete, one per line (used by the completion scripts)
    #[command(name = "__names", hide = true)]
    Names { kind: NameKind },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The newest audit rows, oldest first
    List {
        /// Only this kind of item: recipe, recipe_version, model, run, snapshot, example, alert, chat, registered_model, experiment
        #[arg(long)]
        entity: Option<String>,
        /// Only the item with this id (with --entity)
        #[arg(long, requires = "entity")]
        id: Option<i64>,
        /// At most this many rows (1 to 100000)
        #[arg(long, default_value_t = 50, allow_hyphen_values = true, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
    },
    /// Walk the audit log's hash chain and name the first row that breaks it
    Verify {
        /// Also check the anchors in this file (from `audit anchor --append`):
        /// fails when an anchored row was changed or the chain was cut after it
        #[arg(long, value_name = "FILE")]
        anchors: Option<PathBuf>,
    },
    /// Print the chain's head (its newest row's id and link) as one anchor
    /// line, to keep outside the database
    Anchor {
        /// Also append the line to this file (e.g. beside the exported
        /// recipes, in git)
        #[arg(long, value_name = "FILE")]
        append: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NameKind {
    Recipes,
    Models,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen; other than loopback needs NEXML_SERVE_TOKEN
    #[arg(long, default_value = "127.0.0.1:5000")]
    pub bind: String,
    /// Host names clients may call the server by, beyond its address and localhost
    /// (comma-separated; *.example.com for subdomains, * for any); with [serve] allowed_hosts
    #[arg(long, value_delimiter = ',', value_name = "HOSTS")]
    pub allowed_hosts: Vec<String>,
    /// Web origins whose pages may call the server (comma-separated scheme://host[:port],
    /// or *); with [serve] allowed_origins
    #[arg(long, value_delimiter = ',', value_name = "ORIGINS")]
    pub allowed_origins: Vec<String>,
    /// Close a connection that sends no complete request (new or idle
    /// between requests), or stalls mid-body, for this many seconds
    #[arg(long, default_value_t = 15, value_name = "SECONDS")]
    pub idle_timeout: u64,
    /// Serve at most this many connections at once; more wait their turn
    /// [default: 512, fewer under a low open-file limit]
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The recipe the conversation is about
    #[arg(long)]
    pub recipe: Option<String>,
    /// What you want, in plain words
    pub message: String,
    /// Apply the proposed change as a new version (or recipe)
    #[arg(long)]
    pub apply: bool,
    /// Ask the language model of [assistant.llm] in the config instead of the offline rules
    #[arg(long)]
    pub llm: bool,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference data (what the model was trained on): CSV, or Parquet
    /// for a .parquet or .pq file
    #[arg(long)]
    pub reference: PathBuf,
    /// The current data: CSV, or Parquet for a .parquet or .pq file
    #[arg(long)]
    pub current: PathBuf,
    /// Only these columns (comma-separated; default: every column both files have)
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Columns to treat as categorical (comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Columns to treat as numerical (comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub numerical: Vec<String>,
    /// One test for every column: ks, chisquare, z, jensenshannon, wasserstein, psi
    #[arg(long)]
    pub stattest: Option<crate::drift::StatTest>,
    /// The drift threshold for every column's test (a finite number, 0 or more)
    #[arg(long, value_parser = finite_threshold, allow_hyphen_values = true)]
    pub threshold: Option<f64>,
}

#[derive(Debug, Args)]
pub struct Paging {
    /// At most this many rows (1 to 100000)
    #[arg(long, default_value_t = 50, allow_hyphen_values = true, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub limit: i64,
    /// Skip this many rows
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = clap::value_parser!(i64).range(0..))]
    pub offset: i64,
}

// `recipe create`'s arguments (the start flags' group is on its variant).
#[derive(Debug, Args)]
pub struct RecipeCreate {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub family: ModelFamily,
    #[arg(long)]
    pub level: RecipeLevel,
    /// The parent recipe (required below baseline)
    #[arg(long)]
    pub parent: Option<String>,
    /// A tag (repeatable)
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// The manifest file (- reads standard input)
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Start from a copy of the parent's latest manifest
    #[arg(long, requires = "parent")]
    pub from_parent: bool,
    /// Start from the family's baseline manifest
    #[arg(long)]
    pub from_baseline: bool,
    /// Start from the smallest valid manifest of the family
    #[arg(long)]
    pub skeleton: bool,
    #[arg(long, default_value = "Initial version")]
    pub note: String,
}

#[derive(Debug, Subcommand)]
pub enum RecipeCommand {
    /// List recipes
    List {
        #[arg(long)]
        family: Option<ModelFamily>,
        #[arg(long)]
        level: Option<RecipeLevel>,
        #[arg(long)]
        status: Option<RecipeStatus>,
        /// Text in the name, family or tags
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show a recipe (REF is an id or an exact name)
    Show { reference: String },
    /// Create a recipe with its first version 1.0.0
    #[command(group(
        clap::ArgGroup::new("start")
            .required(true)
            .args(["manifest", "from_parent", "from_baseline", "skeleton"])
    ))]
    Create(RecipeCreate),
    /// Rename or retag a recipe
    Update {
        reference: String,
        #[arg(long)]
        name: Option<String>,
        /// Replace the tags with these (repeatable)
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Remove every tag
        #[arg(long, conflicts_with = "tags")]
        clear_tags: bool,
    },
    /// Delete a recipe nothing depends on
    Delete { reference: String },
    /// Clone a recipe into a child one level below
    Clone {
        reference: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        level: Option<RecipeLevel>,
    },
    /// List a recipe's versions, newest first
    Versions { reference: String },
    /// Show one version with its manifest (the latest by default)
    Version {
        reference: String,
        version: Option<String>,
        /// Print only the manifest, with "$base" naming this version, to
        /// edit and commit (a commit merges it with versions saved since)
        #[arg(long)]
        manifest: bool,
    },
    /// Commit a manifest as the next version
    Commit {
        reference: String,
        #[arg(long)]
        manifest: PathBuf,
        /// The version the manifest was edited from [default: the file's
        /// "$base"]: versions saved since are merged, and places both
        /// changed are refused with their list
        #[arg(long)]
        base: Option<String>,
        /// patch, minor, major or auto (major: key removed or type changed; minor: key added)
        #[arg(long, default_value = "auto")]
        bump: BumpChoice,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Approve a version (the latest by default)
    Approve {
        reference: String,
        #[arg(long)]
        version: Option<String>,
    },
    /// Archive an approved recipe
    Archive { reference: String },
    /// Restore an archived recipe to draft
    Restore { reference: String },
    /// Diff two versions (or a manifest file against the latest with --file);
    /// --json prints the RFC 6902 patch that turns FROM into TO
    Diff {
        reference: String,
        /// The older version
        #[arg(required_unless_present = "file")]
        from: Option<String>,
        /// The newer version [default: the latest]
        to: Option<String>,
        /// A manifest file to preview against the latest version (- reads standard input)
        #[arg(long, conflicts_with_all = ["from", "to"])]
        file: Option<PathBuf>,
    },
    /// Write recipes (all when none is named) to DIR, one folder each, for git
    Export {
        references: Vec<String>,
        /// The folder to write into (created when missing)
        #[arg(long)]
        to: PathBuf,
    },
    /// Read recipes from DIR: create the missing ones, append new versions;
    /// an edited latest version becomes the next one; conflicts refuse it all
    Import {
        dir: PathBuf,
        /// Say what would happen and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Keep the approvals (and those versions' authors) the files
        /// record, audited as imported by you; you must be allowed to
        /// approve each such version yourself (four-eyes rule). Without it,
        /// imported versions are yours and unapproved
        #[arg(long)]
        keep_approvals: bool,
    },
    /// Print the effective manifest (parent at the pinned version + this recipe's overlay)
    Effective {
        reference: String,
        #[arg(long)]
        version: Option<String>,
    },
    /// Move a child onto a newer approved parent version, keeping its own changes
    Rebase {
        reference: String,
        /// The parent version [default: the parent's newest approved]
        #[arg(long)]
        to: Option<String>,
        /// Apply; without it, only show what would change
        #[arg(long)]
        yes: bool,
    },
    /// Show the recipe's synthetic example, or replace it with --set FILE
    Example {
        reference: String,
        /// A JSON file with dataset_schema, sample_rows and example_run
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List models
    List {
        #[arg(long)]
        family: Option<ModelFamily>,
        #[arg(long)]
        status: Option<ModelStatus>,
        #[arg(long)]
        recipe: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show a model (REF is an id or an exact name)
    Show { reference: String },
    /// Register a model from an approved recipe version
    Register {
        #[arg(long)]
        recipe: String,
        /// The approved version [default: the latest approved]
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        name: String,
        /// [default: the acting user]
        #[arg(long)]
        owner: Option<String>,
    },
    /// Rename a model or change its owner
    Update {
        reference: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        owner: Option<String>,
    },
    /// Move a model through draft -> staging -> production -> retired
    Promote {
        reference: String,
        status: ModelStatus,
        /// Past the production gate (an unmet threshold, no eval run); the
        /// override and what it overrode are audited with this reason
        #[arg(long, value_name = "REASON")]
        force: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// List experiments: each recipe's own, those MLflow clients made, Default (0)
    List {
        /// Deleted ones too (an archived recipe's, or deleted through MLflow)
        #[arg(long)]
        all: bool,
    },
    /// Link an experiment a client made to a recipe: its runs become the recipe's
    /// (of its newest version), and new runs in it are the recipe's
    Link {
        /// The experiment: an id or an exact name
        experiment: String,
        /// The recipe: an id or an exact name
        recipe: String,
    },
}

// `run list`'s arguments.
#[derive(Debug, Args)]
pub struct RunList {
    #[arg(long)]
    pub status: Option<RunStatus>,
    #[arg(long = "type")]
    pub run_type: Option<RunType>,
    #[arg(long)]
    pub family: Option<ModelFamily>,
    #[arg(long)]
    pub recipe: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    /// Runs of an experiment (an id or an exact name)
    #[arg(long)]
    pub experiment: Option<String>,
    #[arg(long)]
    pub search: Option<String>,
    /// Runs matching an expression, MLflow's search syntax:
    /// "metrics.rmse < 0.5 and params.lr = '0.01' and status = 'succeeded' and tags.team = 'x'"
    #[arg(long)]
    pub filter: Option<String>,
    /// Sort by any field, e.g. "metrics.rmse", "params.lr DESC", "id" [default: id DESC]
    #[arg(long)]
    pub order_by: Option<String>,
    #[command(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// List runs, newest first
    List(RunList),
    /// Show a run: status, params, tags, metrics (with history), artifacts
    Show {
        id: i64,
        /// Up to this many points of each metric's history (thinned past it)
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(i64).range(0..=10_000_000))]
        history: i64,
    },
    /// Execute a run: the command after --, else the stages of the recipe's pipeline
    Exec {
        /// [default: the model's recipe]
        #[arg(long, required_unless_present_any = ["model", "run"])]
        recipe: Option<String>,
        /// [default: the model's version, else the recipe's latest]
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long = "type", default_value_t = RunType::Train)]
        run_type: RunType,
        /// A name for the run
        #[arg(long)]
        name: Option<String>,
        /// Execute this queued run instead of creating one
        #[arg(long, conflicts_with_all = ["recipe", "model", "version"])]
        run: Option<i64>,
        /// Start and return at once; the run goes on in the background
        #[arg(long)]
        detach: bool,
        /// The command and its arguments (after --)
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Stop a run: SIGTERM to its job's processes, SIGKILL after a grace period
    Cancel { id: i64 },
    /// Record metric values (inside a job: the run is NEXML_RUN_ID)
    LogMetric {
        /// key=value pairs, e.g. loss=0.31 acc=0.9
        #[arg(required = true)]
        values: Vec<String>,
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        step: i64,
        #[arg(long, env = "NEXML_RUN_ID")]
        run: i64,
    },
    /// Record params (key=value); a param never changes within a run
    LogParam {
        #[arg(required = true)]
        values: Vec<String>,
        #[arg(long, env = "NEXML_RUN_ID")]
        run: i64,
    },
    /// Set tags (key=value)
    Tag {
        #[arg(required = true)]
        values: Vec<String>,
        #[arg(long, env = "NEXML_RUN_ID")]
        run: i64,
    },
    /// Copy a file into the run's artifacts, with its size and checksum
    LogArtifact {
        path: PathBuf,
        /// Its path among the run's artifacts [default: the file's name]
        #[arg(long = "as")]
        dest: Option<String>,
        #[arg(long, env = "NEXML_RUN_ID")]
        run: i64,
    },
    /// Name a run, or note something about it
    Label {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// A metric's history: step, value, time
    Metrics {
        id: i64,
        /// The metric [default: every metric, in brief]
        key: Option<String>,
        /// At most this many points (thinned past it, keeping each bucket's low and high)
        #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(i64).range(2..=10_000_000))]
        points: i64,
    },
    /// Runs side by side: params and final metrics with deltas from the first
    Compare {
        #[arg(required = true, num_args = 2..)]
        ids: Vec<i64>,
    },
    /// Queue a run for a recipe version (or a model)
    Create {
        /// [default: the model's recipe]
        #[arg(long, required_unless_present = "model")]
        recipe: Option<String>,
        /// [default: the model's version, else the recipe's latest]
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long = "type")]
        run_type: RunType,
    },
    /// Change a run's status, attach metrics or artifacts, append to its log
    Update {
        id: i64,
        #[arg(long)]
        status: Option<RunStatus>,
        /// A JSON object merged into the run's metrics
        #[arg(long)]
        metrics: Option<String>,
        /// A JSON object merged into the run's artifacts
        #[arg(long)]
        artifacts: Option<String>,
        /// Text appended to the log (- reads standard input)
        #[arg(long)]
        append_log: Option<String>,
    },
    /// Print a run's log
    Logs { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// List a model's snapshots, newest first
    List {
        model: String,
        /// At most this many snapshots (1 to 100000)
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
    },
    /// Measure a batch: drift against the reference, performance, freshness; check the alert rules
    Ingest {
        model: String,
        /// The reference data (CSV, or Parquet for .parquet/.pq)
        #[arg(long)]
        reference: PathBuf,
        /// A batch (CSV or Parquet), or a folder of them (a history: each
        /// batch taken at the date its name holds, else when it was written)
        #[arg(long)]
        current: PathBuf,
        /// When a single batch was taken (RFC 3339) [default: now]
        #[arg(long)]
        at: Option<String>,
    },
    /// Ingest each new batch (CSV or Parquet) that appears in a folder, until ctrl-c
    Watch {
        /// The folder a scheduled job writes batches into
        dir: PathBuf,
        #[arg(long)]
        model: String,
        #[arg(long)]
        reference: PathBuf,
        /// Seconds a new file's size and time of writing must stay unchanged
        /// before it is taken as complete (1 to 3600)
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
        settle: u64,
    },
    /// A model's alerts (open and acknowledged first)
    Alerts {
        model: String,
        /// open, acknowledged or resolved
        #[arg(long)]
        state: Option<AlertState>,
    },
    /// Acknowledge an alert
    Ack { id: i64 },
    /// Resolve an alert
    Resolve { id: i64 },
    /// Add a snapshot from a JSON file: {captured_at?, performance, drift, freshness, alerts}
    Add {
        model: String,
        #[arg(long)]
        snapshot: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 0)]
    pub runs: u64,
    #[arg(long, default_value_t = 0)]
    pub snapshots: u64,
    #[arg(long, default_value_t = 10)]
    pub recipes: u64,
    #[arg(long, default_value_t = 20)]
    pub models: u64,
    /// Seed of the generator, for repeatable content
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Metric points in all, as train_loss/val_loss histories of the runs
    /// (with lr and depth params)
    #[arg(long, default_value_t = 0)]
    pub metric_points: u64,
}

/// A drift threshold: a finite number, 0 or more (NaN or a negative one would
/// silently turn detection off).
fn finite_threshold(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Ok(_) => Err(format!("'{text}' is not a finite number of 0 or more")),
        Err(e) => Err(format!("'{text}': {e}")),
    }
}
