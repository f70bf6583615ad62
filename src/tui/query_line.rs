//! What a query line does once entered: filters the indicators (or the events), saves and
//! loads named views.

use super::app::{App, Status, Tab};

impl App {
    /// A query line from the filter overlay: `=name QUERY` saves it as a view, `@name` loads
    /// one, anything else filters the indicators.
    pub fn apply_filter(&mut self, line: &str) {
        let line = line.trim();
        // On the events view the line is words to find in the events.
        if self.tab == Tab::Events {
            self.events.set_words(line);
            return;
        }
        let query = if let Some(rest) = line.strip_prefix('=') {
            let (name, q) = rest.split_once(' ').unwrap_or((rest, ""));
            let Some(path) = self.views_path.clone() else {
                return self.error("no config directory to save views in");
            };
            if let Err(e) = super::views::save(&path, name, q.trim()) {
                return self.error(e);
            }
            self.info(format!("view {} saved", super::text::safe(name)));
            q.trim().to_string()
        } else if let Some(name) = line.strip_prefix('@') {
            let found = self
                .views_path
                .as_deref()
                .map(super::views::load)
                .transpose()
                .map(|v| v.and_then(|mut m| m.remove(name.trim())));
            match found {
                Ok(Some(q)) => q,
                Ok(None) => {
                    return self.error(format!("no view named {}", super::text::safe(name)));
                }
                Err(e) => return self.error(e),
            }
        } else {
            line.to_string()
        };
        if let Err(e) = super::query::Query::parse(&query) {
            return self.error(e);
        }
        self.tab = Tab::Indicators;
        if let Some(r) = self.indicators.start_filter(&query) {
            self.requests.push(r);
        }
    }

    pub(super) fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }
}
