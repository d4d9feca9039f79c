//! Prometheus remote write: pushes the current value of every series to the coordinators'
//! receiver (Prometheus, VictoriaMetrics, Mimir, Thanos), for sites behind NAT that cannot be
//! scraped.
//!
//! Each push is a fresh snapshot. Counters are cumulative, so a push that fails loses nothing
//! (the next one carries the totals), and nothing queues up while the receiver is down: memory
//! stays the same whether it is unreachable for a minute or for days.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{self, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use prometheus::proto::{MetricFamily, MetricType};
use tokio::sync::watch;

use crate::metrics::Metrics;

/// The remote-write protocol's messages (prometheus/prompb), the fields antoan sends.
pub mod prompb {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct WriteRequest {
        #[prost(message, repeated, tag = "1")]
        pub timeseries: Vec<TimeSeries>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TimeSeries {
        #[prost(message, repeated, tag = "1")]
        pub labels: Vec<Label>,
        #[prost(message, repeated, tag = "2")]
        pub samples: Vec<Sample>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Label {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub value: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sample {
        #[prost(double, tag = "1")]
        pub value: f64,
        #[prost(int64, tag = "2")]
        pub timestamp: i64,
    }
}

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub url: Uri,
    /// A complete `Authorization` header value (bearer or basic), if any.
    pub authorization: Option<String>,
    pub interval: Duration,
}

/// A push failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("cannot reach the receiver: {0}")]
    Connect(String),
    /// The receiver answered with an error status.
    #[error("receiver answered {status}: {body}")]
    Rejected { status: u16, body: String },
}

/// Builds the remote-write request for `families` with samples at `timestamp_ms`. Labels of a
/// series are sorted by name, as the protocol requires.
pub fn write_request(families: &[MetricFamily], timestamp_ms: i64) -> prompb::WriteRequest {
    let mut timeseries = Vec::new();
    for family in families {
        let name = family.name();
        for metric in family.get_metric() {
            let labels: Vec<(String, String)> = metric
                .get_label()
                .iter()
                .map(|pair| (pair.name().to_string(), pair.value().to_string()))
                .collect();
            let mut push = |suffix: &str, extra: Option<(&str, String)>, value: f64| {
                let mut pairs = labels.clone();
                pairs.push(("__name__".to_string(), format!("{name}{suffix}")));
                if let Some((key, label_value)) = extra {
                    pairs.push((key.to_string(), label_value));
                }
                pairs.sort();
                timeseries.push(prompb::TimeSeries {
                    labels: pairs
                        .into_iter()
                        .map(|(name, value)| prompb::Label { name, value })
                        .collect(),
                    samples: vec![prompb::Sample {
                        value,
                        timestamp: timestamp_ms,
                    }],
                });
            };
            match family.get_field_type() {
                MetricType::COUNTER => push("", None, metric.get_counter().value()),
                MetricType::GAUGE => push("", None, metric.get_gauge().value()),
                MetricType::HISTOGRAM => {
                    let histogram = metric.get_histogram();
                    for bucket in histogram.get_bucket() {
                        let bound = bucket.upper_bound().to_string();
                        push("_bucket", Some(("le", bound)), bucket.cumulative_count() as f64);
                    }
                    let count = histogram.get_sample_count() as f64;
                    push("_bucket", Some(("le", "+Inf".to_string())), count);
                    push("_sum", None, histogram.get_sample_sum());
                    push("_count", None, count);
                }
                // antoan registers no summaries or untyped series.
                _ => {}
            }
        }
    }
    prompb::WriteRequest { timeseries }
}

/// Encodes a request as the protocol sends it: protobuf, then snappy's block format.
pub fn encode(request: &prompb::WriteRequest) -> Vec<u8> {
    let protobuf = prost::Message::encode_to_vec(request);
    // Compressing an in-memory buffer only fails for inputs over 4 GiB.
    snap::raw::Encoder::new()
        .compress_vec(&protobuf)
        .unwrap_or_default()
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

fn client() -> HttpsClient {
    // ring, for the reason given in src/tls.rs.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    // Mozilla's roots are built in, because a router often has no system certificate store.
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .expect("the ring provider supports rustls's default protocol versions")
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(connector)
}

/// Sends one snapshot of `metrics` to `target`.
pub async fn push_once(
    client: &HttpsClient,
    metrics: &Metrics,
    target: &PushTarget,
) -> Result<(), PushError> {
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX);
    let body = encode(&write_request(&metrics.gather(), now_ms));
    let mut request = Request::post(target.url.clone())
        .header(header::CONTENT_TYPE, "application/x-protobuf")
        .header(header::CONTENT_ENCODING, "snappy")
        .header(header::USER_AGENT, concat!("antoan/", env!("CARGO_PKG_VERSION")))
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| PushError::Connect(error.to_string()))?;
    if let Some(authorization) = &target.authorization
        && let Ok(value) = HeaderValue::from_str(authorization)
    {
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
        .await
        .map_err(|_| PushError::Connect("timed out after 30 s".to_string()))?
        .map_err(|error| PushError::Connect(crate::pages::error_chain(&error)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned();
    Err(PushError::Rejected {
        status: status.as_u16(),
        body,
    })
}

/// Pushes every `target.interval` until `shutdown` changes, backing off from 5 seconds to
/// 5 minutes while pushes fail.
pub async fn run(metrics: Metrics, target: PushTarget, mut shutdown: watch::Receiver<bool>) {
    const FIRST_BACKOFF: Duration = Duration::from_secs(5);
    const MAX_BACKOFF: Duration = Duration::from_secs(300);
    let client = client();
    let mut delay = Duration::ZERO;
    let mut backoff = FIRST_BACKOFF;
    let mut failures: u64 = 0;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => return,
        }
        match push_once(&client, &metrics, &target).await {
            Ok(()) => {
                if failures > 0 {
                    tracing::info!(failures, "remote-write push succeeded again");
                }
                metrics.record_push(i64::try_from(crate::token::unix_now()).unwrap_or(i64::MAX));
                failures = 0;
                backoff = FIRST_BACKOFF;
                delay = target.interval;
            }
            Err(error) => {
                failures += 1;
                // The first failure and then every tenth are logged, so a receiver that is down
                // for days does not fill the log.
                if failures == 1 || failures.is_multiple_of(10) {
                    tracing::warn!(%error, failures, retry_seconds = backoff.as_secs(), "remote-write push failed");
                }
                delay = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::SiteLabels;

    #[test]
    fn series_have_sorted_labels_and_histograms_expand() {
        let metrics = Metrics::new(&SiteLabels {
            site: "cafe-1".to_string(),
            site_name: "Quán".to_string(),
            province: "VN-HN".to_string(),
            province_name: "Hà Nội".to_string(),
        });
        metrics.grants.with_label_values(&["operator"]).inc_by(3);
        metrics
            .http_duration
            .with_label_values(&["splash"])
            .observe(0.002);
        let request = write_request(&metrics.gather(), 1_700_000_000_000);

        let grants = request
            .timeseries
            .iter()
            .find(|series| {
                series
                    .labels
                    .iter()
                    .any(|label| label.value == "antoan_grants_total")
                    && series
                        .labels
                        .iter()
                        .any(|label| label.name == "reason" && label.value == "operator")
            })
            .expect("grants series");
        let names: Vec<&str> = grants.labels.iter().map(|label| label.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[0], "__name__");
        assert!(names.contains(&"province"));
        assert_eq!(grants.samples[0].value, 3.0);
        assert_eq!(grants.samples[0].timestamp, 1_700_000_000_000);

        let infinity = request.timeseries.iter().find(|series| {
            series
                .labels
                .iter()
                .any(|label| label.value == "antoan_http_request_duration_seconds_bucket")
                && series
                    .labels
                    .iter()
                    .any(|label| label.name == "le" && label.value == "+Inf")
        });
        assert_eq!(infinity.expect("+Inf bucket").samples[0].value, 1.0);
    }

    #[test]
    fn encoding_round_trips_through_snappy() {
        let request = prompb::WriteRequest {
            timeseries: vec![prompb::TimeSeries {
                labels: vec![prompb::Label {
                    name: "__name__".to_string(),
                    value: "x".to_string(),
                }],
                samples: vec![prompb::Sample {
                    value: 1.5,
                    timestamp: 42,
                }],
            }],
        };
        let encoded = encode(&request);
        let decoded = snap::raw::Decoder::new()
            .decompress_vec(&encoded)
            .expect("snappy");
        let back: prompb::WriteRequest = prost::Message::decode(decoded.as_slice()).expect("protobuf");
        assert_eq!(back, request);
    }
}
