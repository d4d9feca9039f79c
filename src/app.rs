//! Wiring: loads configuration, content and state, starts the listeners, and stops them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, FirewallBackend};
use crate::content::Content;
use crate::firewall::{Firewall, LoggingFirewall};
use crate::i18n::Catalog;
use crate::identity::DeviceKey;
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
    /// Stops the listeners and writes pending state.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Err(error) = self.state.store.flush() {
            tracing::error!(%error, "failed to write rotation history at shutdown");
        }
    }
}

/// Loads everything and starts both listeners.
pub async fn start(config: Config, catalog: Arc<Catalog>) -> Result<Running, StartError> {
    let splash = load_splash(&config, &catalog).map_err(StartError::Problems)?;
    let secrets = secret::load_or_create(&config.state.dir)?;
    let store = Store::open(&config.state.dir)?;
    let firewall: Box<dyn Firewall> = match config.firewall.backend {
        FirewallBackend::Log => Box::new(LoggingFirewall),
    };

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
