//! The workbench's views, one file each: state, what they ask the background for, and how
//! they draw.

pub mod detail;
pub mod edit;
pub mod events;
pub mod feeds;
pub mod graph;
pub mod indicators;
pub mod list;
pub mod overlay;
pub mod paste;
pub mod welcome;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use super::fuzzy::Index;
use super::text::Glyphs;
use super::theme::Theme;

/// What every view needs to draw.
pub struct Ui<'a> {
    pub theme: &'a Theme,
    pub glyphs: &'a Glyphs,
    pub index: Option<&'a Index>,
    pub focused: bool,
}

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Ui<'_> {
    pub fn style(&self, name: &str) -> Style {
        self.theme.style(name)
    }

    /// A bordered block titled `title` (ASCII borders outside UTF-8 locales).
    pub fn block<'b>(&self, title: impl Into<Line<'b>>) -> Block<'b> {
        let b = Block::bordered()
            .title(title)
            .title_style(self.style("title"))
            .border_style(self.style(if self.focused {
                "border_focus"
            } else {
                "border"
            }));
        if self.glyphs.ascii {
            b.border_set(ASCII_BORDER)
        } else {
            b.border_type(BorderType::Plain)
        }
    }

    /// `text` with the chars at `positions` in the match style.
    pub fn highlighted<'b>(
        &self,
        text: &str,
        positions: &[usize],
        width: usize,
        base: Style,
    ) -> Line<'b> {
        let shown = super::text::fit(text, width, self.glyphs);
        // Escaping may have moved characters: highlight only when the text was shown as is.
        if shown != text {
            return Line::from(Span::styled(shown, base));
        }
        let m = self.style("match");
        let mut spans: Vec<Span> = Vec::new();
        let mut run = String::new();
        let mut run_hit = false;
        for (i, c) in text.chars().enumerate() {
            let hit = positions.binary_search(&i).is_ok();
            if hit != run_hit && !run.is_empty() {
                spans.push(Span::styled(
                    std::mem::take(&mut run),
                    if run_hit { base.patch(m) } else { base },
                ));
            }
            run_hit = hit;
            run.push(c);
        }
        if !run.is_empty() {
            spans.push(Span::styled(
                run,
                if run_hit { base.patch(m) } else { base },
            ));
        }
        Line::from(spans)
    }
}

/// The inner height of a bordered block of `area`.
pub fn inner_height(area: Rect) -> usize {
    area.height.saturating_sub(2) as usize
}
