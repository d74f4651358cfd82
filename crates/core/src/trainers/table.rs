//! The generated data as named columns, shaped like a recipe's example
//! table, for the quality checks (which name columns). The models read the
//! families' typed rows instead.

/// One column's cells; `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    Num(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Flag(Vec<Option<bool>>),
}

impl Cells {
    pub fn len(&self) -> usize {
        match self {
            Cells::Num(v) => v.len(),
            Cells::Text(v) => v.len(),
            Cells::Flag(v) => v.len(),
        }
    }

    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Cells::Num(v) => v.get(row).is_none_or(|c| c.is_none()),
            Cells::Text(v) => v.get(row).is_none_or(|c| c.is_none()),
            Cells::Flag(v) => v.get(row).is_none_or(|c| c.is_none()),
        }
    }

    /// The cell as text for building composite keys; missing is empty.
    pub fn key(&self, row: usize) -> String {
        match self {
            Cells::Num(v) => shown(v, row),
            Cells::Text(v) => v.get(row).cloned().flatten().unwrap_or_default(),
            Cells::Flag(v) => shown(v, row),
        }
    }

    pub fn numbers(&self) -> Option<&[Option<f64>]> {
        match self {
            Cells::Num(v) => Some(v),
            _ => None,
        }
    }

    pub fn flags(&self) -> Option<&[Option<bool>]> {
        match self {
            Cells::Flag(v) => Some(v),
            _ => None,
        }
    }
}

/// A number's or a flag's cell as text; missing is empty.
fn shown<T: Copy + ToString>(cells: &[Option<T>], row: usize) -> String {
    cells
        .get(row)
        .copied()
        .flatten()
        .map(|x| x.to_string())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: usize,
    columns: Vec<(String, Cells)>,
}

impl Table {
    /// Adds a column; every column has the table's row count (the first
    /// column sets it), so a generator's mistake shows in the tests.
    pub fn push(&mut self, name: &str, cells: Cells) {
        if self.columns.is_empty() {
            self.rows = cells.len();
        }
        debug_assert_eq!(cells.len(), self.rows, "column {name}");
        self.columns.push((name.to_string(), cells));
    }

    pub fn num(&mut self, name: &str, cells: impl IntoIterator<Item = Option<f64>>) {
        self.push(name, Cells::Num(cells.into_iter().collect()));
    }

    pub fn text(&mut self, name: &str, cells: impl IntoIterator<Item = Option<String>>) {
        self.push(name, Cells::Text(cells.into_iter().collect()));
    }

    pub fn flag(&mut self, name: &str, cells: impl IntoIterator<Item = Option<bool>>) {
        self.push(name, Cells::Flag(cells.into_iter().collect()));
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    pub fn column(&self, name: &str) -> Option<&Cells> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// For tests that break the data on purpose.
    #[cfg(test)]
    pub fn column_mut(&mut self, name: &str) -> Option<&mut Cells> {
        self.columns
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
}
