//! The Prometheus registry. Every label has a bounded set of values: notice ids, topics,
//! languages, results, reasons and routes, never an address, host, path or user agent. The
//! series are documented in `docs/metrics.md`.

use std::collections::HashMap;

use prometheus::core::Collector;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The labels every series carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteLabels {
    pub site: String,
    pub site_name: String,
    pub province: String,
    pub province_name: String,
}

/// A counter series as the store keeps it: name without prefix, label pairs, value.
pub type StoredCounter = (String, Vec<(String, String)>, u64);

/// Counters of what the portal does.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub notice_views: IntCounterVec,
    pub answers: IntCounterVec,
    pub grants: IntCounterVec,
    pub audience_answers: IntCounterVec,
    pub probes: IntCounterVec,
    pub rejected_tokens: IntCounterVec,
    pub firewall_errors: IntCounterVec,
    pub devices_online: IntGauge,
    pub devices_reached: IntGaugeVec,
    pub http_duration: HistogramVec,
    pub firewall_duration: HistogramVec,
    pub content_info: IntGaugeVec,
    pub last_push_success: IntGauge,
    /// Counters saved to the store and restored at start, by name without the prefix.
    persistent: Vec<(&'static str, IntCounterVec)>,
}

impl Metrics {
    /// Creates the registry; every series carries the site labels.
    pub fn new(site: &SiteLabels) -> Metrics {
        let labels: HashMap<String, String> = [
            ("site", &site.site),
            ("site_name", &site.site_name),
            ("province", &site.province),
            ("province_name", &site.province_name),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
        let registry = Registry::new_custom(Some("antoan".to_string()), Some(labels))
            .expect("the prefix and labels are valid");
        let register = |collector: Box<dyn Collector>| {
            registry
                .register(collector)
                .expect("each name is registered once");
        };
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let counter = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric definition");
            register(Box::new(counter.clone()));
            counter
        };
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let gauge = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric definition");
            register(Box::new(gauge.clone()));
            gauge
        };
        let gauge = |name: &str, help: &str| {
            let gauge = IntGauge::new(name, help).expect("valid metric definition");
            register(Box::new(gauge.clone()));
            gauge
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: Vec<f64>| {
            let opts = HistogramOpts::new(name, help).buckets(buckets);
            let histogram = HistogramVec::new(opts, labels).expect("valid metric definition");
            register(Box::new(histogram.clone()));
            histogram
        };

        let notice_views = counter(
            "notice_views_total",
            "Splash pages shown, by notice, topic and language.",
            &["notice", "topic", "lang"],
        );
        let answers = counter(
            "answers_total",
            "Answers given, by notice, topic, result (right or wrong) and attempt (first or retry).",
            &["notice", "topic", "result", "attempt"],
        );
        let grants = counter("grants_total", "Devices let through, by reason.", &["reason"]);
        let audience_answers = counter(
            "audience_answers_total",
            "Answers to the optional question about who is connecting, by group.",
            &["group"],
        );
        let probes = counter(
            "probe_requests_total",
            "Captive-portal detection requests from devices not yet allowed, by OS family.",
            &["os"],
        );
        let rejected_tokens = counter(
            "rejected_tokens_total",
            "Answers rejected because their token was invalid, by reason.",
            &["reason"],
        );
        let firewall_errors = counter(
            "firewall_errors_total",
            "Firewall changes that failed, by backend.",
            &["backend"],
        );
        let persistent = vec![
            ("notice_views_total", notice_views.clone()),
            ("answers_total", answers.clone()),
            ("grants_total", grants.clone()),
            ("audience_answers_total", audience_answers.clone()),
            ("probe_requests_total", probes.clone()),
            ("rejected_tokens_total", rejected_tokens.clone()),
            ("firewall_errors_total", firewall_errors.clone()),
        ];

        let devices_online = gauge("devices_online", "Devices with a live session.");
        let devices_reached = gauge_vec(
            "devices_reached",
            "Distinct devices shown at least one notice in the period, counted by keyed hash.",
            &["period"],
        );
        let http_duration = histogram(
            "http_request_duration_seconds",
            "Time to answer a portal request, by route.",
            &["route"],
            vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0],
        );
        let firewall_duration = histogram(
            "firewall_operation_duration_seconds",
            "Time from asking the firewall for a change to the change being in force.",
            &["operation"],
            vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0],
        );
        let content_info = gauge_vec(
            "content_info",
            "Always 1; the version label is a hash of the notices in force.",
            &["version"],
        );
        let build = gauge_vec(
            "build_info",
            "Always 1; the version label names the running build.",
            &["version"],
        );
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let last_push_success = IntGauge::new(
            "last_push_success_timestamp_seconds",
            "Unix time of the last remote-write push the receiver accepted.",
        )
        .expect("valid metric definition");
        // Series with known label values start at 0, so that the first increment shows as an
        // increase in Prometheus instead of as the series appearing.
        for reason in ["right_answer", "after_wrong_answers", "operator"] {
            grants.with_label_values(&[reason]);
        }
        for reason in ["malformed", "forged", "other_device", "expired", "replayed"] {
            rejected_tokens.with_label_values(&[reason]);
        }
        for os in ["android", "apple", "windows", "firefox", "chromeos"] {
            probes.with_label_values(&[os]);
        }
        Metrics {
            registry,
            notice_views,
            answers,
            grants,
            audience_answers,
            probes,
            rejected_tokens,
            firewall_errors,
            devices_online,
            devices_reached,
            http_duration,
            firewall_duration,
            content_info,
            last_push_success,
            persistent,
        }
    }

    /// Records an accepted push at `time`; the series exists from the first accepted push on.
    pub fn record_push(&self, time: i64) {
        self.last_push_success.set(time);
        // Registering twice fails harmlessly with AlreadyReg.
        let _ = self.registry.register(Box::new(self.last_push_success.clone()));
    }

    /// Starts the firewall error series of `backend` at 0.
    pub fn expect_firewall(&self, backend: &str) {
        self.firewall_errors.with_label_values(&[backend]);
    }

    /// Marks `version` as the content in force, dropping the previous version's series.
    pub fn set_content_version(&self, version: &str) {
        self.content_info.reset();
        self.content_info.with_label_values(&[version]).set(1);
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

    /// Returns every metric family, for remote write.
    pub fn gather(&self) -> Vec<prometheus::proto::MetricFamily> {
        self.registry.gather()
    }

    /// Returns the value of every persistent counter series: (name, label pairs, value).
    pub fn counter_values(&self) -> Vec<StoredCounter> {
        let mut values = Vec::new();
        for (name, counter) in &self.persistent {
            for family in counter.collect() {
                for metric in family.get_metric() {
                    let labels = metric
                        .get_label()
                        .iter()
                        .map(|pair| (pair.name().to_string(), pair.value().to_string()))
                        .collect();
                    values.push((name.to_string(), labels, metric.get_counter().value() as u64));
                }
            }
        }
        values
    }

    /// Adds stored totals back to the counters after a restart. Rows that match no counter or
    /// have the wrong number of labels are skipped and logged.
    pub fn restore_counters(&self, rows: &[StoredCounter]) {
        for (name, labels, value) in rows {
            let Some((_, counter)) = self.persistent.iter().find(|(known, _)| known == name) else {
                tracing::warn!(name, "skipping a stored counter that antoan no longer has");
                continue;
            };
            let labels: HashMap<&str, &str> = labels
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str()))
                .collect();
            match counter.get_metric_with(&labels) {
                Ok(series) => series.inc_by(*value),
                Err(error) => tracing::warn!(name, %error, "skipping a stored counter with other labels"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> SiteLabels {
        SiteLabels {
            site: "cafe-1".to_string(),
            site_name: "Quán 1".to_string(),
            province: "VN-HN".to_string(),
            province_name: "Hà Nội".to_string(),
        }
    }

    #[test]
    fn every_series_carries_site_labels() {
        let metrics = Metrics::new(&labels());
        metrics.grants.with_label_values(&["right_answer"]).inc();
        let text = metrics.render();
        let line = text
            .lines()
            .find(|line| line.starts_with("antoan_grants_total{"))
            .expect("grants series");
        for expected in [
            "site=\"cafe-1\"",
            "province=\"VN-HN\"",
            "province_name=\"Hà Nội\"",
            "site_name=\"Quán 1\"",
        ] {
            assert!(line.contains(expected), "{line} has {expected}");
        }
    }

    #[test]
    fn counters_restored_after_restart() {
        let before = Metrics::new(&labels());
        before
            .answers
            .with_label_values(&["otp", "accounts", "right", "first"])
            .inc_by(7);
        before.grants.with_label_values(&["operator"]).inc_by(2);
        let saved = before.counter_values();

        let after = Metrics::new(&labels());
        after.restore_counters(&saved);
        after.grants.with_label_values(&["operator"]).inc();
        assert_eq!(
            after
                .answers
                .with_label_values(&["otp", "accounts", "right", "first"])
                .get(),
            7
        );
        assert_eq!(after.grants.with_label_values(&["operator"]).get(), 3);
    }

    #[test]
    fn unknown_stored_counters_skipped() {
        let metrics = Metrics::new(&labels());
        metrics.restore_counters(&[
            ("gone_total".to_string(), vec![], 5),
            (
                "grants_total".to_string(),
                vec![("colour".to_string(), "blue".to_string())],
                5,
            ),
        ]);
        assert!(!metrics.render().contains("gone_total"));
    }

    #[test]
    fn content_version_replaced() {
        let metrics = Metrics::new(&labels());
        metrics.set_content_version("aaa");
        metrics.set_content_version("bbb");
        let text = metrics.render();
        assert!(text.contains("version=\"bbb\""));
        assert!(!text.contains("version=\"aaa\""));
    }
}
