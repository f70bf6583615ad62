//! `threatdeck serve` (TAXII 2.1) and `threatdeck collections` (what it publishes).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::safe_text::inert;
use crate::serve::{API_ROOT, Auth, State};
use crate::store::collections::CollectionRec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; anything beyond loopback needs --user/--password or --token.
    #[arg(long, default_value = "127.0.0.1:9500")]
    listen: SocketAddr,
    #[command(flatten)]
    auth: AuthArgs,
}

/// Who may read from the TAXII server (`serve`, `daemon --serve`).
#[derive(Debug, clap::Args)]
pub struct AuthArgs {
    /// Basic auth user name (with --password).
    #[arg(long, requires = "password")]
    user: Option<String>,
    /// Basic auth password, as secret:NAME or env:VARIABLE.
    #[arg(long, value_name = "REF", requires = "user")]
    password: Option<String>,
    /// Bearer token, as secret:NAME or env:VARIABLE.
    #[arg(long, value_name = "REF", conflicts_with = "user")]
    token: Option<String>,
}

fn secret(what: &str, reference: &str) -> anyhow::Result<String> {
    if !crate::sync::headers::is_reference(reference) {
        // Never echo it: it may be the secret itself.
        anyhow::bail!("--{what} must be secret:NAME or env:VARIABLE, not the secret itself");
    }
    crate::sync::headers::resolve(&[(what.to_string(), reference.to_string())])
        .map(|mut v| v.remove(0).1)
        .map_err(anyhow::Error::msg)
}

impl AuthArgs {
    /// The credentials, refusing to listen beyond loopback without any.
    pub fn auth(&self, listen: &SocketAddr) -> anyhow::Result<Auth> {
        let auth = match (&self.user, &self.password, &self.token) {
            (Some(user), Some(p), _) => Auth::Basic {
                user: user.clone(),
                password: secret("password", p)?,
            },
            (_, _, Some(t)) => Auth::Bearer {
                token: secret("token", t)?,
            },
            _ => Auth::None,
        };
        if matches!(auth, Auth::None) && Auth::required(listen) {
            anyhow::bail!(
                "{listen} is reachable beyond this machine: give --user and --password, or --token"
            );
        }
        Ok(auth)
    }
}

/// Bind, say where, and serve until `shutdown`.
pub async fn serve_on(
    state: Arc<State>,
    listen: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let names: Vec<String> = state
        .collections()?
        .iter()
        .map(|c| format!("{} ({})", inert(&c.name), c.id))
        .collect();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "serving TAXII 2.1 at http://{addr}/taxii2/ (API root /{API_ROOT}/; collections: {})",
        names.join(", ")
    );
    crate::serve::run(state, listener, shutdown).await?;
    Ok(())
}

pub fn run(dir: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let auth = args.auth.auth(&args.listen)?;
    let store = Arc::new(super::open_store(dir)?);
    let state = Arc::new(State::new(store, auth));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(serve_on(state, args.listen, async {
        let _ = tokio::signal::ctrl_c().await;
    }))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct CollectionArgs {
    #[command(subcommand)]
    command: CollectionCmd,
}

#[derive(Debug, clap::Subcommand)]
enum CollectionCmd {
    /// Publish the indicators passing these filters as a collection (replaces one with the
    /// same name; its id stays).
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        filters: Box<super::filters::FilterArgs>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        name: String,
    },
}

pub fn collections(dir: &Path, args: CollectionArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(dir)?;
    match args.command {
        CollectionCmd::Add {
            name,
            description,
            filters,
        } => {
            let id = store
                .collections()?
                .into_iter()
                .find(|c| c.name == name)
                .map_or_else(uuid::Uuid::new_v4, |c| c.id);
            let c = CollectionRec {
                name,
                id,
                description,
                filters: filters.filters()?,
            };
            store.put_collection(&c)?;
            eprintln!("collection {} is {}", inert(&c.name), c.id);
        }
        CollectionCmd::List { json } => {
            let cs = store.collections()?;
            if json {
                super::print_json(&cs)?;
            } else if cs.is_empty() {
                let d = crate::serve::default_collection();
                println!(
                    "no collections defined: `threatdeck serve` publishes {} ({}): {}",
                    d.name, d.id, d.description
                );
            } else {
                for c in cs {
                    println!("{:<24} {}  {}", inert(&c.name), c.id, inert(&c.description));
                }
            }
        }
        CollectionCmd::Remove { name } => {
            if !store.remove_collection(&name)? {
                anyhow::bail!("no collection named {}", inert(&name));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
