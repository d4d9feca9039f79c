//! The operator's configuration: one TOML file, parsed into one typed struct.
//!
//! Every key, its meaning and its default are documented in `config/antoan.toml`. Loading reports
//! every problem of the file at once (unknown keys with the nearest known one, values of the wrong
//! type, values out of range), each with its line.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::duration::HumanDuration;
use crate::firewall::ruleset::{Prefix, is_valid_interface_name, is_valid_table_name};
use crate::i18n::Lang;
use crate::identity::MacAddr;
use crate::problem::{Problem, line_of_offset};

/// The whole configuration, with defaults filled in.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, for messages.
    pub path: PathBuf,
    pub site: SiteConfig,
    pub portal: PortalConfig,
    pub quiz: QuizConfig,
    pub session: SessionConfig,
    pub admin: AdminConfig,
    pub state: StateConfig,
    pub firewall: FirewallConfig,
    pub hooks: HooksConfig,
    pub metrics: MetricsConfig,
}

/// `[site]`: who this gateway is.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Short identifier used as a metric label, `[a-z0-9-]`, at most 64 characters.
    pub id: String,
    /// Human-readable name of the café or hotspot.
    pub name: String,
    /// Time zone for session end times and dates.
    pub timezone: Tz,
    /// ISO 3166-2 code of the province, such as `VN-HN`; `None` when not set.
    pub province: Option<String>,
    /// Name of the province, as coordinators read it.
    pub province_name: Option<String>,
    /// MaxMind-format City database for finding the province when `province` is not set.
    pub geoip_database: Option<PathBuf>,
    /// The gateway's public address for that lookup.
    pub public_address: Option<std::net::IpAddr>,
    /// The WAN interface whose address is used when `public_address` is not set.
    pub wan_interface: Option<String>,
}

/// `[portal]`: the HTTP listener that devices reach.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    pub listen: SocketAddr,
    /// Base URL devices are redirected to, such as `http://192.168.1.1:8080`; no trailing slash.
    pub url: String,
    /// Extra host names the portal answers to besides the host of `url`.
    pub hostnames: Vec<String>,
    pub default_language: Lang,
    /// Operator's own splash folder; the built-in one when unset.
    pub splash_dir: Option<PathBuf>,
    pub max_connections_per_client: usize,
    pub header_read_timeout: Duration,
    /// Maximum life of one connection, keep-alive included.
    pub connection_lifetime: Duration,
    /// The optional HTTPS listener.
    pub https: Option<HttpsConfig>,
}

/// `[portal]` https_* and tls_* keys: the HTTPS listener for the splash and the RFC 8908 API.
#[derive(Debug, Clone)]
pub struct HttpsConfig {
    pub listen: SocketAddr,
    /// Base URL with the DNS name the certificate is for, such as `https://portal.example.vn`.
    pub url: String,
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// `[quiz]`: the one-question check.
#[derive(Debug, Clone)]
pub struct QuizConfig {
    /// Wrong answers after which access is granted anyway.
    pub max_wrong_answers: u32,
    /// How long a shown question can still be answered.
    pub question_lifetime: Duration,
    /// Whether the online page offers the anonymous "who is connecting" question.
    pub audience_question: bool,
}

/// `[session]`: what a grant gives.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub length: Duration,
    /// Time without traffic after which a device must answer again; the shorter limit wins.
    pub idle_timeout: Duration,
    /// Devices with their own limits, such as the café's shared PCs.
    pub groups: Vec<DeviceGroup>,
}

/// A named list of MAC addresses with their own session limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceGroup {
    pub name: String,
    pub macs: Vec<MacAddr>,
    pub length: Duration,
    pub idle_timeout: Duration,
}

impl SessionConfig {
    /// Returns the session length and idle timeout for a device with `mac`.
    pub fn limits_for(&self, mac: Option<MacAddr>) -> (Duration, Duration) {
        let group = mac.and_then(|mac| self.groups.iter().find(|group| group.macs.contains(&mac)));
        match group {
            Some(group) => (group.length, group.idle_timeout.min(group.length)),
            None => (self.length, self.idle_timeout.min(self.length)),
        }
    }
}

/// `[hooks]`: a program run on each grant and session end.
#[derive(Debug, Clone, Default)]
pub struct HooksConfig {
    /// Run directly (never through a shell) with typed arguments; `None` runs nothing.
    pub program: Option<PathBuf>,
    /// Maximum time a run may take before it is killed.
    pub timeout: Duration,
}

/// `[admin]`: the listener for metrics, never exposed to devices.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub listen: SocketAddr,
    /// `Authorization` header values accepted for `/metrics`; empty means no check.
    pub authorizations: Vec<String>,
    /// PEM certificate chain and key when the listener serves over TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// `[metrics]`: pushing to the coordinators' remote-write receiver.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// `None` when pushing is off.
    pub remote_write_url: Option<String>,
    /// The `Authorization` header value for pushes, built from a bearer token or a user name
    /// and password.
    pub remote_write_authorization: Option<String>,
    pub push_interval: Duration,
}

/// `[state]`: where antoan keeps its database and keys.
#[derive(Debug, Clone)]
pub struct StateConfig {
    pub dir: PathBuf,
    /// How long a device's rotation history is kept after its last visit.
    pub history_retention: Duration,
    /// Unix socket for `antoan clients`, mode 0600.
    pub control_socket: PathBuf,
}

/// `[firewall]`: how access is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallBackend {
    /// Logs each grant and changes nothing.
    Log,
    /// Holds devices back and lets them through with an nftables table.
    Nftables,
}

#[derive(Debug, Clone)]
pub struct FirewallConfig {
    pub backend: FirewallBackend,
    /// Name of the `inet` table antoan owns.
    pub table: String,
    /// Interfaces whose devices are captured (bridges, VLAN interfaces and plain ports alike).
    pub lan_interfaces: Vec<String>,
    /// Prefixes reachable before the check.
    pub walled_garden: Vec<Prefix>,
    /// The café's own machines: always pass, never see the splash.
    pub trusted_macs: Vec<MacAddr>,
    /// Devices that never pass.
    pub blocked_macs: Vec<MacAddr>,
    /// Whether the table stays in the kernel when antoan stops, keeping devices online.
    pub keep_on_stop: bool,
    /// The `nft` program.
    pub nft_command: String,
    /// The `ip` program, for the neighbour table.
    pub ip_command: String,
}

/// Known sections and keys, for unknown-key errors and suggestions.
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "site",
        &[
            "id",
            "name",
            "timezone",
            "province",
            "province_name",
            "geoip_database",
            "public_address",
            "wan_interface",
        ],
    ),
    (
        "portal",
        &[
            "listen",
            "url",
            "hostnames",
            "default_language",
            "splash_dir",
            "max_connections_per_client",
            "header_read_timeout",
            "connection_lifetime",
            "https_listen",
            "https_url",
            "tls_certificate",
            "tls_key",
        ],
    ),
    (
        "quiz",
        &["max_wrong_answers", "question_lifetime", "audience_question"],
    ),
    ("session", &["length", "idle_timeout", "groups"]),
    ("hooks", &["program", "timeout"]),
    (
        "admin",
        &[
            "listen",
            "bearer_token",
            "username",
            "password",
            "tls_certificate",
            "tls_key",
        ],
    ),
    (
        "metrics",
        &[
            "remote_write_url",
            "remote_write_bearer_token",
            "remote_write_username",
            "remote_write_password",
            "push_interval",
        ],
    ),
    ("state", &["dir", "history_retention", "control_socket"]),
    (
        "firewall",
        &[
            "backend",
            "table",
            "lan_interfaces",
            "walled_garden",
            "trusted_macs",
            "blocked_macs",
            "keep_on_stop",
            "nft_command",
            "ip_command",
        ],
    ),
];

type Section = BTreeMap<String, Spanned<toml::Value>>;

/// Reads typed values out of the parsed file, collecting problems instead of stopping at the first.
struct Reader<'a> {
    path: &'a Path,
    source: &'a str,
    sections: BTreeMap<String, Spanned<Section>>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn line(&self, offset: usize) -> usize {
        line_of_offset(self.source, offset)
    }

    fn raw(&self, section: &str, key: &str) -> Option<&Spanned<toml::Value>> {
        self.sections.get(section)?.get_ref().get(key)
    }

    fn line_of(&self, section: &str, key: &str) -> Option<usize> {
        self.raw(section, key).map(|value| self.line(value.span().start))
    }

    /// Returns the value of `section.key` as `T`, or `default` when it is missing or invalid.
    fn get<T: DeserializeOwned>(&mut self, section: &str, key: &str, default: T) -> T {
        let Some(raw) = self.raw(section, key) else {
            return default;
        };
        let line = self.line(raw.span().start);
        match raw.get_ref().clone().try_into::<T>() {
            Ok(value) => value,
            Err(error) => {
                self.problems.push(
                    Problem::new(self.path, Some(line), "check-config-value")
                        .arg("key", format!("{section}.{key}"))
                        .arg("error", error.message()),
                );
                default
            }
        }
    }

    fn invalid(&mut self, section: &str, key: &str, message: &'static str) -> &mut Problem {
        let line = self.line_of(section, key);
        self.problems
            .push(Problem::new(self.path, line, message).arg("key", format!("{section}.{key}")));
        self.problems.last_mut().expect("a problem was just pushed")
    }

    fn check_unknown_keys(&mut self) {
        let mut found = Vec::new();
        for (section, table) in &self.sections {
            let line = self.line(table.span().start);
            let Some((_, keys)) = SCHEMA.iter().find(|(name, _)| name == section) else {
                let known: Vec<&str> = SCHEMA.iter().map(|(name, _)| *name).collect();
                found.push((line, section.clone(), nearest(section, &known)));
                continue;
            };
            for (key, value) in table.get_ref() {
                if !keys.contains(&key.as_str()) {
                    let line = self.line(value.span().start);
                    found.push((
                        line,
                        format!("{section}.{key}"),
                        nearest(key, keys).map(|k| format!("{section}.{k}")),
                    ));
                }
            }
        }
        for (line, key, suggestion) in found {
            let problem = Problem::new(self.path, Some(line), "check-config-unknown-key").arg("key", key);
            let problem = match suggestion {
                Some(suggestion) => problem.arg("suggestion", suggestion),
                None => problem.arg("suggestion", "none"),
            };
            self.problems.push(problem);
        }
    }
}

/// Returns the known name closest to `name`, when it is close enough to be a likely typo.
fn nearest(name: &str, known: &[&str]) -> Option<String> {
    known
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= 3.max(candidate.len() / 3))
        .min()
        .map(|(_, candidate)| candidate.to_string())
}

impl Config {
    /// Reads and validates the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, Vec<Problem>> {
        let source = std::fs::read_to_string(path)
            .map_err(|error| vec![Problem::new(path, None, "check-config-unreadable").arg("error", error)])?;
        Config::parse(path, &source)
    }

    /// Parses configuration text; `path` is used in problems only.
    pub fn parse(path: &Path, source: &str) -> Result<Config, Vec<Problem>> {
        let sections: BTreeMap<String, Spanned<Section>> = toml::from_str(source).map_err(|error| {
            let line = error.span().map(|span| line_of_offset(source, span.start));
            vec![Problem::new(path, line, "check-config-toml").arg("error", error.message())]
        })?;
        let mut reader = Reader {
            path,
            source,
            sections,
            problems: Vec::new(),
        };
        reader.check_unknown_keys();
        let config = read_config(&mut reader);
        if reader.problems.is_empty() {
            Ok(config)
        } else {
            reader.problems.sort_by_key(|problem| problem.line);
            Err(reader.problems)
        }
    }

    /// Returns the configuration `antoan demo` uses: everything on loopback, logging firewall.
    pub fn demo(listen: SocketAddr, admin_listen: SocketAddr, state_dir: PathBuf) -> Config {
        let quote = |text: String| toml::Value::String(text).to_string();
        // On a wildcard address, redirects name loopback, where the demo is meant to be opened.
        let url = match listen.ip().is_unspecified() {
            true => format!("http://127.0.0.1:{}", listen.port()),
            false => format!("http://{listen}"),
        };
        let source = format!(
            "[site]\nid = \"demo\"\nname = \"antoan demo\"\n\
             [portal]\nlisten = {}\nurl = {}\n[admin]\nlisten = {}\n[state]\ndir = {}\ncontrol_socket = {}\n",
            quote(listen.to_string()),
            quote(url),
            quote(admin_listen.to_string()),
            quote(state_dir.display().to_string()),
            quote(state_dir.join("control.sock").display().to_string()),
        );
        // Every value above is a valid address or path, so parsing cannot fail.
        Config::parse(Path::new("(demo)"), &source)
            .unwrap_or_else(|problems| panic!("the demo configuration is invalid: {problems:?}"))
    }
}

fn read_config(reader: &mut Reader<'_>) -> Config {
    let site_id: String = reader.get("site", "id", "antoan".to_string());
    if site_id.is_empty()
        || site_id.len() > 64
        || !site_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        reader
            .invalid("site", "id", "check-config-site-id")
            .args
            .push(("value", site_id.clone()));
    }
    let timezone_name: String = reader.get("site", "timezone", "Asia/Ho_Chi_Minh".to_string());
    let timezone = timezone_name.parse::<Tz>().unwrap_or_else(|_| {
        reader
            .invalid("site", "timezone", "check-config-timezone")
            .args
            .push(("value", timezone_name.clone()));
        chrono_tz::Asia::Ho_Chi_Minh
    });
    let province: Option<String> = reader.get("site", "province", None);
    let province = province.filter(|code| !code.is_empty());
    if let Some(code) = &province {
        let valid = code.len() <= 6
            && code.starts_with("VN-")
            && code.len() > 3
            && code[3..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !valid {
            reader
                .invalid("site", "province", "check-config-province")
                .args
                .push(("value", code.clone()));
        }
    }
    let province_name: Option<String> = reader.get("site", "province_name", None);
    let site = SiteConfig {
        id: site_id,
        name: reader.get("site", "name", String::new()),
        timezone,
        province,
        province_name: province_name.filter(|name| !name.is_empty()),
        geoip_database: {
            let path: Option<String> = reader.get("site", "geoip_database", None);
            path.filter(|path| !path.is_empty())
                .map(|path| resolve(reader.path, &path))
        },
        public_address: {
            let address: Option<String> = reader.get("site", "public_address", None);
            match address.filter(|address| !address.is_empty()) {
                None => None,
                Some(text) => match text.parse() {
                    Ok(address) => Some(address),
                    Err(_) => {
                        reader
                            .invalid("site", "public_address", "check-config-address")
                            .args
                            .push(("value", text));
                        None
                    }
                },
            }
        },
        wan_interface: {
            let name: Option<String> = reader.get("site", "wan_interface", None);
            name.filter(|name| !name.is_empty())
        },
    };

    let listen: SocketAddr = reader.get("portal", "listen", "0.0.0.0:8080".parse().expect("valid address"));
    let url = read_portal_url(reader, listen);
    let language: String = reader.get("portal", "default_language", "vi".to_string());
    let default_language = language.parse::<Lang>().unwrap_or_else(|()| {
        reader
            .invalid("portal", "default_language", "check-config-language")
            .args
            .push(("value", language.clone()));
        Lang::Vi
    });
    let splash_dir: Option<String> = reader.get("portal", "splash_dir", None);
    let splash_dir = splash_dir
        .filter(|dir| !dir.is_empty())
        .map(|dir| resolve(reader.path, &dir));
    let max_connections_per_client: usize = reader.get("portal", "max_connections_per_client", 32);
    if max_connections_per_client == 0 {
        reader.invalid("portal", "max_connections_per_client", "check-config-zero");
    }
    let portal = PortalConfig {
        listen,
        url,
        hostnames: reader.get("portal", "hostnames", Vec::new()),
        default_language,
        splash_dir,
        max_connections_per_client,
        header_read_timeout: read_duration(reader, "portal", "header_read_timeout", 10),
        connection_lifetime: read_duration(reader, "portal", "connection_lifetime", 120),
        https: read_https(reader),
    };

    let quiz = QuizConfig {
        max_wrong_answers: reader.get("quiz", "max_wrong_answers", 2),
        question_lifetime: read_duration(reader, "quiz", "question_lifetime", 30 * 60),
        audience_question: reader.get("quiz", "audience_question", false),
    };
    let session = read_session(reader);
    let program: Option<String> = reader.get("hooks", "program", None);
    let hooks = HooksConfig {
        program: program
            .filter(|program| !program.is_empty())
            .map(|program| resolve(reader.path, &program)),
        timeout: read_duration(reader, "hooks", "timeout", 10),
    };
    let admin = AdminConfig {
        listen: reader.get(
            "admin",
            "listen",
            "127.0.0.1:9469".parse().expect("valid address"),
        ),
        authorizations: read_authorization(reader, "admin", "bearer_token", "username", "password")
            .into_iter()
            .collect(),
        tls: read_admin_tls(reader),
    };
    let metrics = read_metrics(reader);
    let state_dir: String = reader.get("state", "dir", "/var/lib/antoan".to_string());
    let state = StateConfig {
        dir: resolve(reader.path, &state_dir),
        history_retention: read_duration(reader, "state", "history_retention", 90 * 86_400),
        control_socket: resolve(
            reader.path,
            &reader.get("state", "control_socket", "/run/antoan/control.sock".to_string()),
        ),
    };
    let firewall = read_firewall(reader);

    Config {
        path: reader.path.to_path_buf(),
        site,
        portal,
        quiz,
        session,
        admin,
        state,
        firewall,
        hooks,
        metrics,
    }
}

/// Builds an `Authorization` header value from a bearer token, or from a user name and password
/// (HTTP basic); `None` when neither is set.
fn read_authorization(
    reader: &mut Reader<'_>,
    section: &str,
    token: &str,
    user: &str,
    password: &str,
) -> Option<String> {
    use base64::Engine;
    let token_value: Option<String> = reader.get(section, token, None);
    let user_value: Option<String> = reader.get(section, user, None);
    let password_value: Option<String> = reader.get(section, password, None);
    let token_value = token_value.filter(|value| !value.is_empty());
    match (
        token_value,
        user_value.filter(|value| !value.is_empty()),
        password_value,
    ) {
        (Some(_), Some(_), _) => {
            reader.invalid(section, token, "check-config-auth-both");
            None
        }
        (Some(token_value), None, _) => Some(format!("Bearer {token_value}")),
        (None, Some(user_value), Some(password_value)) => {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user_value}:{password_value}"));
            Some(format!("Basic {encoded}"))
        }
        (None, Some(_), None) => {
            reader.invalid(section, user, "check-config-auth-password");
            None
        }
        (None, None, _) => None,
    }
}

fn read_admin_tls(reader: &mut Reader<'_>) -> Option<(PathBuf, PathBuf)> {
    let certificate: Option<String> = reader.get("admin", "tls_certificate", None);
    let key: Option<String> = reader.get("admin", "tls_key", None);
    match (
        certificate.filter(|value| !value.is_empty()),
        key.filter(|value| !value.is_empty()),
    ) {
        (Some(certificate), Some(key)) => {
            Some((resolve(reader.path, &certificate), resolve(reader.path, &key)))
        }
        (None, None) => None,
        (Some(_), None) => {
            reader.invalid("admin", "tls_certificate", "check-config-tls-pair");
            None
        }
        (None, Some(_)) => {
            reader.invalid("admin", "tls_key", "check-config-tls-pair");
            None
        }
    }
}

fn read_metrics(reader: &mut Reader<'_>) -> MetricsConfig {
    let url: Option<String> = reader.get("metrics", "remote_write_url", None);
    let url = url.filter(|url| !url.is_empty());
    if let Some(text) = &url {
        let valid = url::Url::parse(text)
            .is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some());
        if !valid {
            reader
                .invalid("metrics", "remote_write_url", "check-config-url")
                .args
                .push(("value", text.clone()));
        }
    }
    MetricsConfig {
        remote_write_url: url,
        remote_write_authorization: read_authorization(
            reader,
            "metrics",
            "remote_write_bearer_token",
            "remote_write_username",
            "remote_write_password",
        ),
        push_interval: read_duration(reader, "metrics", "push_interval", 60),
    }
}

fn read_https(reader: &mut Reader<'_>) -> Option<HttpsConfig> {
    let listen: Option<SocketAddr> = reader.get("portal", "https_listen", None);
    let url: Option<String> = reader.get("portal", "https_url", None);
    let certificate: Option<String> = reader.get("portal", "tls_certificate", None);
    let key: Option<String> = reader.get("portal", "tls_key", None);
    let listen = listen?;
    let mut missing = |key: &str, value: &Option<String>| {
        if value.as_deref().is_none_or(str::is_empty) {
            let line = reader.line_of("portal", "https_listen");
            reader.problems.push(
                Problem::new(reader.path, line, "check-config-https-needs")
                    .arg("key", format!("portal.{key}")),
            );
            return true;
        }
        false
    };
    let incomplete =
        missing("https_url", &url) | missing("tls_certificate", &certificate) | missing("tls_key", &key);
    if incomplete {
        return None;
    }
    let url = url.unwrap_or_default();
    let valid_url = url::Url::parse(&url)
        .is_ok_and(|parsed| parsed.scheme() == "https" && parsed.domain().is_some() && parsed.path() == "/");
    if !valid_url {
        reader
            .invalid("portal", "https_url", "check-config-https-url")
            .args
            .push(("value", url.clone()));
    }
    Some(HttpsConfig {
        listen,
        url: url.trim_end_matches('/').to_string(),
        certificate: resolve(reader.path, &certificate.unwrap_or_default()),
        key: resolve(reader.path, &key.unwrap_or_default()),
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    macs: Vec<String>,
    length: Option<HumanDuration>,
    idle_timeout: Option<HumanDuration>,
}

fn read_session(reader: &mut Reader<'_>) -> SessionConfig {
    let length = read_duration(reader, "session", "length", 3600);
    let idle_timeout = read_duration(reader, "session", "idle_timeout", 30 * 60);
    let raw_groups: Vec<RawGroup> = reader.get("session", "groups", Vec::new());
    let mut groups = Vec::new();
    for raw in raw_groups {
        let mut macs = Vec::new();
        for text in &raw.macs {
            match text.parse::<MacAddr>() {
                Ok(mac) => macs.push(mac),
                Err(_) => reader
                    .invalid("session", "groups", "check-config-mac")
                    .args
                    .push(("value", text.clone())),
            }
        }
        let group_length = raw.length.map_or(length, |value| value.0);
        let group_idle = raw.idle_timeout.map_or(idle_timeout, |value| value.0);
        if group_length.is_zero() || group_idle.is_zero() {
            reader.invalid("session", "groups", "check-config-zero");
        }
        groups.push(DeviceGroup {
            name: raw.name,
            macs,
            length: group_length,
            idle_timeout: group_idle,
        });
    }
    SessionConfig {
        length,
        idle_timeout,
        groups,
    }
}

fn read_firewall(reader: &mut Reader<'_>) -> FirewallConfig {
    let backend: String = reader.get("firewall", "backend", "log".to_string());
    let backend = match backend.as_str() {
        "log" => FirewallBackend::Log,
        "nftables" => FirewallBackend::Nftables,
        _ => {
            reader
                .invalid("firewall", "backend", "check-config-backend")
                .args
                .push(("value", backend.clone()));
            FirewallBackend::Log
        }
    };
    let table: String = reader.get("firewall", "table", "antoan".to_string());
    if !is_valid_table_name(&table) {
        reader
            .invalid("firewall", "table", "check-config-table")
            .args
            .push(("value", table.clone()));
    }
    let lan_interfaces: Vec<String> = reader.get("firewall", "lan_interfaces", Vec::new());
    for name in &lan_interfaces {
        if !is_valid_interface_name(name) {
            reader
                .invalid("firewall", "lan_interfaces", "check-config-interface")
                .args
                .push(("value", name.clone()));
        }
    }
    if backend == FirewallBackend::Nftables && lan_interfaces.is_empty() {
        let line = reader.line_of("firewall", "backend");
        reader
            .problems
            .push(Problem::new(reader.path, line, "check-config-interfaces-needed"));
    }
    let garden: Vec<String> = reader.get("firewall", "walled_garden", Vec::new());
    let mut walled_garden = Vec::new();
    for text in &garden {
        match text.parse::<Prefix>() {
            Ok(prefix) => walled_garden.push(prefix),
            Err(error) => {
                reader
                    .invalid("firewall", "walled_garden", "check-config-prefix")
                    .args
                    .extend([("value", text.clone()), ("error", error)]);
            }
        }
    }
    let trusted_macs = read_macs(reader, "trusted_macs");
    let blocked_macs = read_macs(reader, "blocked_macs");
    FirewallConfig {
        backend,
        table,
        lan_interfaces,
        walled_garden,
        trusted_macs,
        blocked_macs,
        keep_on_stop: reader.get("firewall", "keep_on_stop", true),
        nft_command: reader.get("firewall", "nft_command", "nft".to_string()),
        ip_command: reader.get("firewall", "ip_command", "ip".to_string()),
    }
}

fn read_macs(reader: &mut Reader<'_>, key: &str) -> Vec<MacAddr> {
    let texts: Vec<String> = reader.get("firewall", key, Vec::new());
    let mut macs = Vec::new();
    for text in texts {
        match text.parse::<MacAddr>() {
            Ok(mac) => macs.push(mac),
            Err(_) => reader
                .invalid("firewall", key, "check-config-mac")
                .args
                .push(("value", text)),
        }
    }
    macs
}

fn read_duration(reader: &mut Reader<'_>, section: &str, key: &str, default_seconds: u64) -> Duration {
    let default = HumanDuration(Duration::from_secs(default_seconds));
    let value = reader.get(section, key, default).0;
    if value.is_zero() {
        reader.invalid(section, key, "check-config-zero");
        return default.0;
    }
    value
}

fn read_portal_url(reader: &mut Reader<'_>, listen: SocketAddr) -> String {
    let configured: Option<String> = reader.get("portal", "url", None);
    let Some(text) = configured else {
        if listen.ip().is_unspecified() {
            reader.problems.push(
                Problem::new(
                    reader.path,
                    reader.line_of("portal", "listen"),
                    "check-config-url-needed",
                )
                .arg("listen", listen),
            );
        }
        return format!("http://{listen}");
    };
    let parsed = url::Url::parse(&text);
    match parsed {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.path() == "/"
                && url.query().is_none() =>
        {
            url.as_str().trim_end_matches('/').to_string()
        }
        _ => {
            reader
                .invalid("portal", "url", "check-config-url")
                .args
                .push(("value", text.clone()));
            format!("http://{listen}")
        }
    }
}

/// Resolves a path in the config file relative to the file's folder.
fn resolve(config_path: &Path, value: &str) -> PathBuf {
    let path = PathBuf::from(value);
    if path.is_absolute() {
        return path;
    }
    config_path.parent().unwrap_or(Path::new(".")).join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(source: &str) -> Vec<Problem> {
        Config::parse(Path::new("antoan.toml"), source).expect_err("expected problems")
    }

    #[test]
    fn empty_file_gives_defaults() {
        let config = Config::parse(
            Path::new("/etc/antoan/antoan.toml"),
            "[portal]\nurl = \"http://192.0.2.1:8080/\"\n",
        )
        .expect("valid");
        assert_eq!(config.session.length, Duration::from_secs(3600));
        assert_eq!(config.quiz.max_wrong_answers, 2);
        assert_eq!(config.site.timezone, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(config.portal.url, "http://192.0.2.1:8080");
        assert_eq!(config.portal.default_language, Lang::Vi);
    }

    #[test]
    fn unknown_key_suggests_nearest() {
        let found = problems("[portal]\nurl = \"http://192.0.2.1/\"\n[session]\nlenght = \"2h\"\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "check-config-unknown-key");
        assert_eq!(found[0].line, Some(4));
        assert!(
            found[0]
                .args
                .contains(&("suggestion", "session.length".to_string()))
        );
    }

    #[test]
    fn unknown_section_suggests_nearest() {
        let found = problems("[portal]\nurl = \"http://192.0.2.1/\"\n[sesion]\nlength = \"2h\"\n");
        assert_eq!(found[0].message, "check-config-unknown-key");
        assert!(found[0].args.contains(&("suggestion", "session".to_string())));
    }

    #[test]
    fn every_bad_value_reported_at_once() {
        let found = problems(
            "[portal]\nurl = \"ftp://x/\"\nlisten = \"nowhere\"\n[session]\nlength = \"forever\"\n[site]\ntimezone = \"Mars/Olympus\"\n",
        );
        let messages: Vec<_> = found.iter().map(|problem| problem.message).collect();
        assert_eq!(
            messages,
            [
                "check-config-url",
                "check-config-value",
                "check-config-value",
                "check-config-timezone"
            ],
            "{found:#?}"
        );
        let lines: Vec<_> = found.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(5), Some(7)]);
    }

    #[test]
    fn wildcard_listen_needs_url() {
        let found = problems("[portal]\nlisten = \"0.0.0.0:8080\"\n");
        assert_eq!(found[0].message, "check-config-url-needed");
    }

    #[test]
    fn syntax_error_has_line() {
        let found = problems("[portal]\nurl = \"http://192.0.2.1/\n");
        assert_eq!(found[0].message, "check-config-toml");
        assert_eq!(found[0].line, Some(2));
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let config = Config::parse(
            Path::new("/etc/antoan/antoan.toml"),
            "[portal]\nurl = \"http://192.0.2.1/\"\nsplash_dir = \"splash\"\n[state]\ndir = \"state\"\n",
        )
        .expect("valid");
        assert_eq!(
            config.portal.splash_dir,
            Some(PathBuf::from("/etc/antoan/splash"))
        );
        assert_eq!(config.state.dir, PathBuf::from("/etc/antoan/state"));
    }

    #[test]
    fn shipped_example_config_is_valid() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/antoan.toml"));
        let config = Config::load(path).unwrap_or_else(|found| panic!("{found:#?}"));
        assert_eq!(config.quiz.max_wrong_answers, 2);
    }
}
