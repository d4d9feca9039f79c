//! The interface that lets a device through, and the implementation that only logs.

use std::time::Duration;

use crate::identity::Client;

/// A grant could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum FirewallError {
    /// The backend failed; the message comes from it.
    #[error("firewall backend failed: {0}")]
    Backend(String),
}

/// Lets clients through for a time.
pub trait Firewall: Send + Sync {
    /// Allows `client` for `length`; returns once the grant is in force.
    fn allow(&self, client: &Client, length: Duration) -> Result<(), FirewallError>;

    /// Short name for logs.
    fn name(&self) -> &'static str;
}

/// A firewall that changes nothing and logs what it would do, for `antoan demo` and tests.
#[derive(Debug, Default)]
pub struct LoggingFirewall;

impl Firewall for LoggingFirewall {
    fn allow(&self, client: &Client, length: Duration) -> Result<(), FirewallError> {
        tracing::info!(device = %client.device, seconds = length.as_secs(), "firewall (log only): would allow device");
        tracing::debug!(ip = %client.ip, "firewall (log only): address of the allowed device");
        Ok(())
    }

    fn name(&self) -> &'static str {
        "log"
    }
}
