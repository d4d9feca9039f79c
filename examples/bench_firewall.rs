//! Benchmark of the nftables backend: restore time and grant latency with few and many devices
//! already allowed. Run it through `scripts/bench-firewall.sh`, which puts it in a network
//! namespace of its own; it changes the nftables rules of whatever namespace it runs in.

use std::time::{Duration, Instant};

use antoan::firewall::Firewall;
use antoan::firewall::nft::NftFirewall;
use antoan::firewall::ruleset::{Allowed, Element, Ruleset};
use antoan::identity::{DeviceKey, MacAddr};

const SEQUENTIAL_GRANTS: usize = 300;
const BURST_GRANTS: usize = 1000;

fn mac(n: u32) -> MacAddr {
    let [_, b, c, d] = n.to_be_bytes();
    MacAddr([0x02, 0x10, 0, b, c, d])
}

fn ruleset(devices: u32) -> Ruleset {
    Ruleset {
        table: "antoan".to_string(),
        lan_interfaces: vec!["lan0".to_string()],
        portal_port: 8080,
        admin_port: 9469,
        walled_garden: vec![],
        dns_garden: vec![],
        trusted_macs: vec![],
        blocked_macs: vec![],
        idle_timeout: Duration::from_secs(1800),
        groups: vec![],
        sessions: (0..devices)
            .map(|n| Allowed {
                element: Element::Mac(mac(n)),
                remaining: Duration::from_secs(3600),
                idle: Duration::from_secs(1800),
            })
            .collect(),
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let nft = std::env::var("NFT").unwrap_or_else(|_| "nft".to_string());
    let key = DeviceKey::new([9; 32]);
    println!(
        "| devices already allowed | restore (ms) | grant p50 (ms) | grant p99 (ms) | burst of {BURST_GRANTS}: grants/s |"
    );
    println!("|---|---|---|---|---|");
    for devices in [10u32, 100_000] {
        let wanted = ruleset(devices);
        let started = Instant::now();
        let firewall = match NftFirewall::start(&nft, &wanted) {
            Ok(firewall) => firewall,
            Err(error) => {
                eprintln!("cannot install the table: {error}");
                std::process::exit(1);
            }
        };
        let restore = started.elapsed();

        let mut latencies = Vec::with_capacity(SEQUENTIAL_GRANTS);
        for n in 0..SEQUENTIAL_GRANTS as u32 {
            let client = key.client("198.18.0.1".parse().expect("valid"), Some(mac(500_000 + n)));
            let started = Instant::now();
            let result = firewall
                .allow(&client, Duration::from_secs(3600), Duration::from_secs(1800))
                .blocking_recv();
            latencies.push(started.elapsed());
            if !matches!(result, Ok(Ok(()))) {
                eprintln!("grant failed: {result:?}");
                std::process::exit(1);
            }
        }
        latencies.sort();

        let started = Instant::now();
        let pending: Vec<_> = (0..BURST_GRANTS as u32)
            .map(|n| {
                let client = key.client("198.18.0.1".parse().expect("valid"), Some(mac(600_000 + n)));
                firewall.allow(&client, Duration::from_secs(3600), Duration::from_secs(1800))
            })
            .collect();
        for receiver in pending {
            if !matches!(receiver.blocking_recv(), Ok(Ok(()))) {
                eprintln!("burst grant failed");
                std::process::exit(1);
            }
        }
        let burst = started.elapsed();
        println!(
            "| {devices} | {:.1} | {:.2} | {:.2} | {:.0} |",
            milliseconds(restore),
            milliseconds(percentile(&latencies, 0.5)),
            milliseconds(percentile(&latencies, 0.99)),
            BURST_GRANTS as f64 / burst.as_secs_f64()
        );
        if let Err(error) = firewall.remove() {
            eprintln!("cannot remove the table: {error}");
        }
    }
}
