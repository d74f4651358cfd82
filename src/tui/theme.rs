//! Colours by meaning. Meaning is never carried by colour alone: statuses are
//! always written as words too.

use crate::config::ThemeName;
use crate::domain::{ModelStatus, RecipeStatus, RunStatus, Severity};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub accent: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub good: Style,
    pub warn: Style,
    pub bad: Style,
    pub info: Style,
    pub key: Style,
    pub border: Style,
    pub matched: Style,
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        if no_color {
            return Theme::monochrome();
        }
        match name {
            ThemeName::Dark => Theme {
                text: Style::default().fg(Color::Gray),
                dim: Style::default().fg(Color::DarkGray),
                title: Style::default()
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD),
                accent: Style::default().fg(Color::Cyan),
                selected: Style::default()
                    .bg(Color::Rgb(40, 60, 90))
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD),
                tab_active: Style::default()
                    .fg(Color::Black)
                    .bg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
                tab_inactive: Style::default().fg(Color::Gray),
                good: Style::default().fg(Color::Green),
                warn: Style::default().fg(Color::Yellow),
                bad: Style::default().fg(Color::Red),
                info: Style::default().fg(Color::Blue),
                key: Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
                border: Style::default().fg(Color::DarkGray),
                matched: Style::default().bg(Color::Yellow).fg(Color::Black),
            },
            ThemeName::Light => Theme {
                text: Style::default().fg(Color::Black),
                dim: Style::default().fg(Color::DarkGray),
                title: Style::default()
                    .fg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                accent: Style::default().fg(Color::Blue),
                selected: Style::default()
                    .bg(Color::Rgb(200, 220, 255))
                    .fg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                tab_active: Style::default()
                    .fg(Color::White)
                    .bg(Color::Blue)
                    .add_modifier(Modifier::BOLD),
                tab_inactive: Style::default().fg(Color::DarkGray),
                good: Style::default().fg(Color::Rgb(0, 120, 0)),
                warn: Style::default().fg(Color::Rgb(160, 100, 0)),
                bad: Style::default().fg(Color::Rgb(180, 0, 0)),
                info: Style::default().fg(Color::Blue),
                key: Style::default()
                    .fg(Color::Blue)
                    .add_modifier(Modifier::BOLD),
                border: Style::default().fg(Color::Gray),
                matched: Style::default()
                    .bg(Color::Rgb(255, 230, 120))
                    .fg(Color::Black),
            },
        }
    }

    /// NO_COLOR: attributes only (bold, reverse), no colours.
    pub fn monochrome() -> Theme {
        let plain = Style::default();
        Theme {
            text: plain,
            dim: plain,
            title: plain.add_modifier(Modifier::BOLD),
            accent: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            tab_active: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab_inactive: plain,
            good: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            bad: plain.add_modifier(Modifier::BOLD),
            info: plain,
            key: plain.add_modifier(Modifier::BOLD),
            border: plain,
            matched: plain.add_modifier(Modifier::REVERSED),
        }
    }

    /// The style of a status word: good, in progress, bad or neutral.
    /// The words are the stored names of the status enums (and severities).
    pub fn status(&self, word: &str) -> Style {
        if let Some(s) = RunStatus::named(word) {
            return match s {
                RunStatus::Succeeded => self.good,
                RunStatus::Running | RunStatus::Queued => self.warn,
                RunStatus::Failed | RunStatus::Cancelled => self.bad,
            };
        }
        match (
            RecipeStatus::named(word),
            ModelStatus::named(word),
            Severity::named(word),
        ) {
            (Some(RecipeStatus::Approved), _, _) | (_, Some(ModelStatus::Production), _) => {
                self.good
            }
            (_, Some(ModelStatus::Staging), _) | (_, _, Some(Severity::Warning)) => self.warn,
            (Some(RecipeStatus::Archived), _, _)
            | (_, Some(ModelStatus::Retired), _)
            | (_, _, Some(Severity::Critical)) => self.bad,
            (_, _, Some(Severity::Info)) => self.info,
            _ => self.text,
        }
    }
}
