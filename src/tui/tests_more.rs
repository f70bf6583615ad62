//! Workbench scenarios, continued: the query line, the paste box, editing, the feeds view,
//! overlays and regressions (the harness is in `tests.rs`).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Tab;
use super::tests::{Harness, snapshot};
use super::text::Glyphs;

#[test]
fn the_query_line_filters_saves_and_loads_views() {
    let mut h = Harness::new();
    let cfg = tempfile::tempdir().unwrap();
    h.app.views_path = Some(cfg.path().join("views.toml"));
    h.keys("l3f");
    h.keys("type:ip-dst cidr:192.0.2.0/24<Enter>");
    let f = h.app.indicators.filter.as_ref().expect("filtered");
    let values: Vec<&str> = f.values.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(values, ["192.0.2.0/28", "192.0.2.9"]);
    snapshot("indicators-filtered-80x24", &h.screen(80, 24));
    // Negation and scores: addresses off the shared C2, scored above 50.
    h.keys("f<Backspace>");
    h.app.overlay = None;
    h.app
        .apply_filter("=fresh-ips type:ip-dst -203.0.113.45 score:>50");
    h.pump();
    let got: Vec<String> = h
        .app
        .indicators
        .filter
        .as_ref()
        .unwrap()
        .values
        .iter()
        .map(|(v, _)| v.clone())
        .collect();
    assert!(
        got.contains(&"203.0.113.46".to_string()) && !got.contains(&"203.0.113.45".to_string()),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|v| v == "198.51.100.23"),
        "scored 45, under 50: {got:?}"
    );
    // Cleared, then loaded back by name.
    h.app.apply_filter("");
    h.pump();
    assert!(h.app.indicators.filter.is_none());
    h.app.apply_filter("@fresh-ips");
    h.pump();
    assert_eq!(
        h.app.indicators.filter.as_ref().unwrap().values.len(),
        got.len()
    );
    // A bad term is refused, naming it, and the filter stays as it was.
    h.app.apply_filter("score:>lots");
    assert!(h.app.status.as_ref().unwrap().text.contains("score:>lots"));
    assert_eq!(
        h.app.indicators.filter.as_ref().unwrap().values.len(),
        got.len()
    );
}

#[test]
fn the_paste_box_extracts_marks_known_pivots_and_saves() {
    let mut h = Harness::new();
    h.keys("l");
    // A bracketed paste with no overlay open opens the paste box.
    h.app.on_paste(
        "From the ticket:\r\nC2 at 203.0.113[.]45 and hxxp://new-host[.]example/x\r\nevil\u{1b}[2J",
    );
    h.pump();
    let Some(super::panes::overlay::Overlay::Paste(p)) = h.app.overlay.as_ref() else {
        panic!("the paste box is open");
    };
    let rows = p.rows.rows.clone();
    assert!(
        rows.contains(&("ip-dst".into(), "203.0.113.45".into(), true)),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.1 == "http://new-host.example/x" && !r.2),
        "{rows:?}"
    );
    let s = h.screen(80, 24);
    assert!(!s.contains('\u{1b}'), "{s}");
    snapshot("paste-80x24", &s);
    // To the list, save as an event, then pivot to the known address.
    h.keys("<Tab>s");
    assert!(
        h.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("saved as a new event"),
        "{}",
        h.app.status.as_ref().unwrap().text
    );
    assert_eq!(h.app.stats.as_ref().unwrap().events, 3);
    let i = rows.iter().position(|r| r.1 == "203.0.113.45").unwrap();
    h.keys(&"j".repeat(i));
    h.keys("<Enter>");
    assert!(h.app.overlay.is_none());
    assert_eq!(h.app.graph.current().as_deref(), Some("203.0.113.45"));
    // Three events hold it now: the sample's two and the saved one.
    let hit = h.store.lookup("203.0.113.45").unwrap().unwrap();
    assert_eq!(hit.events.len(), 3);
}

#[test]
fn event_titles_and_tags_are_edited_through_the_store() {
    let mut h = Harness::new();
    h.keys("l2");
    let before = h.app.events.selected().unwrap().event.clone();
    // Replace the title: clear the line (C-u is the text area's "delete to start") and type.
    h.keys("i");
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys("C2 servers, reviewed<Enter>");
    assert!(h.app.overlay.is_none());
    let after = h
        .store
        .events()
        .unwrap()
        .into_iter()
        .find(|e| e.event.uuid == before.uuid)
        .unwrap();
    assert_eq!(after.event.info, "C2 servers, reviewed");
    assert!(after.event.timestamp >= before.timestamp);
    h.keys("t");
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys("tlp:amber, reviewed<Enter>");
    let after = h
        .store
        .events()
        .unwrap()
        .into_iter()
        .find(|e| e.event.uuid == before.uuid)
        .unwrap();
    let tags: Vec<&str> = after.event.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["tlp:amber", "reviewed"]);
    // `f` on events filters them by words.
    h.keys("fphishing<Enter>");
    assert_eq!(
        h.app.events.selected().unwrap().event.info,
        "[SAMPLE] Phishing wave delivering the Glasswing loader"
    );
    assert!(h.screen(80, 24).contains("Events (1"));
    h.keys("f");
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys("<Enter>");
    assert!(h.screen(80, 24).contains("Events (2"));
    h.keys("gg");
    // Esc leaves it alone.
    h.keys("iabc<Esc>");
    let again = h
        .store
        .events()
        .unwrap()
        .into_iter()
        .find(|e| e.event.uuid == before.uuid)
        .unwrap();
    assert_eq!(again.event.info, "C2 servers, reviewed");
    assert!(h.screen(80, 24).contains("C2 servers, reviewed"));
}

#[test]
fn ascii_only_outside_utf8_locales() {
    let mut h = Harness::new();
    h.app.glyphs = Glyphs::ASCII;
    h.keys("l");
    for key in ["1", "2", "3", "4", "/", "<Esc>", "?"] {
        h.keys(key);
        if key == "3" {
            h.keys("p");
        }
        let s = h.screen(80, 24);
        assert!(s.is_ascii(), "{key}:\n{s}");
        assert!(s.contains('+') && s.contains('|'), "ASCII borders: {s}");
    }
}

#[test]
fn review_regressions_paste_into_palette_chords_and_stale_answers() {
    let mut h = Harness::new();
    h.keys("l3");
    // Pasting into the palette narrows its list: drawing it must not index past the end.
    h.keys(":");
    h.app.on_paste("zzz no such command");
    let _ = h.screen(80, 24);
    h.keys("<Esc>");
    // A key that breaks a chord still counts: `g` then `j` moves down one row.
    let before = h.app.indicators.nav.selected;
    h.keys("gj");
    assert_eq!(h.app.indicators.nav.selected, before + 1);
    // A detail answer for something no longer selected is dropped.
    let selected = h.app.selected_value().unwrap();
    h.app.detail.set_value(super::msg::ValueDetail {
        value: "not-selected.example".into(),
        hit: None,
        warninglists: Vec::new(),
        sightings: Vec::new(),
    });
    let s = h.screen(160, 48);
    assert!(
        !s.contains("not-selected.example") && s.contains(&selected),
        "{s}"
    );
}

#[test]
fn an_events_attributes_are_browsed_commented_and_pivoted_from() {
    let mut h = Harness::new();
    h.keys("l2");
    // The selected event's detail is shown; Enter moves into its attributes.
    h.keys("<Enter>");
    assert_eq!(h.app.context(), "detail");
    h.keys("jj");
    let (event, attr) = {
        let (e, a) = h.app.detail.selected_attr().unwrap();
        (e, a.clone())
    };
    h.keys("c");
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys("seen on our proxy<Enter>");
    let stored = h.store.event_attributes(event).unwrap().unwrap();
    let got = stored.iter().find(|a| a.uuid == Some(attr.uuid)).unwrap();
    assert_eq!(got.comment, "seen on our proxy");
    let s = h.screen(160, 48);
    assert!(s.contains("# seen on our proxy"), "{s}");
    snapshot("event-attributes-160x48", &s);
    // Backspace leaves the attributes; p pivots from one.
    h.keys("<Backspace>");
    assert_eq!(h.app.context(), "events");
    h.keys("<Enter>p");
    assert_eq!(h.app.tab, Tab::Graph);
    assert!(h.app.graph.current().is_some());
}

#[test]
fn a_feed_is_enabled_and_synced_from_the_feeds_view() {
    let mut h = Harness::new();
    let list = h._dir.path().join("mnt-blocklist.txt");
    std::fs::write(&list, "198.51.100.201\n198.51.100.202\nbad-host.example\n").unwrap();
    let feed = crate::store::feeds::FeedRec {
        tags: vec!["tlp:clear".into()],
        ..crate::store::feeds::FeedRec::new(
            "local-blocklist",
            list.display().to_string(),
            "freetext",
        )
    };
    h.store.put_feed(&feed).unwrap();
    h.app.run(super::command::Command::Refresh);
    h.pump();
    h.keys("1");
    assert!(h.screen(80, 24).contains("disabled"));
    h.keys("e");
    assert!(h.store.feed("local-blocklist").unwrap().unwrap().enabled);
    h.keys("s");
    let run = h
        .store
        .last_good_run("local-blocklist")
        .unwrap()
        .expect("a run");
    assert_eq!(run.records, 3);
    let s = h.screen(80, 24);
    assert!(s.contains("local-blocklist") && s.contains(" ok "), "{s}");
    // The detail shows the run history.
    let wide = h.screen(160, 48);
    assert!(wide.contains("3 records +3 -0"), "{wide}");
    // The new values are searchable at once.
    h.keys("/bad-host");
    assert!(h.screen(80, 24).contains("bad-host.example"));
}

#[test]
fn overlays_at_both_sizes() {
    let mut h = Harness::new();
    h.keys("l3");
    for (name, keys) in [
        ("search", "/glasswing"),
        ("help", "?"),
        ("palette", ":sync"),
        ("filter", "ftype:ip-dst"),
    ] {
        h.keys(keys);
        for (w, ht) in [(80, 24), (160, 48)] {
            snapshot(&format!("overlay-{name}-{w}x{ht}"), &h.screen(w, ht));
        }
        h.keys("<Esc>");
        assert!(h.app.overlay.is_none(), "{name} closes with Esc");
    }
}

#[test]
fn browsing_an_events_attributes_at_80x24_gives_the_detail_the_screen() {
    let mut h = Harness::new();
    h.keys("l2<Enter>");
    assert_eq!(h.app.context(), "detail");
    let s = h.screen(80, 24);
    assert!(s.contains("Event: attributes"), "{s}");
    h.keys("<Backspace>");
    let s = h.screen(80, 24);
    assert!(s.contains("Events (2"), "the list again: {s}");
}
