//! Where nexml keeps things and who is acting: database URL, user, config file.

use color_eyre::eyre::{Result, WrapErr, eyre};
use directories::ProjectDirs;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "nexml")
}

/// The default database: a SQLite file in the user's data directory.
pub fn default_database_url() -> Result<String> {
    let dirs = project_dirs().ok_or_else(|| {
        eyre!("cannot find a home directory for the default database; pass --database-url or set NEXML_DATABASE_URL")
    })?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir)
        .wrap_err_with(|| format!("creating the data directory {}", dir.display()))?;
    Ok(format!("sqlite://{}", dir.join("nexml.db").display()))
}

/// The state directory, for logs and editor drafts.
pub fn state_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.state_dir().unwrap_or(d.data_dir()).to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
}

/// Where the editor keeps drafts for one database: drafts are keyed by the
/// database too, so a recipe 7 of one database never offers its draft to a
/// recipe 7 of another.
pub fn drafts_dir(database_url: &str) -> PathBuf {
    state_dir().join("drafts").join(database_key(database_url))
}

/// Where runs of one database keep their files (manifest, artifacts):
/// `NEXML_RUNS_DIR` when set, else a folder per database in the data directory.
pub fn runs_dir(database_url: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("NEXML_RUNS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
        .join("runs")
        .join(database_key(database_url))
}

/// One run's folder.
pub fn run_dir(database_url: &str, run_id: i64) -> PathBuf {
    runs_dir(database_url).join(run_id.to_string())
}

/// A short stable name for a database, however its URL is spelled (see
/// `database_identity`: a SQLite file by its canonical path, PostgreSQL by
/// server, port and database), hashed.
pub fn database_key(database_url: &str) -> String {
    use sha2::{Digest, Sha256};
    let identity = crate::database_identity::database_identity(database_url);
    let digest = Sha256::digest(identity.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The acting user when neither `--user` nor `NEXML_USER` is given: the login name.
/// Who is logged in: `$USER` (or `$LOGNAME`, `$USERNAME`), else the
/// account's name from the system (containers often set no variable);
/// `None` when neither knows.
pub fn login_name() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(account_name)
}

/// The name of the account this process runs as, from the password database.
fn account_name() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; the
    // name is copied out at once, on this thread, before any other call.
    unsafe {
        let entry = libc::getpwuid(libc::getuid());
        if entry.is_null() || (*entry).pw_name.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr((*entry).pw_name)
            .to_string_lossy()
            .into_owned();
        (!name.trim().is_empty()).then_some(name)
    }
}

/// Why a user command cannot be bound: an unknown context or key, an
/// empty command, or a key the app uses there already.
fn check_user_command(c: &UserCommand, keymap: &crate::keymap::Keymap) -> Result<(), String> {
    use crate::keymap::Key;
    if !USER_COMMAND_CONTEXTS.contains(&c.context.as_str()) {
        return Err(format!(
            "context '{}' is not one of {}",
            c.context,
            USER_COMMAND_CONTEXTS.join(", ")
        ));
    }
    if c.command.trim().is_empty() {
        return Err("command is empty".into());
    }
    let key = Key::parse(&c.key)?;
    if let Some(taken) = keymap.bound_in(&c.context, key) {
        return Err(format!(
            "'{}' already runs '{taken}' in {} (pick a free key)",
            c.key, c.context
        ));
    }
    Ok(())
}

/// The user's configuration file (TOML).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub governance: GovernanceConfig,
    /// "dark" (default) or "light"; NO_COLOR in the environment wins.
    pub theme: ThemeName,
    /// Click to select, wheel to scroll.
    pub mouse: bool,
    /// Key overrides: `[keys.CONTEXT] command = ["key", ...]`.
    pub keys: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// `[assistant.llm]`: an optional OpenAI-compatible language model.
    pub assistant: AssistantConfig,
    /// `[limits]`: sizes the app and the CLI accept.
    pub limits: LimitsConfig,
    /// `[alerts]`: a command run for each alert that opens.
    pub alerts: AlertsConfig,
    /// `[serve]`: whom `nexml serve` answers beyond this machine.
    pub serve: ServeConfig,
    /// `[[commands]]`: keys of the user's own that run a shell command
    /// with the selected item's fields.
    pub commands: Vec<UserCommand>,
}

/// A key in a context of the app that runs `command` by `sh -c`, with the
/// selected item's fields in its environment (`$RUN_ID`, `$MODEL`,
/// `$RECIPE`, ...); its output is shown in the app.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCommand {
    pub key: String,
    /// library, recipe, model or run.
    pub context: String,
    pub command: String,
    #[serde(default)]
    pub description: String,
    /// Ask before running it.
    #[serde(default)]
    pub confirm: bool,
}

/// The contexts a user command may be bound in.
pub const USER_COMMAND_CONTEXTS: [&str; 4] = ["library", "recipe", "model", "run"];

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Host names clients may call the server by (as `--allowed-hosts`).
    pub allowed_hosts: Vec<String>,
    /// Web origins whose pages may call it (as `--allowed-origins`).
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Run by `sh -c` with the alert as JSON on stdin.
    pub command: Option<String>,
    /// How long it may run (default 10 s, at most 300).
    pub timeout_seconds: Option<u64>,
    /// The app asks before acknowledging or resolving an alert (default: no).
    pub confirm: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// The largest manifest kept, in bytes (default 1 MiB).
    pub manifest_bytes: Option<u64>,
}

/// The range `[limits] manifest_bytes` may take: a baseline manifest is about
/// 4 KB, and each version stores its manifest twice.
const MANIFEST_BYTES_RANGE: std::ops::RangeInclusive<u64> = 4096..=64 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssistantConfig {
    pub llm: Option<crate::llm::LlmConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            governance: GovernanceConfig::default(),
            theme: ThemeName::Dark,
            mouse: true,
            keys: BTreeMap::new(),
            assistant: AssistantConfig::default(),
            limits: LimitsConfig::default(),
            alerts: AlertsConfig::default(),
            serve: ServeConfig::default(),
            commands: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GovernanceConfig {
    /// Four-eyes rule: the author of a version cannot approve it. Unset, it
    /// is on for a shared PostgreSQL database and off for a SQLite file.
    pub distinct_approver: Option<bool>,
}

impl Config {
    /// Loads `explicit` (which must exist) or the default file (which may not).
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match project_dirs() {
                Some(d) => d.config_dir().join("config.toml"),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                return Ok(Config::default());
            }
            Err(e) => return Err(eyre!("config {}: {e}", path.display())),
        };
        Config::parse(&text).map_err(|e| eyre!("config {}: {e}", path.display()))
    }

    /// Parses config text; errors name the line, column and key.
    /// Key bindings are checked too, so the app never starts half-configured.
    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            format!("{line}:{col}: {}", e.message().trim())
        })?;
        if let Some(bytes) = config.limits.manifest_bytes
            && !MANIFEST_BYTES_RANGE.contains(&bytes)
        {
            let line = key_line(text, "limits", "manifest_bytes").unwrap_or(1);
            return Err(format!(
                "{line}: [limits] manifest_bytes = {bytes}: must be from {} to {}",
                MANIFEST_BYTES_RANGE.start(),
                MANIFEST_BYTES_RANGE.end()
            ));
        }
        if let Some(seconds) = config.alerts.timeout_seconds
            && !(1..=300).contains(&seconds)
        {
            let line = key_line(text, "alerts", "timeout_seconds").unwrap_or(1);
            return Err(format!(
                "{line}: [alerts] timeout_seconds = {seconds}: must be from 1 to 300"
            ));
        }
        if config
            .alerts
            .command
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            let line = key_line(text, "alerts", "command").unwrap_or(1);
            return Err(format!("{line}: [alerts] command is empty"));
        }
        let keymap = match crate::keymap::Keymap::load(&config.keys) {
            Ok(keymap) => keymap,
            Err(e) => {
                let line = binding_line(text, &e.context, e.command.as_deref()).unwrap_or(1);
                return Err(format!("{line}: {e}"));
            }
        };
        for (i, c) in config.commands.iter().enumerate() {
            check_user_command(c, &keymap)
                .map_err(|why| format!("[[commands]] number {} (key '{}'): {why}", i + 1, c.key))?;
        }
        Ok(config)
    }

    /// The user commands with their keys and contexts read.
    pub fn user_commands(&self) -> Vec<(String, crate::keymap::Key, UserCommand)> {
        self.commands
            .iter()
            .filter_map(|c| {
                let key = crate::keymap::Key::parse(&c.key).ok()?;
                Some((c.context.clone(), key, c.clone()))
            })
            .collect()
    }

    /// The `[alerts] command` to run for each alert that opens, if any.
    pub fn notifier(&self) -> Option<crate::service::notify::Notifier> {
        let command = self.alerts.command.clone()?;
        Some(crate::service::notify::Notifier {
            command,
            timeout: std::time::Duration::from_secs(self.alerts.timeout_seconds.unwrap_or(10)),
        })
    }

    /// The rules for a database of `backend` ("sqlite" or "postgres").
    pub fn governance(&self, backend: &str) -> crate::domain::Governance {
        let defaults = crate::domain::Governance::default();
        crate::domain::Governance {
            distinct_approver: self
                .governance
                .distinct_approver
                .unwrap_or(backend == "postgres"),
            max_manifest_bytes: self
                .limits
                .manifest_bytes
                .and_then(|b| usize::try_from(b).ok())
                .unwrap_or(defaults.max_manifest_bytes),
        }
    }
}

/// The line of `command = ...` in the `[keys.CONTEXT]` table (or of the
/// table's header when no command is named), to point at it.
fn binding_line(text: &str, context: &str, command: Option<&str>) -> Option<usize> {
    if context.is_empty() {
        return None;
    }
    table_line(text, &format!("keys.{context}"), command)
}

/// The line of `key = ...` in the `[limits]`-style `table`.
fn key_line(text: &str, table: &str, key: &str) -> Option<usize> {
    table_line(text, table, Some(key))
}

/// The line of `key = ...` in `[table]`, or of the header when no key is named.
fn table_line(text: &str, table: &str, key: Option<&str>) -> Option<usize> {
    let header = format!("[{table}]");
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line.replace(' ', "") == header;
            if in_table && key.is_none() {
                return Some(i + 1);
            }
            continue;
        }
        let name = line
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if in_table && key == Some(name) {
            return Some(i + 1);
        }
    }
    None
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_commands_are_checked_where_they_are_bound() {
        let ok = Config::parse(
            "[[commands]]\nkey = \"O\"\ncontext = \"run\"\ncommand = \"echo $RUN_ID\"\nconfirm = true\n",
        )
        .unwrap();
        let bound = ok.user_commands();
        assert_eq!(bound.len(), 1);
        assert_eq!(bound[0].0, "run");
        assert!(bound[0].2.confirm);
        for (text, says) in [
            (
                "key = \"u\"\ncontext = \"run\"\ncommand = \"x\"",
                "already runs 'update_run' in run",
            ),
            (
                "key = \"q\"\ncontext = \"library\"\ncommand = \"x\"",
                "already runs 'quit'",
            ),
            (
                "key = \"O\"\ncontext = \"editor\"\ncommand = \"x\"",
                "context 'editor' is not one of",
            ),
            (
                "key = \"O\"\ncontext = \"run\"\ncommand = \" \"",
                "command is empty",
            ),
            (
                "key = \"nope\"\ncontext = \"run\"\ncommand = \"x\"",
                "unknown key 'nope'",
            ),
        ] {
            let err = Config::parse(&format!("[[commands]]\n{text}\n")).unwrap_err();
            assert!(err.contains("[[commands]] number 1"), "{err}");
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn drafts_are_kept_per_database() {
        let a = database_key("postgres://alice:secret@db.internal:5432/nexml");
        assert_eq!(
            a,
            database_key("postgres://bob@db.internal:5432/nexml?sslmode=require")
        );
        assert_ne!(a, database_key("postgres://alice@db.internal:5432/other"));
        assert_ne!(
            database_key("sqlite:///tmp/a/nexml.db"),
            database_key("sqlite:///tmp/b/nexml.db")
        );
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn governance_parses() {
        let c = Config::parse("[governance]\ndistinct_approver = true\n").unwrap();
        assert!(c.governance("sqlite").distinct_approver);
        // Unset: on for a team's PostgreSQL database, off for a local file.
        let unset = Config::default();
        assert!(unset.governance("postgres").distinct_approver);
        assert!(!unset.governance("sqlite").distinct_approver);
        let off = Config::parse("[governance]\ndistinct_approver = false\n").unwrap();
        assert!(!off.governance("postgres").distinct_approver);
    }

    #[test]
    fn the_manifest_limit_is_configured_within_a_range() {
        let config = Config::parse("[limits]\nmanifest_bytes = 2000000\n").unwrap();
        assert_eq!(config.governance("sqlite").max_manifest_bytes, 2_000_000);
        assert_eq!(
            Config::default().governance("sqlite").max_manifest_bytes,
            crate::domain::manifest::DEFAULT_MAX_MANIFEST_BYTES
        );
        let err = Config::parse("[limits]\nmanifest_bytes = 0\n").unwrap_err();
        assert!(
            err.starts_with("2: [limits] manifest_bytes = 0: must be from 4096"),
            "{err}"
        );
    }

    #[test]
    fn bad_key_bindings_are_named_with_their_line() {
        let err = Config::parse("theme = \"light\"\n[keys.library]\nfilter = [\"hyper-f\"]\n")
            .unwrap_err();
        assert!(
            err.starts_with("3: keys.library.filter: unknown key 'hyper-f'"),
            "{err}"
        );
        let c = Config::parse("theme = \"light\"\nmouse = false\n").unwrap();
        assert_eq!((c.theme, c.mouse), (ThemeName::Light, false));
    }

    #[test]
    fn misplaced_and_duplicate_bindings_are_refused_with_their_line() {
        let err =
            Config::parse("[keys.library]\nsearch = \"s\"\n\n[keys.editor]\nquit = \"ctrl-q\"\n")
                .unwrap_err();
        assert!(
            err.starts_with("5: keys.editor.quit: 'quit' does nothing in editor"),
            "{err}"
        );
        let err = Config::parse("[keys.model]\nfilter = \"F\"\n").unwrap_err();
        assert!(
            err.starts_with(
                "2: keys.model.filter: 'filter' does nothing in model (it belongs in: library)"
            ),
            "{err}"
        );
        let err = Config::parse("# mine\n[keys.library]\nopen = \"enter\"\nfilter = \"/\"\n")
            .unwrap_err();
        assert!(
            err.starts_with("4: keys.library.filter: '/' is bound to 'search' in library already"),
            "{err}"
        );
        // Rebinding both is fine.
        Config::parse("[keys.library]\nfilter = \"/\"\nsearch = \"s\"\n").unwrap();
        Config::parse("[keys.library]\nsearch = \"s\"\nfilter = \"/\"\n").unwrap();
        Config::parse("[keys.editor]\nsave = \"ctrl-w\"\n").unwrap();
        // Overlays are contexts too; a form is text, so no global commands.
        Config::parse("[keys.form]\nsubmit = \"ctrl-w\"\n[keys.confirm]\nconfirm = \"o\"\n")
            .unwrap();
        let err = Config::parse("[keys.form]\nquit = \"ctrl-q\"\n").unwrap_err();
        assert!(
            err.starts_with("2: keys.form.quit: 'quit' does nothing in form"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = Config::parse("[governance]\ndistinct_approvr = true\n").unwrap_err();
        assert!(err.starts_with("2:1:"), "{err}");
        assert!(err.contains("distinct_approvr"), "{err}");
    }
}
