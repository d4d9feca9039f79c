//! Capture: every request from a device that is not allowed ends on the splash.

mod common;

use common::{TestPortal, metric_value, send};

/// Real probe requests: (host, path, user agent, OS label).
const PROBES: &[(&str, &str, &str, &str)] = &[
    (
        "connectivitycheck.gstatic.com",
        "/generate_204",
        "Dalvik/2.1.0 (Linux; U; Android 14)",
        "android",
    ),
    (
        "clients3.google.com",
        "/gen_204",
        "Dalvik/2.1.0 (Linux; U; Android 9)",
        "android",
    ),
    (
        "captive.apple.com",
        "/hotspot-detect.html",
        "CaptiveNetworkSupport-481 wispr",
        "apple",
    ),
    (
        "www.msftconnecttest.com",
        "/connecttest.txt",
        "Microsoft NCSI",
        "windows",
    ),
    (
        "www.msftconnecttest.com",
        "/redirect",
        "Mozilla/5.0 (Windows NT 10.0)",
        "windows",
    ),
    ("www.msftncsi.com", "/ncsi.txt", "Microsoft NCSI", "windows"),
    (
        "detectportal.firefox.com",
        "/canonical.html",
        "Mozilla/5.0 Firefox/133.0",
        "firefox",
    ),
    (
        "detectportal.firefox.com",
        "/success.txt",
        "Mozilla/5.0 Firefox/133.0",
        "firefox",
    ),
    (
        "www.gstatic.com",
        "/generate_204",
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0)",
        "chromeos",
    ),
];

#[tokio::test]
async fn every_os_probe_redirected_to_splash() {
    let portal = TestPortal::start("").await;
    for (host, path, agent, os) in PROBES {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {agent}\r\nConnection: close\r\n\r\n"
        );
        let response = send(portal.portal(), request.as_bytes()).await;
        assert_eq!(response.status, 302, "{os} probe {host}{path}");
        let location = response.header("location").expect("redirect has a location");
        assert_eq!(
            location,
            format!("http://{}/", portal.host()),
            "{os}: a probe's URL is not carried as the page to continue to"
        );
        assert!(
            !response.body.contains("Success"),
            "{os}: never the OS success body"
        );
    }
    let metrics = portal.metrics().await;
    for os in ["android", "apple", "windows", "firefox", "chromeos"] {
        let count = metric_value(&metrics, "antoan_probe_requests_total", &[("os", os)]);
        assert!(
            count.is_some_and(|count| count >= 1.0),
            "probe count for {os}: {count:?}"
        );
    }
    assert_eq!(
        metric_value(&metrics, "antoan_probe_requests_total", &[("os", "android")]),
        Some(2.0)
    );
}

#[tokio::test]
async fn captured_keepalive_connection_closed() {
    let portal = TestPortal::start("").await;
    // No `Connection: close` from the client: the server must close on its own.
    let request = b"GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\n\r\n";
    let response = send(portal.portal(), request).await;
    assert_eq!(response.status, 302);
    assert_eq!(response.header("connection"), Some("close"));
}

#[tokio::test]
async fn apple_http10_close_probe_redirected() {
    let portal = TestPortal::start("").await;
    let request = b"GET /hotspot-detect.html HTTP/1.0\r\nHost: captive.apple.com\r\nConnection: close\r\nUser-Agent: CaptiveNetworkSupport-481 wispr\r\n\r\n";
    let response = send(portal.portal(), request).await;
    assert_eq!(response.status, 302);
    assert_eq!(response.version, "HTTP/1.0", "answers in the client's version");
    assert!(response.header("location").is_some());
}

#[tokio::test]
async fn head_gets_get_headers_without_body() {
    let portal = TestPortal::start("").await;
    let get = send(
        portal.portal(),
        b"GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    let head = send(
        portal.portal(),
        b"HEAD /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(head.status, get.status);
    assert_eq!(head.header("location"), get.header("location"));
    assert_eq!(head.header("content-length"), get.header("content-length"));
    assert!(head.body.is_empty(), "HEAD has no body: {:?}", head.body);

    let page = portal.get("/").await;
    let request = format!(
        "HEAD / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        portal.host()
    );
    let head = send(portal.portal(), request.as_bytes()).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), page.header("content-type"));
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn any_method_host_and_path_lands_on_splash() {
    let portal = TestPortal::start("").await;
    let requests = [
        "POST /login HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=b",
        "PUT /x HTTP/1.1\r\nHost: 198.51.100.7:8443\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "DELETE /nothing/here HTTP/1.1\r\nHost: [2001:db8::5]\r\nConnection: close\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        "GET http://example.org/absolute HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n",
    ];
    for request in requests {
        let response = send(portal.portal(), request.as_bytes()).await;
        assert_eq!(response.status, 302, "{request:?}");
        assert!(
            response
                .header("location")
                .is_some_and(|location| location.starts_with(&format!("http://{}/", portal.host()))),
            "{request:?} -> {:?}",
            response.header("location")
        );
    }
}

#[tokio::test]
async fn portal_host_served_under_any_spelling() {
    let portal = TestPortal::start("").await;
    let port = portal.portal().port();
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        "portal.example".to_string(),
        "PORTAL.EXAMPLE".to_string(),
        "portal.example.".to_string(),
        format!("Portal.Example.:{port}"),
    ] {
        let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let response = send(portal.portal(), request.as_bytes()).await;
        assert_eq!(
            response.status, 200,
            "host {host} is the portal, served without a redirect"
        );
        assert!(
            response.body.contains("data-notice="),
            "host {host} gets the splash"
        );
    }
}

#[tokio::test]
async fn unknown_portal_paths_redirect_without_loop() {
    let portal = TestPortal::start("").await;
    for path in [
        "/nothing",
        "/answer",
        "/assets/missing.css",
        "/metrics",
        "/generate_204",
    ] {
        let response = portal.get(path).await;
        assert_eq!(response.status, 302, "{path}");
        let location = response.header("location").expect("location");
        assert!(
            location.starts_with(&format!("http://{}/?lang=", portal.host())),
            "{path} -> {location}"
        );
        assert!(
            !location.contains("url="),
            "no original URL carried for the portal's own paths: {location}"
        );
    }
}

#[tokio::test]
async fn favicon_served_without_counting_a_view() {
    let portal = TestPortal::start("").await;
    let icon = portal.get("/favicon.ico").await;
    assert_eq!(icon.status, 200);
    assert_eq!(icon.header("content-type"), Some("image/x-icon"));
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_notice_views_total", &[]),
        None,
        "no view counted"
    );
}

#[tokio::test]
async fn page_request_carries_its_url() {
    let portal = TestPortal::start("").await;
    let request = b"GET /tin-tuc?id=7 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
    let response = send(portal.portal(), request).await;
    let location = response.header("location").expect("location");
    let expected = format!(
        "http://{}/?url={}",
        portal.host(),
        common::form_encode("http://example.com/tin-tuc?id=7")
    );
    assert_eq!(location, expected);
}

#[tokio::test]
async fn original_url_never_nested_and_capped() {
    let portal = TestPortal::start("").await;
    let long_path = format!("/{}", "a".repeat(4000));
    let request = format!("GET {long_path} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    let response = send(portal.portal(), request.as_bytes()).await;
    let location = response.header("location").expect("location");
    assert!(
        location.len() < 200,
        "long original cut back to its origin: {location}"
    );
    assert!(location.ends_with(&common::form_encode("http://example.com/")));

    // A captured request whose own URL carries a portal URL is carried once, encoded, never decoded into a second redirect.
    let nested = format!(
        "GET /?url=http://{}/?url=x HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        portal.host()
    );
    let response = send(portal.portal(), nested.as_bytes()).await;
    let location = response.header("location").expect("location");
    assert_eq!(location.matches("?url=").count(), 1, "{location}");
}

#[tokio::test]
async fn metrics_served_on_admin_listener_only() {
    let portal = TestPortal::start("").await;
    let on_portal = portal.get("/metrics").await;
    assert_eq!(on_portal.status, 302);
    assert!(
        !on_portal.body.contains("antoan_"),
        "no metrics on the portal listener"
    );
    let on_admin = portal.metrics().await;
    assert!(on_admin.contains("antoan_build_info"), "{on_admin}");
    assert!(on_admin.contains("site=\"test-site\""));
}
