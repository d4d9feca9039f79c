//! Wiring: loads configuration, content and state, starts the listeners, and stops them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, FirewallBackend};
use crate::content::Content;
use crate::control;
use crate::firewall::nft::NftFirewall;
use crate::firewall::ruleset::{Allowed, Element, IdleGroup, Ruleset};
use crate::firewall::{Firewall, FirewallError, LoggingFirewall};
use crate::i18n::Catalog;
use crate::identity::DeviceKey;
use crate::neighbours::{KernelNeighbours, Neighbours, NoNeighbours};
use crate::pages::Pages;
use crate::portal::{self, Live, PortalState};
use crate::problem::Problem;
use crate::secret::{self, SecretError};
use crate::sessions;
use crate::splash::SplashFiles;
use crate::store::{Store, StoreError};
use crate::tls::{self, TlsError, TlsSlot};
use crate::token::TokenSigner;

/// A reason the portal could not start.
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
    /// The HTTPS listener's certificate or key cannot be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The control socket could not be created.
    #[error("cannot create control socket {path}: {source}")]
    Control {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
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
    /// The HTTPS listener's address, when configured.
    pub https_address: Option<SocketAddr>,
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
        if !self.state.live().config.firewall.keep_on_stop {
            match self.state.firewall.remove() {
                Ok(()) => tracing::info!("firewall rules removed at stop"),
                Err(error) => tracing::error!(%error, "failed to remove firewall rules at stop"),
            }
        }
        if let Err(error) = self.state.store.flush() {
            tracing::error!(%error, "failed to write rotation history at shutdown");
        }
        if let Err(error) = self
            .state
            .store
            .save_counters(&self.state.metrics.counter_values())
        {
            tracing::error!(%error, "failed to save counters at shutdown");
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

    let tls = match &config.portal.https {
        Some(https) => Some(Arc::new(TlsSlot::new(tls::load(&https.certificate, &https.key)?))),
        None => None,
    };
    let admin_tls = match &config.admin.tls {
        Some((certificate, key)) => Some(Arc::new(TlsSlot::new(tls::load(certificate, key)?))),
        None => None,
    };
    let portal_listener = bind(config.portal.listen).await?;
    let https_listener = match &config.portal.https {
        Some(https) => Some(bind(https.listen).await?),
        None => None,
    };
    let admin_listener = bind(config.admin.listen).await?;
    let control_path = config.state.control_socket.clone();
    let control_listener = control::bind(&control_path).map_err(|source| StartError::Control {
        path: control_path.clone(),
        source,
    })?;
    let portal_address = local_address(&portal_listener, config.portal.listen)?;
    let admin_address = local_address(&admin_listener, config.admin.listen)?;

    let mut config = config;
    if config.portal.listen.port() == 0 && config.portal.url == format!("http://{}", config.portal.listen) {
        // Port 0 was asked for: point redirects at the port the system picked.
        config.portal.url = format!("http://{portal_address}");
    }
    let version = content_version(&splash.files);
    let live = Live::new(config, splash.content, splash.pages, splash.files.assets);
    let state = Arc::new(PortalState::new(
        live,
        catalog,
        store,
        TokenSigner::new(secrets.token_key),
        DeviceKey::new(secrets.device_key),
        firewall,
        neighbours,
        tls.clone(),
        admin_tls,
    ));

    state.metrics.set_content_version(&version);
    state.metrics.expect_firewall(state.firewall.name());
    match state.store.load_counters() {
        Ok(counters) => state.metrics.restore_counters(&counters),
        Err(error) => tracing::error!(%error, "failed to load saved counters; counting from zero"),
    }
    if let Err(error) = update_reach_gauges(&state) {
        tracing::error!(%error, "failed to count devices reached");
    }
    state
        .metrics
        .devices_online
        .set(state.store.sessions_online() as i64);

    let (shutdown, receiver) = watch::channel(false);
    let mut https_address = None;
    let mut tasks = Vec::new();
    if let (Some(listener), Some(https)) = (https_listener, &state.live().config.portal.https) {
        https_address = Some(local_address(&listener, https.listen)?);
        tasks.push(tokio::spawn(portal::serve_portal(
            listener,
            Arc::clone(&state),
            tls,
            receiver.clone(),
        )));
    }
    let push_target = state
        .live()
        .config
        .metrics
        .remote_write_url
        .as_ref()
        .and_then(|url| {
            let target = url.parse::<hyper::Uri>().ok()?;
            let metrics = &state.live().config.metrics;
            Some(crate::push::PushTarget {
                url: target,
                authorization: metrics.remote_write_authorization.clone(),
                interval: metrics.push_interval,
            })
        });
    if let Some(target) = push_target {
        tracing::info!(
            interval_seconds = target.interval.as_secs(),
            "pushing metrics with remote write"
        );
        tasks.push(tokio::spawn(crate::push::run(
            state.metrics.clone(),
            target,
            receiver.clone(),
        )));
    }
    tasks.extend([
        tokio::spawn(portal::serve_portal(
            portal_listener,
            Arc::clone(&state),
            None,
            receiver.clone(),
        )),
        tokio::spawn(portal::serve_admin(
            admin_listener,
            Arc::clone(&state),
            receiver.clone(),
        )),
        tokio::spawn(control::serve(
            control_listener,
            Arc::clone(&state),
            receiver.clone(),
        )),
        tokio::spawn(maintain(Arc::clone(&state), receiver)),
    ]);
    tracing::info!(portal = %portal_address, admin = %admin_address, notices = state.live().content.notices().len(), firewall = state.firewall.name(), "antoan started");
    Ok(Running {
        portal_address,
        admin_address,
        https_address,
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
            let ruleset = ruleset_for(config, &sessions_to_restore(config, store)?);
            let firewall = NftFirewall::start(&config.firewall.nft_command, &ruleset)?;
            Ok((
                Box::new(firewall),
                Box::new(KernelNeighbours::new(&config.firewall.ip_command)),
            ))
        }
    }
}

/// Returns the live sessions of the store as set elements with their remaining time.
pub fn sessions_to_restore(config: &Config, store: &Store) -> Result<Vec<Allowed>, StoreError> {
    let sessions = store.live_sessions()?;
    Ok(sessions
        .into_iter()
        .map(|record| {
            let ip = record.ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
            let (_, idle) = config.session.limits_for(record.mac);
            Allowed {
                element: Element::for_client(ip, record.mac),
                remaining: record.remaining,
                idle,
            }
        })
        .collect())
}

/// Returns the table antoan wants for `config`, with `sessions` to restore.
pub fn ruleset_for(config: &Config, sessions: &[Allowed]) -> Ruleset {
    let firewall = &config.firewall;
    Ruleset {
        table: firewall.table.clone(),
        lan_interfaces: firewall.lan_interfaces.clone(),
        portal_port: config.portal.listen.port(),
        admin_port: config.admin.listen.port(),
        walled_garden: firewall.walled_garden.clone(),
        dns_garden: Vec::new(),
        trusted_macs: firewall.trusted_macs.clone(),
        blocked_macs: firewall.blocked_macs.clone(),
        idle_timeout: config.session.idle_timeout,
        groups: config
            .session
            .groups
            .iter()
            .map(|group| IdleGroup {
                macs: group.macs.clone(),
                idle: group.idle_timeout,
            })
            .collect(),
        sessions: sessions.to_vec(),
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

/// Writes queued views every second, ends expired sessions every 5 seconds, saves counters
/// every 10 seconds, and every minute refreshes the reach gauges and prunes old state.
async fn maintain(state: Arc<PortalState>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        ticks += 1;
        let state = Arc::clone(&state);
        let result = tokio::task::spawn_blocking(move || {
            state.store.flush()?;
            if ticks.is_multiple_of(5) {
                sessions::end_expired(&state);
                state
                    .metrics
                    .devices_online
                    .set(state.store.sessions_online() as i64);
            }
            if ticks.is_multiple_of(10) {
                state.store.save_counters(&state.metrics.counter_values())?;
            }
            if ticks.is_multiple_of(60) {
                update_reach_gauges(&state)?;
                prune(&state)?;
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

/// Sets `antoan_devices_reached` for every period from the store. Run in the background so that
/// rendering `/metrics` does not depend on the number of devices.
pub fn update_reach_gauges(state: &PortalState) -> Result<(), StoreError> {
    let timezone = state.live().config.site.timezone;
    let today = chrono::Utc::now().with_timezone(&timezone).date_naive();
    for (period, first_day, last_day) in reach_periods(today) {
        let count = state
            .store
            .devices_reached(&first_day.to_string(), &last_day.to_string())?;
        state
            .metrics
            .devices_reached
            .with_label_values(&[period])
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    Ok(())
}

/// Returns each reach period with its first and last day (inclusive) for `today`: today alone,
/// the last 7 and 30 calendar days, the current half-year and year so far, and the previous
/// half-year and year in full (so that a finished reporting period can still be read).
pub fn reach_periods(today: chrono::NaiveDate) -> [(&'static str, chrono::NaiveDate, chrono::NaiveDate); 7] {
    use chrono::{Datelike, NaiveDate};
    let date = |year: i32, month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).unwrap_or(today);
    let days_back = |days: u64| today.checked_sub_days(chrono::Days::new(days)).unwrap_or(today);
    let year = today.year();
    let (half_start, previous_half) = if today.month() <= 6 {
        (date(year, 1, 1), (date(year - 1, 7, 1), date(year - 1, 12, 31)))
    } else {
        (date(year, 7, 1), (date(year, 1, 1), date(year, 6, 30)))
    };
    [
        ("1d", today, today),
        ("7d", days_back(6), today),
        ("30d", days_back(29), today),
        ("half_year", half_start, today),
        ("year", date(year, 1, 1), today),
        ("previous_half_year", previous_half.0, previous_half.1),
        ("previous_year", date(year - 1, 1, 1), date(year - 1, 12, 31)),
    ]
}

fn prune(state: &PortalState) -> Result<(), StoreError> {
    let live = state.live();
    let now = state.store.clock().wall();
    let retention = live.config.state.history_retention;
    let cutoff = now.saturating_sub(i64::try_from(retention.as_secs()).unwrap_or(i64::MAX));
    state.store.prune(cutoff)?;
    let today = chrono::Utc::now()
        .with_timezone(&live.config.site.timezone)
        .date_naive();
    let first_kept = today
        .checked_sub_days(chrono::Days::new(crate::store::reach::RETENTION_DAYS as u64))
        .unwrap_or(today);
    state.store.prune_reach(&first_kept.to_string())
}

/// Returns a short hash of the notice files, for `antoan_content_info`.
pub fn content_version(files: &SplashFiles) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for notice in &files.notices {
        hash.update(notice.path.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(notice.text.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Why a reload was rejected; the configuration in force stays.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("{} problem(s) in configuration or content", .0.len())]
    Problems(Vec<Problem>),
    #[error(transparent)]
    Firewall(#[from] FirewallError),
}

/// Loads the certificate `pair` names for a listener that already serves TLS (`running`); a
/// listener that would turn TLS on or off keeps its state until a restart.
fn reload_certificate(
    config: &Config,
    pair: Option<&(std::path::PathBuf, std::path::PathBuf)>,
    running: bool,
    listener: &str,
) -> Result<Option<Arc<rustls::ServerConfig>>, ReloadError> {
    match (pair, running) {
        (Some((certificate, key)), true) => tls::load(certificate, key).map(Some).map_err(|error| {
            ReloadError::Problems(vec![
                Problem::new(&config.path, None, "check-config-tls").arg("error", error),
            ])
        }),
        (Some(_), false) | (None, true) => {
            tracing::warn!(listener, "turning TLS on or off needs a restart");
            Ok(None)
        }
        (None, false) => Ok(None),
    }
}

/// Re-reads the configuration file and the splash folder and puts them in force, replacing the
/// firewall table with the new settings and every live session. Sessions are not dropped. On any
/// problem nothing changes. Listener addresses, the state folder, the site id and the firewall
/// backend need a restart: a change to them is logged and ignored.
pub async fn reload(state: &Arc<PortalState>, catalog: &Arc<Catalog>) -> Result<(), ReloadError> {
    let old = state.live();
    let mut config = Config::load(&old.config.path).map_err(ReloadError::Problems)?;
    let fixed = [
        ("portal.listen", config.portal.listen != old.config.portal.listen),
        ("admin.listen", config.admin.listen != old.config.admin.listen),
        ("state.dir", config.state.dir != old.config.state.dir),
        (
            "state.control_socket",
            config.state.control_socket != old.config.state.control_socket,
        ),
        ("site.id", config.site.id != old.config.site.id),
        (
            "firewall.backend",
            config.firewall.backend != old.config.firewall.backend,
        ),
        (
            "portal.max_connections_per_client",
            config.portal.max_connections_per_client != old.config.portal.max_connections_per_client,
        ),
        // The metric labels, the push task and the HTTPS listener are set up at start.
        ("site.name", config.site.name != old.config.site.name),
        ("site.province", config.site.province != old.config.site.province),
        (
            "site.province_name",
            config.site.province_name != old.config.site.province_name,
        ),
        (
            "site.geoip_database",
            config.site.geoip_database != old.config.site.geoip_database,
        ),
        (
            "site.public_address",
            config.site.public_address != old.config.site.public_address,
        ),
        (
            "site.wan_interface",
            config.site.wan_interface != old.config.site.wan_interface,
        ),
        (
            "metrics.remote_write_url",
            config.metrics.remote_write_url != old.config.metrics.remote_write_url,
        ),
        (
            "metrics credentials or push_interval",
            config.metrics.remote_write_authorization != old.config.metrics.remote_write_authorization
                || config.metrics.push_interval != old.config.metrics.push_interval,
        ),
        (
            "portal.https_listen",
            config.portal.https.as_ref().map(|https| https.listen)
                != old.config.portal.https.as_ref().map(|https| https.listen),
        ),
    ];
    for (key, changed) in fixed {
        if changed {
            tracing::warn!(
                key,
                "this setting changes only on restart; keeping the running value"
            );
        }
    }
    config.portal.listen = old.config.portal.listen;
    config.admin.listen = old.config.admin.listen;
    config.state.dir = old.config.state.dir.clone();
    config.state.control_socket = old.config.state.control_socket.clone();
    config.site.id = old.config.site.id.clone();
    config.firewall.backend = old.config.firewall.backend;
    config.portal.max_connections_per_client = old.config.portal.max_connections_per_client;
    if config.portal.listen.port() == 0 && config.portal.url == format!("http://{}", config.portal.listen) {
        // The running URL names the port the system chose for port 0.
        config.portal.url = old.config.portal.url.clone();
    }

    let splash = load_splash(&config, catalog).map_err(ReloadError::Problems)?;
    let portal_pair = config
        .portal
        .https
        .as_ref()
        .map(|https| (https.certificate.clone(), https.key.clone()));
    let certificate = reload_certificate(
        &config,
        portal_pair.as_ref(),
        state.tls.is_some(),
        "the HTTPS listener",
    )?;
    let admin_certificate = reload_certificate(
        &config,
        config.admin.tls.as_ref(),
        state.admin_tls.is_some(),
        "the admin listener",
    )?;
    if config.firewall.backend == FirewallBackend::Nftables {
        let for_worker = Arc::clone(state);
        let new_config = config.clone();
        let build = Box::new(move || {
            let sessions = sessions_to_restore(&new_config, &for_worker.store).unwrap_or_else(|error| {
                tracing::error!(%error, "failed to read sessions for the new table; restoring none");
                Vec::new()
            });
            ruleset_for(&new_config, &sessions)
        });
        state
            .firewall
            .reconfigure(build)
            .await
            .unwrap_or(Err(FirewallError::Stopped))?;
    }
    if let (Some(certificate), Some(slot)) = (certificate, &state.tls) {
        slot.replace(certificate);
        tracing::info!("TLS certificate reloaded");
    }
    if let (Some(certificate), Some(slot)) = (admin_certificate, &state.admin_tls) {
        slot.replace(certificate);
        tracing::info!("admin TLS certificate reloaded");
    }
    state.metrics.set_content_version(&content_version(&splash.files));
    let notices = splash.content.notices().len();
    state.replace_live(Live::new(
        config,
        splash.content,
        splash.pages,
        splash.files.assets,
    ));
    tracing::info!(notices, "configuration and content reloaded");
    Ok(())
}
