//! The `antoan` command as an operator runs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn antoan() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_antoan"));
    command
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .env("ANTOAN_LOG", "warn");
    command
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the shipped splash folder into `dir` so a test can break it.
fn copy_splash(dir: &Path) -> PathBuf {
    let target = dir.join("splash");
    for folder in ["templates", "notices", "assets"] {
        std::fs::create_dir_all(target.join(folder)).expect("folder");
        for entry in std::fs::read_dir(repository().join("splash").join(folder)).expect("listed") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), target.join(folder).join(entry.file_name())).expect("copied");
        }
    }
    target
}

fn run(command: &mut Command) -> (Output, String) {
    let output = command.output().expect("antoan runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

#[test]
fn check_accepts_shipped_config_and_content() {
    let (output, stderr) = run(antoan()
        .arg("check")
        .arg("--config")
        .arg(repository().join("config/antoan.toml")));
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("templates and 12 notices are valid"), "{stdout}");
}

#[test]
fn check_lists_every_problem_with_file_line_and_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let splash = copy_splash(dir.path());
    let notice = splash.join("notices/long-unique-passwords.toml");
    let text = std::fs::read_to_string(&notice).expect("read");
    let broken = text.replacen("topic = \"passwords\"", "topic = \"password\"", 1);
    assert_ne!(text, broken, "the fixture notice has the expected topic line");
    std::fs::write(&notice, broken).expect("written");
    std::fs::write(
        splash.join("templates/error.html"),
        "{% extends \"base.html\" %}{% block content %}{{ view.nope }}{% endblock content %}",
    )
    .expect("written");
    let config = dir.path().join("antoan.toml");
    std::fs::write(
        &config,
        "[portal]\nurl = \"http://192.0.2.1:8080/\"\nsplash_dir = \"splash\"\n[quiz]\nmax_wrong_answer = 3\n",
    )
    .expect("written");

    let (output, stderr) = run(antoan().arg("check").arg("--config").arg(&config));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "antoan.toml:5: Unknown key “quiz.max_wrong_answer”. Did you mean “quiz.max_wrong_answers”?"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("See the list of valid keys"),
        "a fix follows: {stderr}"
    );

    std::fs::write(
        &config,
        "[portal]\nurl = \"http://192.0.2.1:8080/\"\nsplash_dir = \"splash\"\n",
    )
    .expect("written");
    let (output, stderr) = run(antoan().arg("check").arg("--config").arg(&config));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let topic_line = std::fs::read_to_string(&notice)
        .expect("read")
        .lines()
        .position(|line| line.starts_with("topic"))
        .expect("topic line")
        + 1;
    assert!(
        stderr.contains(&format!(
            "long-unique-passwords.toml:{topic_line}: Topic “password” is not in the list."
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Use one of the topics: passwords,"), "{stderr}");
    assert!(
        stderr.contains("error.html: A page template has an error"),
        "{stderr}"
    );
    assert!(stderr.contains("Found 2 problem(s)"), "{stderr}");
}

#[test]
fn check_speaks_vietnamese_with_vietnamese_lang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("antoan.toml");
    std::fs::write(&config, "[portal]\nurl = \"http://192.0.2.1:8080/\"\n[sesion]\n").expect("written");
    let (output, stderr) = run(antoan()
        .env("LANG", "vi_VN.UTF-8")
        .arg("check")
        .arg("--config")
        .arg(&config));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("Thiết lập “sesion” không tồn tại. Có phải bạn muốn viết “session”?"),
        "{stderr}"
    );
    assert!(stderr.contains("Tìm thấy 1 lỗi"), "{stderr}");
}

#[test]
fn check_reports_missing_config_file() {
    let (output, stderr) = run(antoan()
        .arg("check")
        .arg("--config")
        .arg("/nonexistent/antoan.toml"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("/nonexistent/antoan.toml: Cannot read the configuration file"),
        "{stderr}"
    );
}

#[test]
fn run_refuses_bad_config_before_listening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("antoan.toml");
    std::fs::write(&config, "[portal]\nlisten = \"0.0.0.0:8080\"\n").expect("written");
    let (output, stderr) = run(antoan().arg("run").arg("--config").arg(&config));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("Add portal.url with the gateway's LAN address"),
        "{stderr}"
    );
}

#[test]
fn demo_prints_url_and_serves_splash() {
    let mut child = antoan()
        .args(["demo", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut url = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(start) = line.find("http://") {
            url = Some(line[start..].trim().to_string());
            break;
        }
    }
    let url = url.expect("demo prints the splash URL");
    let address = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();

    let mut stream = TcpStream::connect(&address).expect("connects to the demo");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout set");
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<html lang=\"vi\">"));
    assert!(response.contains("data-notice="));
}

/// Writes a store with a few views and answers in March 2026 and a config that points at it.
fn report_fixture(dir: &Path) -> PathBuf {
    let state = dir.join("state");
    let store = antoan::store::Store::open(&state).expect("store");
    let key = antoan::identity::DeviceKey::new([5; 32]);
    for (n, day) in [(1u8, "2026-03-10"), (2, "2026-03-11"), (1, "2026-03-12")] {
        let device = key.client(std::net::IpAddr::from([192, 0, 2, n]), None).device;
        store.record_view(&device, "fake-police-bank-calls", "scams", 1, day);
    }
    store.record_answer("fake-police-bank-calls", "scams", "2026-03-10", false, true);
    store.record_answer("fake-police-bank-calls", "scams", "2026-03-10", true, false);
    store.record_answer("fake-police-bank-calls", "scams", "2026-03-11", true, true);
    store.flush().expect("flushed");
    drop(store);
    let config = dir.join("antoan.toml");
    std::fs::write(
        &config,
        format!(
            "[site]\nid = \"cafe-test\"\nprovince = \"VN-HN\"\n[portal]\nurl = \"http://192.0.2.1:8080/\"\n[state]\ndir = {:?}\n",
            state.display().to_string()
        ),
    )
    .expect("config written");
    config
}

#[test]
fn report_counts_devices_and_first_tries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = report_fixture(dir.path());
    let (output, stderr) = run(antoan()
        .args(["report", "--period", "2026-H1", "--format", "csv", "--config"])
        .arg(&config));
    assert!(output.status.success(), "{stderr}");
    let csv = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert_eq!(
        lines[1],
        "cafe-test,VN-HN,2026-01-01,2026-06-30,scams,,3,3,2,2,1,0.5000"
    );
    assert_eq!(
        lines[2], "cafe-test,VN-HN,2026-01-01,2026-06-30,all,2,3,3,2,2,1,0.5000",
        "two devices reached"
    );

    let (output, _) = run(antoan()
        .args(["report", "--period", "2026-H2", "--format", "json", "--config"])
        .arg(&config));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["devices_reached"], 0, "nothing in the second half-year");
}

#[test]
fn report_table_follows_lang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = report_fixture(dir.path());
    let (output, stderr) = run(antoan()
        .env("LANG", "vi_VN.UTF-8")
        .args(["report", "--period", "2026", "--config"])
        .arg(&config));
    assert!(output.status.success(), "{stderr}");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("Số thiết bị được tiếp cận: 2"), "{table}");
    assert!(
        table.contains("Lừa đảo trực tuyến"),
        "topic in Vietnamese: {table}"
    );
    assert!(table.contains("50%"), "first-try rate: {table}");

    let (output, stderr) = run(antoan()
        .args(["report", "--period", "2026-H3", "--config"])
        .arg(&config));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("Reporting period “2026-H3” is invalid"),
        "{stderr}"
    );
}
