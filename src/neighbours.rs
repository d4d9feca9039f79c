//! The kernel's neighbour table: which MAC address is behind a client's IP address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::identity::MacAddr;

/// Looks up the MAC address of a client on the link.
pub trait Neighbours: Send + Sync {
    /// Returns the MAC of `ip`, or `None` when the address is not on the link (routed).
    fn mac_of(&self, ip: IpAddr) -> Option<MacAddr>;
}

/// Knows no MAC addresses: every client is named by its IP address (demo and tests).
pub struct NoNeighbours;

impl Neighbours for NoNeighbours {
    fn mac_of(&self, _ip: IpAddr) -> Option<MacAddr> {
        None
    }
}

/// How long a neighbour snapshot answers before a miss reads the kernel again.
const REFRESH_AFTER: Duration = Duration::from_secs(1);

/// Reads the kernel's neighbour table with `ip -j neigh show`, both families in one process,
/// and keeps the snapshot: a hit costs a map lookup, a miss at most one read per second.
pub struct KernelNeighbours {
    ip_command: String,
    snapshot: Mutex<(Instant, HashMap<IpAddr, MacAddr>)>,
}

impl KernelNeighbours {
    pub fn new(ip_command: &str) -> KernelNeighbours {
        let stale = Instant::now()
            .checked_sub(REFRESH_AFTER * 2)
            .unwrap_or_else(Instant::now);
        KernelNeighbours {
            ip_command: ip_command.to_string(),
            snapshot: Mutex::new((stale, HashMap::new())),
        }
    }

    fn read(&self) -> HashMap<IpAddr, MacAddr> {
        let output = std::process::Command::new(&self.ip_command)
            .args(["-j", "neigh", "show"])
            .output();
        match output {
            Ok(output) if output.status.success() => parse_neighbours(&output.stdout),
            Ok(output) => {
                tracing::warn!(status = %output.status, "ip neigh show failed; clients are named by IP address");
                HashMap::new()
            }
            Err(error) => {
                tracing::warn!(%error, command = %self.ip_command, "cannot run ip; clients are named by IP address");
                HashMap::new()
            }
        }
    }
}

impl Neighbours for KernelNeighbours {
    fn mac_of(&self, ip: IpAddr) -> Option<MacAddr> {
        let ip = ip.to_canonical();
        let mut snapshot = self
            .snapshot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(mac) = snapshot.1.get(&ip) {
            return Some(*mac);
        }
        if snapshot.0.elapsed() < REFRESH_AFTER {
            return None;
        }
        *snapshot = (Instant::now(), self.read());
        snapshot.1.get(&ip).copied()
    }
}

/// Parses `ip -j neigh show` output, skipping entries without a usable MAC (FAILED, INCOMPLETE).
pub fn parse_neighbours(json: &[u8]) -> HashMap<IpAddr, MacAddr> {
    #[derive(serde::Deserialize)]
    struct Entry {
        dst: String,
        lladdr: Option<String>,
    }
    let entries: Vec<Entry> = serde_json::from_slice(json).unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|entry| {
            let ip: IpAddr = entry.dst.parse().ok()?;
            let mac: MacAddr = entry.lladdr?.parse().ok()?;
            Some((ip, mac))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_families_and_skips_failed() {
        let json = br#"[{"dst":"192.0.2.2","dev":"gl0","lladdr":"02:00:00:00:00:02","state":["REACHABLE"]},
            {"dst":"2001:db8:1::2","dev":"gl0","lladdr":"02:00:00:00:00:02","router":null,"state":["STALE"]},
            {"dst":"192.0.2.3","dev":"gl0","state":["FAILED"]}]"#;
        let table = parse_neighbours(json);
        assert_eq!(table.len(), 2);
        let mac: MacAddr = "02:00:00:00:00:02".parse().expect("valid");
        assert_eq!(table.get(&"192.0.2.2".parse().expect("valid")), Some(&mac));
        assert_eq!(table.get(&"2001:db8:1::2".parse().expect("valid")), Some(&mac));
    }

    #[test]
    fn garbage_output_gives_empty_table() {
        assert!(parse_neighbours(b"not json").is_empty());
        assert!(parse_neighbours(b"[{\"dst\":\"x\",\"lladdr\":\"y\"}]").is_empty());
    }
}
