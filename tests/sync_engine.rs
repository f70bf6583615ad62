//! The sync engine as the workbench uses it, in-process: parallel downloads with one per
//! host, cancellation, run-now, typed events.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::http::{Resp, Server};
use threatdeck::store::Store;
use threatdeck::store::feeds::FeedRec;
use threatdeck::sync::engine::{Engine, SyncEvent};

fn feed(name: &str, url: &str) -> FeedRec {
    FeedRec {
        interval_secs: 3600,
        enabled: true,
        ..FeedRec::new(name, url, "freetext")
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn slow(i: u32) -> Resp {
    Resp {
        delay: Duration::from_millis(300),
        ..Resp::ok(format!("198.51.100.{i}\n"))
    }
}

/// Run `feeds` to the end on a fresh engine; returns the store and every event.
fn run_all(feeds: Vec<FeedRec>, parallel: usize) -> (tempfile::TempDir, Vec<SyncEvent>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    for f in &feeds {
        store.put_feed(f).unwrap();
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    rt().block_on(async {
        let engine = Engine::new(store, parallel, tx);
        for f in feeds {
            assert!(engine.start(f).is_some());
        }
        engine.idle().await;
    });
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (dir, events)
}

fn finished(events: &[SyncEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, SyncEvent::Finished { .. }))
        .count()
}

#[test]
fn one_download_at_a_time_per_host() {
    let srv = Server::start(|r| slow(r.path.len() as u32));
    let feeds = (0..3)
        .map(|i| feed(&format!("f{i}"), &srv.url(&format!("/list{i}"))))
        .collect();
    let (_dir, events) = run_all(feeds, 4);
    assert_eq!(finished(&events), 3, "{events:?}");
    assert_eq!(srv.max_in_flight(), 1, "a host sees one request at a time");
}

#[test]
fn different_hosts_download_side_by_side_within_the_global_limit() {
    // One server, reached under two host names: two hosts as far as the engine knows.
    let srv = Server::start(|r| slow(r.path.len() as u32));
    let port = srv.addr.port();
    let feeds = vec![
        feed("a", &format!("http://127.0.0.1:{port}/a")),
        feed("b", &format!("http://localhost:{port}/b")),
    ];
    let (_dir, events) = run_all(feeds.clone(), 4);
    assert_eq!(finished(&events), 2, "{events:?}");
    assert_eq!(srv.max_in_flight(), 2);

    let srv = Server::start(|r| slow(r.path.len() as u32));
    let port = srv.addr.port();
    let feeds = vec![
        feed("a", &format!("http://127.0.0.1:{port}/a")),
        feed("b", &format!("http://localhost:{port}/b")),
    ];
    let (_dir, events) = run_all(feeds, 1);
    assert_eq!(finished(&events), 2, "{events:?}");
    assert_eq!(srv.max_in_flight(), 1, "a global limit of one");
}

#[test]
fn a_cancelled_download_keeps_the_previous_data_and_says_so() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let big: String = (0..250_000u32)
        .map(|i| format!("10.{}.{}.{}\n", i >> 16, (i >> 8) & 255, i & 255))
        .collect();
    let srv = Server::start(move |_| {
        if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Resp::ok("203.0.113.9\n")
        } else {
            // Half the body, then a long wait: the run is cancelled meanwhile.
            Resp {
                pause: Some((big.len() / 2, Duration::from_secs(20))),
                ..Resp::ok(big.clone())
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    store.put_feed(&feed("list", &srv.url("/l"))).unwrap();
    let first = threatdeck::sync::sync(&store, &store.feed("list").unwrap().unwrap()).unwrap();
    assert!(first.ok && first.records == 1, "{first:?}");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let run = rt().block_on(async {
        let engine = Engine::new(Arc::clone(&store), 4, tx);
        let handle = engine.run_now("list").unwrap().unwrap();
        assert!(engine.run_now("list").unwrap().is_none(), "already running");
        assert_eq!(engine.running(), ["list"]);
        // Wait until the first MiB has arrived, then cancel.
        loop {
            match rx.recv().await.unwrap() {
                SyncEvent::Progress { bytes, .. } if bytes > 0 => break,
                _ => {}
            }
        }
        assert!(engine.cancel("list"));
        let run = handle.await.unwrap().unwrap();
        assert!(!engine.cancel("list"), "no longer running");
        run
    });
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "cancel did not wait"
    );
    assert!(!run.ok);
    assert!(
        run.error.as_deref().unwrap().contains("cancelled"),
        "{run:?}"
    );
    let hits = store.search("203.0.113.9", 5).unwrap();
    assert_eq!(hits.len(), 1, "the previous data stands");
    assert!(store.search("10.0.0.1", 5).unwrap().is_empty());
    let runs = store.runs("list", 5).unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs[0].error.as_deref().unwrap().contains("cancelled"));
    assert!(
        store.last_good_run("list").unwrap().unwrap().records == 1,
        "the next run continues from the last good one"
    );
}

#[test]
fn a_busy_host_does_not_hold_slots_other_hosts_could_use() {
    let srv = Server::start(|r| slow(r.path.len() as u32));
    let port = srv.addr.port();
    // Three feeds on one host queue behind each other; with two slots, the feed on the other
    // host must not wait for them.
    let mut feeds: Vec<FeedRec> = (0..3)
        .map(|i| feed(&format!("a{i}"), &format!("http://127.0.0.1:{port}/a{i}")))
        .collect();
    feeds.push(feed("other", &format!("http://localhost:{port}/b")));
    let (_dir, events) = run_all(feeds, 2);
    let done: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Finished { feed, .. } => Some(feed.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 4, "{events:?}");
    let other = done.iter().position(|f| *f == "other").unwrap();
    assert!(
        other <= 1,
        "the other host finished among the first two: {done:?}"
    );
}
