//! `threatdeck serve`: a read-only TAXII 2.1 server over the store. Collections are saved
//! filters (`threatdeck collections`); with none defined, one collection serves every
//! indicator TLP lets out. Basic or bearer auth, required beyond loopback.

pub mod catalog;
pub mod taxii;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::export::Filters;
use crate::store::Store;
use crate::store::collections::CollectionRec;
use catalog::Catalog;

pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// The one API root.
pub const API_ROOT: &str = "api1";
/// Most objects per page (a client asking for more gets this many and `next`).
pub const MAX_PAGE: usize = 10_000;

/// Who may read.
#[derive(Clone)]
pub enum Auth {
    /// Loopback only.
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer {
        token: String,
    },
}

impl Auth {
    pub fn required(addr: &SocketAddr) -> bool {
        !addr.ip().is_loopback()
    }

    /// Whether an Authorization header value grants access (compared in constant time).
    pub fn allows(&self, header: Option<&str>) -> bool {
        use base64::Engine as _;
        let want = match self {
            Auth::None => return true,
            Auth::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            Auth::Bearer { token } => format!("Bearer {token}"),
        };
        let got = header.unwrap_or("");
        got.len() == want.len()
            && got
                .bytes()
                .zip(want.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// The collection served while none is defined.
pub fn default_collection() -> CollectionRec {
    CollectionRec {
        name: "indicators".into(),
        id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"threatdeck:collection:indicators"),
        description: "Every indicator threatdeck holds that TLP lets out (tlp:red and tlp:amber+strict stay home)".into(),
        filters: Filters::default(),
    }
}

pub struct State {
    pub store: Arc<Store>,
    pub auth: Auth,
    catalogs: Mutex<HashMap<uuid::Uuid, Arc<Catalog>>>,
}

impl State {
    pub fn new(store: Arc<Store>, auth: Auth) -> State {
        State {
            store,
            auth,
            catalogs: Mutex::new(HashMap::new()),
        }
    }

    pub fn collections(&self) -> Result<Vec<CollectionRec>, crate::store::StoreError> {
        let defined = self.store.collections()?;
        Ok(if defined.is_empty() {
            vec![default_collection()]
        } else {
            defined
        })
    }

    /// The collection's catalog, rebuilt when the store has changed since it was built.
    pub fn catalog(&self, c: &CollectionRec) -> Result<Arc<Catalog>, crate::store::StoreError> {
        let generation = self.store.generation();
        let cached = self
            .catalogs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&c.id)
            .cloned();
        if let Some(cat) = cached.filter(|cat| cat.generation == generation) {
            return Ok(cat);
        }
        let cat = Arc::new(Catalog::build(&self.store, &c.filters)?);
        self.catalogs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(c.id, Arc::clone(&cat));
        Ok(cat)
    }
}

/// Serve until `shutdown` resolves.
pub async fn run(
    state: Arc<State>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, taxii::router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
