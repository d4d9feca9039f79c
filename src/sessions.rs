//! Grants, revokes and session ends: the store, the firewall, metrics, logs and the hook,
//! in the order that keeps them consistent.
//!
//! A session is stored before the firewall is asked to allow it, so that a table rebuilt from
//! the store (on reload or restart) never leaves out a device that is already let through. If
//! the firewall fails, the stored session is removed again.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use crate::firewall::FirewallError;
use crate::identity::{Client, DeviceId, MacAddr};
use crate::portal::PortalState;
use crate::store::{GrantReason, SessionClient, SessionRecord};

/// Lets `client` through with the limits of its group; returns the session length.
pub async fn grant(
    state: &PortalState,
    client: &Client,
    reason: GrantReason,
) -> Result<Duration, FirewallError> {
    let (length, idle) = state.live().config.session.limits_for(client.mac);
    let session = SessionClient::from(client);
    grant_session(state, &session, client, length, idle, reason).await
}

/// Lets a device named only by its MAC through for `length` (`antoan clients allow`).
pub async fn grant_mac(
    state: &PortalState,
    mac: MacAddr,
    length: Duration,
) -> Result<Duration, FirewallError> {
    let device = state.device_key.device_of_mac(mac);
    let (_, idle) = state.live().config.session.limits_for(Some(mac));
    let session = SessionClient {
        device: device.clone(),
        ip: None,
        mac: Some(mac),
    };
    // The firewall needs an address for its element type only when the MAC is unknown; with a
    // MAC it uses the MAC, so any address stands in here.
    let client = Client {
        ip: IpAddr::from([0, 0, 0, 0]),
        mac: Some(mac),
        device,
    };
    grant_session(
        state,
        &session,
        &client,
        length,
        idle.min(length),
        GrantReason::Operator,
    )
    .await
}

async fn grant_session(
    state: &PortalState,
    session: &SessionClient,
    client: &Client,
    length: Duration,
    idle: Duration,
    reason: GrantReason,
) -> Result<Duration, FirewallError> {
    if let Err(error) = state.store.start_session(session, length, reason) {
        // The grant still goes ahead: a customer is never held back by a database problem.
        tracing::error!(%error, device = %session.device, "failed to store session");
    }

    let applied = state
        .firewall
        .allow(client, length, idle)
        .await
        .unwrap_or(Err(FirewallError::Stopped));
    if let Err(error) = applied {
        state
            .metrics
            .firewall_errors
            .with_label_values(&[state.firewall.name()])
            .inc();
        tracing::error!(%error, device = %session.device, "failed to grant access");
        if let Err(error) = state.store.end_session(&session.device) {
            tracing::error!(%error, device = %session.device, "failed to remove the session of a failed grant");
        }
        return Err(error);
    }

    state.metrics.grants.with_label_values(&[reason.label()]).inc();
    tracing::info!(
        device = %session.device,
        reason = reason.label(),
        seconds = length.as_secs(),
        idle_seconds = idle.as_secs(),
        "device granted access"
    );
    run_hook(
        state,
        "grant",
        &session.device,
        session.ip,
        session.mac,
        Some(length),
        reason.label(),
    );
    Ok(length)
}

/// Cuts a device off at once. Returns `false` when it had no session.
pub async fn revoke(state: &PortalState, device: &DeviceId) -> Result<bool, FirewallError> {
    end_now(state, device, "revoked").await
}

/// Ends the stored session of a device the kernel already dropped for being idle, and takes
/// its element out of the session set too.
pub async fn end_idle(state: &PortalState, device: &DeviceId) -> Result<bool, FirewallError> {
    end_now(state, device, "idle").await
}

async fn end_now(state: &PortalState, device: &DeviceId, reason: &str) -> Result<bool, FirewallError> {
    let record = match state.store.end_session(device) {
        Ok(Some(record)) => record,
        Ok(None) => return Ok(false),
        Err(error) => {
            tracing::error!(%error, %device, "failed to read the session to revoke");
            return Ok(false);
        }
    };
    let client = client_of(&record);
    state
        .firewall
        .revoke(&client)
        .await
        .unwrap_or(Err(FirewallError::Stopped))?;
    tracing::info!(%device, reason, "session ended");
    run_hook(state, "end", device, record.ip, record.mac, None, reason);
    Ok(true)
}

/// Removes sessions that ended by now from the store and runs the hook for each. The kernel
/// has already dropped their set elements by their own timeouts.
pub fn end_expired(state: &PortalState) {
    match state.store.take_ended_sessions() {
        Ok(ended) => {
            for record in ended {
                tracing::info!(device = %record.device, "session ended");
                run_hook(
                    state,
                    "end",
                    &record.device,
                    record.ip,
                    record.mac,
                    None,
                    "expired",
                );
            }
        }
        Err(error) => tracing::error!(%error, "failed to collect ended sessions"),
    }
}

/// The firewall's view of a stored session.
pub fn client_of(record: &SessionRecord) -> Client {
    Client {
        ip: record.ip.unwrap_or(IpAddr::from([0, 0, 0, 0])),
        mac: record.mac,
        device: record.device.clone(),
    }
}

/// Starts the configured hook program, if any, without waiting for it:
/// `PROGRAM EVENT DEVICE` with `ANTOAN_*` variables. It never runs through a shell.
fn run_hook(
    state: &PortalState,
    event: &str,
    device: &DeviceId,
    ip: Option<IpAddr>,
    mac: Option<MacAddr>,
    length: Option<Duration>,
    reason: &str,
) {
    let live = state.live();
    let Some(program) = live.config.hooks.program.clone() else {
        return;
    };
    let timeout = live.config.hooks.timeout;
    let mut command = tokio::process::Command::new(&program);
    command
        .arg(event)
        .arg(device.as_str())
        .env("ANTOAN_EVENT", event)
        .env("ANTOAN_DEVICE", device.as_str())
        .env("ANTOAN_IP", ip.map(|ip| ip.to_string()).unwrap_or_default())
        .env("ANTOAN_MAC", mac.map(|mac| mac.to_string()).unwrap_or_default())
        .env(
            "ANTOAN_SECONDS",
            length
                .map(|length| length.as_secs().to_string())
                .unwrap_or_default(),
        )
        .env("ANTOAN_REASON", reason)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let device = device.clone();
    let event = event.to_string();
    tokio::spawn(async move { wait_for_hook(command, &program, &event, &device, timeout).await });
}

async fn wait_for_hook(
    mut command: tokio::process::Command,
    program: &Path,
    event: &str,
    device: &DeviceId,
    timeout: Duration,
) {
    let output = match command.output_with_timeout(timeout).await {
        Ok(output) => output,
        Err(error) => {
            tracing::warn!(program = %program.display(), event, %device, %error, "hook failed");
            return;
        }
    };
    if !output.status.success() {
        tracing::warn!(
            program = %program.display(),
            event,
            %device,
            status = %output.status,
            stderr = %String::from_utf8_lossy(&output.stderr).trim(),
            "hook exited with an error"
        );
    }
}

/// `Command::output` with a time limit; the child is killed when the limit passes.
trait OutputWithTimeout {
    async fn output_with_timeout(&mut self, timeout: Duration) -> std::io::Result<std::process::Output>;
}

impl OutputWithTimeout for tokio::process::Command {
    async fn output_with_timeout(&mut self, timeout: Duration) -> std::io::Result<std::process::Output> {
        match tokio::time::timeout(timeout, self.output()).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("timed out after {timeout:?}"),
            )),
        }
    }
}
