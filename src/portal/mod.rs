//! The HTTP listeners: the portal that devices reach, and the admin listener for metrics.
//!
//! Both are plain HTTP/1.1 on hyper. The portal listener bounds how long a client may take to
//! send headers, how long one connection may live, and how many connections one address may hold
//! open, so that one device cannot starve the others.

mod admin;
pub mod probes;
mod respond;
mod routes;

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::content::Content;
use crate::firewall::Firewall;
use crate::i18n::Catalog;
use crate::identity::DeviceKey;
use crate::metrics::{Metrics, SiteLabels};
use crate::neighbours::Neighbours;
use crate::pages::Pages;
use crate::store::Store;
use crate::tls::TlsSlot;
use crate::token::TokenSigner;
use crate::urls::PortalHosts;

/// What a reload (SIGHUP) replaces as a whole: configuration and the splash folder.
pub struct Live {
    pub config: Config,
    pub content: Content,
    pub pages: Pages,
    pub hosts: PortalHosts,
    pub assets: BTreeMap<String, Bytes>,
}

impl Live {
    pub fn new(config: Config, content: Content, pages: Pages, assets: BTreeMap<String, Vec<u8>>) -> Live {
        let mut names = config.portal.hostnames.clone();
        if let Some(https) = &config.portal.https
            && let Ok(url) = url::Url::parse(&https.url)
            && let Some(host) = url.host_str()
        {
            names.push(host.to_string());
        }
        let hosts = PortalHosts::new(&config.portal.url, &names);
        let assets = assets
            .into_iter()
            .map(|(name, bytes)| (name, Bytes::from(bytes)))
            .collect();
        Live {
            config,
            content,
            pages,
            hosts,
            assets,
        }
    }
}

/// Everything a request handler needs.
pub struct PortalState {
    live: RwLock<Arc<Live>>,
    pub catalog: Arc<Catalog>,
    pub store: Store,
    pub signer: TokenSigner,
    pub device_key: DeviceKey,
    pub firewall: Box<dyn Firewall>,
    pub neighbours: Box<dyn Neighbours>,
    pub metrics: Metrics,
    /// The HTTPS listener's certificate, when that listener is configured.
    pub tls: Option<Arc<TlsSlot>>,
    /// The admin listener's certificate, when it serves over TLS.
    pub admin_tls: Option<Arc<TlsSlot>>,
    /// When each device was last sent back to its own URL; see `routes::capture`.
    pub stale_retries: RetryLimiter,
    connections: ConnectionCounter,
}

impl PortalState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        live: Live,
        catalog: Arc<Catalog>,
        store: Store,
        signer: TokenSigner,
        device_key: DeviceKey,
        firewall: Box<dyn Firewall>,
        neighbours: Box<dyn Neighbours>,
        tls: Option<Arc<TlsSlot>>,
        admin_tls: Option<Arc<TlsSlot>>,
    ) -> PortalState {
        let site = &live.config.site;
        let province = crate::geo::site_province(site, &live.config.firewall.ip_command);
        let metrics = Metrics::new(&SiteLabels {
            site: site.id.clone(),
            site_name: site.name.clone(),
            province: province.code,
            province_name: province.name,
        });
        let connections = ConnectionCounter::new(live.config.portal.max_connections_per_client);
        PortalState {
            live: RwLock::new(Arc::new(live)),
            catalog,
            store,
            signer,
            device_key,
            firewall,
            neighbours,
            metrics,
            tls,
            admin_tls,
            stale_retries: RetryLimiter::default(),
            connections,
        }
    }

    /// Returns the configuration and content in force; a request keeps the one it started with.
    pub fn live(&self) -> Arc<Live> {
        Arc::clone(&self.live.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Puts a new configuration and content in force for the next requests.
    pub fn replace_live(&self, live: Live) {
        *self.live.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(live);
    }
}

/// Allows one retry per device per [`RetryLimiter::INTERVAL`].
#[derive(Default)]
pub struct RetryLimiter {
    last: Mutex<HashMap<crate::identity::DeviceId, std::time::Instant>>,
}

impl RetryLimiter {
    const INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

    /// Returns whether `device` may retry now, and records it when it may.
    pub fn allow(&self, device: &crate::identity::DeviceId) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.len() > 10_000 {
            last.retain(|_, time| time.elapsed() < Self::INTERVAL);
        }
        match last.get(device) {
            Some(time) if time.elapsed() < Self::INTERVAL => false,
            _ => {
                last.insert(device.clone(), std::time::Instant::now());
                true
            }
        }
    }
}

/// Open connections per client address, with a cap.
struct ConnectionCounter {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Releases one connection slot when dropped.
struct ConnectionSlot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl ConnectionCounter {
    fn new(max: usize) -> ConnectionCounter {
        ConnectionCounter {
            max,
            open: Arc::default(),
        }
    }

    fn acquire(&self, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            ip,
            open: Arc::clone(&self.open),
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves the portal on `listener` until `shutdown` changes; over TLS when `tls` is given.
pub async fn serve_portal(
    listener: TcpListener,
    state: Arc<PortalState>,
    tls: Option<Arc<TlsSlot>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Usually out of file descriptors; pause so the loop does not spin.
                tracing::warn!(%error, "portal listener failed to accept a connection");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = state.connections.acquire(peer.ip().to_canonical()) else {
            tracing::debug!(ip = %peer.ip(), "connection refused: too many open connections from this client");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        let tls = tls.as_ref().map(|slot| slot.get());
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, peer, state).await,
                Some(config) => {
                    let handshake_timeout = state.live().config.portal.header_read_timeout;
                    let acceptor = tokio_rustls::TlsAcceptor::from(config);
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => serve_connection(stream, peer, state).await,
                        Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
            drop(slot);
        });
    }
}

async fn serve_connection<S>(stream: S, peer: SocketAddr, state: Arc<PortalState>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let live = state.live();
    let lifetime = live.config.portal.connection_lifetime;
    let header_timeout = live.config.portal.header_read_timeout;
    drop(live);
    let service = service_fn(move |request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(routes::handle(&state, request, peer).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The header timeout also runs while a keep-alive connection waits for its next request,
    // so it bounds idle connections too.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(80 * 1024);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    match tokio::time::timeout(lifetime, connection).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!(%error, "portal connection ended with an error"),
        Err(_) => tracing::debug!("portal connection closed after its maximum lifetime"),
    }
}

pub use admin::serve_admin;
