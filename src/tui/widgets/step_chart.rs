//! Charts of metric histories by step (a run's, runs compared): the axes
//! fitted to every line, with air above and below, and no negative axis
//! for values that never go below zero.

use super::axes_chart;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Dataset, Paragraph};

/// Draws `lines` (one dataset each, styled by the caller) in `block`, or
/// says there is nothing to draw.
pub fn render(
    lines: Vec<Dataset<'_>>,
    points: &[&[(f64, f64)]],
    block: Block<'_>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let Some([x0, x1, y0, y1]) = bounds(points) else {
        frame.render_widget(
            Paragraph::new(Span::styled("no points", theme.dim)).block(block),
            area,
        );
        return;
    };
    let step = |x: f64| format!("{x:.0}");
    let chart = axes_chart(lines, block, [x0, x1], step, [y0, y1], theme);
    frame.render_widget(chart, area);
}

/// `[x0, x1, y0, y1]` around every point; `None` when there is none.
fn bounds(lines: &[&[(f64, f64)]]) -> Option<[f64; 4]> {
    let all = lines.iter().flat_map(|l| l.iter());
    let (x0, x1, lo, hi) = all.fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(x0, x1, lo, hi), p| (x0.min(p.0), x1.max(p.0), lo.min(p.1), hi.max(p.1)),
    );
    if !x0.is_finite() {
        return None;
    }
    // One step: a little room either side, so the point shows.
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 1.0, x0 + 1.0)
    };
    let air = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    Some([x0, x1, (lo - air).max(floor), hi + air])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_fit_every_line_and_stay_at_or_above_zero() {
        let a = [(0.0, 1.0), (10.0, 0.1)];
        let b = [(5.0, 0.5), (20.0, 0.02)];
        let [x0, x1, y0, y1] = bounds(&[&a, &b]).unwrap();
        assert_eq!((x0, x1), (0.0, 20.0));
        assert_eq!(y0, 0.0);
        assert!(y1 > 1.0);
        assert_eq!(bounds(&[&[]]), None);
        let [x0, x1, ..] = bounds(&[&[(3.0, -1.0)]]).unwrap();
        assert_eq!((x0, x1), (2.0, 4.0));
    }
}
