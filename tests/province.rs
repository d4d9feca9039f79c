//! The province label: from a MaxMind-format City database when the config does not name one,
//! and `unknown`, never a failed start, when the database cannot help.

mod common;

use antoan::geo::testdb::{Entry, build};
use common::{TestPortal, metric_value};

fn write_database(dir: &std::path::Path) -> String {
    let path = dir.join("city.mmdb");
    let entries = [Entry {
        network: "203.0.113.0/24".parse().expect("valid"),
        country: "VN",
        subdivision: Some(("DN", "Đà Nẵng", "Da Nang")),
    }];
    std::fs::write(&path, build(&entries)).expect("written");
    path.display().to_string()
}

#[tokio::test]
async fn province_found_in_geoip_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = write_database(dir.path());
    let portal = TestPortal::start(&format!(
        "[site]\ngeoip_database = {database:?}\npublic_address = \"203.0.113.5\""
    ))
    .await;
    let metrics = portal.metrics().await;
    let build = metric_value(
        &metrics,
        "antoan_build_info",
        &[("province", "VN-DN"), ("province_name", "Đà Nẵng")],
    );
    assert_eq!(build, Some(1.0), "{metrics}");
}

#[tokio::test]
async fn corrupt_database_gives_unknown_and_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corrupt = dir.path().join("corrupt.mmdb");
    std::fs::write(&corrupt, vec![0xAB; 4096]).expect("written");
    let portal = TestPortal::start(&format!(
        "[site]\ngeoip_database = {:?}\npublic_address = \"203.0.113.5\"",
        corrupt.display().to_string()
    ))
    .await;
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_build_info", &[("province", "unknown")]),
        Some(1.0)
    );
    assert_eq!(portal.get("/").await.status, 200, "the portal serves as usual");
}

#[tokio::test]
async fn configured_province_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = write_database(dir.path());
    let portal = TestPortal::start(&format!(
        "[site]\nprovince = \"VN-HN\"\nprovince_name = \"Hà Nội\"\ngeoip_database = {database:?}\npublic_address = \"203.0.113.5\""
    ))
    .await;
    let metrics = portal.metrics().await;
    assert_eq!(
        metric_value(&metrics, "antoan_build_info", &[("province", "VN-HN")]),
        Some(1.0)
    );
}
