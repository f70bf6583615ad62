//! The analyst workbench: a ratatui TUI over the store, with the sync engine running in the
//! same process.

pub mod app;
pub mod command;
pub mod fuzzy;
pub mod keymap;
pub mod keys;
pub mod msg;
pub mod panes;
pub mod query;
mod query_line;
pub mod sample;
pub mod save;
pub mod text;
pub mod theme;
pub mod ui;
pub mod views;
pub mod worker;

pub mod run;
pub mod term;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_more;

use std::sync::Arc;
use std::time::Duration;

use crate::store::Store;

/// The workbench's page cache: it reads a row at a time and keeps the fuzzy index itself,
/// so a smaller cache than the importer's keeps a 1M-value session under 200 MB.
pub const CACHE_BYTES: usize = 48 << 20;

/// How the workbench looks, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub color: Option<theme::Depth>,
    pub theme: Option<String>,
    pub ascii: bool,
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// The config directory (keymaps.toml, themes/).
fn config_dir() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "threatdeck").map(|d| d.config_dir().to_path_buf())
}

/// Load keymaps and the theme (refusing bad files before the terminal is touched), then run
/// the workbench on `store` until the user quits.
pub fn open(
    store: Store,
    lists: crate::correlate::warninglist::Warninglists,
    opts: &Options,
) -> anyhow::Result<()> {
    let cfg = config_dir();
    let keymap = keymap::Keymap::load(cfg.as_ref().map(|d| d.join("keymaps.toml")).as_deref())?;
    let depth = theme::detect(opts.color, &env);
    let name = opts
        .theme
        .clone()
        .unwrap_or_else(|| theme::default_name(depth).to_string());
    let theme = theme::Theme::load(
        &name,
        cfg.as_ref().map(|d| d.join("themes")).as_deref(),
        depth,
    )?;
    let glyphs = if opts.ascii {
        text::Glyphs::ASCII
    } else {
        text::Glyphs::detect(&env)
    };
    let shown = store.path().display().to_string();
    let store = Arc::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (sync_tx, mut sync_rx) = tokio::sync::mpsc::unbounded_channel();
        let engine = crate::sync::engine::Engine::new(
            Arc::clone(&store),
            crate::sync::engine::DEFAULT_PARALLEL,
            sync_tx,
        );
        let worker = Arc::new(worker::Worker::new(
            Arc::clone(&store),
            engine.clone(),
            lists,
            tx.clone(),
        ));
        let fwd = tx.clone();
        tokio::spawn(async move {
            while let Some(e) = sync_rx.recv().await {
                if fwd.send(msg::Msg::Sync(e)).is_err() {
                    return;
                }
            }
        });
        // The scheduler runs here too: enabled feeds sync when due while the workbench is open.
        let sched = engine.clone();
        let ticker = tokio::spawn(async move {
            loop {
                sched.start_due(crate::model::time::now());
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
        let mut app = app::App::new(keymap, theme, glyphs);
        app.views_path = cfg.as_ref().map(|d| d.join("views.toml"));
        let input = ratatui::crossterm::event::EventStream::new();
        let result = {
            let mut tty = term::Tty::enter()?;
            run::run_loop(&mut tty, input, rx, &mut app, &worker, &shown).await
        };
        ticker.abort();
        engine.cancel_all();
        engine.idle().await;
        result.map_err(anyhow::Error::from)
    })
}
