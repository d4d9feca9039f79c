//! The real gateway: antoan with the real nftables, in network namespaces this test creates.
//!
//! Topology, all in documentation ranges and linked only to each other by veth pairs:
//!
//! ```text
//!   client1 (c0 02:..:01) --- gl1 \
//!   client2 (c0 02:..:02) --- gl2  gateway (antoan, nftables) gu0 --- u0 upstream (HTTP on 80 and 443, UDP echo on 53)
//!   trusted (c0 02:..:aa) --- gl3 /
//!   blocked (c0 02:..:bb) --- gl4
//! ```
//!
//! Needs root, `ip`, `nft`, `curl` and `python3`. Without them the test prints SKIPPED and
//! returns, unless ANTOAN_REQUIRE_NETNS=1 (set by scripts/test.sh), where it fails instead.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use antoan::content::Content;
use antoan::splash::SplashFiles;
use common::{form_encode, parse_splash};

const UPSTREAM_V4: &str = "198.51.100.2";
const UPSTREAM_V6: &str = "2001:db8:2::2";

struct Client {
    name: &'static str,
    mac: &'static str,
    /// Index of the /28 (IPv4) and /64 (IPv6) this client shares with the gateway.
    subnet: u8,
}

const CLIENTS: [Client; 4] = [
    Client {
        name: "client1",
        mac: "02:00:00:00:00:01",
        subnet: 1,
    },
    Client {
        name: "client2",
        mac: "02:00:00:00:00:02",
        subnet: 2,
    },
    Client {
        name: "trusted",
        mac: "02:00:00:00:00:aa",
        subnet: 3,
    },
    Client {
        name: "blocked",
        mac: "02:00:00:00:00:bb",
        subnet: 4,
    },
];

fn client_v4(subnet: u8) -> String {
    format!("192.0.2.{}", subnet * 16 + 2)
}

fn gateway_v4(subnet: u8) -> String {
    format!("192.0.2.{}", subnet * 16 + 1)
}

/// Namespaces, processes and files of one test run; dropping it removes them all.
struct Lab {
    prefix: String,
    antoan: Option<Child>,
    upstream: Vec<Child>,
    dir: tempfile::TempDir,
}

impl Lab {
    fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Runs a command inside namespace `name`.
    fn exec(&self, name: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns(name)])
            .args(args)
            // Command output is matched in English.
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .unwrap_or_else(|error| panic!("ip netns exec {name} {args:?}: {error}"))
    }

    fn must(&self, name: &str, args: &[&str]) -> String {
        let output = self.exec(name, args);
        assert!(
            output.status.success(),
            "{name}: {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `curl` from a client: returns (exit code, "HTTP code|redirect URL|body").
    fn curl(&self, client: &str, args: &[&str]) -> (i32, String) {
        let mut all = vec![
            "curl",
            "-sS",
            "--max-time",
            "4",
            "-w",
            "|%{http_code}|%{redirect_url}",
        ];
        all.extend_from_slice(args);
        let output = self.exec(client, &all);
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    fn start_antoan(&mut self, config: &Path) {
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns("gw"),
                env!("CARGO_BIN_EXE_antoan"),
                "run",
                "--config",
            ])
            .arg(config)
            .env("ANTOAN_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.path().join("antoan.log")).expect("log file"))
            .spawn()
            .expect("antoan starts");
        self.antoan = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let output = self.exec(
                "gw",
                &["curl", "-s", "--max-time", "1", "http://127.0.0.1:9469/healthz"],
            );
            if output.status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("antoan did not start: {}", self.antoan_log());
    }

    fn kill_antoan(&mut self, signal: &str) {
        if let Some(mut child) = self.antoan.take() {
            // `ip netns exec` execs antoan, so the child's pid is antoan's.
            let _ = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    fn antoan_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("antoan.log")).unwrap_or_default()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.kill_antoan("-KILL");
        for child in &mut self.upstream {
            let _ = child.kill();
            let _ = child.wait();
        }
        for name in ["gw", "up", "client1", "client2", "trusted", "blocked"] {
            let _ = Command::new("ip").args(["netns", "del", &self.ns(name)]).status();
        }
    }
}

fn missing_prerequisites() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not running as root".to_string());
    }
    for tool in ["ip", "nft", "curl", "python3"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output();
        if !found.is_ok_and(|output| output.status.success()) {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

fn build_lab() -> Lab {
    let prefix = format!("at{}-", std::process::id() % 100_000);
    let lab = Lab {
        prefix,
        antoan: None,
        upstream: Vec::new(),
        dir: tempfile::tempdir().expect("temp dir"),
    };
    let ip = |args: &[&str]| {
        let status = Command::new("ip").args(args).status().expect("ip runs");
        assert!(status.success(), "ip {args:?}");
    };
    for name in ["gw", "up", "client1", "client2", "trusted", "blocked"] {
        ip(&["netns", "add", &lab.ns(name)]);
        lab.must(name, &["ip", "link", "set", "lo", "up"]);
    }

    // Gateway to upstream.
    ip(&[
        "link",
        "add",
        "gu0",
        "netns",
        &lab.ns("gw"),
        "type",
        "veth",
        "peer",
        "name",
        "u0",
        "netns",
        &lab.ns("up"),
    ]);
    lab.must("gw", &["ip", "addr", "add", "198.51.100.1/24", "dev", "gu0"]);
    lab.must(
        "gw",
        &["ip", "addr", "add", "2001:db8:2::1/64", "dev", "gu0", "nodad"],
    );
    lab.must("gw", &["ip", "link", "set", "gu0", "up"]);
    lab.must(
        "up",
        &["ip", "addr", "add", &format!("{UPSTREAM_V4}/24"), "dev", "u0"],
    );
    lab.must(
        "up",
        &[
            "ip",
            "addr",
            "add",
            &format!("{UPSTREAM_V6}/64"),
            "dev",
            "u0",
            "nodad",
        ],
    );
    lab.must("up", &["ip", "link", "set", "u0", "up"]);
    lab.must("up", &["ip", "route", "add", "default", "via", "198.51.100.1"]);
    lab.must(
        "up",
        &["ip", "-6", "route", "add", "default", "via", "2001:db8:2::1"],
    );

    // Each client on its own link to the gateway.
    for client in &CLIENTS {
        let gateway_side = format!("gl{}", client.subnet);
        ip(&[
            "link",
            "add",
            &gateway_side,
            "netns",
            &lab.ns("gw"),
            "type",
            "veth",
            "peer",
            "name",
            "c0",
            "netns",
            &lab.ns(client.name),
        ]);
        lab.must(client.name, &["ip", "link", "set", "c0", "address", client.mac]);
        let v6_client = format!("2001:db8:1{}::2/64", client.subnet);
        let v6_gateway = format!("2001:db8:1{}::1", client.subnet);
        lab.must(
            "gw",
            &[
                "ip",
                "addr",
                "add",
                &format!("{}/28", gateway_v4(client.subnet)),
                "dev",
                &gateway_side,
            ],
        );
        lab.must(
            "gw",
            &[
                "ip",
                "addr",
                "add",
                &format!("{v6_gateway}/64"),
                "dev",
                &gateway_side,
                "nodad",
            ],
        );
        lab.must("gw", &["ip", "link", "set", &gateway_side, "up"]);
        lab.must(
            client.name,
            &[
                "ip",
                "addr",
                "add",
                &format!("{}/28", client_v4(client.subnet)),
                "dev",
                "c0",
            ],
        );
        lab.must(
            client.name,
            &["ip", "addr", "add", &v6_client, "dev", "c0", "nodad"],
        );
        lab.must(client.name, &["ip", "link", "set", "c0", "up"]);
        lab.must(
            client.name,
            &["ip", "route", "add", "default", "via", &gateway_v4(client.subnet)],
        );
        lab.must(
            client.name,
            &["ip", "-6", "route", "add", "default", "via", &v6_gateway],
        );
    }
    lab.must("gw", &["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    lab.must("gw", &["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
    lab
}

fn start_upstream(lab: &mut Lab) {
    let www = lab.dir.path().join("www");
    std::fs::create_dir_all(&www).expect("www");
    std::fs::write(www.join("index.html"), "upstream-ok\n").expect("index");
    let echo = lab.dir.path().join("udp_echo.py");
    std::fs::write(
        &echo,
        "import socket\ns = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\ns.bind(('::', 53))\n\
         while True:\n    data, peer = s.recvfrom(512)\n    s.sendto(data, peer)\n",
    )
    .expect("echo script");
    for args in [
        vec!["python3", "-m", "http.server", "--bind", "::", "80"],
        vec!["python3", "-m", "http.server", "--bind", "::", "443"],
        vec!["python3", echo.to_str().expect("utf-8 path")],
    ] {
        let child = Command::new("ip")
            .args(["netns", "exec", &lab.ns("up")])
            .args(&args)
            .current_dir(&www)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("upstream server starts");
        lab.upstream.push(child);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if lab
            .exec("up", &["curl", "-s", "--max-time", "1", "http://127.0.0.1:443/"])
            .status
            .success()
            && lab
                .exec("up", &["curl", "-s", "--max-time", "1", "http://127.0.0.1:80/"])
                .status
                .success()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("upstream servers did not start");
}

/// Writes the gateway's config: session `length` and `idle` timeout, and extra trusted MACs.
fn write_config(lab: &Lab, length: &str, idle: &str, trusted: &[&str]) -> PathBuf {
    let path = lab.dir.path().join("antoan.toml");
    let interfaces: Vec<String> = CLIENTS
        .iter()
        .map(|client| format!("\"gl{}\"", client.subnet))
        .collect();
    let mut trusted_macs = vec!["\"02:00:00:00:00:aa\"".to_string()];
    trusted_macs.extend(trusted.iter().map(|mac| format!("\"{mac}\"")));
    let hook = lab.dir.path().join("hook.sh");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho \"$1 $2 $ANTOAN_REASON $ANTOAN_MAC\" >> \"$(dirname \"$0\")/hook.log\"\n",
    )
    .expect("hook written");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("hook mode");
    std::fs::write(
        &path,
        format!(
            "[site]\nid = \"netns-test\"\n[portal]\nlisten = \"[::]:8080\"\nurl = \"http://192.0.2.17:8080/\"\n\
             hostnames = [\"192.0.2.33\", \"192.0.2.49\", \"192.0.2.65\", \"2001:db8:11::1\"]\n\
             [session]\nlength = \"{length}\"\nidle_timeout = \"{idle}\"\n[admin]\nlisten = \"127.0.0.1:9469\"\n\
             [state]\ndir = {:?}\ncontrol_socket = {:?}\n[hooks]\nprogram = {:?}\n\
             [firewall]\nbackend = \"nftables\"\nlan_interfaces = [{}]\n\
             trusted_macs = [{}]\nblocked_macs = [\"02:00:00:00:00:bb\"]\n",
            lab.dir.path().join("state").display().to_string(),
            lab.dir.path().join("control.sock").display().to_string(),
            hook.display().to_string(),
            interfaces.join(", "),
            trusted_macs.join(", ")
        ),
    )
    .expect("config written");
    path
}

/// Runs `antoan clients ...` on the gateway with the test's config.
fn clients(lab: &Lab, config: &Path, args: &[&str]) -> (bool, String) {
    let mut all = vec![env!("CARGO_BIN_EXE_antoan"), "clients"];
    all.extend_from_slice(args);
    let config = config.to_str().expect("utf-8 path");
    all.extend_from_slice(&["--config", config]);
    let output = lab.exec("gw", &all);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn hook_log(lab: &Lab) -> String {
    std::fs::read_to_string(lab.dir.path().join("hook.log")).unwrap_or_default()
}

/// Whether a UDP datagram to the upstream's port 53 comes back within a second.
fn dns_answered(lab: &Lab, client: &str) -> bool {
    let script = format!(
        "import socket\ns = socket.socket()\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         s.settimeout(1)\ns.sendto(b'q', ('{UPSTREAM_V4}', 53))\ntry:\n    s.recvfrom(16)\n    print('answered')\n\
         except OSError:\n    print('silent')\n"
    );
    lab.must(client, &["python3", "-c", &script]).trim() == "answered"
}

/// Answers the splash's question from `client` and returns the answer page.
fn answer_right(lab: &Lab, client: &str, content: &Content) -> String {
    let (code, page) = lab.curl(client, &["http://192.0.2.17:8080/"]);
    assert_eq!(code, 0, "{client} reaches the portal");
    assert!(page.contains("data-notice="), "{client} gets a question: {page}");
    let splash = parse_splash(&page);
    let notice = content.get(&splash.notice).expect("notice is a shipped one");
    let right = &notice.answers[notice.right_answer()].text.vi;
    let position = splash
        .answers
        .iter()
        .find(|(_, text)| text == right)
        .map(|(value, _)| *value)
        .expect("right answer shown");
    let form = format!("token={}&answer={position}&lang=vi", form_encode(&splash.token));
    let (code, page) = lab.curl(client, &["--data", &form, "http://192.0.2.17:8080/answer"]);
    assert_eq!(code, 0);
    page
}

fn allowed_macs(lab: &Lab) -> String {
    lab.must("gw", &["nft", "list", "set", "inet", "antoan", "allowed_mac"])
}

#[test]
fn gateway_holds_back_and_lets_through() {
    if let Some(reason) = missing_prerequisites() {
        assert!(
            std::env::var("ANTOAN_REQUIRE_NETNS").is_err(),
            "network-namespace test cannot run: {reason}"
        );
        eprintln!("SKIPPED gateway_holds_back_and_lets_through: {reason}");
        return;
    }
    let files = SplashFiles::embedded();
    let content = Content::load(&files.notices, &files.assets).expect("shipped content");
    let mut lab = build_lab();
    start_upstream(&mut lab);
    let config = write_config(&lab, "1h", "30m", &[]);
    lab.start_antoan(&config);
    let v6_url = format!("http://[{UPSTREAM_V6}]/");
    let v4_url = format!("http://{UPSTREAM_V4}/");

    // Held back: HTTP lands on the splash over both families, HTTPS is reset at once, DNS to
    // an outside resolver gets no answer.
    let (_, v4) = lab.curl("client1", &[&v4_url]);
    assert!(
        v4.contains("|302|http://192.0.2.17:8080/?url="),
        "IPv4 HTTP captured: {v4}"
    );
    let (_, v6) = lab.curl("client1", &["-g", &v6_url]);
    assert!(
        v6.contains("|302|http://192.0.2.17:8080/?url="),
        "IPv6 HTTP captured: {v6}"
    );
    let started = Instant::now();
    let (code, _) = lab.curl("client1", &[&format!("http://{UPSTREAM_V4}:443/")]);
    assert_eq!(code, 7, "port 443 refused by a reset (curl exit 7)");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the reset comes at once, not after a timeout"
    );
    assert!(
        !dns_answered(&lab, "client1"),
        "DNS to an outside resolver is dropped"
    );
    let (_, probe) = lab.curl(
        "client1",
        &[
            "-H",
            "Host: connectivitycheck.gstatic.com",
            &format!("http://{UPSTREAM_V4}/generate_204"),
        ],
    );
    assert!(probe.contains("|302|"), "Android probe captured: {probe}");

    // The right answer grants, and the grant is in the kernel when the page arrives.
    let online = answer_right(&lab, "client1", &content);
    assert!(online.contains("Bạn đã được kết nối internet"), "{online}");
    assert!(
        allowed_macs(&lab).contains("02:00:00:00:00:01"),
        "client1's MAC is in the allowed set"
    );
    let (_, v4) = lab.curl("client1", &[&v4_url]);
    assert!(
        v4.contains("upstream-ok") && v4.contains("|200|"),
        "IPv4 passes after the check: {v4}"
    );
    let (_, v6) = lab.curl("client1", &["-g", &v6_url]);
    assert!(
        v6.contains("upstream-ok") && v6.contains("|200|"),
        "IPv6 passes after the check: {v6}"
    );
    let (code, _) = lab.curl("client1", &[&format!("http://{UPSTREAM_V4}:443/")]);
    assert_eq!(code, 0, "port 443 passes after the check");
    assert!(dns_answered(&lab, "client1"), "DNS passes after the check");
    let (_, probe) = lab.curl(
        "client1",
        &[
            "-H",
            "Host: connectivitycheck.gstatic.com",
            &format!("http://{UPSTREAM_V4}/generate_204"),
        ],
    );
    assert!(
        !probe.contains("|302|"),
        "the probe reaches the upstream host, not antoan: {probe}"
    );

    // Others: a second client is still captured, a trusted MAC passes, a blocked one never.
    let (_, second) = lab.curl("client2", &[&v4_url]);
    assert!(second.contains("|302|"), "client2 still captured: {second}");
    let (_, trusted) = lab.curl("trusted", &[&v4_url]);
    assert!(
        trusted.contains("upstream-ok"),
        "trusted MAC passes without the check: {trusted}"
    );
    let (code, blocked) = lab.curl("blocked", &[&v4_url]);
    assert_ne!(code, 0, "blocked MAC never reaches the upstream host: {blocked}");
    let (code, _) = lab.curl("blocked", &["http://192.0.2.65:8080/"]);
    assert_ne!(code, 0, "blocked MAC cannot reach the portal either");

    // The admin listener is not reachable from the LAN side.
    let (code, _) = lab.curl("client1", &["http://192.0.2.17:9469/metrics"]);
    assert_ne!(code, 0, "admin port closed to the LAN");

    // A connection opened before the grant stays redirected to the portal by conntrack. A
    // request on it after the grant is sent back to its own URL on a closed connection, and a
    // new connection passes.
    let script = "import socket, sys\n\
                  s = socket.create_connection(('198.51.100.2', 80), timeout=5)\n\
                  print('open', flush=True)\n\
                  sys.stdin.readline()\n\
                  s.sendall(b'GET /page HTTP/1.1\\r\\nHost: 198.51.100.2\\r\\n\\r\\n')\n\
                  print(s.recv(4096).decode(errors='replace'), flush=True)\n";
    let mut stale = Command::new("ip")
        .args(["netns", "exec", &lab.ns("client2"), "python3", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("stale connection opens");
    let mut output = std::io::BufReader::new(stale.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut output, &mut line).expect("first line");
    assert_eq!(line.trim(), "open");
    let online = answer_right(&lab, "client2", &content);
    assert!(online.contains("Bạn đã được kết nối internet"));
    std::io::Write::write_all(&mut stale.stdin.take().expect("stdin"), b"go\n").expect("written");
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut output, &mut reply).expect("reply");
    let _ = stale.wait();
    assert!(
        reply.starts_with("HTTP/1.1 302"),
        "stale connection redirected: {reply}"
    );
    assert!(
        reply.contains("location: http://198.51.100.2/page"),
        "back to its own URL: {reply}"
    );
    assert!(
        reply.contains("connection: close"),
        "on a closed connection: {reply}"
    );
    let (_, fresh) = lab.curl("client2", &[&v4_url]);
    assert!(fresh.contains("upstream-ok"), "a new connection passes: {fresh}");
    let (ok, revoked) = clients(&lab, &config, &["revoke", "02:00:00:00:00:02"]);
    assert!(ok, "{revoked}");

    // kill -9 with client1 online: it stays online, and a new start restores its session with
    // the remaining time instead of cutting it off.
    lab.kill_antoan("-KILL");
    let (_, during) = lab.curl("client1", &[&v4_url]);
    assert!(
        during.contains("upstream-ok"),
        "online while antoan is down: {during}"
    );
    lab.start_antoan(&config);
    let (_, after) = lab.curl("client1", &[&v4_url]);
    assert!(after.contains("upstream-ok"), "online after the restart: {after}");
    let set = allowed_macs(&lab);
    assert!(
        set.contains("02:00:00:00:00:01"),
        "session restored into the new table: {set}"
    );
    assert!(
        set.contains("expires 59m") || set.contains("expires 58m"),
        "with its remaining time: {set}"
    );
    let (_, second) = lab.curl("client2", &[&v4_url]);
    assert!(
        second.contains("|302|"),
        "the restart let nobody else in: {second}"
    );

    // A clean stop keeps the table (keep_on_stop defaults to true).
    lab.kill_antoan("-TERM");
    let (_, stopped) = lab.curl("client1", &[&v4_url]);
    assert!(
        stopped.contains("upstream-ok"),
        "online after a clean stop: {stopped}"
    );

    // Operator commands over the control socket.
    lab.start_antoan(&config);
    let (ok, listed) = clients(&lab, &config, &["list"]);
    assert!(ok, "{listed}");
    assert!(
        listed.contains("02:00:00:00:00:01") && listed.contains("right answer"),
        "client1 listed: {listed}"
    );
    let hooks = hook_log(&lab);
    assert!(
        hooks.contains("grant ") && hooks.contains("right_answer 02:00:00:00:00:01"),
        "grant hook ran: {hooks}"
    );
    let (ok, revoked) = clients(&lab, &config, &["revoke", "02:00:00:00:00:01"]);
    assert!(ok, "{revoked}");
    let (_, after_revoke) = lab.curl("client1", &[&v4_url]);
    assert!(
        after_revoke.contains("|302|"),
        "revoke cuts client1 off and captures it again: {after_revoke}"
    );
    assert!(
        hook_log(&lab).contains("end "),
        "end hook ran on revoke: {}",
        hook_log(&lab)
    );
    let (ok, missing) = clients(&lab, &config, &["revoke", "02:00:00:00:00:01"]);
    assert!(!ok, "revoking a device that is not online fails: {missing}");
    let (ok, allowed) = clients(&lab, &config, &["allow", "02:00:00:00:00:01", "--for", "10m"]);
    assert!(ok, "{allowed}");
    let (_, operator) = lab.curl("client1", &[&v4_url]);
    assert!(
        operator.contains("upstream-ok"),
        "operator grant lets client1 through: {operator}"
    );

    // An address dnsmasq's nftset= would add to the walled garden (the upstream host's IPv6
    // address): client2, still captured, reaches it before any answer, and it survives the
    // table replacement below. Its IPv4 address stays outside the garden.
    lab.must(
        "gw",
        &[
            "nft",
            "add",
            "element",
            "inet",
            "antoan",
            "garden_v6",
            "{ 2001:db8:2::2 }",
        ],
    );
    let (_, garden) = lab.curl("client2", &["-g", &v6_url]);
    assert!(
        garden.contains("upstream-ok"),
        "walled-garden address reachable before the check: {garden}"
    );
    let (_, outside) = lab.curl("client2", &[&v4_url]);
    assert!(
        outside.contains("|302|"),
        "addresses outside the garden still captured: {outside}"
    );

    // SIGHUP with client2 added to the trusted MACs: it passes without the check, and
    // client1's session survives the table replacement.
    let replaced_before = lab.antoan_log().matches("nftables table replaced").count();
    let reloaded = write_config(&lab, "1h", "30m", &["02:00:00:00:00:02"]);
    assert_eq!(reloaded, config);
    let pid = lab.antoan.as_ref().expect("running").id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .expect("kill runs")
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && lab.antoan_log().matches("nftables table replaced").count() == replaced_before
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut trusted_now = String::new();
    while Instant::now() < deadline {
        trusted_now = lab.curl("client2", &[&v4_url]).1;
        if trusted_now.contains("upstream-ok") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        trusted_now.contains("upstream-ok"),
        "reload made client2 trusted: {trusted_now}\n{}",
        lab.antoan_log()
    );
    let (_, kept) = lab.curl("client1", &[&v4_url]);
    assert!(
        kept.contains("upstream-ok"),
        "client1 stays online across the reload: {kept}"
    );
    let garden = lab.must("gw", &["nft", "list", "set", "inet", "antoan", "garden_v6"]);
    assert!(
        garden.contains("2001:db8:2::2"),
        "dnsmasq's walled-garden address kept by the reload: {garden}"
    );
    lab.must(
        "gw",
        &[
            "nft",
            "delete",
            "element",
            "inet",
            "antoan",
            "garden_v6",
            "{ 2001:db8:2::2 }",
        ],
    );
    lab.kill_antoan("-TERM");

    // Idle timeout: with 3 seconds of allowed silence, client2 (trusted no more) is captured
    // again after 4 quiet seconds although its 1-hour session has not ended.
    let idle = write_config(&lab, "1h", "3s", &[]);
    lab.start_antoan(&idle);
    let online = answer_right(&lab, "client2", &content);
    assert!(online.contains("Bạn đã được kết nối internet"));
    let (_, passing) = lab.curl("client2", &[&v4_url]);
    assert!(passing.contains("upstream-ok"), "client2 online: {passing}");
    std::thread::sleep(Duration::from_secs(4));
    let (_, idled) = lab.curl("client2", &[&v4_url]);
    assert!(
        idled.contains("|302|"),
        "captured again after the idle timeout: {idled}"
    );
    let again = answer_right(&lab, "client2", &content);
    assert!(
        again.contains("Bạn đã được kết nối internet"),
        "the splash asks again after an idle timeout"
    );
    assert!(
        hook_log(&lab).contains("idle 02:00:00:00:00:02"),
        "end hook for the idle session: {}",
        hook_log(&lab)
    );
    let (ok, revoked) = clients(&lab, &idle, &["revoke", "192.0.2.34"]);
    assert!(ok, "revoke by IP address: {revoked}");
    lab.kill_antoan("-TERM");

    // Session expiry: with 3-second sessions, client2 passes and is captured again after.
    let short = write_config(&lab, "3s", "30m", &[]);
    lab.start_antoan(&short);
    let online = answer_right(&lab, "client2", &content);
    assert!(online.contains("Bạn đã được kết nối internet"));
    let (_, passing) = lab.curl("client2", &[&v4_url]);
    assert!(passing.contains("upstream-ok"), "client2 online: {passing}");
    std::thread::sleep(Duration::from_secs(4));
    let (_, expired) = lab.curl("client2", &[&v4_url]);
    assert!(
        expired.contains("|302|"),
        "captured again once the session ended: {expired}"
    );
    let log = lab.antoan_log();
    assert!(
        !log.contains("192.0.2.2") && !log.contains("02:00:00:00:00:01"),
        "no raw address in info logs:\n{log}"
    );
}
