//! Who seeds, and what a seeding step did.

/// Who the seeded content is recorded as written by.
pub const SEED_ACTOR: &str = "nexml-seed";

/// What a seeding step did, one line per thing, for printing.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct SeedReport {
    pub created: Vec<String>,
    pub unchanged: Vec<String>,
}

impl SeedReport {
    pub fn merge(&mut self, other: SeedReport) {
        self.created.extend(other.created);
        self.unchanged.extend(other.unchanged);
    }

    /// Lines for the terminal: what was created, or that nothing changed.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .created
            .iter()
            .map(|c| format!("created {c}"))
            .collect();
        if self.created.is_empty() {
            out.push(format!(
                "nothing to do: all {} seeded items are already present",
                self.unchanged.len()
            ));
        } else if !self.unchanged.is_empty() {
            out.push(format!(
                "{} already present, unchanged",
                self.unchanged.len()
            ));
        }
        out
    }
}
