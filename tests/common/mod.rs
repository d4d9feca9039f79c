//! Shared fixtures for the integration tests: a portal on 127.0.0.1:0 and a raw HTTP/1 client.
//!
//! The client writes requests byte for byte, so tests can send what real clients and broken or
//! hostile ones send: HTTP/1.0 without Host, huge headers, TLS bytes, invalid UTF-8.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use antoan::app::{self, Running};
use antoan::config::Config;
use antoan::i18n::Catalog;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A portal running in this process with its own state folder.
pub struct TestPortal {
    pub running: Running,
    pub dir: tempfile::TempDir,
}

impl TestPortal {
    /// Starts a portal with the built-in content; `extra` is appended to the generated config.
    pub async fn start(extra: &str) -> TestPortal {
        let dir = tempfile::tempdir().expect("temp dir");
        TestPortal::start_in(dir, extra).await
    }

    /// Starts a portal keeping its state in `dir`, as a restart would.
    pub async fn start_in(dir: tempfile::TempDir, extra: &str) -> TestPortal {
        let config = config_in(dir.path(), extra);
        let running = app::start(config, Arc::new(Catalog::embedded()))
            .await
            .expect("portal starts");
        TestPortal { running, dir }
    }

    pub fn portal(&self) -> SocketAddr {
        self.running.portal_address
    }

    pub fn admin(&self) -> SocketAddr {
        self.running.admin_address
    }

    /// The `Host` header value that names the portal.
    pub fn host(&self) -> String {
        self.portal().to_string()
    }

    /// Stops the portal and returns its state folder for a restart.
    pub async fn stop(self) -> tempfile::TempDir {
        self.running.stop().await;
        self.dir
    }

    pub async fn get(&self, path: &str) -> Response {
        let host = self.host();
        send(
            self.portal(),
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
    }

    pub async fn get_with(&self, path: &str, headers: &str) -> Response {
        let host = self.host();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n");
        send(self.portal(), request.as_bytes()).await
    }

    pub async fn post_form(&self, path: &str, form: &str) -> Response {
        self.post_form_from(None, path, form).await
    }

    /// Posts a form from `source` (a loopback address such as 127.0.0.2), or 127.0.0.1.
    pub async fn post_form_from(&self, source: Option<IpAddr>, path: &str, form: &str) -> Response {
        let host = self.host();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        );
        send_from(source, self.portal(), request.as_bytes()).await
    }

    pub async fn metrics(&self) -> String {
        let host = self.admin().to_string();
        send(
            self.admin(),
            format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .body
    }

    /// Returns the position of the right answer on a splash page, using the loaded content.
    pub fn right_position(&self, page: &Splash) -> usize {
        let notice = self
            .running
            .state
            .live()
            .content
            .get(&page.notice)
            .expect("notice shown is loaded")
            .clone();
        let right = notice.answers[notice.right_answer()].text.vi.clone();
        page.answers
            .iter()
            .find(|(_, text)| *text == right)
            .map(|(value, _)| *value)
            .expect("right answer shown")
    }

    pub fn wrong_position(&self, page: &Splash) -> usize {
        let right = self.right_position(page);
        page.answers
            .iter()
            .map(|(value, _)| *value)
            .find(|value| *value != right)
            .expect("a wrong answer")
    }
}

/// Writes a config for a portal on loopback port 0 with its state in `dir`. Lines of `extra`
/// before its first `[section]` go into `[portal]`; its sections are merged into the defaults.
pub fn config_in(dir: &Path, extra: &str) -> Config {
    let split = extra
        .find("\n[")
        .map(|index| index + 1)
        .unwrap_or(if extra.starts_with('[') { 0 } else { extra.len() });
    let (portal_keys, sections) = extra.split_at(split);
    let base = format!(
        "[site]\nid = \"test-site\"\nname = \"Test\"\n[portal]\nlisten = \"127.0.0.1:0\"\n\
         hostnames = [\"portal.example.\"]\n{portal_keys}\n[admin]\nlisten = \"127.0.0.1:0\"\n[state]\ndir = {:?}\n\
         control_socket = {:?}\n",
        dir.display().to_string(),
        dir.join("control.sock").display().to_string()
    );
    let mut merged: toml::Table =
        toml::from_str(&base).unwrap_or_else(|error| panic!("base config: {error}\n{base}"));
    let overrides: toml::Table =
        toml::from_str(sections).unwrap_or_else(|error| panic!("extra config: {error}\n{sections}"));
    for (section, values) in overrides {
        match (merged.get_mut(&section), values) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(values)) => existing.extend(values),
            (_, values) => {
                merged.insert(section, values);
            }
        }
    }
    let source = toml::to_string(&merged).expect("serializable");
    let path = dir.join("antoan.toml");
    std::fs::write(&path, &source).expect("config written");
    Config::load(&path).unwrap_or_else(|problems| panic!("test config invalid: {problems:#?}\n{source}"))
}

/// A parsed HTTP response.
#[derive(Debug, Default)]
pub struct Response {
    pub status: u16,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Bytes received, for tests that look at the raw answer.
    pub raw: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

pub async fn send(address: SocketAddr, request: &[u8]) -> Response {
    send_from(None, address, request).await
}

/// Connects from `source` (or any local address), writes `request`, reads until the server closes.
pub async fn send_from(source: Option<IpAddr>, address: SocketAddr, request: &[u8]) -> Response {
    let mut stream = connect_from(source, address).await;
    stream.write_all(request).await.expect("request written");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("server answered within 10 s")
        .expect("response read");
    parse_response(raw)
}

pub async fn connect_from(source: Option<IpAddr>, address: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    if let Some(source) = source {
        socket
            .bind(SocketAddr::new(source, 0))
            .expect("bind to loopback source address");
    }
    socket.connect(address).await.expect("connected")
}

pub fn parse_response(raw: Vec<u8>) -> Response {
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Response {
            raw,
            ..Response::default()
        };
    };
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or("").to_string();
    let status = parts.next().and_then(|code| code.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect();
    Response {
        status,
        version,
        headers,
        body: body.to_string(),
        raw,
    }
}

/// The parts of a splash page a test needs.
#[derive(Debug)]
pub struct Splash {
    pub notice: String,
    pub token: String,
    /// (position, Vietnamese or English text) in shown order.
    pub answers: Vec<(usize, String)>,
    pub url: Option<String>,
}

pub fn parse_splash(body: &str) -> Splash {
    let notice = between(body, "data-notice=\"", "\"")
        .expect("splash names its notice")
        .to_string();
    let token = between(body, "name=\"token\" value=\"", "\"")
        .expect("splash carries a token")
        .to_string();
    let url = between(body, "name=\"url\" value=\"", "\"").map(unescape);
    let mut answers = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("<label for=\"answer-") {
        rest = &rest[start + "<label for=\"answer-".len()..];
        let value: usize = rest[..rest.find('"').expect("quoted")]
            .parse()
            .expect("numeric answer value");
        let text = between(rest, ">", "</label>").expect("label text");
        answers.push((value, unescape(text)));
    }
    Splash {
        notice,
        token,
        answers,
        url,
    }
}

pub fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Undoes tera's HTML escaping.
pub fn unescape(text: &str) -> String {
    text.replace("&#x2F;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Finds the value of one series in exposition text, such as `antoan_grants_total{reason="x"}`
/// with the labels given in any order.
pub fn metric_value(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, label_text) = series.split_once('{').unwrap_or((series, ""));
            if series_name != name {
                return None;
            }
            let all_match = labels
                .iter()
                .all(|(key, expected)| label_text.contains(&format!("{key}=\"{expected}\"")));
            all_match.then(|| value.parse().ok()).flatten()
        })
}
