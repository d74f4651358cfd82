//! The library's lists: windows onto long tables, moved through, re-read
//! from the top when filters change, and refreshed in place when someone
//! else changes them (keeping the selected row by id, and the scroll).

use super::effects::{Effect, ListRequest};
use super::state::*;
use crate::store::{Keyset, Model, MonitorRow, Recipe, Run};
use crate::tui::effects::Task;

/// Runs `$body` with `$l` bound to the list of `$tab`, whatever its row type.
macro_rules! on_list_impl {
    ($app:expr, $tab:expr, $l:ident => $body:expr) => {
        $crate::tui::tab::with_row_type!($tab, T => {
            let $l = <T as $crate::tui::state::Listed>::list_mut(&mut $app.lists);
            $body
        })
    };
}

pub(crate) use on_list_impl as on_list;

/// A row's identity, so a refresh finds the selected row wherever it moved.
pub trait RowId {
    fn row_id(&self) -> i64;
}

impl RowId for Recipe {
    fn row_id(&self) -> i64 {
        self.id
    }
}

impl RowId for Model {
    fn row_id(&self) -> i64 {
        self.id
    }
}

impl RowId for Run {
    fn row_id(&self) -> i64 {
        self.id
    }
}

impl RowId for MonitorRow {
    fn row_id(&self) -> i64 {
        self.model.id
    }
}

/// Re-reads the loaded window of a tab (and its count), keeping the
/// selected row selected wherever it moved and the scroll where it was.
/// A list not loaded yet is left alone: it is read when first shown.
pub fn refresh_in_place(app: &mut App, tab: Tab) -> Vec<Effect> {
    let page = app.page_rows();
    let request = on_list!(app, tab, l => {
        l.stale = false;
        if !l.loaded && !l.loading {
            None
        } else {
            // By position: rows added meanwhile move every keyset's place.
            // The row to keep is the one selected when the rows arrive
            // (`apply_rows`), not now: the user may move meanwhile.
            let mut request = window_request(l, tab, page, false);
            request.skip_count = false;
            Some(request)
        }
    });
    request
        .map(|r| vec![Effect::Task(Task::LoadList(r))])
        .unwrap_or_default()
}

/// Where a loaded window belongs: which request, which rows of how many.
pub struct Window {
    pub generation: u64,
    pub window_start: usize,
    /// None: unchanged (a window of a list whose total is known).
    pub total: Option<usize>,
    /// The list's size without its filters, when this load counted it.
    pub unfiltered_total: Option<usize>,
}

/// A loaded window into its list; false when a newer request superseded it.
pub fn apply_rows<T: RowId>(l: &mut ListView<T>, rows: Vec<T>, w: &Window) -> bool {
    let Window {
        generation,
        window_start,
        total,
        unfiltered_total,
    } = *w;
    if l.generation != generation {
        return false;
    }
    let keep = l
        .select_id
        .take()
        .or_else(|| l.selected_row().map(RowId::row_id));
    l.rows = rows;
    l.window_start = window_start;
    let total = total.unwrap_or(l.total);
    l.total = total;
    l.loaded = true;
    l.loading = false;
    if unfiltered_total.is_some() {
        l.unfiltered_total = unfiltered_total;
    }
    if let Some(want) = keep
        && let Some(i) = l.rows.iter().position(|r| r.row_id() == want)
    {
        l.selected = window_start + i;
    }
    l.selected = l.selected.min(total.saturating_sub(1));
    true
}

pub fn move_by(app: &mut App, delta: isize) -> Vec<Effect> {
    let page = app.page_rows();
    let tab = app.tab;
    on_list!(app, tab, l => {
        if l.total == 0 {
            return vec![];
        }
        let target = (l.selected as isize).saturating_add(delta).clamp(0, l.total as isize - 1);
        l.selected = target as usize;
        // The user's own move wins over a selection still on its way.
        l.select_id = None;
        keep_visible(l, page);
    });
    ensure_window(app, tab)
}

pub fn keep_visible<T>(l: &mut ListView<T>, page: usize) {
    if l.selected < l.scroll {
        l.scroll = l.selected;
    } else if l.selected >= l.scroll + page {
        l.scroll = l.selected + 1 - page;
    }
    let max_scroll = l.total.saturating_sub(page);
    l.scroll = l.scroll.min(max_scroll);
}

/// Requests the window around the visible rows when it is not loaded.
pub fn ensure_window(app: &mut App, tab: Tab) -> Vec<Effect> {
    let page = app.page_rows();
    let request = on_list!(app, tab, l => {
        keep_visible(l, page);
        if !l.loaded || l.covers(l.scroll, l.scroll + page) {
            None
        } else {
            Some(window_request(l, tab, page, true))
        }
    });
    request
        .map(|r| vec![Effect::Task(Task::LoadList(r))])
        .unwrap_or_default()
}

/// A window of WINDOW rows around the visible ones: beside a loaded row
/// when the list is in id order (scrolling), else read from whichever end is
/// nearer so jumping to the end of a million rows stays cheap.
fn window_request<T: RowId>(
    l: &mut ListView<T>,
    tab: Tab,
    page: usize,
    beside_loaded_rows: bool,
) -> ListRequest {
    l.generation += 1;
    l.loading = true;
    let centre = l.scroll + page / 2;
    let forward = centre <= l.total / 2;
    let (start, end) = if forward {
        let start = centre.saturating_sub(WINDOW / 2);
        (start, (start + WINDOW).min(l.total))
    } else {
        let end = (centre + WINDOW / 2).min(l.total);
        (end.saturating_sub(WINDOW), end)
    };
    let in_id_order = tab.ordered_by_id() && !crate::runs::filter::sorts(l.filters.search_shown());
    let keyset = (beside_loaded_rows && in_id_order)
        .then(|| keyset_beside(l, start, end))
        .flatten();
    let (offset, reverse) = match (keyset, forward) {
        (Some(_), _) => (0, false),
        (None, true) => (start, false),
        (None, false) => (l.total - end, true),
    };
    ListRequest {
        skip_count: true,
        tab,
        generation: l.generation,
        offset,
        limit: end - start,
        reverse,
        keyset,
        window_start: start,
        filters: l.filters.applied(),
    }
}

/// The loaded row just before `start` (the window follows it) or just at
/// `end` (the window precedes it), if either is loaded.
fn keyset_beside<T: RowId>(l: &ListView<T>, start: usize, end: usize) -> Option<Keyset> {
    let before = start.checked_sub(1).and_then(|i| l.row(i));
    match (before, l.row(end)) {
        (Some(row), _) => Some(Keyset::After(row.row_id())),
        (None, Some(row)) => Some(Keyset::Before(row.row_id())),
        (None, None) => None,
    }
}

/// Loads a tab's list from the top (after its filters changed), with the
/// last valid search when the typed one does not read.
pub fn reload(app: &mut App, tab: Tab) -> Vec<Effect> {
    let request = on_list!(app, tab, l => {
        l.filters.check_search(tab.searches_with_filter_language());
        l.generation += 1;
        l.loading = true;
        l.selected = 0;
        l.scroll = 0;
        ListRequest { tab, skip_count: false, generation: l.generation, offset: 0, limit: WINDOW, reverse: false, keyset: None, window_start: 0, filters: l.filters.applied() }
    });
    vec![Effect::Task(Task::LoadList(request))]
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(i64);

    impl RowId for Row {
        fn row_id(&self) -> i64 {
            self.0
        }
    }

    /// Rows 0..200 of a million, ids counting down as the run list's do.
    fn loaded() -> ListView<Row> {
        ListView {
            rows: (0..200).map(|i| Row(1_000_000 - i)).collect(),
            total: 1_000_000,
            loaded: true,
            scroll: 150,
            selected: 150,
            ..ListView::default()
        }
    }

    #[test]
    fn scrolling_an_id_ordered_list_starts_beside_a_loaded_row() {
        let mut l = loaded();
        let r = window_request(&mut l, Tab::Runs, 40, true);
        assert_eq!(r.window_start, 70);
        assert_eq!(r.keyset, Some(Keyset::After(1_000_000 - 69)));
        assert_eq!((r.offset, r.limit, r.reverse), (0, WINDOW, false));
        // Scrolling back up: the window ends at a loaded row.
        let mut l = loaded();
        l.window_start = 100;
        l.scroll = 80;
        let r = window_request(&mut l, Tab::Runs, 40, true);
        assert_eq!(r.window_start, 0);
        assert_eq!(r.keyset, Some(Keyset::Before(1_000_000 - 100)));
    }

    #[test]
    fn jumps_refreshes_and_other_orders_go_by_position() {
        let mut l = loaded();
        assert_eq!(window_request(&mut l, Tab::Recipes, 40, true).keyset, None);
        assert_eq!(window_request(&mut l, Tab::Runs, 40, false).keyset, None);
        l.scroll = 999_960;
        let end = window_request(&mut l, Tab::Runs, 40, true);
        assert_eq!(end.keyset, None);
        assert!(end.reverse);
    }

    /// A refresh keeps the row selected when its rows arrive, even when the
    /// user moved after asking (CI once saw `g` undone by a late refresh).
    #[test]
    fn a_refresh_keeps_the_row_selected_when_it_arrives() {
        let mut l = loaded();
        let w = Window {
            generation: l.generation,
            window_start: 0,
            total: Some(1_000_001),
            unfiltered_total: None,
        };
        // The user moved to the top after the refresh was asked for.
        l.selected = 0;
        let mut rows: Vec<Row> = vec![Row(1_000_001)];
        rows.extend((0..199).map(|i| Row(1_000_000 - i)));
        assert!(apply_rows(&mut l, rows, &w));
        // Row 1,000,000 was at the top; a new row now precedes it.
        assert_eq!(l.selected, 1);
        assert_eq!(l.selected_row().map(|r| r.0), Some(1_000_000));
    }

    #[test]
    fn an_explicit_selection_wins_over_the_cursor() {
        let mut l = loaded();
        l.select_id = Some(1_000_000 - 7);
        let rows = (0..200).map(|i| Row(1_000_000 - i)).collect();
        let w = Window {
            generation: l.generation,
            window_start: 0,
            total: None,
            unfiltered_total: None,
        };
        assert!(apply_rows(&mut l, rows, &w));
        assert_eq!(l.selected, 7);
    }
}
