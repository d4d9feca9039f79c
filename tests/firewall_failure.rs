//! A firewall that fails to apply a grant: the visitor gets a retry page, never a false "you are
//! online", and the failure is counted. The nftables backend runs against a stand-in `nft` that
//! accepts the table and rejects every element, so this needs no root.

mod common;

use common::{TestPortal, form_encode, metric_value, parse_splash};

/// Writes a stand-in for `nft`: it accepts the table, lists what antoan checks for, and fails
/// any transaction that creates or adds set elements.
fn failing_nft(dir: &std::path::Path) -> String {
    let path = dir.join("nft");
    std::fs::write(
        &path,
        "#!/bin/sh\n\
         if [ \"$1\" = \"-t\" ]; then\n\
           printf 'chain capture\\nchain forward\\nchain input\\nset allowed_mac\\nset allowed_v4\\nset allowed_v6\\n\
         set trusted_mac\\nset blocked_mac\\nredirect to :0\\nreject with tcp reset\\n'\n\
           exit 0\n\
         fi\n\
         if grep -q 'element' -; then echo 'Error: Could not process rule: No space left on device' >&2; exit 1; fi\n\
         exit 0\n",
    )
    .expect("written");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("mode");
    path.display().to_string()
}

#[tokio::test]
async fn failed_grant_shows_retry_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nft = failing_nft(dir.path());
    let portal = TestPortal::start(&format!(
        "[firewall]\nbackend = \"nftables\"\nlan_interfaces = [\"lan0\"]\nnft_command = {nft:?}\nip_command = \"/bin/false\""
    ))
    .await;

    let page = parse_splash(&portal.get("/").await.body);
    let form = format!(
        "token={}&answer={}",
        form_encode(&page.token),
        portal.right_position(&page)
    );
    let response = portal.post_form("/answer", &form).await;
    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), Some("5"));
    assert!(
        response.body.contains("Chưa mở được kết nối"),
        "{}",
        response.body
    );
    assert!(
        !response.body.contains("Bạn đã được kết nối internet"),
        "never a false success"
    );

    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(
            &metrics,
            "antoan_firewall_errors_total",
            &[("backend", "nftables")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metric_value(&metrics, "antoan_grants_total", &[("reason", "right_answer")]),
        Some(0.0)
    );
    let api: serde_json::Value = serde_json::from_str(&portal.get("/api/captive").await.body).expect("JSON");
    assert_eq!(api["captive"], true, "no session was kept for the failed grant");
}
