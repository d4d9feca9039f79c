//! Granting access: the interface the portal calls, and its implementations.
//!
//! - [`LoggingFirewall`] changes nothing and logs what it would do (`antoan demo`, tests).
//! - [`nft::NftFirewall`] holds devices back and lets them through with nftables.

pub mod nft;
pub mod ruleset;

use std::time::Duration;

use tokio::sync::oneshot;

use crate::identity::Client;

/// A grant or revoke could not be applied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FirewallError {
    /// The backend failed; the message comes from it.
    #[error("firewall backend failed: {0}")]
    Backend(String),
    /// The backend's worker is gone, so nothing can be applied.
    #[error("firewall worker has stopped")]
    Stopped,
}

/// A blocking check run on a blocking thread; see [`Firewall::presence_check`].
pub type PresenceCheck = Box<dyn FnOnce() -> Option<bool> + Send>;

/// The outcome of a firewall change, delivered once it is in force (or has failed).
pub type Pending = oneshot::Receiver<Result<(), FirewallError>>;

/// Lets clients through for a time, and cuts them off.
pub trait Firewall: Send + Sync {
    /// Allows `client` for `length`, or until it has sent nothing for `idle`. The returned
    /// receiver completes once the grant is in the kernel, so the portal can answer "you are
    /// online" only when it is true.
    fn allow(&self, client: &Client, length: Duration, idle: Duration) -> Pending;

    /// Ends the access of `client` at once.
    fn revoke(&self, client: &Client) -> Pending;

    /// Short name for logs and metric labels.
    fn name(&self) -> &'static str;

    /// Whether the kernel holds devices back. When it does, a captured request from a device
    /// with a stored session means the kernel dropped it (idle timeout), not that it is online.
    fn enforces(&self) -> bool {
        false
    }

    /// Returns a blocking check of whether the kernel still lets `client` through (both its
    /// session and idle elements present), or `None` when this firewall cannot tell. The check
    /// returns `None` when it fails.
    fn presence_check(&self, client: &Client) -> Option<PresenceCheck> {
        let _ = client;
        None
    }

    /// Replaces the whole rule set with the one `build` returns, in order with queued grants.
    fn reconfigure(&self, build: Box<dyn FnOnce() -> ruleset::Ruleset + Send>) -> Pending {
        drop(build);
        ready(Ok(()))
    }

    /// Takes antoan's rules out of the kernel, for a stop that should not keep devices online.
    fn remove(&self) -> Result<(), FirewallError> {
        Ok(())
    }
}

/// Returns a receiver that already holds `result`.
pub fn ready(result: Result<(), FirewallError>) -> Pending {
    let (sender, receiver) = oneshot::channel();
    // The receiver is alive, so sending cannot fail.
    let _ = sender.send(result);
    receiver
}

/// A firewall that changes nothing and logs what it would do, for `antoan demo` and tests.
#[derive(Debug, Default)]
pub struct LoggingFirewall;

impl Firewall for LoggingFirewall {
    fn allow(&self, client: &Client, length: Duration, idle: Duration) -> Pending {
        tracing::info!(
            device = %client.device,
            seconds = length.as_secs(),
            idle_seconds = idle.as_secs(),
            "firewall (log only): would allow device"
        );
        tracing::debug!(ip = %client.ip, "firewall (log only): address of the allowed device");
        ready(Ok(()))
    }

    fn revoke(&self, client: &Client) -> Pending {
        tracing::info!(device = %client.device, "firewall (log only): would revoke device");
        ready(Ok(()))
    }

    fn name(&self) -> &'static str {
        "log"
    }
}
