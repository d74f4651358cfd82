//! Every statement nexml runs, written once for both backends: a `Session`
//! is a connection (`Store::read`) or a write transaction (`Store::write`),
//! with one method per statement. Sessions hold no rules: the app's service
//! decides what may change and calls these in one unit of work.

use crate::db::{Bind, Bulk, Db, LockedTable, Statement, bind_list};
use crate::decode::Record;
use crate::error::{StoreError, StoreResult};
use crate::reads::reads;
use crate::records::*;
use crate::rows::*;
use crate::sql::{self, Filter};
use crate::{BulkRun, BulkSnapshot};
use chrono::{DateTime, SubsecRound, Utc};
use nexml_core::domain::canonical::canonical;
use nexml_core::domain::version::parse_version;
use nexml_core::domain::{AlertState, ChatStatus, ModelStatus, RecipeStatus, RunStatus};
use serde_json::Value;

pub struct Session {
    pub(crate) db: Box<dyn Db>,
}

/// What depends on a recipe (and so keeps it from being deleted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependents {
    pub children: Vec<String>,
    pub models: Vec<String>,
    pub runs: i64,
}

/// A run's JSON documents that merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunDocument {
    Metrics,
    Artifacts,
}

impl RunDocument {
    fn column(self) -> &'static str {
        match self {
            RunDocument::Metrics => "metrics_json",
            RunDocument::Artifacts => "artifacts_json",
        }
    }
}

const ALERT_SELECT: &str = "SELECT id, model_id, rule, source, metric, comparison, threshold, \
    severity, state, value, message, snapshot_id, opened_at, updated_at, resolved_at, \
    acknowledged_by, acknowledged_at, resolved_by, notified_value FROM ml_alert";

const CHAT_SELECT: &str = "SELECT id, recipe_id, role, text, proposal, status, created_by, \
    created_at, base_version FROM ml_chat_message";

pub(crate) fn first<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

fn in_list_order<T>(mut items: Vec<T>, reverse: bool) -> Vec<T> {
    if reverse {
        items.reverse();
    }
    items
}

fn order<'a>(forward: &'a str, backward: &'a str, reverse: bool) -> &'a str {
    if reverse { backward } else { forward }
}

/// The ORDER BY terms of a list sorted by `sort`: its column's expression
/// (`column_of` says which, None where this list does not have it), then
/// the id, read backwards when `reverse`. None: the list's default order.
fn sorted_order(
    sort: Option<ListSort>,
    column_of: fn(SortColumn) -> Option<&'static str>,
    id: &str,
    reverse: bool,
) -> StoreResult<Option<String>> {
    let Some(sort) = sort else {
        return Ok(None);
    };
    let column = column_of(sort.column).ok_or_else(|| {
        StoreError::Refused(format!("this list cannot be sorted by {:?}", sort.column))
    })?;
    let descending = sort.descending != reverse;
    let dir = if descending { "DESC" } else { "ASC" };
    Ok(Some(format!("{column} {dir}, {id} {dir}")))
}

/// Rows with an id and a unique name (recipes, models), read alike: a list
/// of them is by name unless sorted otherwise, and one is found by its id
/// or its exact name.
struct NamedRows {
    /// What one is called, in "not found".
    kind: &'static str,
    /// The SELECT of a row, to which a WHERE may be added.
    select: &'static str,
    /// The alias of their table in `select`.
    alias: &'static str,
    /// The expression a list is sorted by for a column, if it has it.
    sort_column: fn(SortColumn) -> Option<&'static str>,
}

const RECIPES: NamedRows = NamedRows {
    kind: "recipe",
    select: sql::RECIPE_SELECT,
    alias: "r",
    sort_column: recipe_sort_column,
};

const MODELS: NamedRows = NamedRows {
    kind: "model",
    select: sql::MODEL_SELECT,
    alias: "m",
    sort_column: model_sort_column,
};

fn recipe_sort_column(column: SortColumn) -> Option<&'static str> {
    Some(match column {
        SortColumn::Name => "r.name",
        SortColumn::Family => "r.model_family",
        SortColumn::Level => "r.level",
        SortColumn::Status => "r.status",
        SortColumn::Updated => "r.updated_at",
        _ => return None,
    })
}

fn model_sort_column(column: SortColumn) -> Option<&'static str> {
    Some(match column {
        SortColumn::Name => "m.name",
        SortColumn::Family => "m.model_family",
        SortColumn::Status => "m.status",
        SortColumn::Owner => "m.owner",
        SortColumn::Recipe => "r.name",
        SortColumn::Updated => "m.updated_at",
        _ => return None,
    })
}

fn monitor_sort_column(column: SortColumn) -> Option<&'static str> {
    Some(match column {
        SortColumn::Drift => "h.drift_score",
        SortColumn::Alerts => "h.open_alerts",
        other => return model_sort_column(other),
    })
}

/// A filtered run list counts its matches up to this many ("10,000+").
pub const SEARCH_COUNT_CAP: i64 = 10_000;

/// A model list's conditions (on `m`, the model, and `r`, its recipe).
fn model_filter(query: &ModelQuery, mut f: Filter) -> Filter {
    f.eq(
        "m.model_family",
        query.family.map(|v| Bind::Text(v.as_str().into())),
    );
    f.eq(
        "m.status",
        query.status.map(|v| Bind::Text(v.as_str().into())),
    );
    f.eq("m.recipe_id", query.recipe_id.map(Bind::Int));
    f.eq("m.owner", query.owner.clone().map(Bind::Text));
    f.search(
        &["m.name", "m.model_family", "m.owner", "r.name"],
        query.search.as_deref(),
    );
    f
}

fn filtered(sql: String, filter: &Filter) -> Statement {
    Statement {
        sql,
        binds: filter.binds.clone(),
    }
}

/// A run list's conditions on `alias` (the run table or its counts):
/// recipes and models are matched by id, so nothing joins.
fn run_filter(query: &RunQuery, alias: &str, mut f: Filter) -> Filter {
    let col = |c: &str| format!("{alias}.{c}");
    // In id-membership tests, `+column` keeps SQLite walking the runs in
    // id order (stopping at a page) instead of collecting every match
    // through an index and sorting them.
    let member = |c: &str| format!("+{alias}.{c}");
    f.eq(
        &col("status"),
        query.status.map(|v| Bind::Text(v.as_str().into())),
    );
    f.eq(
        &col("run_type"),
        query.run_type.map(|v| Bind::Text(v.as_str().into())),
    );
    f.matching(
        &format!(
            "{} IN (SELECT id FROM ml_recipe WHERE model_family = {{}})",
            member("recipe_id")
        ),
        query.family.map(|v| Bind::Text(v.as_str().into())),
    );
    f.eq(&col("recipe_id"), query.recipe_id.map(Bind::Int));
    f.eq(&col("model_id"), query.model_id.map(Bind::Int));
    if !query.experiment_ids.is_empty() {
        // Ids are numbers: written into the text, they need no binds.
        let ids: Vec<String> = query.experiment_ids.iter().map(i64::to_string).collect();
        f.clause(format!("{} IN ({})", col("experiment_id"), ids.join(", ")));
    }
    if let Some(deleted) = query.deleted {
        let not = if deleted { "" } else { "NOT " };
        f.clause(format!(
            "{not}EXISTS (SELECT 1 FROM ml_run_deleted d WHERE d.run_id = {})",
            col("id")
        ));
    }
    f.search_with(query.search.as_deref(), |matches| {
        format!(
            "({} IN (SELECT id FROM ml_recipe WHERE {} OR {}) OR {} IN (SELECT id FROM ml_model WHERE {}))",
            member("recipe_id"),
            matches("name"),
            matches("model_family"),
            member("model_id"),
            matches("name"),
        )
    });
    f
}

impl Session {
    pub fn new(db: Box<dyn Db>) -> Session {
        Session { db }
    }

    /// An empty filter for this backend's SQL.
    fn filter(&self) -> Filter {
        Filter::new(self.db.like_ignores_case())
    }

    /// Ends a write transaction, keeping what it wrote (a read session just ends).
    pub async fn commit(self) -> StoreResult<()> {
        self.db.commit().await
    }

    /// Announces what this transaction changed, to every open app, at commit.
    pub async fn announce(&mut self, changes: &[crate::feed::Change]) -> StoreResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        self.db.announce(&crate::feed::encode(changes)).await
    }

    pub async fn lock(&mut self, table: LockedTable, id: i64) -> StoreResult<()> {
        self.db.lock(table, id).await
    }

    /// A statement's rows, each decoded as a `T`.
    pub(crate) async fn fetch<T: Record>(&mut self, s: Statement) -> StoreResult<Vec<T>> {
        self.db.fetch(s).await?.decode()
    }

    /// A page (limit, offset) of `rows` matching `f`, sorted by `sort`,
    /// else by name then id; backwards when `reverse`, yet in list order.
    async fn named_rows<T: Record>(
        &mut self,
        rows: &NamedRows,
        mut f: Filter,
        (limit, offset): (i64, i64),
        sort: Option<ListSort>,
        reverse: bool,
    ) -> StoreResult<Vec<T>> {
        let a = rows.alias;
        let where_sql = f.where_sql();
        let page = f.page_sql(limit, offset);
        let by = sorted_order(sort, rows.sort_column, &format!("{a}.id"), reverse)?;
        let by = match by {
            Some(by) => by,
            None if reverse => format!("{a}.name DESC, {a}.id DESC"),
            None => format!("{a}.name, {a}.id"),
        };
        let sql = format!("{}{where_sql} ORDER BY {by}{page}", rows.select);
        let items = self.fetch::<T>(filtered(sql, &f)).await?;
        Ok(in_list_order(items, reverse))
    }

    /// The one of `rows` with this id.
    async fn named_row<T: Record>(&mut self, rows: &NamedRows, id: i64) -> StoreResult<T> {
        let sql = format!("{} WHERE {}.id = $1", rows.select, rows.alias);
        first(self.fetch::<T>(Statement::new(sql).int(id)).await?)
            .ok_or_else(|| StoreError::not_found(rows.kind, id))
    }

    /// The one of `rows` with the id or the exact name `reference`.
    async fn find_named<T: Record>(&mut self, rows: &NamedRows, reference: &str) -> StoreResult<T> {
        if let Ok(id) = reference.trim().parse::<i64>()
            && let Ok(row) = self.named_row(rows, id).await
        {
            return Ok(row);
        }
        let sql = format!("{} WHERE {}.name = $1", rows.select, rows.alias);
        first(
            self.fetch::<T>(Statement::new(sql).text(reference.trim()))
                .await?,
        )
        .ok_or_else(|| StoreError::not_found(rows.kind, reference))
    }

    /// Versions, their manifest and overlay in the canonical form: JSONB
    /// keeps no key order, and rows saved before the form keep the order
    /// they came in (versions are immutable, so they are ordered on reading).
    async fn fetch_versions(&mut self, s: Statement) -> StoreResult<Vec<RecipeVersion>> {
        let mut versions: Vec<RecipeVersion> = self.fetch(s).await?;
        for v in &mut versions {
            v.manifest_json = canonical(&v.manifest_json);
            v.overlay_json = v.overlay_json.as_ref().map(canonical);
        }
        Ok(versions)
    }

    /// The first column of each row, as integers (ids, counts).
    pub(crate) async fn ints(&mut self, s: Statement) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = self.fetch(s).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// The first column of each row, as text.
    pub(crate) async fn texts(&mut self, s: Statement) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = self.fetch(s).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    async fn count(&mut self, s: Statement) -> StoreResult<i64> {
        Ok(first(self.ints(s).await?).unwrap_or(0))
    }
}

// Recipes

reads!(
    pub async fn list_recipes(&mut self, query: &RecipeQuery) -> StoreResult<Page<Recipe>> {
        let mut f = self.filter();
        f.eq(
            "r.model_family",
            query.family.map(|v| Bind::Text(v.as_str().into())),
        );
        f.eq(
            "r.level",
            query.level.map(|v| Bind::Text(v.as_str().into())),
        );
        f.eq(
            "r.status",
            query.status.map(|v| Bind::Text(v.as_str().into())),
        );
        f.eq("r.parent_id", query.parent_id.map(Bind::Int));
        let columns: &[&str] = if query.names_only {
            &["r.name"]
        } else {
            &["r.name", "r.model_family", "r.tags"]
        };
        f.search(columns, query.search.as_deref());
        let total = if query.skip_count {
            -1
        } else {
            self.count(filtered(
                format!(
                    "SELECT CAST(COUNT(*) AS BIGINT) {}{}",
                    sql::RECIPE_FROM,
                    f.where_sql()
                ),
                &f,
            ))
            .await?
        };
        let page = (query.limit, query.offset);
        let items = self
            .named_rows(&RECIPES, f, page, query.sort, query.reverse)
            .await?;
        Ok(Page { items, total })
    }

    pub async fn recipe(&mut self, id: i64) -> StoreResult<Recipe> {
        self.named_row(&RECIPES, id).await
    }

    /// A recipe by id or exact name.
    pub async fn find_recipe(&mut self, reference: &str) -> StoreResult<Recipe> {
        self.find_named(&RECIPES, reference).await
    }

    pub async fn children(&mut self, id: i64) -> StoreResult<Vec<Recipe>> {
        let s = Statement::new(format!(
            "{} WHERE r.parent_id = $1 ORDER BY r.name",
            sql::RECIPE_SELECT
        ))
        .int(id);
        self.fetch::<Recipe>(s).await
    }
);

impl Session {
    /// A recipe's ancestors, the baseline first, in one recursive query
    /// (a chain is at most three levels; the depth bound guards a cycle).
    pub async fn ancestors(&mut self, id: i64) -> StoreResult<Vec<Recipe>> {
        let s = Statement::new(format!(
            "WITH RECURSIVE chain(id, depth) AS ( \
                SELECT parent_id, 1 FROM ml_recipe WHERE id = $1 AND parent_id IS NOT NULL \
                UNION ALL \
                SELECT r.parent_id, c.depth + 1 FROM ml_recipe r JOIN chain c ON r.id = c.id \
                WHERE r.parent_id IS NOT NULL AND c.depth < 16) \
             {} JOIN chain c ON c.id = r.id ORDER BY c.depth DESC",
            sql::RECIPE_SELECT
        ))
        .int(id);
        self.fetch::<Recipe>(s).await
    }

    pub async fn dependents(&mut self, recipe_id: i64) -> StoreResult<Dependents> {
        let children = self
            .texts(
                Statement::new("SELECT name FROM ml_recipe WHERE parent_id = $1 ORDER BY name")
                    .int(recipe_id),
            )
            .await?;
        let models = self
            .texts(
                Statement::new("SELECT name FROM ml_model WHERE recipe_id = $1 ORDER BY name")
                    .int(recipe_id),
            )
            .await?;
        let runs = self
            .count(
                Statement::new("SELECT CAST(COUNT(*) AS BIGINT) FROM ml_run WHERE recipe_id = $1")
                    .int(recipe_id),
            )
            .await?;
        Ok(Dependents {
            children,
            models,
            runs,
        })
    }

    pub async fn insert_recipe(&mut self, row: &RecipeRow<'_>) -> StoreResult<i64> {
        let s = Statement::new(sql::INSERT_RECIPE)
            .text(row.name)
            .text(row.model_family.as_str())
            .text(row.level.as_str())
            .text(row.status.as_str())
            .opt_int(row.parent_id)
            .bind(Bind::Json(serde_json::json!(row.tags)))
            .text(row.actor)
            .time(row.at);
        self.inserted(s).await
    }

    pub(crate) async fn inserted(&mut self, s: Statement) -> StoreResult<i64> {
        first(self.ints(s).await?)
            .ok_or_else(|| StoreError::refused("the database returned no id for a new row"))
    }

    pub async fn update_recipe(
        &mut self,
        id: i64,
        name: &str,
        tags: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_recipe SET name = $1, tags = $2, updated_at = $3 WHERE id = $4",
        )
        .text(name)
        .bind(Bind::Json(serde_json::json!(tags)))
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    pub async fn set_recipe_status(
        &mut self,
        id: i64,
        status: RecipeStatus,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new("UPDATE ml_recipe SET status = $1, updated_at = $2 WHERE id = $3")
            .text(status.as_str())
            .time(at)
            .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Marks a recipe changed; `false` when there is no such recipe.
    pub async fn touch_recipe(&mut self, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        let s = Statement::new(sql::TOUCH_RECIPE).time(at).int(id);
        Ok(self.db.execute(s).await? > 0)
    }

    pub async fn delete_recipe(&mut self, id: i64) -> StoreResult<()> {
        let s = Statement::new("DELETE FROM ml_recipe WHERE id = $1").int(id);
        self.db.execute(s).await.map(drop)
    }
}

// Versions

reads!(
    /// Newest first.
    pub async fn versions(&mut self, recipe_id: i64) -> StoreResult<Vec<RecipeVersion>> {
        let s = Statement::new(format!(
            "{} WHERE v.recipe_id = $1 {}",
            sql::VERSION_SELECT,
            sql::VERSION_ORDER_DESC
        ))
        .int(recipe_id);
        self.fetch_versions(s).await
    }

    pub async fn version_by_id(&mut self, version_id: i64) -> StoreResult<RecipeVersion> {
        let s = Statement::new(format!("{} WHERE v.version_id = $1", sql::VERSION_SELECT))
            .int(version_id);
        first(self.fetch_versions(s).await?)
            .ok_or_else(|| StoreError::not_found("version", version_id))
    }
);

impl Session {
    /// A version of `recipe` by number, or its latest when `None`.
    pub async fn version(
        &mut self,
        recipe: &Recipe,
        number: Option<&str>,
    ) -> StoreResult<RecipeVersion> {
        let s = match number {
            None => Statement::new(format!(
                "{} WHERE v.recipe_id = $1 {} LIMIT 1",
                sql::VERSION_SELECT,
                sql::VERSION_ORDER_DESC
            ))
            .int(recipe.id),
            Some(n) => {
                let v = parse_version(n).map_err(StoreError::Refused)?;
                Statement::new(format!(
                    "{} WHERE v.recipe_id = $1 AND v.version_number = $2",
                    sql::VERSION_SELECT
                ))
                .int(recipe.id)
                .text(v.to_string())
            }
        };
        // "no version 'Recipe 1.2.0'": the message quotes the reference once.
        first(self.fetch_versions(s).await?).ok_or_else(|| {
            StoreError::not_found(
                "version",
                format!(
                    "{} {}",
                    recipe.name,
                    number.map(str::trim).unwrap_or("(any)")
                ),
            )
        })
    }

    /// Stores the manifest and overlay in the canonical form (on SQLite
    /// the text is kept as written; PostgreSQL's JSONB orders it anyway).
    pub async fn insert_version(&mut self, row: &VersionRow<'_>) -> StoreResult<i64> {
        let n = &row.number;
        let s = Statement::new(sql::INSERT_VERSION)
            .int(row.recipe_id)
            .text(n.to_string())
            .int(n.major as i64)
            .int(n.minor as i64)
            .int(n.patch as i64)
            .json(&canonical(row.manifest))
            .json(&row.diff_from_prev)
            .opt_int(row.parent_version_id)
            .bind(Bind::OptJson(row.overlay.as_ref().map(canonical)))
            .text(row.bump.as_str())
            .text(row.actor)
            .time(row.at)
            .text(row.note);
        self.inserted(s).await
    }

    pub async fn insert_approval(
        &mut self,
        version_id: i64,
        recipe_id: i64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(sql::INSERT_APPROVAL)
            .int(version_id)
            .int(recipe_id)
            .text(actor)
            .time(at);
        self.db.execute(s).await.map(drop)
    }
}

// Synthetic examples

reads!(
    pub async fn example(&mut self, recipe_id: i64) -> StoreResult<Option<SyntheticExample>> {
        let s =
            Statement::new(format!("{} WHERE recipe_id = $1", sql::EXAMPLE_SELECT)).int(recipe_id);
        Ok(first(self.fetch::<SyntheticExample>(s).await?))
    }
);

impl Session {
    pub async fn upsert_example(
        &mut self,
        recipe_id: i64,
        example: &NewExample,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(sql::UPSERT_EXAMPLE)
            .int(recipe_id)
            .json(&example.dataset_schema)
            .json(&example.sample_rows)
            .json(&example.example_run)
            .time(at);
        self.db.execute(s).await.map(drop)
    }
}

// Models

reads!(
    pub async fn list_models(&mut self, query: &ModelQuery) -> StoreResult<Page<Model>> {
        let f = model_filter(query, self.filter());
        let total = self.count_models(&f, query.search.is_some()).await?;
        let page = (query.limit, query.offset);
        let items = self
            .named_rows(&MODELS, f, page, query.sort, query.reverse)
            .await?;
        Ok(Page { items, total })
    }

    pub async fn model(&mut self, id: i64) -> StoreResult<Model> {
        self.named_row(&MODELS, id).await
    }

    /// A model by id or exact name.
    pub async fn find_model(&mut self, reference: &str) -> StoreResult<Model> {
        self.find_named(&MODELS, reference).await
    }
);

impl Session {
    pub async fn insert_model(&mut self, row: &ModelRow<'_>) -> StoreResult<i64> {
        let s = Statement::new(sql::INSERT_MODEL)
            .text(row.name)
            .text(row.model_family.as_str())
            .int(row.recipe_id)
            .int(row.recipe_version_id)
            // A model starts its lifecycle as a draft.
            .text(ModelStatus::Draft.as_str())
            .text(row.owner)
            .time(row.at);
        self.inserted(s).await
    }

    pub async fn update_model(
        &mut self,
        id: i64,
        name: &str,
        owner: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_model SET name = $1, owner = $2, updated_at = $3 WHERE id = $4",
        )
        .text(name)
        .text(owner)
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    pub async fn set_model_status(
        &mut self,
        id: i64,
        status: ModelStatus,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new("UPDATE ml_model SET status = $1, updated_at = $2 WHERE id = $3")
            .text(status.as_str())
            .time(at)
            .int(id);
        self.db.execute(s).await.map(drop)
    }
}

// Runs

reads!(
    pub async fn list_runs(&mut self, query: &RunQuery) -> StoreResult<Page<Run>> {
        let expression = query.filter.as_ref().filter(|f| !f.is_empty());
        if expression.is_some() || !query.order_by.is_empty() {
            return self.search_runs(query, expression).await;
        }
        // The count comes from the trigger-kept counts table: the same
        // conditions over a few thousand rows instead of a million.
        let total = if query.skip_count {
            -1
        } else if query.deleted.is_some() || !query.experiment_ids.is_empty() {
            // The counts table knows nothing of deletions through MLflow,
            // nor of experiments.
            let f = run_filter(query, "x", self.filter());
            self.count(filtered(
                format!("SELECT COUNT(*) FROM ml_run x{}", f.where_sql()),
                &f,
            ))
            .await?
        } else {
            let f = run_filter(query, "c", self.filter());
            self.count(filtered(
                format!(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ml_run_count c{}",
                    f.where_sql()
                ),
                &f,
            ))
            .await?
        };
        let mut f = run_filter(query, "x", self.filter());
        // A keyset window walks the id index from its neighbour; an offset
        // (for a jump) counts rows from the nearer end.
        let (offset, reverse) = match query.keyset {
            Some(Keyset::After(id)) => {
                f.matching("x.id < {}", Some(Bind::Int(id)));
                (0, false)
            }
            Some(Keyset::Before(id)) => {
                f.matching("x.id > {}", Some(Bind::Int(id)));
                (0, true)
            }
            None => (query.offset, query.reverse),
        };
        let where_sql = f.where_sql();
        let page = f.page_sql(query.limit, offset);
        let by = order("x.id DESC", "x.id", reverse);
        let items = self
            .fetch::<Run>(filtered(
                format!("{}{where_sql} ORDER BY {by}{page}", sql::run_list_select()),
                &f,
            ))
            .await?;
        Ok(Page {
            items: in_list_order(items, reverse),
            total,
        })
    }

    /// One run with its whole log: the text of older runs, then the chunks
    /// appended since.
    pub async fn run(&mut self, id: i64) -> StoreResult<Run> {
        let s = Statement::new(format!("{} WHERE x.id = $1", sql::run_select())).int(id);
        let mut run =
            first(self.fetch::<Run>(s).await?).ok_or_else(|| StoreError::not_found("run", id))?;
        let chunks = self.run_log_chunks(id).await?;
        if !chunks.is_empty() {
            let log = run.logs_text.get_or_insert_with(String::new);
            for chunk in chunks {
                log.push_str(&chunk);
            }
        }
        Ok(run)
    }

    /// One run without its log (the cheap read for checks and lists).
    pub async fn run_row(&mut self, id: i64) -> StoreResult<Run> {
        let s = Statement::new(format!("{} WHERE x.id = $1", sql::run_list_select())).int(id);
        first(self.fetch::<Run>(s).await?).ok_or_else(|| StoreError::not_found("run", id))
    }
);

impl Session {
    /// A list with a filter expression or sort keys. A filter on a metric
    /// reads that metric's rows (`d`, see `run_search::Read`): first it
    /// counts the runs that condition matches, up to the cap, in the value
    /// index alone; a few are then read whole and sorted, many are walked
    /// newest first until a page is full, so a page costs at most the cap
    /// or the runs it skips. The total is counted up to `SEARCH_COUNT_CAP`
    /// matches (`total` is then the cap plus one): a filter of that one
    /// condition takes the first count, and a count whose conditions are
    /// all on the metric, param and tag tables reads no run rows.
    async fn search_runs(
        &mut self,
        query: &RunQuery,
        expression: Option<&nexml_core::runs::filter::Filter>,
    ) -> StoreResult<Page<Run>> {
        use crate::run_search::{self, Read};
        let mut driver = run_search::driver(expression, &query.order_by);
        let runs_filtered = !run_filter(query, "x", self.filter()).where_sql().is_empty();
        let driver_alone = !runs_filtered
            && query.keyset.is_none()
            && expression.is_some_and(|e| e.conditions.len() == 1 && e.any_of.is_empty());
        let mut total_past_cap = false;
        // A list sorted by the metric reads it in value order however many
        // match: the count is then only for its total.
        let probe_for_total = driver_alone && !query.skip_count;
        if let Some(d) = driver
            .as_mut()
            .filter(|d| d.read != Read::ByValue || probe_for_total)
        {
            let mut p = self.filter();
            let probe = d.probe(SEARCH_COUNT_CAP + 1, &mut p);
            let counts = self.ints(filtered(probe, &p)).await?;
            let matches: i64 = counts.iter().sum();
            if d.read == Read::Matches && matches > SEARCH_COUNT_CAP {
                d.read = Read::NewestFirst;
            }
            // One range of an `or` group past the cap puts the group past it.
            let group_past_cap = d.is_union()
                && counts.iter().any(|&n| n > SEARCH_COUNT_CAP)
                && expression.is_some_and(|e| d.is_the_filter(e));
            if group_past_cap && !runs_filtered && query.keyset.is_none() {
                total_past_cap = true;
            }
            d.counted = Some(matches);
        }
        // Too many in an `or` group's ranges: the runs are walked instead.
        if driver
            .as_ref()
            .is_some_and(|d| d.is_union() && d.read != Read::Matches)
        {
            driver = None;
        }
        let id = if driver.is_some() { "d.run_id" } else { "x.id" };
        let (offset, reverse) = match (query.keyset, query.order_by.is_empty()) {
            (Some(Keyset::After(_)), true) => (0, false),
            (Some(Keyset::Before(_)), true) => (0, true),
            _ => (query.offset, query.reverse),
        };
        // `FROM` and the conditions; `with_runs: false` leaves the run table
        // out (a count whose conditions are all on the driver's tables).
        let conditions = |mut f: Filter, with_runs: bool| {
            let from = match &driver {
                Some(d) => d.from_sql(with_runs, &mut f),
                None => "FROM ml_run x".to_string(),
            };
            if with_runs {
                f = run_filter(query, "x", f);
                if driver.is_some() {
                    f.clause("x.id = d.run_id".into());
                }
            }
            if let Some(e) = expression {
                run_search::conditions(e, driver.as_ref(), &mut f);
            }
            match (query.keyset, query.order_by.is_empty()) {
                (Some(Keyset::After(k)), true) => {
                    f.matching(&format!("{id} < {{}}"), Some(Bind::Int(k)))
                }
                (Some(Keyset::Before(k)), true) => {
                    f.matching(&format!("{id} > {{}}"), Some(Bind::Int(k)))
                }
                _ => {}
            }
            (from, f)
        };
        let (from, mut f) = conditions(self.filter(), true);
        let where_sql = f.where_sql();
        let total = match driver.as_ref().and_then(|d| d.counted) {
            _ if query.skip_count => -1,
            _ if total_past_cap => SEARCH_COUNT_CAP + 1,
            Some(matches) if driver_alone => matches,
            _ => {
                let runs_read = runs_filtered || expression.is_some_and(run_search::reads_runs);
                let (from, c) = conditions(self.filter(), runs_read || driver.is_none());
                let count = filtered(
                    format!(
                        "SELECT COUNT(*) FROM (SELECT 1 {from}{} LIMIT {}) c",
                        c.where_sql(),
                        SEARCH_COUNT_CAP + 1
                    ),
                    &c,
                );
                self.count(count).await?
            }
        };
        let mut terms = run_search::order_terms(&query.order_by, reverse, driver.as_ref(), &mut f);
        let order_id = driver.as_ref().map_or(id, |d| d.order_id());
        terms.push(order(&format!("{order_id} DESC"), order_id, reverse).to_string());
        let page = f.page_sql(query.limit, offset);
        let select = sql::run_list_select().replacen("FROM ml_run x", &from, 1);
        let items = self
            .fetch::<Run>(filtered(
                format!("{select}{where_sql} ORDER BY {}{page}", terms.join(", ")),
                &f,
            ))
            .await?;
        Ok(Page {
            items: in_list_order(items, reverse),
            total,
        })
    }

    pub async fn insert_run(&mut self, row: &RunRow<'_>) -> StoreResult<i64> {
        let s = Statement::new(sql::INSERT_RUN)
            .opt_int(row.model_id)
            .opt_int(row.recipe_id)
            .opt_int(row.recipe_version_id)
            .text(row.run_type.as_str())
            .text(RunStatus::Queued.as_str())
            .text(row.actor)
            .time(row.at)
            .opt_int(row.experiment_id);
        self.inserted(s).await
    }

    pub async fn set_run_status(
        &mut self,
        id: i64,
        status: RunStatus,
        started: Option<DateTime<Utc>>,
        finished: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_run SET status = $1, started_at = $2, finished_at = $3, updated_at = $4 WHERE id = $5",
        )
        .text(status.as_str())
        .bind(Bind::OptTime(started))
        .bind(Bind::OptTime(finished))
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Merges an RFC 7386 patch into a run's metrics or artifacts, in the
    /// database, so concurrent writers' keys are all kept.
    pub async fn merge_run_json(
        &mut self,
        id: i64,
        document: RunDocument,
        patch: &Value,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let column = document.column();
        let merged = self.db.json_merge(column, "$1");
        let s = Statement::new(format!(
            "UPDATE ml_run SET {column} = {merged}, updated_at = $2 WHERE id = $3"
        ))
        .json(patch)
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }
}

// Monitoring

reads!(
    /// Newest first, at most `limit`.
    pub async fn snapshots(&mut self, model_id: i64, limit: i64) -> StoreResult<Vec<Snapshot>> {
        let s = Statement::new(format!(
            "{} WHERE model_id = $1 ORDER BY captured_at DESC, id DESC LIMIT $2",
            sql::SNAPSHOT_SELECT
        ))
        .int(model_id)
        .int(limit);
        self.fetch::<Snapshot>(s).await
    }

    /// Snapshots since `since` (all when `None`), oldest first, thinned in
    /// the database to about `points` evenly spaced ones (always the newest).
    pub async fn snapshot_series(
        &mut self,
        model_id: i64,
        since: Option<DateTime<Utc>>,
        points: i64,
    ) -> StoreResult<Vec<Snapshot>> {
        // Every k-th snapshot of the window, k chosen so about `points` remain.
        // Numbering only ids over the (model_id, captured_at) index keeps
        // the JSON of the skipped snapshots unread.
        let sql = "SELECT id, model_id, captured_at, performance_metrics_json, drift_metrics_json, \
            data_freshness_json, alerts_json, created_by FROM ml_monitor_snapshot WHERE id IN ( \
            SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY captured_at, id) AS rn, COUNT(*) OVER () AS n \
            FROM ml_monitor_snapshot WHERE model_id = $1 AND captured_at >= $2) t \
            WHERE (rn - 1) % ((n + $3 - 1) / $3) = 0 OR rn = n) ORDER BY captured_at, id";
        // Timestamps are bound, never SQL literals: one format on both backends.
        let since = since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let s = Statement::new(sql)
            .int(model_id)
            .time(since.trunc_subsecs(6))
            .int(points.max(1));
        self.fetch::<Snapshot>(s).await
    }

    /// Models worst first (open alerts, then the latest snapshot's drift,
    /// then stale data, then the oldest model), a window of them, with their
    /// latest snapshots: the ranking is one indexed query over the
    /// trigger-kept `ml_model_health`.
    pub async fn monitoring_overview(
        &mut self,
        query: &ModelQuery,
    ) -> StoreResult<Page<MonitorRow>> {
        let mut f = model_filter(query, self.filter());
        let total = self.count_models(&f, query.search.is_some()).await?;
        let where_sql = f.where_sql();
        let page = f.page_sql(query.limit, query.offset);
        let by = sorted_order(query.sort, monitor_sort_column, "m.id", query.reverse)?;
        let by = by.as_deref().unwrap_or(order(
            "h.open_alerts DESC, h.drift_score DESC, h.stale DESC, h.model_id",
            "h.open_alerts, h.drift_score, h.stale, h.model_id DESC",
            query.reverse,
        ));
        let models = self
            .fetch::<Model>(filtered(
                format!("{}{where_sql} ORDER BY {by}{page}", sql::MONITOR_SELECT),
                &f,
            ))
            .await?;
        let models = in_list_order(models, query.reverse);
        if models.is_empty() {
            return Ok(Page {
                items: vec![],
                total,
            });
        }
        let mut health = Statement::new(format!(
            "SELECT model_id, latest_snapshot_id, open_alerts FROM ml_model_health WHERE model_id IN ({})",
            bind_list(1, models.len(), false)
        ));
        for m in &models {
            health = health.int(m.id);
        }
        let health = self.fetch::<ModelHealth>(health).await?;
        // Acknowledged apart from open: one walk of the (model, state) index.
        let mut acknowledged = Statement::new(format!(
            "SELECT model_id, CAST(COUNT(*) AS BIGINT) AS n FROM ml_alert \
             WHERE state = $1 AND model_id IN ({}) GROUP BY model_id",
            (2..models.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .text(AlertState::Acknowledged.as_str());
        for m in &models {
            acknowledged = acknowledged.int(m.id);
        }
        let acknowledged = self.fetch::<ModelCount>(acknowledged).await?;
        let latest_ids: Vec<i64> = health.iter().filter_map(|h| h.latest_snapshot_id).collect();
        let mut latest = Vec::new();
        if !latest_ids.is_empty() {
            let mut s = Statement::new(format!(
                "{} WHERE id IN ({})",
                sql::SNAPSHOT_SELECT,
                bind_list(1, latest_ids.len(), false)
            ));
            for id in &latest_ids {
                s = s.int(*id);
            }
            latest = self.fetch::<Snapshot>(s).await?;
        }
        let items = models
            .into_iter()
            .map(|model| {
                let h = health.iter().find(|h| h.model_id == model.id);
                let snapshot_id = h.and_then(|h| h.latest_snapshot_id);
                MonitorRow {
                    latest: latest.iter().find(|s| Some(s.id) == snapshot_id).cloned(),
                    open_alerts: h.map(|h| h.open_alerts).unwrap_or(0),
                    acknowledged_alerts: acknowledged
                        .iter()
                        .find(|c| c.model_id == model.id)
                        .map_or(0, |c| c.n),
                    model,
                }
            })
            .collect();
        Ok(Page { items, total })
    }
);

reads!(
    /// The batch already ingested for a model with the same content, else
    /// from the same file (changed since), if any.
    pub async fn ingested_batch(
        &mut self,
        model_id: i64,
        origin: &BatchOrigin,
    ) -> StoreResult<Option<IngestedBatch>> {
        let s = Statement::new(
            "SELECT model_id, sha256, snapshot_id, file_path, file_id, ingested_at, ingested_by \
             FROM ml_ingested_batch WHERE model_id = $1 AND (sha256 = $2 OR (file_path = $3 AND file_id = $4)) \
             ORDER BY CASE WHEN sha256 = $2 THEN 0 ELSE 1 END, snapshot_id DESC LIMIT 1",
        )
        .int(model_id)
        .text(&origin.sha256)
        .text(&origin.file_path)
        .text(&origin.file_id);
        Ok(first(self.fetch::<IngestedBatch>(s).await?))
    }
);

impl Session {
    /// Notes the batch a snapshot was measured from; a second note of the
    /// same content for the model is refused by the key.
    pub async fn insert_ingested_batch(
        &mut self,
        model_id: i64,
        origin: &BatchOrigin,
        snapshot_id: i64,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "INSERT INTO ml_ingested_batch (model_id, sha256, snapshot_id, file_path, file_id, ingested_at, ingested_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .int(model_id)
        .text(&origin.sha256)
        .int(snapshot_id)
        .text(&origin.file_path)
        .text(&origin.file_id)
        .time(at.trunc_subsecs(6))
        .text(by);
        self.db.execute(s).await.map(drop)
    }

    pub async fn snapshot(&mut self, id: i64) -> StoreResult<Snapshot> {
        let s = Statement::new(format!("{} WHERE id = $1", sql::SNAPSHOT_SELECT)).int(id);
        first(self.fetch::<Snapshot>(s).await?).ok_or_else(|| StoreError::not_found("snapshot", id))
    }

    pub async fn insert_snapshot(&mut self, row: &SnapshotRow<'_>) -> StoreResult<i64> {
        let s = Statement::new(sql::INSERT_SNAPSHOT)
            .int(row.model_id)
            .time(row.snapshot.captured_at.trunc_subsecs(6))
            .json(&row.snapshot.performance)
            .json(&row.snapshot.drift)
            .json(&row.snapshot.freshness)
            .json(row.alerts)
            .text(row.actor)
            .float(nexml_core::monitoring::drift_score(&row.snapshot.drift));
        self.inserted(s).await
    }

    /// How many models match; the recipe is joined only when searched.
    async fn count_models(&mut self, f: &Filter, searched: bool) -> StoreResult<i64> {
        let from = if searched {
            sql::MODEL_FROM
        } else {
            "FROM ml_model m"
        };
        self.count(filtered(
            format!("SELECT CAST(COUNT(*) AS BIGINT) {from}{}", f.where_sql()),
            f,
        ))
        .await
    }
}

// Alerts

reads!(
    /// Alerts of a model, open ones, most severe and newest first; `state` narrows.
    pub async fn alerts(
        &mut self,
        model_id: i64,
        state: Option<AlertState>,
    ) -> StoreResult<Vec<Alert>> {
        let s = Statement::new(format!(
            "{ALERT_SELECT} WHERE model_id = $1 AND ($2 = '' OR state = $2) ORDER BY CASE state WHEN 'resolved' THEN 1 ELSE 0 END, \
             CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id DESC"
        ))
        .int(model_id)
        .text(state.map(AlertState::as_str).unwrap_or(""));
        self.fetch::<Alert>(s).await
    }
);

impl Session {
    pub async fn alert(&mut self, id: i64) -> StoreResult<Alert> {
        let s = Statement::new(format!("{ALERT_SELECT} WHERE id = $1")).int(id);
        first(self.fetch::<Alert>(s).await?).ok_or_else(|| StoreError::not_found("alert", id))
    }

    /// The alert a rule has open (or acknowledged) on a model, if any.
    pub async fn open_alert(&mut self, model_id: i64, rule: &str) -> StoreResult<Option<Alert>> {
        let s = Statement::new(format!(
            "{ALERT_SELECT} WHERE model_id = $1 AND rule = $2 AND state <> 'resolved' ORDER BY id DESC LIMIT 1"
        ))
        .int(model_id)
        .text(rule);
        Ok(first(self.fetch::<Alert>(s).await?))
    }

    pub async fn insert_alert(&mut self, row: &AlertRow<'_>) -> StoreResult<i64> {
        let s = Statement::new(
            "INSERT INTO ml_alert (model_id, rule, source, metric, comparison, threshold, severity, state, value, notified_value, message, snapshot_id, opened_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8, $9, $10, $11, $11) RETURNING id",
        )
        .int(row.model_id)
        .text(&row.rule.name)
        .text(row.rule.source.as_str())
        .text(&row.rule.metric)
        .text(row.rule.comparison.as_str())
        .bind(Bind::Float(row.rule.threshold))
        .text(row.rule.severity.as_str())
        .bind(Bind::Float(row.value))
        .text(row.message)
        .int(row.snapshot_id)
        .time(row.at);
        self.inserted(s).await
    }

    /// A still-firing alert's latest reading.
    pub async fn update_alert_reading(
        &mut self,
        id: i64,
        value: f64,
        message: &str,
        snapshot_id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_alert SET value = $1, message = $2, snapshot_id = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(Bind::Float(value))
        .text(message)
        .int(snapshot_id)
        .time(at)
        .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Notes that an alert's notification went out for `value` (it escalated).
    pub async fn set_alert_notified(&mut self, id: i64, value: f64) -> StoreResult<()> {
        let s = Statement::new("UPDATE ml_alert SET notified_value = $1 WHERE id = $2")
            .bind(Bind::Float(value))
            .int(id);
        self.db.execute(s).await.map(drop)
    }

    /// Moves an alert to `state` at `at`, noting `by` as who acknowledged or
    /// resolved it.
    pub async fn set_alert_state(
        &mut self,
        id: i64,
        state: AlertState,
        message: Option<&str>,
        at: DateTime<Utc>,
        by: &str,
    ) -> StoreResult<()> {
        let s = Statement::new(
            "UPDATE ml_alert SET state = $1, updated_at = $2, \
             acknowledged_at = CASE WHEN $1 = 'acknowledged' THEN $2 ELSE acknowledged_at END, \
             acknowledged_by = CASE WHEN $1 = 'acknowledged' THEN $3 ELSE acknowledged_by END, \
             resolved_at = CASE WHEN $1 = 'resolved' THEN $2 ELSE resolved_at END, \
             resolved_by = CASE WHEN $1 = 'resolved' THEN $3 ELSE resolved_by END, \
             message = COALESCE($4, message) WHERE id = $5",
        )
        .text(state.as_str())
        .time(at)
        .text(by)
        .bind(Bind::OptText(message.map(str::to_string)))
        .int(id);
        self.db.execute(s).await.map(drop)
    }
}

// Chat

reads!(
    /// `author`'s conversation about a recipe (`None`: their general one),
    /// oldest first, the last `limit`: each person has their own.
    pub async fn chat_history(
        &mut self,
        recipe_id: Option<i64>,
        author: &str,
        limit: i64,
    ) -> StoreResult<Vec<ChatMessage>> {
        let s = Statement::new(format!(
            "{CHAT_SELECT} WHERE (recipe_id = $1 OR (recipe_id IS NULL AND $2)) AND created_by = $3 \
             ORDER BY id DESC LIMIT $4"
        ))
        .int(recipe_id.unwrap_or(-1))
        .bind(Bind::Bool(recipe_id.is_none()))
        .text(author)
        .int(limit);
        let mut rows = self.fetch::<ChatMessage>(s).await?;
        rows.reverse();
        Ok(rows)
    }
);

impl Session {
    pub async fn chat_message(&mut self, id: i64) -> StoreResult<ChatMessage> {
        let s = Statement::new(format!("{CHAT_SELECT} WHERE id = $1")).int(id);
        first(self.fetch::<ChatMessage>(s).await?)
            .ok_or_else(|| StoreError::not_found("chat message", id))
    }

    pub async fn insert_chat_message(&mut self, row: &ChatRow<'_>) -> StoreResult<i64> {
        let s = Statement::new(
            "INSERT INTO ml_chat_message (recipe_id, role, text, proposal, status, created_by, created_at, base_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .opt_int(row.recipe_id)
        .text(row.role.as_str())
        .text(row.text)
        .bind(Bind::OptJson(row.proposal.cloned()))
        .text(row.status.as_str())
        .text(row.actor)
        .time(row.at)
        .bind(Bind::OptText(row.base_version.map(str::to_string)));
        self.inserted(s).await
    }

    /// Files `author`'s recipe-less conversation, up to message `up_to`,
    /// under `recipe_id` (the recipe it created); the ids moved.
    pub async fn move_chat_to_recipe(
        &mut self,
        author: &str,
        up_to: i64,
        recipe_id: i64,
    ) -> StoreResult<Vec<i64>> {
        let s = Statement::new(
            "SELECT id FROM ml_chat_message WHERE recipe_id IS NULL AND created_by = $1 AND id <= $2 ORDER BY id",
        )
        .text(author)
        .int(up_to);
        let ids = self.ints(s).await?;
        let s = Statement::new(
            "UPDATE ml_chat_message SET recipe_id = $1 WHERE recipe_id IS NULL AND created_by = $2 AND id <= $3",
        )
        .int(recipe_id)
        .text(author)
        .int(up_to);
        self.db.execute(s).await?;
        Ok(ids)
    }

    pub async fn set_chat_status(&mut self, id: i64, status: ChatStatus) -> StoreResult<()> {
        let s = Statement::new("UPDATE ml_chat_message SET status = $1 WHERE id = $2")
            .text(status.as_str())
            .int(id);
        self.db.execute(s).await.map(drop)
    }
}

// Audit

reads!(
    /// Oldest first.
    pub async fn audit(&mut self, entity: &str, entity_id: i64) -> StoreResult<Vec<AuditEntry>> {
        let s = Statement::new(format!(
            "{} WHERE entity = $1 AND entity_id = $2 ORDER BY id",
            sql::AUDIT_SELECT
        ))
        .text(entity)
        .int(entity_id);
        self.fetch::<AuditEntry>(s).await
    }
);

impl Session {
    /// Appends a row to the audit chain, linked to the row before it. On
    /// PostgreSQL the database links it (`nexml_audit_append`, migration
    /// 0017) under a key the app's role cannot read, so no app login can
    /// write a row that verifies by other means; SQLite links it here.
    pub async fn append_audit(&mut self, row: &AuditRow<'_>) -> StoreResult<()> {
        self.db.serialize_audit().await?;
        if self.db.links_audit_in_database() {
            let s = Statement::new("SELECT nexml_audit_append($1, $2, $3, $4, $5, $6)")
                .time(row.at)
                .text(row.actor)
                .text(row.entity)
                .int(row.entity_id)
                .text(row.action)
                .json(&row.details);
            self.texts(s).await?;
            return Ok(());
        }
        let previous = first(
            self.texts(Statement::new(
                "SELECT COALESCE(hash, '') FROM ml_audit ORDER BY id DESC LIMIT 1",
            ))
            .await?,
        )
        .filter(|h| !h.is_empty());
        let hash = nexml_core::domain::audit_chain::link(
            previous.as_deref(),
            row.at,
            row.actor,
            row.entity,
            row.entity_id,
            row.action,
            &row.details,
        );
        let s = Statement::new(sql::INSERT_AUDIT)
            .time(row.at)
            .text(row.actor)
            .text(row.entity)
            .int(row.entity_id)
            .text(row.action)
            .json(&row.details)
            .text(&hash);
        self.db.execute(s).await.map(drop)
    }

    /// Where the chain began, and on PostgreSQL the database's own walk of
    /// the rows it linked with its key.
    pub async fn audit_chain_state(&mut self) -> StoreResult<AuditChainState> {
        if self.db.links_audit_in_database() {
            // One row of five numbers, read in their order.
            let n = self.ints(Statement::new(
                    "SELECT u.x FROM nexml_audit_verify() v, \
                     unnest(ARRAY[v.chain_from, v.keyed_from, v.linked, COALESCE(v.broken_at, 0), v.unlinked::int]) \
                     WITH ORDINALITY AS u(x, n) ORDER BY u.n",
                ))
                .await?;
            let [chain_from, keyed_from, linked, broken_at, unlinked] = n[..] else {
                return Err(StoreError::refused(
                    "the audit chain's key is missing (migration 0017): the chain cannot be verified",
                ));
            };
            return Ok(AuditChainState {
                chain_from,
                keyed: Some(KeyedAudit {
                    keyed_from,
                    linked,
                    broken: (broken_at != 0).then_some((broken_at, unlinked != 0)),
                }),
            });
        }
        let chain_from = first(
            self.ints(Statement::new("SELECT chain_from FROM ml_audit_chain"))
                .await?,
        )
        .ok_or_else(|| {
            StoreError::refused(
                "the audit chain's start (table ml_audit_chain) was emptied: the chain cannot be verified",
            )
        })?;
        Ok(AuditChainState {
            chain_from,
            keyed: None,
        })
    }

    /// The newest audit row, the chain's head.
    pub async fn audit_head(&mut self) -> StoreResult<Option<AuditEntry>> {
        let s = Statement::new(format!("{} ORDER BY id DESC LIMIT 1", sql::AUDIT_SELECT));
        Ok(first(self.fetch::<AuditEntry>(s).await?))
    }

    /// Audit rows, oldest first: of one entity (and id) when given, at most `limit`
    /// from the newest end. One recipe's rows include its versions' (new
    /// versions, approvals, the chat's versions: audited as `recipe_version`),
    /// since a recipe's history is mostly its versions.
    pub async fn audit_log(
        &mut self,
        entity: Option<&str>,
        entity_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let s = Statement::new(format!(
            "SELECT * FROM ({} WHERE (($1 = '' OR entity = $1) AND ($2 < 0 OR entity_id = $2)) \
             OR ($1 = 'recipe' AND entity = 'recipe_version' AND entity_id IN \
                 (SELECT version_id FROM ml_recipe_version WHERE recipe_id = $2)) \
             ORDER BY id DESC LIMIT $3) t ORDER BY id",
            sql::AUDIT_SELECT
        ))
        .text(entity.unwrap_or(""))
        .int(entity_id.unwrap_or(-1))
        .int(limit);
        self.fetch::<AuditEntry>(s).await
    }
}

// Bulk content (`generate`).

impl Session {
    /// Fresh planner statistics after a bulk load, on PostgreSQL (SQLite
    /// keeps none here: its plans are chosen without them, and stay so).
    pub async fn refresh_statistics(&mut self) -> StoreResult<()> {
        self.db.refresh_statistics().await
    }

    pub async fn insert_runs_bulk(&mut self, runs: &[BulkRun]) -> StoreResult<()> {
        self.db.insert_bulk(Bulk::Runs(runs)).await
    }

    pub async fn insert_snapshots_bulk(&mut self, snapshots: &[BulkSnapshot]) -> StoreResult<()> {
        self.db.insert_bulk(Bulk::Snapshots(snapshots)).await
    }
}
