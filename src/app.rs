//! Wiring: loads configuration, content and state, starts the listeners, and stops them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, FirewallBackend};
use crate::content::Content;
use crate::firewall::nft::NftFirewall;
use crate::firewall::ruleset::{Element, Ruleset};
use crate::firewall::{Firewall, FirewallError, LoggingFirewall};
use crate::i18n::Catalog;
use crate::identity::DeviceKey;
use crate::neighbours::{KernelNeighbours, Neighbours, NoNeighbours};
use crate::pages::Pages;
use crate::portal::{self, PortalState};
use crate::problem::Problem;
use crate::secret::{self, SecretError};
use crate::splash::SplashFiles;
use crate::store::{Store, StoreError};
use crate::token::{TokenSigner, unix_now};

/// Why the portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration, templates or notices have problems; each is listed.
    #[error("{} problem(s) in configuration or content", .0.len())]
    Problems(Vec<Problem>),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The firewall could not be set up.
    #[error(transparent)]
    Firewall(#[from] FirewallError),
    /// A listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The splash folder in force, validated.
pub struct Splash {
    pub files: SplashFiles,
    pub content: Content,
    pub pages: Pages,
}

/// Loads and validates the splash folder `config` names, reporting every problem.
pub fn load_splash(config: &Config, catalog: &Arc<Catalog>) -> Result<Splash, Vec<Problem>> {
    let files = match &config.portal.splash_dir {
        Some(dir) => SplashFiles::read(dir)?,
        None => SplashFiles::embedded(),
    };
    let content = Content::load(&files.notices, &files.assets);
    let pages = Pages::load(&files, catalog);
    match (content, pages) {
        (Ok(content), Ok(pages)) => Ok(Splash {
            files,
            content,
            pages,
        }),
        (content, pages) => {
            let mut problems = content.err().unwrap_or_default();
            problems.extend(pages.err().unwrap_or_default());
            Err(problems)
        }
    }
}

/// A running portal.
pub struct Running {
    pub portal_address: SocketAddr,
    pub admin_address: SocketAddr,
    pub state: Arc<PortalState>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops the listeners and writes pending state. The firewall table stays in the kernel
    /// unless `firewall.keep_on_stop` is false, so devices stay online across a restart.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if !self.state.config.firewall.keep_on_stop {
            match self.state.firewall.remove() {
                Ok(()) => tracing::info!("firewall rules removed at stop"),
                Err(error) => tracing::error!(%error, "failed to remove firewall rules at stop"),
            }
        }
        if let Err(error) = self.state.store.flush() {
            tracing::error!(%error, "failed to write rotation history at shutdown");
        }
    }
}

/// Loads everything and starts both listeners.
pub async fn start(config: Config, catalog: Arc<Catalog>) -> Result<Running, StartError> {
    let splash = load_splash(&config, &catalog).map_err(StartError::Problems)?;
    // The store creates the state folder (mode 0700) that the secret file lives in.
    let store = Store::open(&config.state.dir)?;
    let secrets = secret::load_or_create(&config.state.dir)?;
    let (firewall, neighbours) = start_firewall(&config, &store)?;

    let portal_listener = bind(config.portal.listen).await?;
    let admin_listener = bind(config.admin.listen).await?;
    let portal_address = local_address(&portal_listener, config.portal.listen)?;
    let admin_address = local_address(&admin_listener, config.admin.listen)?;

    let mut config = config;
    if config.portal.listen.port() == 0 && config.portal.url == format!("http://{}", config.portal.listen) {
        // Port 0 was asked for: point redirects at the port the system picked.
        config.portal.url = format!("http://{portal_address}");
    }
    let retention = config.state.history_retention;
    let state = Arc::new(PortalState::new(
        config,
        splash.content,
        splash.pages,
        catalog,
        store,
        TokenSigner::new(secrets.token_key),
        DeviceKey::new(secrets.device_key),
        firewall,
        neighbours,
        splash.files.assets,
    ));

    let (shutdown, receiver) = watch::channel(false);
    let tasks = vec![
        tokio::spawn(portal::serve_portal(
            portal_listener,
            Arc::clone(&state),
            receiver.clone(),
        )),
        tokio::spawn(portal::serve_admin(
            admin_listener,
            Arc::clone(&state),
            receiver.clone(),
        )),
        tokio::spawn(maintain(Arc::clone(&state), retention, receiver)),
    ];
    tracing::info!(portal = %portal_address, admin = %admin_address, notices = state.content.notices().len(), firewall = state.firewall.name(), "antoan started");
    Ok(Running {
        portal_address,
        admin_address,
        state,
        shutdown,
        tasks,
    })
}

type FirewallParts = (Box<dyn Firewall>, Box<dyn Neighbours>);

/// Builds the firewall the config names. For nftables this installs the table with every
/// session still live in the store, so a restart lets nobody in and cuts nobody off.
fn start_firewall(config: &Config, store: &Store) -> Result<FirewallParts, StartError> {
    match config.firewall.backend {
        FirewallBackend::Log => Ok((Box::new(LoggingFirewall), Box::new(NoNeighbours))),
        FirewallBackend::Nftables => {
            let now = i64::try_from(unix_now()).unwrap_or(i64::MAX);
            let sessions = store
                .live_sessions(now)?
                .into_iter()
                .map(|(ip, mac, expires)| {
                    let remaining = u64::try_from(expires - now).unwrap_or(1);
                    (Element::for_client(ip, mac), Duration::from_secs(remaining))
                })
                .collect();
            let ruleset = ruleset_for(config, sessions);
            let firewall = NftFirewall::start(&config.firewall.nft_command, &ruleset)?;
            Ok((
                Box::new(firewall),
                Box::new(KernelNeighbours::new(&config.firewall.ip_command)),
            ))
        }
    }
}

/// Returns the table antoan wants for `config`, with `sessions` to restore.
pub fn ruleset_for(config: &Config, sessions: Vec<(Element, Duration)>) -> Ruleset {
    let firewall = &config.firewall;
    Ruleset {
        table: firewall.table.clone(),
        lan_interfaces: firewall.lan_interfaces.clone(),
        portal_port: config.portal.listen.port(),
        admin_port: config.admin.listen.port(),
        walled_garden: firewall.walled_garden.clone(),
        trusted_macs: firewall.trusted_macs.clone(),
        blocked_macs: firewall.blocked_macs.clone(),
        sessions,
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind { address, source })
}

fn local_address(listener: &TcpListener, address: SocketAddr) -> Result<SocketAddr, StartError> {
    listener
        .local_addr()
        .map_err(|source| StartError::Bind { address, source })
}

/// Writes queued views every second and prunes old state every minute.
async fn maintain(state: Arc<PortalState>, retention: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        ticks += 1;
        let state = Arc::clone(&state);
        let prune = ticks.is_multiple_of(60);
        let result = tokio::task::spawn_blocking(move || {
            state.store.flush()?;
            if prune {
                let now = i64::try_from(unix_now()).unwrap_or(i64::MAX);
                let cutoff = now.saturating_sub(i64::try_from(retention.as_secs()).unwrap_or(i64::MAX));
                state.store.prune(now, cutoff)?;
            }
            Ok::<_, StoreError>(())
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "failed to write state; will retry"),
            Err(error) => tracing::error!(%error, "state maintenance task failed"),
        }
    }
}
