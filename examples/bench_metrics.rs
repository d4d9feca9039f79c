//! Benchmark: time to render `/metrics` and to build a remote-write push, with 10 and with
//! 100,000 devices in the store (live sessions and reach rows). Also times the background
//! refresh of the reach gauges, which reads the store and does grow with the devices.
//! Run with `cargo run --release --example bench_metrics`; it listens on 127.0.0.1 only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use antoan::app;
use antoan::config::Config;
use antoan::i18n::Catalog;
use antoan::identity::{DeviceKey, MacAddr};
use antoan::store::{GrantReason, SessionClient, Store};

const RENDERS: u32 = 2000;

fn fill(dir: &std::path::Path, devices: u32) {
    let store = Store::open(dir).expect("store");
    let key = DeviceKey::new([3; 32]);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
        .to_string();
    for n in 0..devices {
        let [_, b, c, d] = n.to_be_bytes();
        let mac = MacAddr([0x02, 0x20, 0, b, c, d]);
        let device = key.device_of_mac(mac);
        let client = SessionClient {
            device: device.clone(),
            ip: None,
            mac: Some(mac),
        };
        store
            .start_session(&client, Duration::from_secs(3600), GrantReason::RightAnswer)
            .expect("session");
        store.record_view(&device, "fake-police-bank-calls", "scams", 1, &today);
        if n % 10_000 == 0 {
            store.flush().expect("flushed");
        }
    }
    store.flush().expect("flushed");
}

fn per_call(total: Duration, calls: u32) -> f64 {
    total.as_secs_f64() * 1e6 / f64::from(calls)
}

#[tokio::main]
async fn main() {
    println!(
        "| devices in store | /metrics render (µs) | remote-write build and encode (µs) | reach gauge refresh (ms) |"
    );
    println!("|---|---|---|---|");
    for devices in [10u32, 100_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        fill(dir.path(), devices);
        let config = Config::demo(
            "127.0.0.1:0".parse().expect("valid"),
            "127.0.0.1:0".parse().expect("valid"),
            dir.path().to_path_buf(),
        );
        let running = app::start(config, Arc::new(Catalog::embedded()))
            .await
            .expect("started");
        let state = Arc::clone(&running.state);

        let started = Instant::now();
        let refreshed = app::update_reach_gauges(&state);
        let refresh = started.elapsed();
        refreshed.expect("gauges");
        assert_eq!(
            state.metrics.devices_reached.with_label_values(&["1d"]).get(),
            i64::from(devices)
        );

        let mut bytes = 0;
        let started = Instant::now();
        for _ in 0..RENDERS {
            bytes += state.metrics.render().len();
        }
        let render = started.elapsed();

        let started = Instant::now();
        for _ in 0..RENDERS {
            let request = antoan::push::write_request(&state.metrics.gather(), 1_700_000_000_000);
            bytes += antoan::push::encode(&request).len();
        }
        let push = started.elapsed();
        assert!(bytes > 0);

        println!(
            "| {devices} | {:.1} | {:.1} | {:.1} |",
            per_call(render, RENDERS),
            per_call(push, RENDERS),
            refresh.as_secs_f64() * 1000.0
        );
        running.stop().await;
    }
}
