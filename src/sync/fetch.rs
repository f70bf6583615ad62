//! HTTP fetching for feeds: conditional GET, at most 5 redirects, connect and read timeouts,
//! a size cap enforced while streaming to disk (memory does not grow with the feed), retries
//! with exponential backoff and jitter on 429/5xx honouring Retry-After, gzip bodies.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER};

/// Called with the bytes received so far and the expected total when the server said,
/// about every [`PROGRESS_STEP`] bytes.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(u64, Option<u64>) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

pub const PROGRESS_STEP: u64 = 1 << 20;

#[derive(Clone)]
pub struct FetchOptions {
    pub max_bytes: u64,
    pub retries: u32,
    /// First backoff; doubled per attempt, with up to 50% jitter.
    pub backoff: Duration,
    /// Longest wait a Retry-After may ask for before the run gives up instead.
    pub max_wait: Duration,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Longest silence between reads.
    pub read_timeout: Duration,
    /// Extra request headers, resolved (they may hold secrets: never print them).
    pub headers: Vec<(String, String)>,
    pub progress: Option<Progress>,
}

// By hand: the headers may hold resolved secrets, which a `{:?}` must never print.
impl std::fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("FetchOptions")
            .field("max_bytes", &self.max_bytes)
            .field("retries", &self.retries)
            .field("read_timeout", &self.read_timeout)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_bytes: 1 << 30,
            retries: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(120),
            etag: None,
            last_modified: None,
            read_timeout: Duration::from_secs(30),
            headers: Vec::new(),
            progress: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: the last good data stands.
    NotModified { status: u16 },
    /// The body is in the destination file (decompressed when it was gzip).
    Body {
        status: u16,
        bytes: u64,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The request failed, or the server answered with an error after the retries.
    #[error("{0}")]
    Request(String),
    #[error("{url}: body larger than the {max} byte limit")]
    TooLarge { url: String, max: u64 },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A client as every feed fetch uses it: rustls with the platform trust store (internal CAs
/// work), proxy variables honoured, 5 redirects at most, 10 s to connect.
/// With `guarded` (the feed sends its own headers, which may carry a key), redirects stay
/// on the feed's origin: reqwest strips only Authorization and cookies when a redirect leaves
/// it, not an `X-API-Key`.
pub fn client(read_timeout: Duration, guarded: bool) -> Result<reqwest::Client, FetchError> {
    let policy = if guarded {
        reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if !same {
                attempt.error(
                    "redirect to another origin refused: the feed's headers would go with it",
                )
            } else {
                attempt.follow()
            }
        })
    } else {
        reqwest::redirect::Policy::limited(5)
    };
    reqwest::Client::builder()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(read_timeout)
        .user_agent(concat!("threatdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::Transport {
            url: String::new(),
            message: e.to_string(),
        })
}

/// Jitter without a random crate: the clock's nanoseconds are random enough to spread
/// retries of many feeds apart.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    d + d.mul_f64(f64::from(nanos % 500) / 1000.0)
}

pub(super) fn describe(e: &reqwest::Error) -> String {
    // reqwest's Display hides the cause ("error sending request"); the chain says why. The
    // URL it appends is cut: after a redirect it can be a signed link; callers name the feed.
    let mut msg = e.to_string();
    if let Some(i) = msg.find(" for url (") {
        msg.truncate(i);
    }
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    if e.is_timeout() {
        msg.push_str(" (timed out)");
    }
    msg
}

/// Fetch `url` into `dest`.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    opts: &FetchOptions,
    dest: &Path,
) -> Result<Fetched, FetchError> {
    let make = || {
        let mut req = client.get(url);
        for (k, v) in &opts.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(e) = &opts.etag {
            req = req.header(IF_NONE_MATCH, e);
        }
        if let Some(l) = &opts.last_modified {
            req = req.header(IF_MODIFIED_SINCE, l);
        }
        req
    };
    let transport = |e: reqwest::Error| FetchError::Transport {
        url: url.to_string(),
        message: describe(&e),
    };
    let resp = send(make, url, opts).await.map_err(FetchError::Request)?;
    let status = resp.status().as_u16();
    if status == 304 {
        return Ok(Fetched::NotModified { status });
    }
    let header = |h| {
        resp.headers()
            .get(h)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
    if resp.content_length().is_some_and(|n| n > opts.max_bytes) {
        return Err(FetchError::TooLarge {
            url: url.to_string(),
            max: opts.max_bytes,
        });
    }
    let mut resp = resp;
    let total = resp.content_length();
    let mut file = std::io::BufWriter::new(std::fs::File::create(dest)?);
    let mut bytes = 0u64;
    let mut reported = 0u64;
    if let Some(p) = &opts.progress {
        (p.0)(0, total);
    }
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        bytes += chunk.len() as u64;
        if let Some(p) = &opts.progress
            && bytes - reported >= PROGRESS_STEP
        {
            reported = bytes;
            (p.0)(bytes, total);
        }
        if bytes > opts.max_bytes {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                max: opts.max_bytes,
            });
        }
        file.write_all(&chunk)?;
    }
    file.flush()?;
    drop(file);
    gunzip_in_place(dest, opts.max_bytes)
        .and_then(|()| unzip_first_in_place(dest, opts.max_bytes))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::FileTooLarge => FetchError::TooLarge {
                url: url.to_string(),
                max: opts.max_bytes,
            },
            _ => FetchError::Transport {
                url: url.to_string(),
                message: format!("compressed body: {e}"),
            },
        })?;
    Ok(Fetched::Body {
        status,
        bytes,
        etag,
        last_modified,
    })
}

/// Send a request built by `make`, retrying connection failures and 429/5xx answers the way
/// [`fetch`] does (backoff with jitter, Retry-After honoured up to `max_wait`). For API calls
/// (TAXII, MISP) whose answers are read whole.
pub(super) async fn send(
    make: impl Fn() -> reqwest::RequestBuilder,
    url: &str,
    opts: &FetchOptions,
) -> Result<reqwest::Response, String> {
    let mut attempt = 0;
    loop {
        let resp = match make().send().await {
            Ok(r) => r,
            Err(e) if attempt < opts.retries && e.is_connect() => {
                attempt += 1;
                tokio::time::sleep(jitter(opts.backoff * 2u32.pow(attempt - 1))).await;
                continue;
            }
            Err(e) => return Err(format!("{url}: {}", describe(&e))),
        };
        let status = resp.status();
        if (status.as_u16() == 429 || status.is_server_error()) && attempt < opts.retries {
            attempt += 1;
            let asked = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after);
            let wait = asked.unwrap_or_else(|| jitter(opts.backoff * 2u32.pow(attempt - 1)));
            if wait <= opts.max_wait {
                tokio::time::sleep(wait).await;
                continue;
            }
        }
        // 304 answers a conditional request: the caller's to handle.
        if !status.is_success() && status.as_u16() != 304 {
            return Err(format!("HTTP {} from {url}", status.as_u16()));
        }
        return Ok(resp);
    }
}

/// Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past means now.
fn retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::model::time::parse_http_date(v)?;
    Some(Duration::from_secs(
        at.saturating_sub(crate::model::time::now()).max(0) as u64,
    ))
}

/// A zip archive (ThreatFox and MalwareBazaar full exports) is replaced by its first file,
/// as MISP does, capped like the body.
fn unzip_first_in_place(path: &Path, max: u64) -> std::io::Result<()> {
    let mut head = [0u8; 4];
    let n = std::io::Read::read(&mut std::fs::File::open(path)?, &mut head)?;
    if n < 4 || head != *b"PK\x03\x04" {
        return Ok(());
    }
    let bad = |e: zip::result::ZipError| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
    };
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?).map_err(bad)?;
    let first = (0..archive.len())
        .find(|&i| archive.by_index(i).is_ok_and(|f| f.is_file()))
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "zip archive holds no file")
        })?;
    let mut entry = archive.by_index(first).map_err(bad)?;
    replace_capped(path, &mut entry, max)
}

/// A `.gz` file served as-is (not as Content-Encoding) is unpacked, capped like the body.
fn gunzip_in_place(path: &Path, max: u64) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    let n = std::io::Read::read(&mut std::fs::File::open(path)?, &mut head)?;
    if n < 2 || head != [0x1f, 0x8b] {
        return Ok(());
    }
    let mut src = flate2::read::MultiGzDecoder::new(std::fs::File::open(path)?);
    replace_capped(path, &mut src, max)
}

/// Replace the file at `path` with what `src` yields (read from that file, so written to a
/// sibling first), refusing more than `max` bytes: unpacking must not escape the body cap.
fn replace_capped(path: &Path, src: &mut dyn std::io::Read, max: u64) -> std::io::Result<()> {
    let tmp = path.with_extension("unpacked");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let copied = std::io::copy(&mut std::io::Read::take(src, max + 1), &mut out)?;
        if copied > max {
            drop(out);
            let _ = std::fs::remove_file(&tmp);
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "unpacked body over the limit",
            ));
        }
        out.flush()?;
    }
    std::fs::rename(&tmp, path)
}
