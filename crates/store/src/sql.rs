//! SQL text shared by both backends ($1-style placeholders work on SQLite and
//! PostgreSQL alike), and a small builder for optional list filters.

use crate::db::Bind;

pub const RECIPE_SELECT: &str = "SELECT r.id, r.name, r.model_family, r.level, r.status, \
    r.parent_id, p.name AS parent_name, r.tags, \
    (SELECT v.version_number FROM ml_recipe_version v WHERE v.recipe_id = r.id \
        ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1) AS latest_version, \
    (SELECT v.version_number FROM ml_recipe_version v \
        JOIN ml_recipe_approval a ON a.version_id = v.version_id WHERE v.recipe_id = r.id \
        ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1) AS approved_version, \
    r.created_by, r.created_at, r.updated_at \
    FROM ml_recipe r LEFT JOIN ml_recipe p ON p.id = r.parent_id";

pub const RECIPE_FROM: &str = "FROM ml_recipe r";

pub const VERSION_SELECT: &str = "SELECT v.version_id, v.recipe_id, v.version_number, \
    v.manifest_json, v.diff_from_prev, v.parent_version_id, \
    pv.version_number AS parent_version_number, v.overlay_json, v.bump, v.created_by, \
    v.created_at, v.change_note, a.approved_by, a.approved_at \
    FROM ml_recipe_version v \
    LEFT JOIN ml_recipe_version pv ON pv.version_id = v.parent_version_id \
    LEFT JOIN ml_recipe_approval a ON a.version_id = v.version_id";

pub const VERSION_ORDER_DESC: &str = "ORDER BY v.major DESC, v.minor DESC, v.patch DESC";

pub const MODEL_SELECT: &str = "SELECT m.id, m.name, m.model_family, m.recipe_id, \
    r.name AS recipe_name, m.recipe_version_id, v.version_number AS recipe_version, \
    m.status, m.owner, m.created_at, m.updated_at, m.run_id \
    FROM ml_model m JOIN ml_recipe r ON r.id = m.recipe_id \
    JOIN ml_recipe_version v ON v.version_id = m.recipe_version_id";

/// Models in the Monitoring tab's ranking: every model has a health row
/// (kept by triggers), so the ranking's index drives the query.
pub const MONITOR_SELECT: &str = "SELECT m.id, m.name, m.model_family, m.recipe_id, \
    r.name AS recipe_name, m.recipe_version_id, v.version_number AS recipe_version, \
    m.status, m.owner, m.created_at, m.updated_at, m.run_id \
    FROM ml_model_health h JOIN ml_model m ON m.id = h.model_id \
    JOIN ml_recipe r ON r.id = m.recipe_id \
    JOIN ml_recipe_version v ON v.version_id = m.recipe_version_id";

pub const MODEL_FROM: &str = "FROM ml_model m JOIN ml_recipe r ON r.id = m.recipe_id";

/// A run row's columns before its log.
const RUN_COLUMNS_TO_LOG: &str = "SELECT x.id, x.model_id, m.name AS model_name, x.recipe_id, \
    r.name AS recipe_name, x.recipe_version_id, v.version_number AS recipe_version, \
    x.experiment_id, COALESCE(e.name, r.name) AS experiment_name, x.run_type, x.status, x.created_by, x.created_at, x.updated_at, x.started_at, \
    x.finished_at, x.metrics_json, x.artifacts_json, ";

/// A run row's columns after its log, and where they come from.
const RUN_COLUMNS_FROM_LOG: &str = ", \
    x.name, x.note, x.status_reason, x.exit_code, x.executor, x.heartbeat_at, \
    x.cancel_requested_at, x.log_bytes \
    FROM ml_run x JOIN ml_experiment e ON e.id = x.experiment_id \
    LEFT JOIN ml_recipe r ON r.id = x.recipe_id \
    LEFT JOIN ml_recipe_version v ON v.version_id = x.recipe_version_id \
    LEFT JOIN ml_model m ON m.id = x.model_id";

/// One run, with its log.
pub fn run_select() -> String {
    format!("{RUN_COLUMNS_TO_LOG}x.logs_text{RUN_COLUMNS_FROM_LOG}")
}

/// Rows of a run list: never the log, which may be megabytes per run.
pub fn run_list_select() -> String {
    format!("{RUN_COLUMNS_TO_LOG}NULL AS logs_text{RUN_COLUMNS_FROM_LOG}")
}

pub const SNAPSHOT_SELECT: &str = "SELECT id, model_id, captured_at, performance_metrics_json, \
    drift_metrics_json, data_freshness_json, alerts_json, created_by FROM ml_monitor_snapshot";

pub const EXAMPLE_SELECT: &str = "SELECT id, recipe_id, dataset_schema_json, sample_rows_json, \
    example_run_json, created_at FROM ml_synthetic_example";

pub const AUDIT_SELECT: &str =
    "SELECT id, at, actor, entity, entity_id, action, details, hash FROM ml_audit";

pub const INSERT_AUDIT: &str = "INSERT INTO ml_audit (at, actor, entity, entity_id, action, details, hash) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub const INSERT_RECIPE: &str = "INSERT INTO ml_recipe \
    (name, model_family, level, status, parent_id, tags, created_by, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id";

pub const INSERT_VERSION: &str = "INSERT INTO ml_recipe_version \
    (recipe_id, version_number, major, minor, patch, manifest_json, diff_from_prev, \
     parent_version_id, overlay_json, bump, created_by, created_at, change_note) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING version_id";

pub const INSERT_APPROVAL: &str = "INSERT INTO ml_recipe_approval \
    (version_id, recipe_id, approved_by, approved_at) VALUES ($1, $2, $3, $4)";

pub const TOUCH_RECIPE: &str = "UPDATE ml_recipe SET updated_at = $1 WHERE id = $2";

pub const INSERT_MODEL: &str = "INSERT INTO ml_model \
    (name, model_family, recipe_id, recipe_version_id, status, owner, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";

/// A run in the experiment `$8`, or (none) in its recipe's own.
pub const INSERT_RUN: &str = "INSERT INTO ml_run \
    (model_id, recipe_id, recipe_version_id, run_type, status, created_by, created_at, updated_at, \
     experiment_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7, \
     COALESCE($8, (SELECT id FROM ml_experiment WHERE recipe_id = $2 AND name IS NULL))) \
    RETURNING id";

pub const INSERT_SNAPSHOT: &str = "INSERT INTO ml_monitor_snapshot \
    (model_id, captured_at, performance_metrics_json, drift_metrics_json, data_freshness_json, \
     alerts_json, created_by, drift_score) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

pub const UPSERT_EXAMPLE: &str = "INSERT INTO ml_synthetic_example \
    (recipe_id, dataset_schema_json, sample_rows_json, example_run_json, created_at) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (recipe_id) DO UPDATE SET \
    dataset_schema_json = excluded.dataset_schema_json, \
    sample_rows_json = excluded.sample_rows_json, \
    example_run_json = excluded.example_run_json, created_at = excluded.created_at";

/// Optional `WHERE` conditions, numbered `$1, $2, ...` as they are added.
#[derive(Debug, Default)]
pub struct Filter {
    clauses: Vec<String>,
    pub binds: Vec<Bind>,
    /// The backend's `LIKE` ignores ASCII case already (SQLite): ASCII
    /// searches skip `LOWER`, three times cheaper, and others go by `REGEXP`.
    pub like_ignores_case: bool,
}

impl Filter {
    pub fn new(like_ignores_case: bool) -> Filter {
        Filter {
            like_ignores_case,
            ..Filter::default()
        }
    }

    /// Binds a value; its placeholder, for a clause built by hand.
    pub fn placeholder(&mut self, bind: Bind) -> String {
        self.next_placeholder(bind)
    }

    /// A condition built by hand (its values bound with `placeholder`).
    pub fn clause(&mut self, sql: String) {
        self.clauses.push(sql);
    }

    fn next_placeholder(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    /// `column = value` when a value is given.
    pub fn eq(&mut self, column: &str, value: Option<Bind>) {
        if let Some(v) = value {
            let p = self.next_placeholder(v);
            self.clauses.push(format!("{column} = {p}"));
        }
    }

    /// Case-insensitive substring match of `text` in any of `columns`.
    pub fn search(&mut self, columns: &[&str], text: Option<&str>) {
        self.search_with(text, |matches| {
            let any: Vec<String> = columns.iter().map(|c| matches(c)).collect();
            format!("({})", any.join(" OR "))
        });
    }

    /// A condition built from `condition`, which is given the test "this
    /// column contains the text, ignoring case", when a text is given.
    pub fn search_with(
        &mut self,
        text: Option<&str>,
        condition: impl FnOnce(&dyn Fn(&str) -> String) -> String,
    ) {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        let folding = TextMatch::for_search(self.like_ignores_case, text);
        let p = self.next_placeholder(Bind::Text(folding.pattern(text)));
        let matches = |column: &str| folding.condition(column, &p);
        let clause = condition(&matches);
        self.clauses.push(clause);
    }

    /// A condition with `{}` where the value's placeholder goes, when a value is given.
    pub fn matching(&mut self, template: &str, value: Option<Bind>) {
        if let Some(v) = value {
            let p = self.next_placeholder(v);
            self.clauses.push(template.replace("{}", &p));
        }
    }

    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// ` LIMIT $n OFFSET $m`, binding both.
    pub fn page_sql(&mut self, limit: i64, offset: i64) -> String {
        let l = self.next_placeholder(Bind::Int(limit.clamp(0, 100_000)));
        let o = self.next_placeholder(Bind::Int(offset.max(0)));
        format!(" LIMIT {l} OFFSET {o}")
    }
}

/// How a search compares text with a column, ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextMatch {
    /// `LOWER(column) LIKE pattern`: the backend's `LOWER` folds all of Unicode.
    LowerLike,
    /// `column LIKE pattern`: SQLite's `LIKE` folds ASCII, enough for ASCII text.
    Like,
    /// `column REGEXP '(?i)...'`: SQLite for text beyond ASCII, which its
    /// `LIKE` and `LOWER` leave as they are ("ÉCOLE" is not "école").
    Regexp,
}

impl TextMatch {
    fn for_search(like_ignores_case: bool, text: &str) -> TextMatch {
        match (like_ignores_case, text.is_ascii()) {
            (false, _) => TextMatch::LowerLike,
            (true, true) => TextMatch::Like,
            (true, false) => TextMatch::Regexp,
        }
    }

    fn pattern(self, text: &str) -> String {
        match self {
            TextMatch::LowerLike | TextMatch::Like => like_pattern(text),
            TextMatch::Regexp => format!("(?i){}", regex::escape(text)),
        }
    }

    fn condition(self, column: &str, placeholder: &str) -> String {
        match self {
            TextMatch::LowerLike => {
                format!("LOWER(CAST({column} AS TEXT)) LIKE {placeholder} ESCAPE '\\'")
            }
            TextMatch::Like => format!("{column} LIKE {placeholder} ESCAPE '\\'"),
            TextMatch::Regexp => format!("{column} REGEXP {placeholder}"),
        }
    }
}

/// `%text%`, lowercased, with LIKE's wildcards escaped.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_numbers_placeholders_in_order() {
        let mut f = Filter::default();
        f.eq("a", Some(Bind::Text("x".into())));
        f.eq("b", None);
        f.search(&["n", "m"], Some("50%_off"));
        let page = f.page_sql(10, 20);
        assert_eq!(
            f.where_sql(),
            " WHERE a = $1 AND (LOWER(CAST(n AS TEXT)) LIKE $2 ESCAPE '\\' OR LOWER(CAST(m AS TEXT)) LIKE $2 ESCAPE '\\')"
        );
        assert_eq!(page, " LIMIT $3 OFFSET $4");
        assert_eq!(f.binds[1], Bind::Text("%50\\%\\_off%".into()));
    }

    #[test]
    fn sqlite_searches_beyond_ascii_by_a_case_blind_regexp() {
        let mut f = Filter::new(true);
        f.search(&["n"], Some("Bière (é.*)"));
        assert_eq!(f.where_sql(), " WHERE (n REGEXP $1)");
        assert_eq!(f.binds[0], Bind::Text("(?i)Bière \\(é\\.\\*\\)".into()));
        let mut ascii = Filter::new(true);
        ascii.search(&["n"], Some("Beer"));
        assert_eq!(ascii.where_sql(), " WHERE (n LIKE $1 ESCAPE '\\')");
    }
}
