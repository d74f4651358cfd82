-- MLflow's experiment tags: key/value pairs a client sets on an experiment
-- (set_experiment_tag), kept on the recipe that is the experiment. Apart
-- from the recipe's own tags, which are labels without values.
CREATE TABLE ml_experiment_tag (
    recipe_id BIGINT NOT NULL REFERENCES ml_recipe(id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (recipe_id, key)
);

SELECT nexml_secure_schema();
