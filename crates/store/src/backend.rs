//! The one implementation of `Store`, written once and expanded for each
//! backend's concrete sqlx types (sqlx's generic traits make a generic impl
//! unreadable; the SQL is identical). A backend module provides `$store` with
//! a `pool` field and an `async fn begin_write(&self)` that opens a write
//! transaction, then invokes `impl_store!($store, $db)`.

macro_rules! impl_store {
    ($store:ident, $db:ty) => {
        use nexml_core::domain::kinds::{check_parent_level, Bump};
        use nexml_core::domain::lifecycle::Lifecycle;
        use nexml_core::domain::version::{bumped, first_version, parse_version};
        use nexml_core::domain::{diff, manifest, ModelStatus, RecipeStatus, RunStatus};
        use $crate::sql::{self, Bind, Filter, LockedTable};
        use $crate::*;
        use async_trait::async_trait;
        use serde_json::{json, Value};
        use sqlx::types::Json;
        use sqlx::AssertSqlSafe;

        type Conn = <$db as sqlx::Database>::Connection;

        const ALERT_SELECT: &str = "SELECT id, model_id, rule, source, metric, comparison, threshold, severity, state, value, \
            message, snapshot_id, opened_at, updated_at, resolved_at FROM ml_alert";

        async fn fetch_list<T>(conn: &mut Conn, sql: String, binds: &[Bind]) -> StoreResult<Vec<T>>
        where
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
        {
            let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(sql));
            for b in binds {
                q = match b {
                    Bind::Text(s) => q.bind(s.clone()),
                    Bind::Int(i) => q.bind(*i),
                };
            }
            Ok(q.fetch_all(&mut *conn).await?)
        }

        async fn count(conn: &mut Conn, sql: String, binds: &[Bind]) -> StoreResult<i64> {
            let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for b in binds {
                q = match b {
                    Bind::Text(s) => q.bind(s.clone()),
                    Bind::Int(i) => q.bind(*i),
                };
            }
            Ok(q.fetch_one(&mut *conn).await?)
        }

        async fn audit(
            conn: &mut Conn,
            actor: &str,
            entity: &str,
            entity_id: i64,
            action: &str,
            details: Value,
        ) -> StoreResult<()> {
            sqlx::query(sql::INSERT_AUDIT)
                .bind(now())
                .bind(actor)
                .bind(entity)
                .bind(entity_id)
                .bind(action)
                .bind(Json(&details))
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        /// Locks a row for the rest of the write transaction, so a state
        /// change reads what it checks after any concurrent writer finished
        /// (PostgreSQL `FOR UPDATE`; SQLite's write transaction is exclusive
        /// already). Unknown ids are left to the read that follows.
        async fn lock_row(conn: &mut Conn, table: LockedTable, id: i64) -> StoreResult<()> {
            let sql = format!("SELECT id FROM {} WHERE id = $1{}", table.name(), <$store>::FOR_UPDATE);
            sqlx::query(AssertSqlSafe(sql)).bind(id).execute(&mut *conn).await?;
            Ok(())
        }

        async fn recipe_in(conn: &mut Conn, id: i64) -> StoreResult<Recipe> {
            let sql = format!("{} WHERE r.id = $1", sql::RECIPE_SELECT);
            sqlx::query_as::<_, Recipe>(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("recipe", id))
        }

        async fn find_recipe_in(conn: &mut Conn, reference: &str) -> StoreResult<Recipe> {
            if let Ok(id) = reference.trim().parse::<i64>() {
                if let Ok(r) = recipe_in(conn, id).await {
                    return Ok(r);
                }
            }
            let sql = format!("{} WHERE r.name = $1", sql::RECIPE_SELECT);
            sqlx::query_as::<_, Recipe>(AssertSqlSafe(sql))
                .bind(reference.trim())
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("recipe", reference))
        }

        async fn version_in(
            conn: &mut Conn,
            recipe: &Recipe,
            number: Option<&str>,
        ) -> StoreResult<RecipeVersion> {
            let found = match number {
                None => {
                    let sql = format!(
                        "{} WHERE v.recipe_id = $1 {} LIMIT 1",
                        sql::VERSION_SELECT,
                        sql::VERSION_ORDER_DESC
                    );
                    sqlx::query_as::<_, RecipeVersion>(AssertSqlSafe(sql))
                        .bind(recipe.id)
                        .fetch_optional(&mut *conn)
                        .await?
                }
                Some(n) => {
                    let v = parse_version(n).map_err(StoreError::Refused)?;
                    let sql = format!(
                        "{} WHERE v.recipe_id = $1 AND v.version_number = $2",
                        sql::VERSION_SELECT
                    );
                    sqlx::query_as::<_, RecipeVersion>(AssertSqlSafe(sql))
                        .bind(recipe.id)
                        .bind(v.to_string())
                        .fetch_optional(&mut *conn)
                        .await?
                }
            };
            // "no version 'Recipe 1.2.0'": the message quotes the reference once.
            found.ok_or_else(|| {
                StoreError::not_found(
                    "version",
                    format!("{} {}", recipe.name, number.map(str::trim).unwrap_or("(any)")),
                )
            })
        }

        async fn version_by_id_in(conn: &mut Conn, version_id: i64) -> StoreResult<RecipeVersion> {
            let sql = format!("{} WHERE v.version_id = $1", sql::VERSION_SELECT);
            sqlx::query_as::<_, RecipeVersion>(AssertSqlSafe(sql))
                .bind(version_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("version", version_id))
        }

        /// The parent version a new child builds on: the latest approved one, else the latest.
        async fn pin_parent_version(conn: &mut Conn, parent: &Recipe) -> StoreResult<RecipeVersion> {
            let number = parent.approved_version.clone().or(parent.latest_version.clone());
            version_in(conn, parent, number.as_deref()).await
        }

        async fn model_in(conn: &mut Conn, id: i64) -> StoreResult<Model> {
            let sql = format!("{} WHERE m.id = $1", sql::MODEL_SELECT);
            sqlx::query_as::<_, Model>(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("model", id))
        }

        async fn run_in(conn: &mut Conn, id: i64) -> StoreResult<Run> {
            let sql = format!("{} WHERE x.id = $1", sql::RUN_SELECT);
            sqlx::query_as::<_, Run>(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("run", id))
        }

        fn check_family(manifest: &Value, recipe_family: nexml_core::domain::ModelFamily) -> StoreResult<()> {
            match manifest.pointer("/metadata/model_family").and_then(Value::as_str) {
                Some(f) if f == recipe_family.as_str() => Ok(()),
                Some(f) => Err(StoreError::refused(format!(
                    "/metadata/model_family: the manifest says '{f}' but the recipe is {recipe_family}"
                ))),
                None => Ok(()),
            }
        }

        fn check_name(kind: &str, name: &str) -> StoreResult<String> {
            nexml_core::domain::names::check_name(kind, name).map_err(StoreError::Refused)
        }

        fn check_owner(owner: &str) -> StoreResult<String> {
            nexml_core::domain::names::check_person("a model's owner", owner).map_err(StoreError::Refused)
        }

        fn number_parts(v: &semver::Version) -> (i64, i64, i64) {
            (v.major as i64, v.minor as i64, v.patch as i64)
        }

        struct VersionRow<'a> {
            recipe_id: i64,
            number: semver::Version,
            manifest: &'a Value,
            diff_from_prev: Value,
            parent_version_id: Option<i64>,
            overlay: Option<Value>,
            bump: Bump,
            note: &'a str,
        }

        async fn insert_version(conn: &mut Conn, row: VersionRow<'_>, actor: &str) -> StoreResult<i64> {
            let (ma, mi, pa) = number_parts(&row.number);
            let id: i64 = sqlx::query_scalar(sql::INSERT_VERSION)
                .bind(row.recipe_id)
                .bind(row.number.to_string())
                .bind(ma)
                .bind(mi)
                .bind(pa)
                .bind(Json(row.manifest))
                .bind(Json(&row.diff_from_prev))
                .bind(row.parent_version_id)
                .bind(row.overlay.as_ref().map(Json))
                .bind(row.bump.as_str())
                .bind(actor)
                .bind(now())
                .bind(row.note)
                .fetch_one(&mut *conn)
                .await?;
            audit(
                conn,
                actor,
                "recipe_version",
                id,
                "create",
                json!({"recipe_id": row.recipe_id, "version": row.number.to_string(), "bump": row.bump.as_str(), "note": row.note}),
            )
            .await?;
            Ok(id)
        }

        async fn insert_approval(conn: &mut Conn, version: i64, recipe: i64, number: &str, actor: &str) -> StoreResult<()> {
            sqlx::query(sql::INSERT_APPROVAL)
                .bind(version)
                .bind(recipe)
                .bind(actor)
                .bind(now())
                .execute(&mut *conn)
                .await?;
            audit(conn, actor, "recipe_version", version, "approve", json!({"recipe_id": recipe, "version": number})).await
        }

        async fn touch_recipe(conn: &mut Conn, id: i64) -> StoreResult<()> {
            let done = sqlx::query(sql::TOUCH_RECIPE).bind(now()).bind(id).execute(&mut *conn).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::not_found("recipe", id));
            }
            Ok(())
        }

        async fn set_recipe_status_in(conn: &mut Conn, recipe: &Recipe, to: RecipeStatus, actor: &str) -> StoreResult<()> {
            recipe.status.check_transition(to)?;
            sqlx::query("UPDATE ml_recipe SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_str())
                .bind(now())
                .bind(recipe.id)
                .execute(&mut *conn)
                .await?;
            audit(conn, actor, "recipe", recipe.id, "status", json!({"from": recipe.status, "to": to})).await
        }

        fn refuse_archived(recipe: &Recipe, what: &str) -> StoreResult<()> {
            if recipe.status == RecipeStatus::Archived {
                return Err(StoreError::refused(format!(
                    "recipe '{}' is archived: it cannot {what} (restore it first)",
                    recipe.name
                )));
            }
            Ok(())
        }

        /// A run list's conditions on `alias` (the run table or its counts):
        /// recipes and models are matched by id, so nothing joins.
        fn run_filter(query: &RunQuery, alias: &str) -> Filter {
            let mut f = Filter::default();
            let col = |c: &str| format!("{alias}.{c}");
            // In id-membership tests, `+column` keeps SQLite walking the runs in
            // id order (stopping at a page) instead of collecting every match
            // through an index and sorting them.
            let member = |c: &str| format!("+{alias}.{c}");
            f.eq(&col("status"), query.status.map(|v| Bind::Text(v.as_str().into())));
            f.eq(&col("run_type"), query.run_type.map(|v| Bind::Text(v.as_str().into())));
            f.matching(
                &format!("{} IN (SELECT id FROM ml_recipe WHERE model_family = {{}})", member("recipe_id")),
                query.family.map(|v| Bind::Text(v.as_str().into())),
            );
            f.eq(&col("recipe_id"), query.recipe_id.map(Bind::Int));
            f.eq(&col("model_id"), query.model_id.map(Bind::Int));
            f.search_with(
                &format!(
                    "({} IN (SELECT id FROM ml_recipe WHERE LOWER(name) LIKE {{p}} ESCAPE '\\' OR model_family LIKE {{p}} ESCAPE '\\') \
                     OR {} IN (SELECT id FROM ml_model WHERE LOWER(name) LIKE {{p}} ESCAPE '\\'))",
                    member("recipe_id"),
                    member("model_id")
                ),
                query.search.as_deref(),
            );
            f
        }

        /// One page of a list and the count of all rows its filter matches.
        async fn page_of<T>(
            conn: &mut Conn,
            mut f: Filter,
            from: &str,
            select: &str,
            order: &str,
            (limit, offset, reverse): (i64, i64, bool),
        ) -> StoreResult<Page<T>>
        where
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
        {
            let total = count(conn, format!("SELECT CAST(COUNT(*) AS BIGINT) {from}{}", f.where_sql()), &f.binds).await?;
            let where_sql = f.where_sql();
            let page = f.page_sql(limit, offset);
            let items = fetch_list(conn, format!("{select}{where_sql} ORDER BY {order}{page}"), &f.binds).await?;
            Ok(Page { items: in_list_order(items, reverse), total })
        }

        fn order(forward: &'static str, backward: &'static str, reverse: bool) -> &'static str {
            if reverse { backward } else { forward }
        }

        fn in_list_order<T>(mut items: Vec<T>, reverse: bool) -> Vec<T> {
            if reverse {
                items.reverse();
            }
            items
        }

        fn plural(n: i64, one: &str) -> String {
            if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            async fn list_recipes(&self, query: &RecipeQuery) -> StoreResult<Page<Recipe>> {
                let mut f = Filter::default();
                f.eq("r.model_family", query.family.map(|v| Bind::Text(v.as_str().into())));
                f.eq("r.level", query.level.map(|v| Bind::Text(v.as_str().into())));
                f.eq("r.status", query.status.map(|v| Bind::Text(v.as_str().into())));
                f.eq("r.parent_id", query.parent_id.map(Bind::Int));
                f.search(&["r.name", "r.model_family", "r.tags"], query.search.as_deref());
                let order = order("r.name, r.id", "r.name DESC, r.id DESC", query.reverse);
                let mut conn = self.pool.acquire().await?;
                page_of(&mut conn, f, sql::RECIPE_FROM, sql::RECIPE_SELECT, order, (query.limit, query.offset, query.reverse)).await
            }

            async fn recipe(&self, id: i64) -> StoreResult<Recipe> {
                recipe_in(&mut *self.pool.acquire().await?, id).await
            }

            async fn find_recipe(&self, reference: &str) -> StoreResult<Recipe> {
                find_recipe_in(&mut *self.pool.acquire().await?, reference).await
            }

            async fn create_recipe(&self, new: NewRecipe, actor: &str) -> StoreResult<Recipe> {
                manifest::validate(&new.manifest)?;
                check_family(&new.manifest, new.model_family)?;
                let name = check_name("recipe", &new.name)?;
                let mut tx = self.begin_write().await?;
                let parent = match new.parent_id {
                    Some(id) => {
                        lock_row(&mut tx, LockedTable::Recipe, id).await?;
                        Some(recipe_in(&mut tx, id).await?)
                    }
                    None => None,
                };
                check_parent_level(new.level, parent.as_ref().map(|p| p.level))
                    .map_err(StoreError::Refused)?;
                let mut pinned = None;
                if let Some(p) = &parent {
                    refuse_archived(p, "get new child recipes")?;
                    if p.model_family != new.model_family {
                        return Err(StoreError::refused(format!(
                            "a child of '{}' must be a {} recipe, not {}",
                            p.name, p.model_family, new.model_family
                        )));
                    }
                    pinned = Some(pin_parent_version(&mut tx, p).await?);
                }
                let status = if new.approved { RecipeStatus::Approved } else { RecipeStatus::Draft };
                let created = now();
                let id: i64 = sqlx::query_scalar(sql::INSERT_RECIPE)
                    .bind(&name)
                    .bind(new.model_family.as_str())
                    .bind(new.level.as_str())
                    .bind(status.as_str())
                    .bind(new.parent_id)
                    .bind(Json(&new.tags))
                    .bind(actor)
                    .bind(created)
                    .fetch_one(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "recipe", id, "create", json!({
                    "name": name, "model_family": new.model_family, "level": new.level,
                    "parent_id": new.parent_id, "tags": new.tags,
                })).await?;
                let version = first_version();
                let version_id = insert_version(&mut tx, VersionRow {
                    recipe_id: id,
                    number: version.clone(),
                    manifest: &new.manifest,
                    diff_from_prev: json!([]),
                    parent_version_id: pinned.as_ref().map(|v| v.version_id),
                    overlay: pinned.as_ref().map(|v| diff::merge_diff(&v.manifest_json, &new.manifest)),
                    bump: Bump::Initial,
                    note: &new.change_note,
                }, actor).await?;
                if new.approved {
                    insert_approval(&mut tx, version_id, id, &version.to_string(), actor).await?;
                }
                let recipe = recipe_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(recipe)
            }

            async fn update_recipe(&self, id: i64, changes: RecipeChanges, actor: &str) -> StoreResult<Recipe> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Recipe, id).await?;
                let before = recipe_in(&mut tx, id).await?;
                let name = match &changes.name {
                    Some(n) => check_name("recipe", n)?,
                    None => before.name.clone(),
                };
                let tags = changes.tags.clone().unwrap_or(before.tags.clone());
                sqlx::query("UPDATE ml_recipe SET name = $1, tags = $2, updated_at = $3 WHERE id = $4")
                    .bind(&name)
                    .bind(Json(&tags))
                    .bind(now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "recipe", id, "update", json!({
                    "from": {"name": before.name, "tags": before.tags},
                    "to": {"name": name, "tags": tags},
                })).await?;
                let recipe = recipe_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(recipe)
            }

            async fn delete_recipe(&self, id: i64, actor: &str) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Recipe, id).await?;
                let recipe = recipe_in(&mut tx, id).await?;
                let children: Vec<String> = sqlx::query_scalar("SELECT name FROM ml_recipe WHERE parent_id = $1 ORDER BY name")
                    .bind(id).fetch_all(&mut *tx).await?;
                let models: Vec<String> = sqlx::query_scalar("SELECT name FROM ml_model WHERE recipe_id = $1 ORDER BY name")
                    .bind(id).fetch_all(&mut *tx).await?;
                let runs: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ml_run WHERE recipe_id = $1")
                    .bind(id).fetch_one(&mut *tx).await?;
                let mut blockers = Vec::new();
                if !children.is_empty() {
                    blockers.push(format!("{} ({})", plural(children.len() as i64, "child recipe"), children.join(", ")));
                }
                if !models.is_empty() {
                    blockers.push(format!("{} ({})", plural(models.len() as i64, "model"), models.join(", ")));
                }
                if runs > 0 {
                    blockers.push(plural(runs, "run"));
                }
                if !blockers.is_empty() {
                    return Err(StoreError::refused(format!(
                        "recipe '{}' cannot be deleted: {} depend on it",
                        recipe.name,
                        blockers.join(", ")
                    )));
                }
                audit(&mut tx, actor, "recipe", id, "delete", json!({"name": recipe.name})).await?;
                sqlx::query("DELETE FROM ml_recipe WHERE id = $1").bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_recipe_status(&self, id: i64, to: RecipeStatus, actor: &str) -> StoreResult<Recipe> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Recipe, id).await?;
                let recipe = recipe_in(&mut tx, id).await?;
                if to == RecipeStatus::Approved {
                    return Err(StoreError::refused("recipes are approved by approving a version"));
                }
                set_recipe_status_in(&mut tx, &recipe, to, actor).await?;
                let recipe = recipe_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(recipe)
            }

            async fn children(&self, id: i64) -> StoreResult<Vec<Recipe>> {
                let sql = format!("{} WHERE r.parent_id = $1 ORDER BY r.name", sql::RECIPE_SELECT);
                fetch_list(&mut *self.pool.acquire().await?, sql, &[Bind::Int(id)]).await
            }

            async fn versions(&self, recipe_id: i64) -> StoreResult<Vec<RecipeVersion>> {
                let sql = format!("{} WHERE v.recipe_id = $1 {}", sql::VERSION_SELECT, sql::VERSION_ORDER_DESC);
                fetch_list(&mut *self.pool.acquire().await?, sql, &[Bind::Int(recipe_id)]).await
            }

            async fn version(&self, recipe_id: i64, number: Option<&str>) -> StoreResult<RecipeVersion> {
                let mut conn = self.pool.acquire().await?;
                let recipe = recipe_in(&mut conn, recipe_id).await?;
                version_in(&mut conn, &recipe, number).await
            }

            async fn version_by_id(&self, version_id: i64) -> StoreResult<RecipeVersion> {
                version_by_id_in(&mut *self.pool.acquire().await?, version_id).await
            }

            async fn commit_version(&self, new: NewVersion, actor: &str) -> StoreResult<CommitOutcome> {
                manifest::validate(&new.manifest)?;
                let mut tx = self.begin_write().await?;
                // Taking the recipe row first serializes concurrent commits on PostgreSQL.
                touch_recipe(&mut tx, new.recipe_id).await?;
                let recipe = recipe_in(&mut tx, new.recipe_id).await?;
                refuse_archived(&recipe, "get new versions")?;
                check_family(&new.manifest, recipe.model_family)?;
                let latest = version_in(&mut tx, &recipe, None).await?;
                let parent_version_id = new.parent_version_id.or(latest.parent_version_id);
                if latest.manifest_json == new.manifest && parent_version_id == latest.parent_version_id {
                    return Ok(CommitOutcome::Unchanged { version: Box::new(latest) });
                }
                let overlay = match parent_version_id {
                    Some(pv) => {
                        let parent = version_by_id_in(&mut tx, pv).await?;
                        Some(diff::merge_diff(&parent.manifest_json, &new.manifest))
                    }
                    None => None,
                };
                let bump = new.bump.resolve(&latest.manifest_json, &new.manifest);
                let number = bumped(&latest.semver(), bump);
                let patch = serde_json::to_value(diff::json_patch(&latest.manifest_json, &new.manifest))
                    .unwrap_or(json!([]));
                let id = insert_version(&mut tx, VersionRow {
                    recipe_id: recipe.id,
                    number,
                    manifest: &new.manifest,
                    diff_from_prev: patch,
                    parent_version_id,
                    overlay,
                    bump,
                    note: &new.change_note,
                }, actor).await?;
                let version = version_by_id_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(CommitOutcome::Created { version: Box::new(version) })
            }

            async fn approve_version(
                &self,
                recipe_id: i64,
                number: Option<&str>,
                governance: Governance,
                actor: &str,
            ) -> StoreResult<RecipeVersion> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Recipe, recipe_id).await?;
                let recipe = recipe_in(&mut tx, recipe_id).await?;
                refuse_archived(&recipe, "be approved")?;
                let version = version_in(&mut tx, &recipe, number).await?;
                if let (Some(by), Some(at)) = (&version.approved_by, version.approved_at) {
                    return Err(StoreError::refused(format!(
                        "version {} of '{}' is already approved (by {by} at {})",
                        version.version_number, recipe.name, at.format("%Y-%m-%d %H:%M UTC")
                    )));
                }
                if governance.distinct_approver && version.created_by == actor {
                    return Err(StoreError::refused(format!(
                        "four-eyes rule: {actor} wrote version {} of '{}' and cannot approve it; another user must (governance.distinct_approver)",
                        version.version_number, recipe.name
                    )));
                }
                insert_approval(&mut tx, version.version_id, recipe.id, &version.version_number, actor).await?;
                if recipe.status == RecipeStatus::Draft {
                    set_recipe_status_in(&mut tx, &recipe, RecipeStatus::Approved, actor).await?;
                } else {
                    touch_recipe(&mut tx, recipe.id).await?;
                }
                let version = version_by_id_in(&mut tx, version.version_id).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn example(&self, recipe_id: i64) -> StoreResult<Option<SyntheticExample>> {
                let sql = format!("{} WHERE recipe_id = $1", sql::EXAMPLE_SELECT);
                Ok(sqlx::query_as::<_, SyntheticExample>(AssertSqlSafe(sql))
                    .bind(recipe_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn put_example(&self, recipe_id: i64, example: NewExample, actor: &str) -> StoreResult<SyntheticExample> {
                for (what, value, want_array) in [
                    ("dataset_schema", &example.dataset_schema, false),
                    ("sample_rows", &example.sample_rows, true),
                    ("example_run", &example.example_run, false),
                ] {
                    let ok = if want_array { value.is_array() } else { value.is_object() };
                    if !ok {
                        let kind = if want_array { "an array" } else { "an object" };
                        return Err(StoreError::refused(format!("{what} must be {kind}")));
                    }
                }
                let mut tx = self.begin_write().await?;
                touch_recipe(&mut tx, recipe_id).await?;
                sqlx::query(sql::UPSERT_EXAMPLE)
                    .bind(recipe_id)
                    .bind(Json(&example.dataset_schema))
                    .bind(Json(&example.sample_rows))
                    .bind(Json(&example.example_run))
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
                let sql = format!("{} WHERE recipe_id = $1", sql::EXAMPLE_SELECT);
                let saved = sqlx::query_as::<_, SyntheticExample>(AssertSqlSafe(sql))
                    .bind(recipe_id)
                    .fetch_one(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "example", saved.id, "put", json!({"recipe_id": recipe_id})).await?;
                tx.commit().await?;
                Ok(saved)
            }

            async fn list_models(&self, query: &ModelQuery) -> StoreResult<Page<Model>> {
                let mut f = Filter::default();
                f.eq("m.model_family", query.family.map(|v| Bind::Text(v.as_str().into())));
                f.eq("m.status", query.status.map(|v| Bind::Text(v.as_str().into())));
                f.eq("m.recipe_id", query.recipe_id.map(Bind::Int));
                f.eq("m.owner", query.owner.clone().map(Bind::Text));
                f.search(&["m.name", "m.model_family", "m.owner", "r.name"], query.search.as_deref());
                let order = order("m.name, m.id", "m.name DESC, m.id DESC", query.reverse);
                let mut conn = self.pool.acquire().await?;
                page_of(&mut conn, f, sql::MODEL_FROM, sql::MODEL_SELECT, order, (query.limit, query.offset, query.reverse)).await
            }

            async fn model(&self, id: i64) -> StoreResult<Model> {
                model_in(&mut *self.pool.acquire().await?, id).await
            }

            async fn find_model(&self, reference: &str) -> StoreResult<Model> {
                let mut conn = self.pool.acquire().await?;
                if let Ok(id) = reference.trim().parse::<i64>() {
                    if let Ok(m) = model_in(&mut conn, id).await {
                        return Ok(m);
                    }
                }
                let sql = format!("{} WHERE m.name = $1", sql::MODEL_SELECT);
                sqlx::query_as::<_, Model>(AssertSqlSafe(sql))
                    .bind(reference.trim())
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::not_found("model", reference))
            }

            async fn register_model(&self, new: NewModel, actor: &str) -> StoreResult<Model> {
                let name = check_name("model", &new.name)?;
                let owner = check_owner(&new.owner)?;
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Recipe, new.recipe_id).await?;
                let recipe = recipe_in(&mut tx, new.recipe_id).await?;
                refuse_archived(&recipe, "get new models")?;
                let number = match (&new.version, &recipe.approved_version) {
                    (Some(v), _) => v.clone(),
                    (None, Some(v)) => v.clone(),
                    (None, None) => {
                        return Err(StoreError::refused(format!(
                            "recipe '{}' has no approved version: approve one first",
                            recipe.name
                        )))
                    }
                };
                let version = version_in(&mut tx, &recipe, Some(&number)).await?;
                if !version.is_approved() {
                    let approved = recipe.approved_version.clone().map(|v| format!("latest approved: {v}")).unwrap_or("none is approved".into());
                    return Err(StoreError::refused(format!(
                        "version {} of '{}' is not approved ({approved}); models are registered only from approved versions",
                        version.version_number, recipe.name
                    )));
                }
                let id: i64 = sqlx::query_scalar(sql::INSERT_MODEL)
                    .bind(&name)
                    .bind(recipe.model_family.as_str())
                    .bind(recipe.id)
                    .bind(version.version_id)
                    .bind(&owner)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "model", id, "register", json!({
                    "name": name, "recipe_id": recipe.id, "version": version.version_number, "owner": owner,
                })).await?;
                let model = model_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(model)
            }

            async fn update_model(&self, id: i64, changes: ModelChanges, actor: &str) -> StoreResult<Model> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Model, id).await?;
                let before = model_in(&mut tx, id).await?;
                let name = match &changes.name {
                    Some(n) => check_name("model", n)?,
                    None => before.name.clone(),
                };
                let owner = match &changes.owner {
                    Some(o) => check_owner(o)?,
                    None => before.owner.clone(),
                };
                sqlx::query("UPDATE ml_model SET name = $1, owner = $2, updated_at = $3 WHERE id = $4")
                    .bind(&name).bind(&owner).bind(now()).bind(id)
                    .execute(&mut *tx).await?;
                audit(&mut tx, actor, "model", id, "update", json!({
                    "from": {"name": before.name, "owner": before.owner},
                    "to": {"name": name, "owner": owner},
                })).await?;
                let model = model_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(model)
            }

            async fn set_model_status(&self, id: i64, to: ModelStatus, actor: &str) -> StoreResult<Model> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Model, id).await?;
                let before = model_in(&mut tx, id).await?;
                before.status.check_transition(to)?;
                sqlx::query("UPDATE ml_model SET status = $1, updated_at = $2 WHERE id = $3")
                    .bind(to.as_str()).bind(now()).bind(id)
                    .execute(&mut *tx).await?;
                audit(&mut tx, actor, "model", id, "status", json!({
                    "from": before.status, "to": to, "version": before.recipe_version,
                })).await?;
                let model = model_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(model)
            }

            async fn list_runs(&self, query: &RunQuery) -> StoreResult<Page<Run>> {
                let mut conn = self.pool.acquire().await?;
                // The count comes from the trigger-kept counts table: the same
                // conditions over a few thousand rows instead of a million.
                let total = if query.skip_count {
                    -1
                } else {
                    let f = run_filter(query, "c");
                    count(&mut conn, format!("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ml_run_count c{}", f.where_sql()), &f.binds).await?
                };
                let mut f = run_filter(query, "x");
                let where_sql = f.where_sql();
                let page = f.page_sql(query.limit, query.offset);
                let items = fetch_list(
                    &mut conn,
                    format!("{}{} ORDER BY {}{}", sql::RUN_SELECT, where_sql, order("x.id DESC", "x.id", query.reverse), page),
                    &f.binds,
                )
                .await?;
                Ok(Page { items: in_list_order(items, query.reverse), total })
            }

            async fn run(&self, id: i64) -> StoreResult<Run> {
                run_in(&mut *self.pool.acquire().await?, id).await
            }

            async fn create_run(&self, new: NewRun, actor: &str) -> StoreResult<Run> {
                let mut tx = self.begin_write().await?;
                let recipe = recipe_in(&mut tx, new.recipe_id).await?;
                let model = match new.model_id {
                    Some(id) => {
                        lock_row(&mut tx, LockedTable::Model, id).await?;
                        Some(model_in(&mut tx, id).await?)
                    }
                    None => None,
                };
                if let Some(m) = &model {
                    if m.recipe_id != recipe.id {
                        return Err(StoreError::refused(format!(
                            "model '{}' belongs to recipe '{}', not '{}'",
                            m.name, m.recipe_name, recipe.name
                        )));
                    }
                    if m.status == ModelStatus::Retired {
                        return Err(StoreError::refused(format!("model '{}' is retired: it gets no new runs", m.name)));
                    }
                }
                let number = new.version.clone().or(model.as_ref().map(|m| m.recipe_version.clone()));
                let version = version_in(&mut tx, &recipe, number.as_deref()).await?;
                let id: i64 = sqlx::query_scalar(sql::INSERT_RUN)
                    .bind(new.model_id)
                    .bind(recipe.id)
                    .bind(version.version_id)
                    .bind(new.run_type.as_str())
                    .bind(actor)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "run", id, "create", json!({
                    "recipe_id": recipe.id, "version": version.version_number,
                    "model_id": new.model_id, "run_type": new.run_type,
                })).await?;
                let run = run_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(run)
            }

            async fn update_run(&self, id: i64, changes: RunChanges, actor: &str) -> StoreResult<Run> {
                for (what, value) in [("metrics", &changes.metrics), ("artifacts", &changes.artifacts)] {
                    if let Some(v) = value {
                        if !v.is_object() {
                            return Err(StoreError::refused(format!("{what} must be a JSON object")));
                        }
                    }
                }
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Run, id).await?;
                let before = run_in(&mut tx, id).await?;
                let at = now();
                let mut details = serde_json::Map::new();
                if let Some(to) = changes.status {
                    before.status.check_transition(to)?;
                    let started = if to == RunStatus::Running { Some(at) } else { before.started_at };
                    let finished = if to.is_finished() { Some(at) } else { None };
                    sqlx::query("UPDATE ml_run SET status = $1, started_at = $2, finished_at = $3, updated_at = $4 WHERE id = $5")
                        .bind(to.as_str()).bind(started).bind(finished).bind(at).bind(id)
                        .execute(&mut *tx).await?;
                    details.insert("status".into(), json!({"from": before.status, "to": to}));
                }
                if let Some(m) = &changes.metrics {
                    let merged = diff::merge(&before.metrics_json, m);
                    sqlx::query("UPDATE ml_run SET metrics_json = $1, updated_at = $2 WHERE id = $3")
                        .bind(Json(&merged)).bind(at).bind(id).execute(&mut *tx).await?;
                    details.insert("metrics".into(), m.clone());
                }
                if let Some(a) = &changes.artifacts {
                    let merged = diff::merge(&before.artifacts_json, a);
                    sqlx::query("UPDATE ml_run SET artifacts_json = $1, updated_at = $2 WHERE id = $3")
                        .bind(Json(&merged)).bind(at).bind(id).execute(&mut *tx).await?;
                    details.insert("artifacts".into(), a.clone());
                }
                if let Some(text) = &changes.append_log {
                    let mut text = text.clone();
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    sqlx::query("UPDATE ml_run SET logs_text = logs_text || $1, updated_at = $2 WHERE id = $3")
                        .bind(&text).bind(at).bind(id).execute(&mut *tx).await?;
                    details.insert("log_bytes".into(), json!(text.len()));
                }
                if details.is_empty() {
                    return Err(StoreError::refused("nothing to change: give --status, --metrics, --artifacts or --append-log"));
                }
                audit(&mut tx, actor, "run", id, "update", Value::Object(details)).await?;
                let run = run_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(run)
            }

            async fn snapshots(&self, model_id: i64, limit: i64) -> StoreResult<Vec<Snapshot>> {
                let sql = format!("{} WHERE model_id = $1 ORDER BY captured_at DESC, id DESC LIMIT $2", sql::SNAPSHOT_SELECT);
                fetch_list(&mut *self.pool.acquire().await?, sql, &[Bind::Int(model_id), Bind::Int(limit)]).await
            }

            async fn snapshot_series(&self, model_id: i64, since: Option<chrono::DateTime<chrono::Utc>>, points: i64) -> StoreResult<Vec<Snapshot>> {
                // Every k-th snapshot of the window, k chosen so about `points` remain.
                // Numbering only ids over the (model_id, captured_at) index keeps
                // the JSON of the skipped snapshots unread.
                let sql = "SELECT id, model_id, captured_at, performance_metrics_json, drift_metrics_json, \
                    data_freshness_json, alerts_json, created_by FROM ml_monitor_snapshot WHERE id IN ( \
                    SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY captured_at, id) AS rn, COUNT(*) OVER () AS n \
                    FROM ml_monitor_snapshot WHERE model_id = $1 AND captured_at >= $2) t \
                    WHERE (rn - 1) % ((n + $3 - 1) / $3) = 0 OR rn = n) ORDER BY captured_at, id";
                // Timestamps are bound, never SQL literals: one format on both backends.
                let since = since.unwrap_or(chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0).unwrap_or_default());
                Ok(sqlx::query_as::<_, Snapshot>(sql).bind(model_id).bind(since.trunc_subsecs(6)).bind(points.max(1)).fetch_all(&self.pool).await?)
            }

            async fn add_snapshot(&self, model_id: i64, new: NewSnapshot, actor: &str) -> StoreResult<Snapshot> {
                for (what, value) in [("performance", &new.performance), ("drift", &new.drift), ("freshness", &new.freshness)] {
                    if !value.is_object() {
                        return Err(StoreError::refused(format!("snapshot {what} must be a JSON object")));
                    }
                }
                if !new.alerts.is_array() {
                    return Err(StoreError::refused("snapshot alerts must be a JSON array"));
                }
                let mut tx = self.begin_write().await?;
                // One snapshot of a model at a time: alerts are evaluated against what the last one left.
                lock_row(&mut tx, LockedTable::Model, model_id).await?;
                model_in(&mut tx, model_id).await?;
                let id: i64 = sqlx::query_scalar(sql::INSERT_SNAPSHOT)
                    .bind(model_id)
                    .bind(new.captured_at.trunc_subsecs(6))
                    .bind(Json(&new.performance))
                    .bind(Json(&new.drift))
                    .bind(Json(&new.freshness))
                    .bind(Json(&new.alerts))
                    .bind(actor)
                    .fetch_one(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "snapshot", id, "create", json!({"model_id": model_id})).await?;
                let sql = format!("{} WHERE id = $1", sql::SNAPSHOT_SELECT);
                let snapshot = sqlx::query_as::<_, Snapshot>(AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(snapshot)
            }

            async fn monitoring_overview(&self, query: &ModelQuery) -> StoreResult<Page<MonitorRow>> {
                // Ranked worst first across all models, then paged.
                let all = ModelQuery { limit: 100_000, offset: 0, reverse: false, ..query.clone() };
                let models = self.list_models(&all).await?;
                let mut conn = self.pool.acquire().await?;
                let sql = format!("{} WHERE model_id = $1 ORDER BY captured_at DESC, id DESC LIMIT 1", sql::SNAPSHOT_SELECT);
                let mut items = Vec::with_capacity(models.items.len());
                for model in models.items {
                    let latest = sqlx::query_as::<_, Snapshot>(AssertSqlSafe(sql.clone()))
                        .bind(model.id)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let open_alerts: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ml_alert WHERE model_id = $1 AND state <> 'resolved'")
                        .bind(model.id)
                        .fetch_one(&mut *conn)
                        .await?;
                    items.push(MonitorRow { model, latest, open_alerts });
                }
                items.sort_by_key(|r| r.rank_key());
                let (len, offset, limit) = (items.len(), query.offset.max(0) as usize, query.limit.max(0) as usize);
                // A reverse window counts its offset from the end; rows stay in list order.
                let (start, end) = if query.reverse {
                    let end = len.saturating_sub(offset);
                    (end.saturating_sub(limit), end)
                } else {
                    (offset.min(len), (offset + limit).min(len))
                };
                let page: Vec<MonitorRow> = items.drain(start..end).collect();
                Ok(Page { items: page, total: models.total })
            }

            async fn record_snapshot(&self, model_id: i64, new: NewSnapshot, evaluations: &[nexml_core::monitoring::Evaluation], actor: &str) -> StoreResult<(Snapshot, Vec<Alert>)> {
                let fired: Vec<Value> = evaluations.iter().filter(|e| e.fired).map(|e| json!({"rule": e.rule.name, "severity": e.rule.severity, "message": e.message})).collect();
                let mut tx = self.begin_write().await?;
                // One snapshot of a model at a time: alerts are evaluated against what the last one left.
                lock_row(&mut tx, LockedTable::Model, model_id).await?;
                model_in(&mut tx, model_id).await?;
                let at = now();
                let id: i64 = sqlx::query_scalar(sql::INSERT_SNAPSHOT)
                    .bind(model_id)
                    .bind(new.captured_at.trunc_subsecs(6))
                    .bind(Json(&new.performance))
                    .bind(Json(&new.drift))
                    .bind(Json(&new.freshness))
                    .bind(Json(&Value::Array(fired)))
                    .bind(actor)
                    .fetch_one(&mut *tx)
                    .await?;
                audit(&mut tx, actor, "snapshot", id, "ingest", json!({"model_id": model_id})).await?;
                let mut touched = Vec::new();
                for e in evaluations {
                    let open: Option<i64> = sqlx::query_scalar("SELECT id FROM ml_alert WHERE model_id = $1 AND rule = $2 AND state <> 'resolved' ORDER BY id DESC LIMIT 1")
                        .bind(model_id).bind(&e.rule.name).fetch_optional(&mut *tx).await?;
                    match (open, e.fired) {
                        (Some(alert), true) => {
                            sqlx::query("UPDATE ml_alert SET value = $1, message = $2, snapshot_id = $3, updated_at = $4 WHERE id = $5")
                                .bind(e.value.unwrap_or(f64::NAN)).bind(&e.message).bind(id).bind(at).bind(alert).execute(&mut *tx).await?;
                            audit(&mut tx, actor, "alert", alert, "update", json!({"value": e.value})).await?;
                            touched.push(alert);
                        }
                        (None, true) => {
                            let alert: i64 = sqlx::query_scalar(
                                "INSERT INTO ml_alert (model_id, rule, source, metric, comparison, threshold, severity, state, value, message, snapshot_id, opened_at, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $11) RETURNING id",
                            )
                            .bind(model_id).bind(&e.rule.name).bind(e.rule.source.as_str()).bind(&e.rule.metric).bind(e.rule.comparison.as_str())
                            .bind(e.rule.threshold).bind(e.rule.severity.as_str()).bind(e.value.unwrap_or(f64::NAN)).bind(&e.message).bind(id).bind(at)
                            .fetch_one(&mut *tx).await?;
                            audit(&mut tx, actor, "alert", alert, "open", json!({"rule": e.rule.name, "value": e.value})).await?;
                            touched.push(alert);
                        }
                        (Some(alert), false) if e.value.is_some() => {
                            sqlx::query("UPDATE ml_alert SET state = 'resolved', resolved_at = $1, updated_at = $1, message = $2 WHERE id = $3")
                                .bind(at).bind(format!("cleared: {}", e.message)).bind(alert).execute(&mut *tx).await?;
                            audit(&mut tx, actor, "alert", alert, "resolve", json!({"by": "rule no longer breached"})).await?;
                            touched.push(alert);
                        }
                        _ => {}
                    }
                }
                let snapshot = sqlx::query_as::<_, Snapshot>(AssertSqlSafe(format!("{} WHERE id = $1", sql::SNAPSHOT_SELECT))).bind(id).fetch_one(&mut *tx).await?;
                let mut alerts = Vec::new();
                for a in touched {
                    alerts.push(sqlx::query_as::<_, Alert>(AssertSqlSafe(format!("{} WHERE id = $1", ALERT_SELECT))).bind(a).fetch_one(&mut *tx).await?);
                }
                tx.commit().await?;
                Ok((snapshot, alerts))
            }

            async fn alerts(&self, model_id: i64, state: Option<nexml_core::domain::AlertState>) -> StoreResult<Vec<Alert>> {
                let sql = format!(
                    "{} WHERE model_id = $1 AND ($2 = '' OR state = $2) ORDER BY CASE state WHEN 'resolved' THEN 1 ELSE 0 END, \
                     CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id DESC",
                    ALERT_SELECT
                );
                Ok(sqlx::query_as::<_, Alert>(AssertSqlSafe(sql)).bind(model_id).bind(state.map(|s| s.as_str()).unwrap_or("")).fetch_all(&self.pool).await?)
            }

            async fn set_alert_state(&self, id: i64, state: nexml_core::domain::AlertState, actor: &str) -> StoreResult<Alert> {
                let mut tx = self.begin_write().await?;
                lock_row(&mut tx, LockedTable::Alert, id).await?;
                let before = sqlx::query_as::<_, Alert>(AssertSqlSafe(format!("{} WHERE id = $1", ALERT_SELECT))).bind(id).fetch_optional(&mut *tx).await?
                    .ok_or_else(|| StoreError::not_found("alert", id))?;
                before.state.check_transition(state)?;
                let at = now();
                let resolved = (state == nexml_core::domain::AlertState::Resolved).then_some(at);
                sqlx::query("UPDATE ml_alert SET state = $1, updated_at = $2, resolved_at = $3 WHERE id = $4").bind(state.as_str()).bind(at).bind(resolved).bind(id).execute(&mut *tx).await?;
                audit(&mut tx, actor, "alert", id, state.as_str(), json!({"from": before.state})).await?;
                let after = sqlx::query_as::<_, Alert>(AssertSqlSafe(format!("{} WHERE id = $1", ALERT_SELECT))).bind(id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn chat_history(&self, recipe_id: Option<i64>, limit: i64) -> StoreResult<Vec<ChatMessage>> {
                let sql = "SELECT id, recipe_id, role, text, proposal, status, created_by, created_at FROM ml_chat_message \
                    WHERE (recipe_id = $1 OR (recipe_id IS NULL AND $2)) ORDER BY id DESC LIMIT $3";
                let mut rows = sqlx::query_as::<_, ChatMessage>(sql)
                    .bind(recipe_id.unwrap_or(-1))
                    .bind(recipe_id.is_none())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.reverse();
                Ok(rows)
            }

            async fn add_chat_message(&self, recipe_id: Option<i64>, role: nexml_core::domain::ChatRole, text: &str, proposal: Option<&Value>, actor: &str) -> StoreResult<ChatMessage> {
                use nexml_core::domain::ChatStatus;
                let status = if proposal.is_some() { ChatStatus::Proposed } else { ChatStatus::None };
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO ml_chat_message (recipe_id, role, text, proposal, status, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(recipe_id)
                .bind(role.as_str())
                .bind(text)
                .bind(proposal.map(Json))
                .bind(status.as_str())
                .bind(actor)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
                let saved = sqlx::query_as::<_, ChatMessage>("SELECT id, recipe_id, role, text, proposal, status, created_by, created_at FROM ml_chat_message WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(saved)
            }

            async fn set_chat_status(&self, id: i64, status: nexml_core::domain::ChatStatus) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let sql = format!("SELECT status FROM ml_chat_message WHERE id = $1{}", <$store>::FOR_UPDATE);
                let before: String = sqlx::query_scalar(AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *tx).await?
                    .ok_or_else(|| StoreError::not_found("chat message", id))?;
                let before: nexml_core::domain::ChatStatus = before.parse().map_err(|e: nexml_core::domain::kinds::UnknownKind| StoreError::refused(e.to_string()))?;
                before.check_transition(status)?;
                sqlx::query("UPDATE ml_chat_message SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit(&self, entity: &str, entity_id: i64) -> StoreResult<Vec<AuditEntry>> {
                let sql = format!("{} WHERE entity = $1 AND entity_id = $2 ORDER BY id", sql::AUDIT_SELECT);
                fetch_list(&mut *self.pool.acquire().await?, sql, &[Bind::Text(entity.into()), Bind::Int(entity_id)]).await
            }

            async fn insert_runs_bulk(&self, runs: &[BulkRun]) -> StoreResult<()> {
                const COLS: usize = 13;
                let mut tx = self.begin_write().await?;
                for chunk in runs.chunks(Self::MAX_BINDS / COLS) {
                    let sql = bulk_insert_sql(
                        "INSERT INTO ml_run (model_id, recipe_id, recipe_version_id, run_type, status, created_by, created_at, updated_at, started_at, finished_at, metrics_json, artifacts_json, logs_text) VALUES ",
                        chunk.len(),
                        COLS,
                        Self::POSITIONAL,
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for r in chunk {
                        // updated_at starts as created_at.
                        q = q.bind(r.model_id).bind(r.recipe_id).bind(r.recipe_version_id)
                            .bind(r.run_type.as_str()).bind(r.status.as_str()).bind(r.created_by.as_str())
                            .bind(r.created_at).bind(r.created_at).bind(r.started_at).bind(r.finished_at)
                            .bind(Json(&r.metrics)).bind(Json(&r.artifacts)).bind(r.logs.as_str());
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn insert_snapshots_bulk(&self, snapshots: &[BulkSnapshot]) -> StoreResult<()> {
                const COLS: usize = 7;
                let mut tx = self.begin_write().await?;
                for chunk in snapshots.chunks(Self::MAX_BINDS / COLS) {
                    let sql = bulk_insert_sql(
                        "INSERT INTO ml_monitor_snapshot (model_id, captured_at, performance_metrics_json, drift_metrics_json, data_freshness_json, alerts_json, created_by) VALUES ",
                        chunk.len(),
                        COLS,
                        Self::POSITIONAL,
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for s in chunk {
                        q = q.bind(s.model_id).bind(s.captured_at).bind(Json(&s.performance))
                            .bind(Json(&s.drift)).bind(Json(&s.freshness)).bind(Json(&s.alerts))
                            .bind("generate");
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }

        /// `prefix (..),(..)`: `rows` groups of `width` placeholders, `?` when the
        /// backend binds by position (SQLite looks `$N` names up one by one,
        /// which is quadratic in a statement of thousands), else `$1, $2, ...`.
        fn bulk_insert_sql(prefix: &str, rows: usize, width: usize, positional: bool) -> String {
            let mut sql = String::with_capacity(prefix.len() + rows * width * 7);
            sql.push_str(prefix);
            for row in 0..rows {
                if row > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for col in 0..width {
                    if col > 0 {
                        sql.push(',');
                    }
                    if positional {
                        sql.push('?');
                    } else {
                        sql.push('$');
                        sql.push_str(&(row * width + col + 1).to_string());
                    }
                }
                sql.push(')');
            }
            sql
        }
    };
}
