//! Bad and hostile input: never a crash, never a 5xx, and one device cannot starve the others.

mod common;

use std::time::Duration;

use common::{TestPortal, connect_from, form_encode, parse_splash, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Asserts the portal still serves a normal request.
async fn assert_alive(portal: &TestPortal) {
    let response = portal.get("/").await;
    assert_eq!(response.status, 200, "portal still serves the splash");
}

#[tokio::test]
async fn http10_without_host_redirected() {
    let portal = TestPortal::start("").await;
    let response = send(portal.portal(), b"GET / HTTP/1.0\r\n\r\n").await;
    assert_eq!(response.status, 302);
    assert_eq!(
        response.header("location"),
        Some(format!("http://{}/", portal.host()).as_str())
    );
}

#[tokio::test]
async fn huge_headers_rejected_without_5xx() {
    let portal = TestPortal::start("").await;
    let filler = "x".repeat(64 * 1024);
    let request =
        format!("GET / HTTP/1.1\r\nHost: example.com\r\nX-Filler: {filler}\r\nConnection: close\r\n\r\n");
    let response = send(portal.portal(), request.as_bytes()).await;
    assert!(response.status < 500, "status {}", response.status);
    assert_alive(&portal).await;
}

#[tokio::test]
async fn tls_bytes_on_http_port_handled() {
    let portal = TestPortal::start("").await;
    // The start of a TLS 1.2/1.3 ClientHello record.
    let hello: &[u8] = &[
        0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x5a, 0x5a, 0x5a, 0x5a, 0x00, 0x00,
        0x20,
    ];
    let response = send(portal.portal(), hello).await;
    assert!(
        response.status == 0 || response.status < 500,
        "status {}",
        response.status
    );
    assert_alive(&portal).await;
}

#[tokio::test]
async fn nul_and_invalid_utf8_in_path_and_form() {
    let portal = TestPortal::start("").await;
    let host = portal.host();
    let requests: Vec<Vec<u8>> = vec![
        format!("GET /%00%ff%fe?x=%00 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes(),
        b"GET /a%00b%c3%28 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n".to_vec(),
        format!(
            "GET /?url=%ff%00&lang=%c3%28&notice=%00 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .into_bytes(),
        b"GET /\xff\xfe HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: exa\xffmple.com\r\nConnection: close\r\n\r\n".to_vec(),
    ];
    for request in &requests {
        let response = send(portal.portal(), request).await;
        assert!(
            response.status < 500,
            "{:?} -> {}",
            String::from_utf8_lossy(request),
            response.status
        );
    }
    let form = "token=%00%ff&answer=%ff&url=%00&lang=%c3%28";
    let response = portal.post_form("/answer", form).await;
    assert_eq!(response.status, 400);
    let binary = b"token=\xff\xfe\x00&answer=\xc3\x28".to_vec();
    let mut request = format!(
        "POST /answer HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        binary.len()
    )
    .into_bytes();
    request.extend_from_slice(&binary);
    let response = send(portal.portal(), &request).await;
    assert_eq!(response.status, 400);
    assert_alive(&portal).await;
}

const DANGEROUS_URLS: [&str; 4] = [
    "javascript:alert(1)",
    "//elsewhere.example/x",
    "http://example.com/\r\nSet-Cookie: a=b",
    "data:text/html,hi",
];

#[tokio::test]
async fn dangerous_original_urls_not_carried() {
    let portal = TestPortal::start("").await;
    for url in DANGEROUS_URLS {
        let page = portal.get(&format!("/?url={}", form_encode(url))).await;
        assert_eq!(page.status, 200);
        assert_eq!(parse_splash(&page.body).url, None, "{url:?} is not carried");
    }
}

#[tokio::test]
async fn dangerous_original_urls_not_linked() {
    for url in DANGEROUS_URLS {
        // Each grant allows the test client, so each URL gets a fresh portal.
        let portal = TestPortal::start("").await;
        let page = parse_splash(&portal.get("/").await.body);
        let form = format!(
            "token={}&answer={}&url={}",
            form_encode(&page.token),
            portal.right_position(&page),
            form_encode(url)
        );
        let online = portal.post_form("/answer", &form).await;
        assert!(online.body.contains("Bạn đã được kết nối internet"), "{url:?}");
        assert!(
            !online.body.contains("class=\"button\""),
            "{url:?}: no continue link"
        );
        assert!(!online.body.contains("javascript"), "{url:?}");
        assert!(online.header("set-cookie").is_none(), "{url:?}");
    }
}

#[tokio::test]
async fn oversized_form_rejected() {
    let portal = TestPortal::start("").await;
    let form = format!("token={}", "a".repeat(64 * 1024));
    let response = portal.post_form("/answer", &form).await;
    assert_eq!(response.status, 413);
    assert_alive(&portal).await;
}

#[tokio::test]
async fn slow_headers_timed_out() {
    let portal = TestPortal::start("header_read_timeout = \"1s\"").await;
    let mut stream = connect_from(None, portal.portal()).await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: exam")
        .await
        .expect("partial request");
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok(),
        "the server closed a connection that stalled in its headers"
    );
}

#[tokio::test]
async fn idle_keepalive_closed() {
    let portal = TestPortal::start("header_read_timeout = \"1s\"").await;
    let mut stream = connect_from(None, portal.portal()).await;
    let request = format!("GET /api/captive HTTP/1.1\r\nHost: {}\r\n\r\n", portal.host());
    stream.write_all(request.as_bytes()).await.expect("request");
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok(),
        "an idle keep-alive connection is closed by the server"
    );
    assert!(
        String::from_utf8_lossy(&buffer).starts_with("HTTP/1.1 200"),
        "the request was answered first"
    );
}

#[tokio::test]
async fn per_client_connection_cap() {
    let portal = TestPortal::start("max_connections_per_client = 4").await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(None, portal.portal()).await);
    }
    // Let the server accept all four before the fifth arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = connect_from(None, portal.portal()).await;
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        portal.host()
    );
    let _ = fifth.write_all(request.as_bytes()).await;
    let mut buffer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), fifth.read_to_end(&mut buffer)).await;
    assert!(
        buffer.is_empty(),
        "the fifth connection from one address is closed unanswered"
    );

    let other = common::send_from(
        Some("127.0.0.2".parse().expect("valid")),
        portal.portal(),
        request.as_bytes(),
    )
    .await;
    assert_eq!(other.status, 200, "another client is still served");

    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_alive(&portal).await;
}
