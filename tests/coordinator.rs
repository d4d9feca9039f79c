//! Metrics reach the coordinators: the real Prometheus scrapes the admin listener and receives
//! remote-write pushes, and the real VictoriaMetrics receives pushes; the values are queried
//! back through their HTTP APIs. Everything listens on 127.0.0.1.
//!
//! Needs Debian's `prometheus` and `victoria-metrics`. Without them the test prints SKIPPED and
//! returns, unless ANTOAN_REQUIRE_COORDINATOR=1 (set by scripts/test.sh), where it fails instead.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestPortal, form_encode, parse_splash, send};

const TOKEN: &str = "test-scrape-token";

/// A server process killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

fn missing_servers() -> Option<String> {
    for tool in ["prometheus", "victoria-metrics"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output();
        if !found.is_ok_and(|output| output.status.success()) {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

async fn wait_ready(address: SocketAddr, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(stream) = tokio::net::TcpStream::connect(address).await {
            drop(stream);
            let response = send(
                address,
                format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await;
            if response.status == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("server at {address} did not become ready");
}

/// Runs an instant query until it returns `expected`, for up to 30 seconds, and returns the
/// last value seen.
async fn query_until(address: SocketAddr, query: &str, expected: f64) -> Option<f64> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    while Instant::now() < deadline {
        let path = format!("/api/v1/query?query={}", form_encode(query));
        let response = send(
            address,
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await;
        if let Ok(body) = serde_json::from_str::<serde_json::Value>(&response.body)
            && let Some(value) = body["data"]["result"][0]["value"][1].as_str()
        {
            last = value.parse().ok();
            if last == Some(expected) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    last
}

async fn grant_once(portal: &TestPortal) {
    let page = parse_splash(&portal.get("/").await.body);
    let form = format!(
        "token={}&answer={}",
        form_encode(&page.token),
        portal.right_position(&page)
    );
    let response = portal.post_form("/answer", &form).await;
    assert!(response.body.contains("Bạn đã được kết nối internet"));
}

#[tokio::test]
async fn prometheus_and_victoriametrics_receive_counts() {
    if let Some(reason) = missing_servers() {
        assert!(
            std::env::var("ANTOAN_REQUIRE_COORDINATOR").is_err(),
            "coordinator test cannot run: {reason}"
        );
        eprintln!("SKIPPED prometheus_and_victoriametrics_receive_counts: {reason}");
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let prometheus_address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("valid");
    let victoria_address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("valid");

    // The portal pushing to Prometheus is also the one Prometheus scrapes.
    let pushing_to_prometheus = TestPortal::start(&format!(
        "[metrics]\nremote_write_url = \"http://{prometheus_address}/api/v1/write\"\npush_interval = \"1s\"\n\
         [site]\nprovince = \"VN-HN\"\nprovince_name = \"Hà Nội\""
    ))
    .await;
    let scrape_target = pushing_to_prometheus.admin();
    std::fs::write(
        work.path().join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: antoan\n    authorization:\n      \
             credentials: {TOKEN}\n    static_configs:\n      - targets: ['{scrape_target}']\n"
        ),
    )
    .expect("prometheus config");
    let _prometheus = Server(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                work.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                work.path().join("prometheus-data").display()
            ))
            .arg(format!("--web.listen-address={prometheus_address}"))
            .arg("--web.enable-remote-write-receiver")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );
    let _victoria = Server(
        Command::new("victoria-metrics")
            .arg(format!("-httpListenAddr={victoria_address}"))
            .arg(format!(
                "-storageDataPath={}",
                work.path().join("victoria-data").display()
            ))
            .arg("-search.latencyOffset=1s")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("victoria-metrics starts"),
    );
    wait_ready(prometheus_address, "/-/ready").await;
    wait_ready(victoria_address, "/health").await;
    let pushing_to_victoria = TestPortal::start(&format!(
        "[metrics]\nremote_write_url = \"http://{victoria_address}/api/v1/write\"\npush_interval = \"1s\"\n"
    ))
    .await;

    grant_once(&pushing_to_prometheus).await;
    grant_once(&pushing_to_victoria).await;
    grant_once(&TestPortal::start("").await).await;
    // The reach gauges are refreshed once a minute; refresh them now rather than wait.
    pushing_to_prometheus
        .running
        .state
        .store
        .flush()
        .expect("flushed");
    antoan::app::update_reach_gauges(&pushing_to_prometheus.running.state).expect("counted");

    let pushed = query_until(
        prometheus_address,
        "antoan_grants_total{reason=\"right_answer\",site=\"test-site\",province=\"VN-HN\",job=\"\"}",
        1.0,
    )
    .await;
    assert_eq!(
        pushed,
        Some(1.0),
        "Prometheus received the pushed grant count with the province label"
    );
    let scraped = query_until(
        prometheus_address,
        "antoan_grants_total{reason=\"right_answer\",job=\"antoan\"}",
        1.0,
    )
    .await;
    assert_eq!(
        scraped,
        Some(1.0),
        "Prometheus scraped the grant count with the bearer token"
    );
    let reached = query_until(
        prometheus_address,
        "antoan_devices_reached{period=\"year\",job=\"\"}",
        1.0,
    )
    .await;
    assert_eq!(reached, Some(1.0), "devices reached this year arrive by push");
    let latency = query_until(
        prometheus_address,
        "sum(antoan_http_request_duration_seconds_count{route=\"answer\",job=\"\"})",
        1.0,
    )
    .await;
    assert_eq!(
        latency,
        Some(1.0),
        "the answer's latency histogram arrives by push"
    );
    let victoria = query_until(
        victoria_address,
        "antoan_grants_total{reason=\"right_answer\"}",
        1.0,
    )
    .await;
    assert_eq!(
        victoria,
        Some(1.0),
        "VictoriaMetrics received the pushed grant count"
    );
    let views = query_until(victoria_address, "sum(antoan_notice_views_total)", 1.0).await;
    assert_eq!(views, Some(1.0), "VictoriaMetrics received the view count");
    let push_time = query_until(
        victoria_address,
        "antoan_last_push_success_timestamp_seconds > bool 1.7e9",
        1.0,
    )
    .await;
    assert_eq!(
        push_time,
        Some(1.0),
        "the last successful push time is exported and recent"
    );
}

#[tokio::test]
async fn metrics_require_configured_token() {
    let portal = TestPortal::start(&format!("[admin]\nbearer_token = \"{TOKEN}\"")).await;
    let address = portal.admin();
    let anonymous = send(
        address,
        format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(anonymous.status, 401);
    assert!(
        !anonymous.body.contains("antoan_"),
        "no metrics without the token"
    );
    let wrong = send(
        address,
        format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let right = send(
        address,
        format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(right.status, 200);
    assert!(right.body.contains("antoan_build_info"));
}

#[tokio::test]
async fn exposition_passes_promtool() {
    let found = Command::new("sh").args(["-c", "command -v promtool"]).output();
    if !found.is_ok_and(|output| output.status.success()) {
        assert!(
            std::env::var("ANTOAN_REQUIRE_COORDINATOR").is_err(),
            "promtool is not installed"
        );
        eprintln!("SKIPPED exposition_passes_promtool: promtool is not installed");
        return;
    }
    let portal = TestPortal::start("[quiz]\naudience_question = true").await;
    grant_once(&portal).await;
    let _ = portal.get("/generate_204").await;
    let exposition = portal.metrics().await;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), exposition.as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("promtool ends");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "promtool check metrics failed:\n{report}\n{exposition}"
    );
    assert!(
        report.trim().is_empty(),
        "promtool has remarks on the exposition:\n{report}"
    );
}
