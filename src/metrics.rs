//! The Prometheus registry. Every label has a bounded set of values: notice ids, topics,
//! languages, results and reasons, never an address, host, path or user agent.

use prometheus::{Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

/// Counters of what the portal does.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub notice_views: IntCounterVec,
    pub answers: IntCounterVec,
    pub grants: IntCounterVec,
    pub probes: IntCounterVec,
    pub rejected_tokens: IntCounterVec,
    pub firewall_errors: IntCounterVec,
}

impl Metrics {
    /// Creates the registry; every series carries the `site` label.
    pub fn new(site_id: &str) -> Metrics {
        let labels = [("site".to_string(), site_id.to_string())].into_iter().collect();
        let registry = Registry::new_custom(Some("antoan".to_string()), Some(labels))
            .expect("the prefix and labels are valid");
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let counter = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric definition");
            registry
                .register(Box::new(counter.clone()))
                .expect("each name is registered once");
            counter
        };
        let metrics = Metrics {
            notice_views: counter(
                "notice_views_total",
                "Splash pages shown, by notice, topic and language.",
                &["notice", "topic", "lang"],
            ),
            answers: counter(
                "answers_total",
                "Answers given, by notice and result (right or wrong).",
                &["notice", "result"],
            ),
            grants: counter("grants_total", "Devices let through, by reason.", &["reason"]),
            probes: counter(
                "probe_requests_total",
                "Captive-portal detection requests from devices not yet allowed, by OS family.",
                &["os"],
            ),
            rejected_tokens: counter(
                "rejected_tokens_total",
                "Answers rejected because their token was invalid, by reason.",
                &["reason"],
            ),
            firewall_errors: counter(
                "firewall_errors_total",
                "Grants the firewall failed to apply, by backend.",
                &["backend"],
            ),
            registry,
        };
        let build = IntGaugeVec::new(
            Opts::new(
                "build_info",
                "Always 1; the version label names the running build.",
            ),
            &["version"],
        )
        .expect("valid metric definition");
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        metrics
            .registry
            .register(Box::new(build))
            .expect("registered once");
        metrics
    }

    /// Renders the registry in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoder = TextEncoder::new();
        // Encoding into a Vec cannot fail for well-formed metric families.
        if let Err(error) = encoder.encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "failed to encode metrics");
        }
        String::from_utf8_lossy(&buffer).into_owned()
    }
}
