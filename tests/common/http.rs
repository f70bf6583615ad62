//! A real HTTP/1.1 server on 127.0.0.1 for feed tests: each connection gets one response
//! from the test's handler, which may delay it or cut the body short.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Send only this many body bytes (after a Content-Length for the whole body).
    pub cut_at: Option<usize>,
    /// Send this many body bytes, wait, then the rest (a download under way).
    pub pause: Option<(usize, Duration)>,
}

impl Resp {
    pub fn ok(body: impl Into<Vec<u8>>) -> Resp {
        Resp {
            status: 200,
            body: body.into(),
            ..Resp::default()
        }
    }

    pub fn status(status: u16) -> Resp {
        Resp {
            status,
            ..Resp::default()
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Resp {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

/// A request as the handler sees it: method, path, lower-cased headers, body.
pub struct Req {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<String>>>,
    /// When each response started and ended.
    spans: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let hits = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let seen = Arc::clone(&hits);
        let spans = Arc::new(Mutex::new(Vec::new()));
        let spans_w = Arc::clone(&spans);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&seen);
                let spans = Arc::clone(&spans_w);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().expect("clone stream"));
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let method = line.split_whitespace().next().unwrap_or("GET").to_string();
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let mut headers = HashMap::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.insert(k.trim().to_lowercase(), v.trim().to_string());
                        }
                    }
                    let len = headers
                        .get("content-length")
                        .and_then(|l| l.parse::<usize>().ok())
                        .unwrap_or(0);
                    let mut body = vec![0u8; len.min(1 << 20)];
                    let _ = std::io::Read::read_exact(&mut reader, &mut body);
                    let body = String::from_utf8_lossy(&body).into_owned();
                    seen.lock().expect("hits").push(path.clone());
                    let begun = Instant::now();
                    let resp = handler(&Req {
                        method,
                        path,
                        headers,
                        body,
                    });
                    std::thread::sleep(resp.delay);
                    let mut out = format!("HTTP/1.1 {} X\r\n", resp.status);
                    for (k, v) in &resp.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str(&format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n",
                        resp.body.len()
                    ));
                    let body =
                        &resp.body[..resp.cut_at.unwrap_or(resp.body.len()).min(resp.body.len())];
                    let _ = conn.write_all(out.as_bytes());
                    if let Some((n, wait)) = resp.pause {
                        let n = n.min(body.len());
                        let _ = conn.write_all(&body[..n]);
                        let _ = conn.flush();
                        std::thread::sleep(wait);
                        let _ = conn.write_all(&body[n..]);
                    } else {
                        let _ = conn.write_all(body);
                    }
                    let _ = conn.flush();
                    spans.lock().expect("spans").push((begun, Instant::now()));
                });
            }
        });
        Server { addr, hits, spans }
    }

    /// The most responses that were under way at one moment.
    pub fn max_in_flight(&self) -> usize {
        let spans = self.spans.lock().expect("spans").clone();
        spans
            .iter()
            .map(|(s, _)| spans.iter().filter(|(a, b)| a <= s && s < b).count())
            .max()
            .unwrap_or(0)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Paths requested so far.
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("hits").clone()
    }
}
