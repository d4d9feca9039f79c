//! nftables enforcement through `nft -f -`.
//!
//! Why `nft -f -` rather than netlink from Rust or libnftables: it is the one interface every
//! target has (OpenWrt ships `nft` without JSON support but with `-f`), it needs no C library at
//! build time, and one process applies a whole batch in one kernel transaction. Grants and
//! revokes queue up while a batch runs and go out together in the next one, so the number of
//! processes started follows the number of batches, not of devices. `docs/PERFORMANCE.md`
//! records the measured grant latency.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::ruleset::{self, Allowed, Element, Ruleset};
use super::{Firewall, FirewallError, Pending, PresenceCheck};
use crate::identity::Client;

enum Change {
    Allow(Allowed),
    Revoke(Element),
    /// Replace the whole table; the ruleset is built in the worker, after every grant queued
    /// before it, so a session stored before its grant is never left out.
    Replace(Box<dyn FnOnce() -> Ruleset + Send>),
}

struct Job {
    change: Change,
    done: oneshot::Sender<Result<(), FirewallError>>,
}

/// The nftables backend: owns one table and applies grants in batches.
pub struct NftFirewall {
    nft: String,
    table: String,
    jobs: mpsc::Sender<Job>,
}

impl NftFirewall {
    /// Replaces antoan's table with `ruleset` in one transaction, reads it back to check it,
    /// and starts the worker that applies grants.
    pub fn start(nft: &str, ruleset: &Ruleset) -> Result<NftFirewall, FirewallError> {
        let ruleset = &with_kept_garden(nft, ruleset.clone());
        run_nft(nft, &ruleset.render())?;
        verify(nft, ruleset)?;
        tracing::info!(
            table = %ruleset.table,
            interfaces = ?ruleset.lan_interfaces,
            restored = ruleset.sessions.len(),
            "nftables table installed"
        );

        let (jobs, queue) = mpsc::channel::<Job>();
        let worker_nft = nft.to_string();
        let table = ruleset.table.clone();
        let worker_table = table.clone();
        std::thread::Builder::new()
            .name("antoan-nft".to_string())
            .spawn(move || apply_batches(&worker_nft, &worker_table, queue))
            .map_err(|error| {
                FirewallError::Backend(format!("cannot start the nft worker thread: {error}"))
            })?;
        Ok(NftFirewall {
            nft: nft.to_string(),
            table,
            jobs,
        })
    }

    fn submit(&self, change: Change) -> Pending {
        let (done, receiver) = oneshot::channel();
        if let Err(mpsc::SendError(job)) = self.jobs.send(Job { change, done }) {
            let _ = job.done.send(Err(FirewallError::Stopped));
        }
        receiver
    }
}

impl Firewall for NftFirewall {
    fn allow(&self, client: &Client, length: Duration, idle: Duration) -> Pending {
        let element = Element::for_client(client.ip, client.mac);
        self.submit(Change::Allow(Allowed {
            element,
            remaining: length,
            idle,
        }))
    }

    fn revoke(&self, client: &Client) -> Pending {
        self.submit(Change::Revoke(Element::for_client(client.ip, client.mac)))
    }

    fn name(&self) -> &'static str {
        "nftables"
    }

    fn enforces(&self) -> bool {
        true
    }

    fn presence_check(&self, client: &Client) -> Option<PresenceCheck> {
        let element = Element::for_client(client.ip, client.mac);
        let (nft, table) = (self.nft.clone(), self.table.clone());
        Some(Box::new(move || {
            let present = |set: &str| {
                let output = Command::new(&nft)
                    .args([
                        "get",
                        "element",
                        "inet",
                        &table,
                        set,
                        &format!("{{ {} }}", element.value()),
                    ])
                    .output()
                    .ok()?;
                if output.status.success() {
                    return Some(true);
                }
                // nft reports a missing element as ENOENT; anything else is not an answer.
                let stderr = String::from_utf8_lossy(&output.stderr);
                stderr.contains("No such file or directory").then_some(false)
            };
            Some(present(element.set())? && present(element.idle_set())?)
        }))
    }

    fn reconfigure(&self, build: Box<dyn FnOnce() -> Ruleset + Send>) -> Pending {
        self.submit(Change::Replace(build))
    }

    /// Deletes antoan's table, leaving devices to the other tables' rules.
    fn remove(&self) -> Result<(), FirewallError> {
        run_nft(
            &self.nft,
            &format!("table inet {0} {{}}\ndelete table inet {0}\n", self.table),
        )
        .map(|_| ())
    }
}

/// Runs until every sender is gone: takes one job, plus all that queued up meanwhile, and
/// applies them in one `nft` run. A table replacement runs alone, in queue order.
fn apply_batches(nft: &str, table: &str, queue: mpsc::Receiver<Job>) {
    let mut waiting: Option<Job> = None;
    loop {
        let Some(first) = waiting.take().or_else(|| queue.recv().ok()) else {
            return;
        };
        if let Change::Replace(_) = first.change {
            let Job {
                change: Change::Replace(build),
                done,
            } = first
            else {
                continue;
            };
            let ruleset = with_kept_garden(nft, build());
            let result = run_nft(nft, &ruleset.render()).and_then(|_| verify(nft, &ruleset));
            match &result {
                Ok(()) => {
                    tracing::info!(table = %ruleset.table, interfaces = ?ruleset.lan_interfaces, sessions = ruleset.sessions.len(), "nftables table replaced")
                }
                Err(error) => {
                    tracing::error!(%error, "failed to replace the nftables table; the old one stays")
                }
            }
            let _ = done.send(result);
            continue;
        }
        let mut batch = vec![first];
        for job in queue.try_iter() {
            if let Change::Replace(_) = job.change {
                waiting = Some(job);
                break;
            }
            batch.push(job);
        }
        apply_batch(nft, table, batch);
    }
}

fn apply_batch(nft: &str, table: &str, mut batch: Vec<Job>) {
    let script = script_for(table, batch.iter().map(|job| &job.change), false);
    match run_nft(nft, &script) {
        Ok(_) => {
            for job in batch {
                let _ = job.done.send(Ok(()));
            }
        }
        Err(error) if batch.len() == 1 && !matches!(batch[0].change, Change::Allow(_)) => {
            let _ = batch.pop().map(|job| job.done.send(Err(error)));
        }
        Err(_) => {
            // One element that already exists (a renewed grant) or one bad element fails the
            // whole transaction. Retry one by one, renewing where creating fails, so that only
            // a job that really cannot be applied reports an error.
            for job in batch {
                let mut result = run_nft(nft, &script_for(table, [&job.change], false)).map(|_| ());
                if result.is_err() && matches!(job.change, Change::Allow(_)) {
                    result = run_nft(nft, &script_for(table, [&job.change], true)).map(|_| ());
                }
                let _ = job.done.send(result);
            }
        }
    }
}

/// Renders changes as one script; grants create their elements, or renew them when `renew`.
fn script_for<'a>(table: &str, changes: impl IntoIterator<Item = &'a Change>, renew: bool) -> String {
    let mut script = String::new();
    for change in changes {
        match change {
            Change::Allow(allowed) if renew => script.push_str(&ruleset::renew_script(table, &[*allowed])),
            Change::Allow(allowed) => script.push_str(&ruleset::create_script(table, &[*allowed])),
            Change::Revoke(element) => script.push_str(&ruleset::revoke_script(table, &[*element])),
            Change::Replace(_) => {}
        }
    }
    script
}

/// Adds to `ruleset` the addresses dnsmasq's `nftset=` put in the kernel's `garden_v4` and
/// `garden_v6`, so that replacing the table does not empty them.
fn with_kept_garden(nft: &str, mut ruleset: Ruleset) -> Ruleset {
    for set in ["garden_v4", "garden_v6"] {
        let Ok(output) = Command::new(nft)
            .args(["list", "set", "inet", &ruleset.table, set])
            .output()
        else {
            continue;
        };
        // A missing table (first start) or set is not an error: there is nothing to keep.
        if !output.status.success() {
            continue;
        }
        for prefix in garden_elements(&String::from_utf8_lossy(&output.stdout)) {
            if !ruleset.dns_garden.contains(&prefix) {
                ruleset.dns_garden.push(prefix);
            }
        }
    }
    ruleset
}

/// Parses the elements of an interval set from `nft list set` output; ranges and anything else
/// that is not an address or prefix are skipped.
fn garden_elements(listing: &str) -> Vec<ruleset::Prefix> {
    let Some(start) = listing.find("elements = {") else {
        return Vec::new();
    };
    let rest = &listing[start + "elements = {".len()..];
    let body = &rest[..rest.find('}').unwrap_or(rest.len())];
    body.split([',', '\n'])
        .filter_map(|item| item.split_whitespace().next())
        .filter_map(|item| item.parse().ok())
        .collect()
}

/// Runs `nft -f -` with `script` on standard input and returns its standard output.
fn run_nft(nft: &str, script: &str) -> Result<String, FirewallError> {
    let mut child = Command::new(nft)
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| FirewallError::Backend(format!("cannot run {nft}: {error}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|error| FirewallError::Backend(format!("cannot write to {nft}: {error}")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|error| FirewallError::Backend(format!("cannot wait for {nft}: {error}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(FirewallError::Backend(format!(
            "{nft} -f - failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Reads the table back and checks that every chain, set and the capture rule are there.
fn verify(nft: &str, ruleset: &Ruleset) -> Result<(), FirewallError> {
    let output = Command::new(nft)
        // Terse listing leaves out set elements, which can number in the hundreds of thousands.
        .args(["-t", "list", "table", "inet", &ruleset.table])
        .output()
        .map_err(|error| FirewallError::Backend(format!("cannot run {nft}: {error}")))?;
    let listed = String::from_utf8_lossy(&output.stdout);
    let expected = [
        "chain capture".to_string(),
        "chain forward".to_string(),
        "chain input".to_string(),
        "set allowed_mac".to_string(),
        "set allowed_v4".to_string(),
        "set allowed_v6".to_string(),
        "set trusted_mac".to_string(),
        "set blocked_mac".to_string(),
        format!("redirect to :{}", ruleset.portal_port),
        "reject with tcp reset".to_string(),
    ];
    let missing: Vec<&str> = expected
        .iter()
        .filter(|part| !listed.contains(part.as_str()))
        .map(String::as_str)
        .collect();
    if !output.status.success() || !missing.is_empty() {
        return Err(FirewallError::Backend(format!(
            "table inet {} read back from the kernel is not what was installed (missing: {}); \
             another program may have changed it, or nft lacks support for inet nat",
            ruleset.table,
            missing.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garden_elements_parsed_from_listing() {
        let listing = "table inet antoan {\n\tset garden_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\
                       \t\telements = { 198.51.100.0/24, 203.0.113.7,\n\t\t\t     203.0.113.20-203.0.113.30 }\n\t}\n}\n";
        let found: Vec<String> = garden_elements(listing).iter().map(ToString::to_string).collect();
        assert_eq!(found, ["198.51.100.0/24", "203.0.113.7/32"]);
        assert!(garden_elements("table inet antoan {\n\tset garden_v6 {\n\t}\n}\n").is_empty());
    }
}
