//! Editing an event's title or tags in a one-line text area; Enter writes it through the
//! store (with an audit entry), Esc leaves it as it was.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Clear;
use ratatui_textarea::TextArea;
use uuid::Uuid;

use super::Ui;
use crate::store::edit::EventEdit;
use crate::tui::msg::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Info,
    /// Comma-separated.
    Tags,
    /// The comment of one attribute of the event.
    Comment(Uuid),
}

pub struct EditBox {
    pub event: Uuid,
    pub field: Field,
    pub area: TextArea<'static>,
    /// The text as first shown: unchanged, nothing is written (so escaped controls in a
    /// feed's title are never saved as literal text unless the user edits it).
    initial: String,
}

pub enum EditOutcome {
    Stay,
    Close,
    Save(Request),
}

impl EditBox {
    pub fn new(event: Uuid, field: Field, current: &str) -> EditBox {
        // The current text, made inert: feed text never reaches the terminal raw.
        let mut area = TextArea::new(vec![
            crate::safe_text::escape_controls(current).replace('\n', " "),
        ]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        let initial = area.lines().join(" ");
        EditBox {
            event,
            field,
            area,
            initial,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> EditOutcome {
        match key.code {
            KeyCode::Esc => EditOutcome::Close,
            // As in the other lines of the workbench: C-u clears.
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.area = TextArea::default();
                EditOutcome::Stay
            }
            KeyCode::Enter => {
                let text = self.area.lines().join(" ");
                if text == self.initial {
                    return EditOutcome::Close;
                }
                let event = self.event;
                EditOutcome::Save(match self.field {
                    Field::Info => Request::EditEvent {
                        event,
                        edit: EventEdit {
                            info: Some(text),
                            tags: None,
                        },
                    },
                    Field::Tags => Request::EditEvent {
                        event,
                        edit: EventEdit {
                            info: None,
                            tags: Some(text.split(',').map(|t| t.trim().to_string()).collect()),
                        },
                    },
                    Field::Comment(attr) => Request::Comment {
                        event,
                        attr,
                        comment: text,
                    },
                })
            }
            _ => {
                self.area.input(key);
                EditOutcome::Stay
            }
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        let line = text.lines().next().unwrap_or("");
        self.area
            .insert_str(crate::safe_text::escape_controls(line));
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let w = area.width.saturating_sub(4).min(100);
        let popup = area.centered(Constraint::Length(w), Constraint::Length(3));
        f.render_widget(Clear, popup);
        let title = match self.field {
            Field::Info => " Event title (Enter saves, Esc cancels) ",
            Field::Tags => " Event tags, comma-separated (Enter saves, Esc cancels) ",
            Field::Comment(_) => " Attribute comment (Enter saves, Esc cancels) ",
        };
        self.area.set_block(ui.block(title));
        f.render_widget(&self.area, popup);
    }
}
