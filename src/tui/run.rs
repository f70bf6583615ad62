//! The event loop, generic over where input comes from (the terminal, or a test's list of
//! events) and what it draws on (the terminal, or ratatui's TestBackend). Input is handled as
//! it comes and redrawn at once; background messages are drained and redrawn at most every
//! 33 ms, so a busy sync never starves typing.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};
use ratatui::crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc::UnboundedReceiver;

use super::app::App;
use super::msg::{Msg, Request};
use super::worker::Worker;

const FRAME: Duration = Duration::from_millis(33);

/// Debug builds only: `THREATDECK_TEST_PANIC_KEY=x` makes key `x` panic on the drawing
/// thread, so the end-to-end tests can check the terminal is restored after a panic.
fn test_panic(_k: &ratatui::crossterm::event::KeyEvent) {
    #[cfg(debug_assertions)]
    if let ratatui::crossterm::event::KeyCode::Char(c) = _k.code
        && std::env::var("THREATDECK_TEST_PANIC_KEY").is_ok_and(|v| v.chars().eq([c]))
    {
        panic!("test panic on key {c}");
    }
}

/// Something the workbench draws on.
pub trait Screen {
    fn frame(&mut self, app: &mut App, store: &str) -> io::Result<()>;
}

impl<B: ratatui::backend::Backend> Screen for ratatui::Terminal<B>
where
    B::Error: std::error::Error + Send + Sync + 'static,
{
    fn frame(&mut self, app: &mut App, store: &str) -> io::Result<()> {
        self.draw(|f| super::ui::draw(f, app, store))
            .map(|_| ())
            .map_err(io::Error::other)
    }
}

/// Hand the app's requests (and the rows its views want facts for) to the worker.
pub fn dispatch(app: &mut App, worker: &Arc<Worker>) {
    let wanted = std::mem::take(&mut app.indicators.wanted);
    if !wanted.is_empty() {
        worker.submit(Request::Rows(wanted));
    }
    let events = std::mem::take(&mut app.events.wanted);
    if !events.is_empty() {
        worker.submit(Request::EventLinks(events));
    }
    for r in app.take_requests() {
        worker.submit(r);
    }
}

pub async fn run_loop<S, I>(
    screen: &mut S,
    mut input: I,
    mut bg: UnboundedReceiver<Msg>,
    app: &mut App,
    worker: &Arc<Worker>,
    store: &str,
) -> io::Result<()>
where
    S: Screen,
    I: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut dirty = true;
    let mut urgent = true;
    let mut last = Instant::now() - FRAME;
    loop {
        if dirty && (urgent || last.elapsed() >= FRAME) {
            screen.frame(app, store)?;
            dispatch(app, worker);
            (dirty, urgent, last) = (false, false, Instant::now());
        }
        if app.quit {
            return Ok(());
        }
        let wait = (last + FRAME).saturating_duration_since(Instant::now());
        tokio::select! {
            biased;
            ev = input.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    test_panic(&k);
                    app.on_key(k);
                    (dirty, urgent) = (true, true);
                }
                Some(Ok(Event::Paste(s))) => {
                    app.on_paste(&s);
                    (dirty, urgent) = (true, true);
                }
                Some(Ok(Event::Resize(..))) => (dirty, urgent) = (true, true),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            m = bg.recv() => {
                if let Some(m) = m {
                    app.on_msg(m);
                    // Everything already waiting, then one redraw.
                    while let Ok(m) = bg.try_recv() {
                        app.on_msg(m);
                    }
                    dirty = true;
                }
            }
            () = tokio::time::sleep(wait), if dirty => {}
        }
        if !dirty {
            dispatch(app, worker);
        }
    }
}
