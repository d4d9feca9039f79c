//! The control socket behind `antoan clients`: a Unix socket with mode 0600, so only the user
//! antoan runs as (and root) can list, allow or revoke devices.
//!
//! Protocol: one JSON request line, one JSON response line, then the connection closes.

use std::net::IpAddr;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::watch;

use crate::identity::MacAddr;
use crate::portal::PortalState;
use crate::sessions;
use crate::store::SessionRecord;

/// Longest request line accepted.
const MAX_REQUEST_BYTES: u64 = 4096;

/// A request from `antoan clients`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "lowercase")]
pub enum Request {
    List,
    Allow {
        mac: String,
        seconds: u64,
    },
    /// `address` is a MAC or an IP address.
    Revoke {
        address: String,
    },
}

/// One session as `antoan clients list` shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClientEntry {
    pub device: String,
    pub ip: Option<String>,
    pub mac: Option<String>,
    pub reason: String,
    pub expires: i64,
    pub remaining_seconds: i64,
}

/// The answer to a request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Response {
    Clients {
        clients: Vec<ClientEntry>,
    },
    Allowed {
        expires: i64,
    },
    Revoked,
    NotFound,
    /// `code` is one of: invalid-request, invalid-mac, invalid-duration, firewall, store.
    Error {
        code: String,
        detail: String,
    },
}

/// Binds the control socket at `path` (replacing a stale one) with mode 0600.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        // Only a leftover socket is removed; any other file there is an operator's and stays.
        if metadata.file_type().is_socket() {
            std::fs::remove_file(path)?;
        }
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serves requests until `shutdown` changes, then removes the socket file.
pub async fn serve(listener: UnixListener, state: Arc<PortalState>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let (reader, mut writer) = stream.into_split();
            let mut line = String::new();
            let read = tokio::time::timeout(
                Duration::from_secs(10),
                BufReader::new(reader.take(MAX_REQUEST_BYTES)).read_line(&mut line),
            )
            .await;
            let response = match read {
                Ok(Ok(_)) => match serde_json::from_str::<Request>(&line) {
                    Ok(request) => handle(&state, request).await,
                    Err(error) => error_response("invalid-request", error),
                },
                _ => error_response("invalid-request", "no request line within 10 s"),
            };
            let mut text = serde_json::to_string(&response).unwrap_or_default();
            text.push('\n');
            let _ = writer.write_all(text.as_bytes()).await;
        });
    }
    if let Ok(address) = listener.local_addr()
        && let Some(path) = address.as_pathname()
    {
        let _ = std::fs::remove_file(path);
    }
}

fn error_response(code: &str, detail: impl std::fmt::Display) -> Response {
    Response::Error {
        code: code.to_string(),
        detail: detail.to_string(),
    }
}

async fn handle(state: &PortalState, request: Request) -> Response {
    match request {
        Request::List => match state.store.live_sessions() {
            Ok(sessions) => Response::Clients {
                clients: sessions.iter().map(entry).collect(),
            },
            Err(error) => error_response("store", error),
        },
        Request::Allow { mac, seconds } => {
            let Ok(mac) = mac.parse::<MacAddr>() else {
                return error_response("invalid-mac", mac);
            };
            if seconds == 0 || seconds > 366 * 86_400 {
                return error_response("invalid-duration", seconds);
            }
            tracing::info!(device = %state.device_key.device_of_mac(mac), seconds, "operator allows device");
            match sessions::grant_mac(state, mac, Duration::from_secs(seconds)).await {
                Ok(length) => Response::Allowed {
                    expires: state.store.clock().wall() + i64::try_from(length.as_secs()).unwrap_or(0),
                },
                Err(error) => error_response("firewall", error),
            }
        }
        Request::Revoke { address } => {
            let sessions = match state.store.live_sessions() {
                Ok(sessions) => sessions,
                Err(error) => return error_response("store", error),
            };
            let mac = address.parse::<MacAddr>().ok();
            let ip = address.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
            if mac.is_none() && ip.is_none() {
                return error_response("invalid-mac", address);
            }
            let matching: Vec<&SessionRecord> = sessions
                .iter()
                .filter(|session| (mac.is_some() && session.mac == mac) || (ip.is_some() && session.ip == ip))
                .collect();
            if matching.is_empty() {
                return Response::NotFound;
            }
            for session in matching {
                if let Err(error) = sessions::revoke(state, &session.device).await {
                    return error_response("firewall", error);
                }
            }
            Response::Revoked
        }
    }
}

fn entry(session: &SessionRecord) -> ClientEntry {
    ClientEntry {
        device: session.device.to_string(),
        ip: session.ip.map(|ip| ip.to_string()),
        mac: session.mac.map(|mac| mac.to_string()),
        reason: session.reason.clone(),
        expires: session.expires,
        remaining_seconds: i64::try_from(session.remaining.as_secs()).unwrap_or(i64::MAX),
    }
}

/// Sends one request to the socket at `path` and returns the response (for the CLI).
pub fn send(path: &Path, request: &Request) -> std::io::Result<Response> {
    use std::io::{BufRead, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut text = serde_json::to_string(request).map_err(std::io::Error::other)?;
    text.push('\n');
    stream.write_all(text.as_bytes())?;
    let mut line = String::new();
    std::io::BufReader::new(stream).read_line(&mut line)?;
    serde_json::from_str(&line).map_err(std::io::Error::other)
}
