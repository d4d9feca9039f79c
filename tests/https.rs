//! The optional HTTPS portal listener: the operator's certificate, the splash and the RFC 8908
//! API over TLS, and a certificate swapped by a reload without a restart.

mod common;

use std::path::Path;
use std::sync::Arc;

use antoan::i18n::Catalog;
use common::TestPortal;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Writes a fresh self-signed certificate for `portal.test` and returns it for the client.
fn write_certificate(dir: &Path) -> CertificateDer<'static> {
    let generated = rcgen::generate_simple_self_signed(vec!["portal.test".to_string()]).expect("certificate");
    std::fs::write(dir.join("cert.pem"), generated.cert.pem()).expect("written");
    std::fs::write(dir.join("key.pem"), generated.signing_key.serialize_pem()).expect("written");
    generated.cert.der().clone()
}

fn https_config(dir: &Path) -> String {
    format!(
        "https_listen = \"127.0.0.1:0\"\nhttps_url = \"https://portal.test\"\ntls_certificate = {:?}\ntls_key = {:?}\n",
        dir.join("cert.pem").display().to_string(),
        dir.join("key.pem").display().to_string()
    )
}

/// Sends one request to the HTTPS portal listener, trusting only `trusted`.
async fn https_get(
    portal: &TestPortal,
    trusted: &CertificateDer<'static>,
    path: &str,
) -> Result<String, String> {
    let address = portal.running.https_address.expect("HTTPS listener running");
    tls_get(address, trusted, path, "").await
}

/// Sends one request over TLS to `address`, trusting only `trusted`, and returns the raw response.
async fn tls_get(
    address: std::net::SocketAddr,
    trusted: &CertificateDer<'static>,
    path: &str,
    headers: &str,
) -> Result<String, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).map_err(|error| error.to_string())?;
    // The same provider as the server's (see src/tls.rs for why ring).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|error| error.to_string())?;
    let name = ServerName::try_from("portal.test").expect("valid name");
    let mut tls = connector
        .connect(name, stream)
        .await
        .map_err(|error| error.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: portal.test\r\n{headers}Connection: close\r\n\r\n");
    tls.write_all(request.as_bytes())
        .await
        .map_err(|error| error.to_string())?;
    let mut response = Vec::new();
    // A server may close without a TLS close_notify after `Connection: close`; what was read counts.
    let _ = tls.read_to_end(&mut response).await;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test]
async fn splash_and_api_served_over_tls() {
    let certificates = tempfile::tempdir().expect("temp dir");
    let trusted = write_certificate(certificates.path());
    let portal = TestPortal::start(&https_config(certificates.path())).await;

    let api = https_get(&portal, &trusted, "/api/captive")
        .await
        .expect("TLS request");
    assert!(api.starts_with("HTTP/1.1 200"), "{api}");
    assert!(
        api.contains("\"user-portal-url\":\"https://portal.test/\""),
        "the API names the HTTPS portal: {api}"
    );

    let splash = https_get(&portal, &trusted, "/").await.expect("TLS request");
    assert!(
        splash.starts_with("HTTP/1.1 200"),
        "portal.test is the portal's own name: {splash}"
    );
    assert!(splash.contains("data-notice="));
}

#[tokio::test]
async fn reload_swaps_certificate() {
    let certificates = tempfile::tempdir().expect("temp dir");
    let first = write_certificate(certificates.path());
    let portal = TestPortal::start(&https_config(certificates.path())).await;
    assert!(https_get(&portal, &first, "/api/captive").await.is_ok());

    let second = write_certificate(certificates.path());
    antoan::app::reload(&portal.running.state, &Arc::new(Catalog::embedded()))
        .await
        .expect("reloaded");
    let with_second = https_get(&portal, &second, "/api/captive")
        .await
        .expect("new certificate served");
    assert!(with_second.starts_with("HTTP/1.1 200"));
    assert!(
        https_get(&portal, &first, "/api/captive").await.is_err(),
        "the old certificate is gone"
    );
}

#[tokio::test]
async fn broken_key_rejected_by_reload_and_old_certificate_kept() {
    let certificates = tempfile::tempdir().expect("temp dir");
    let trusted = write_certificate(certificates.path());
    let portal = TestPortal::start(&https_config(certificates.path())).await;
    std::fs::write(certificates.path().join("key.pem"), "not a key").expect("written");
    let result = antoan::app::reload(&portal.running.state, &Arc::new(Catalog::embedded())).await;
    assert!(result.is_err(), "a reload with a broken key is rejected");
    assert!(
        https_get(&portal, &trusted, "/api/captive").await.is_ok(),
        "the running certificate stays"
    );
}

#[tokio::test]
async fn admin_listener_serves_metrics_over_tls() {
    let certificates = tempfile::tempdir().expect("temp dir");
    let trusted = write_certificate(certificates.path());
    let portal = TestPortal::start(&format!(
        "[admin]\nbearer_token = \"s3cret\"\ntls_certificate = {:?}\ntls_key = {:?}\n",
        certificates.path().join("cert.pem").display().to_string(),
        certificates.path().join("key.pem").display().to_string()
    ))
    .await;
    let metrics = tls_get(
        portal.admin(),
        &trusted,
        "/metrics",
        "Authorization: Bearer s3cret\r\n",
    )
    .await
    .expect("TLS request");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(metrics.contains("antoan_build_info"));
    let plain = common::send(
        portal.admin(),
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_ne!(plain.status, 200, "no plain-HTTP metrics when TLS is on");
}
