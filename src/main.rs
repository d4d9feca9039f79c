//! The `antoan` command: parses the command line and calls into the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use antoan::app::{self, StartError};
use antoan::config::Config;
use antoan::i18n::{Catalog, Lang};
use antoan::problem::Problem;
use clap::{Parser, Subcommand};

/// A captive portal that teaches information safety.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the whole portal on loopback with the built-in content and a firewall that only logs.
    Demo {
        /// Address of the portal listener.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Address of the admin listener that serves /metrics.
        #[arg(long, default_value = "127.0.0.1:9469")]
        admin_listen: SocketAddr,
    },
    /// Runs the portal daemon with a configuration file.
    Run {
        /// Path of the TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
    /// Checks the configuration, templates and every notice, and lists every problem.
    Check {
        /// Path of the TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
    /// Lists, allows and revokes devices through the running daemon (needs root).
    Clients {
        #[command(subcommand)]
        command: ClientsCommand,
        /// Path of the TOML configuration file, for the control socket's path.
        #[arg(long, global = true, default_value = "/etc/antoan/antoan.toml")]
        config: PathBuf,
    },
    /// Reports this site's reach and understanding over a period, from the state database.
    Report {
        /// Path of the TOML configuration file.
        #[arg(long, default_value = "/etc/antoan/antoan.toml")]
        config: PathBuf,
        /// 2026-H1, 2026-H2, 2026, or FROM..TO such as 2026-01-01..2026-03-31.
        #[arg(long)]
        period: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
    /// Inspects the firewall rules.
    Firewall {
        #[command(subcommand)]
        command: FirewallCommand,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Table,
    Csv,
    Json,
}

#[derive(Subcommand)]
enum ClientsCommand {
    /// Lists the devices online now.
    List {
        /// Prints JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Lets a device through without the check.
    Allow {
        /// MAC address of the device, such as 02:00:5e:10:00:01.
        mac: String,
        /// Session length, such as 30m or 2h; the configured length when omitted.
        #[arg(long = "for")]
        length: Option<antoan::duration::HumanDuration>,
    },
    /// Cuts a device off at once.
    Revoke {
        /// MAC or IP address of the device.
        address: String,
    },
}

#[derive(Subcommand)]
enum FirewallCommand {
    /// Prints the nftables table antoan would install, without touching the kernel.
    Show {
        /// Path of the TOML configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::from_environment();
    let catalog = Arc::new(Catalog::embedded());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ANTOAN_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, never in journald or syslog.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    match cli.command {
        Command::Check { config } => check(&config, &catalog, lang),
        Command::Report {
            config,
            period,
            format,
        } => report(&config, &period, format, &catalog, lang),
        Command::Clients { command, config } => clients(command, &config, &catalog, lang),
        Command::Firewall {
            command: FirewallCommand::Show { config },
        } => match Config::load(&config) {
            Ok(config) if config.firewall.lan_interfaces.is_empty() => {
                let problem = Problem::new(&config.path, None, "check-config-interfaces-needed");
                print_problems(&[problem], &catalog, lang)
            }
            Ok(config) => {
                print!("{}", app::ruleset_for(&config, &[]).render());
                ExitCode::SUCCESS
            }
            Err(problems) => print_problems(&problems, &catalog, lang),
        },
        Command::Run { config } => match Config::load(&config) {
            Ok(config) => serve(config, catalog, lang, false),
            Err(problems) => print_problems(&problems, &catalog, lang),
        },
        Command::Demo { listen, admin_listen } => {
            let state_dir = match tempfile::Builder::new().prefix("antoan-demo-").tempdir() {
                Ok(dir) => dir,
                Err(error) => {
                    let error = error.to_string();
                    eprintln!(
                        "{}",
                        catalog.format(lang, "cli-demo-tempdir", &[("error", &error)])
                    );
                    return ExitCode::FAILURE;
                }
            };
            let config = Config::demo(listen, admin_listen, state_dir.path().to_path_buf());
            let code = serve(config, catalog, lang, true);
            drop(state_dir);
            code
        }
    }
}

fn check(path: &std::path::Path, catalog: &Arc<Catalog>, lang: Lang) -> ExitCode {
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(problems) => return print_problems(&problems, catalog, lang),
    };
    let mut problems = Vec::new();
    let pairs = config
        .portal
        .https
        .iter()
        .map(|https| (&https.certificate, &https.key))
        .chain(
            config
                .admin
                .tls
                .iter()
                .map(|(certificate, key)| (certificate, key)),
        );
    for (certificate, key) in pairs {
        if let Err(error) = antoan::tls::load(certificate, key) {
            problems.push(Problem::new(&config.path, None, "check-config-tls").arg("error", error));
        }
    }
    match app::load_splash(&config, catalog) {
        Ok(_) if !problems.is_empty() => print_problems(&problems, catalog, lang),
        Err(mut splash_problems) => {
            splash_problems.extend(problems);
            print_problems(&splash_problems, catalog, lang)
        }
        Ok(splash) => {
            let count = splash.content.notices().len().to_string();
            println!("{}", catalog.format(lang, "cli-check-ok", &[("notices", &count)]));
            ExitCode::SUCCESS
        }
    }
}

fn clients(
    command: ClientsCommand,
    config_path: &std::path::Path,
    catalog: &Catalog,
    lang: Lang,
) -> ExitCode {
    use antoan::control::{self, Request, Response};

    let config = match Config::load(config_path) {
        Ok(config) => config,
        Err(problems) => return print_problems(&problems, catalog, lang),
    };
    let (request, json) = match &command {
        ClientsCommand::List { json } => (Request::List, *json),
        ClientsCommand::Allow { mac, length } => {
            let seconds = length.map_or(config.session.length, |length| length.0).as_secs();
            (
                Request::Allow {
                    mac: mac.clone(),
                    seconds,
                },
                false,
            )
        }
        ClientsCommand::Revoke { address } => (
            Request::Revoke {
                address: address.clone(),
            },
            false,
        ),
    };
    let socket = config.state.control_socket.display().to_string();
    let response = match control::send(&config.state.control_socket, &request) {
        Ok(response) => response,
        Err(error) => {
            let error = error.to_string();
            eprintln!(
                "{}",
                catalog.format(
                    lang,
                    "cli-clients-connect",
                    &[("socket", &socket), ("error", &error)]
                )
            );
            return ExitCode::FAILURE;
        }
    };
    let timezone = config.site.timezone;
    let local_time = |unix: i64| {
        use chrono::TimeZone;
        timezone
            .timestamp_opt(unix, 0)
            .single()
            .map(|time| time.format("%H:%M %d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    match response {
        Response::Clients { clients } if json => {
            println!("{}", serde_json::to_string_pretty(&clients).unwrap_or_default());
        }
        Response::Clients { clients } if clients.is_empty() => {
            println!("{}", catalog.format(lang, "cli-clients-none", &[]));
        }
        Response::Clients { clients } => {
            println!("{}", catalog.format(lang, "cli-clients-header", &[]));
            for client in clients {
                println!(
                    "{:<18} {:<40} {:>8} {:<16} {}",
                    client.mac.as_deref().unwrap_or("-"),
                    client.ip.as_deref().unwrap_or("-"),
                    format!("{}m", client.remaining_seconds / 60),
                    local_time(client.expires),
                    catalog.format(lang, &format!("reason-{}", client.reason.replace('_', "-")), &[])
                );
            }
        }
        Response::Allowed { expires } => {
            let until = local_time(expires);
            println!(
                "{}",
                catalog.format(lang, "cli-clients-allowed", &[("until", &until)])
            );
        }
        Response::Revoked => println!("{}", catalog.format(lang, "cli-clients-revoked", &[])),
        Response::NotFound => {
            eprintln!("{}", catalog.format(lang, "cli-clients-not-found", &[]));
            return ExitCode::FAILURE;
        }
        Response::Error { code, detail } => {
            let message = format!("cli-clients-error-{code}");
            eprintln!("{}", catalog.format(lang, &message, &[("detail", &detail)]));
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn report(
    config_path: &std::path::Path,
    period: &str,
    format: ReportFormat,
    catalog: &Catalog,
    lang: Lang,
) -> ExitCode {
    let config = match Config::load(config_path) {
        Ok(config) => config,
        Err(problems) => return print_problems(&problems, catalog, lang),
    };
    let Ok(period) = period.parse::<antoan::report::Period>() else {
        eprintln!(
            "{}",
            catalog.format(lang, "report-invalid-period", &[("value", period)])
        );
        return ExitCode::FAILURE;
    };
    let database = config.state.dir.join("state.db");
    if !database.exists() {
        let path = database.display().to_string();
        eprintln!(
            "{}",
            catalog.format(lang, "report-no-database", &[("path", &path)])
        );
        return ExitCode::FAILURE;
    }
    let built = antoan::store::Store::open(&config.state.dir).and_then(|store| {
        let province = config
            .site
            .province
            .clone()
            .unwrap_or_else(|| "unknown".to_string());
        antoan::report::build(&store, &config.site.id, &province, period)
    });
    let report = match built {
        Ok(report) => report,
        Err(error) => {
            eprintln!(
                "{}",
                catalog.format(lang, "report-store", &[("error", &error.to_string())])
            );
            return ExitCode::FAILURE;
        }
    };
    match format {
        ReportFormat::Csv => print!("{}", antoan::report::to_csv(&report)),
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        ReportFormat::Table => print_report_table(&report, catalog, lang),
    }
    ExitCode::SUCCESS
}

fn print_report_table(report: &antoan::report::Report, catalog: &Catalog, lang: Lang) {
    let devices = report.devices_reached.to_string();
    let args = [
        ("site", report.site.as_str()),
        ("province", report.province.as_str()),
        ("first", report.first_day.as_str()),
        ("last", report.last_day.as_str()),
    ];
    println!("{}", catalog.format(lang, "report-title", &args));
    println!(
        "{}",
        catalog.format(lang, "report-devices", &[("count", &devices)])
    );
    if report.topics.is_empty() {
        println!("{}", catalog.format(lang, "report-none", &[]));
        return;
    }
    let headers = [
        "report-topic",
        "report-views",
        "report-answers",
        "report-right",
        "report-first-try",
    ];
    let mut rows: Vec<Vec<String>> = vec![headers.iter().map(|id| catalog.format(lang, id, &[])).collect()];
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", part as f64 * 100.0 / whole as f64)
        }
    };
    for line in &report.topics {
        rows.push(vec![
            catalog.format(lang, &format!("topic-{}", line.topic), &[]),
            line.views.to_string(),
            line.answers.to_string(),
            percent(line.right, line.answers),
            percent(line.first_right, line.first_answers),
        ]);
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(column, cell)| {
                let padding = " ".repeat(widths[column] - cell.chars().count());
                if column == 0 {
                    format!("{cell}{padding}")
                } else {
                    format!("{padding}{cell}")
                }
            })
            .collect();
        println!("{}", cells.join("  "));
    }
}

fn print_problems(problems: &[Problem], catalog: &Catalog, lang: Lang) -> ExitCode {
    for problem in problems {
        eprintln!("{}", problem.render(catalog, lang));
    }
    let count = problems.len().to_string();
    eprintln!("{}", catalog.format(lang, "cli-problems", &[("count", &count)]));
    ExitCode::FAILURE
}

fn serve(config: Config, catalog: Arc<Catalog>, lang: Lang, demo: bool) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!(
                "{}",
                catalog.format(lang, "cli-runtime", &[("error", &error.to_string())])
            );
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let running = match app::start(config, Arc::clone(&catalog)).await {
            Ok(running) => running,
            Err(error) => return report_start_error(error, &catalog, lang),
        };
        let portal = format!("http://{}/", running.portal_address);
        let metrics = format!("http://{}/metrics", running.admin_address);
        let message = if demo { "cli-demo-ready" } else { "cli-run-ready" };
        println!(
            "{}",
            catalog.format(lang, message, &[("portal", &portal), ("metrics", &metrics)])
        );
        wait_for_signals(&running, &catalog, lang).await;
        running.stop().await;
        println!("{}", catalog.format(lang, "cli-stopped", &[]));
        ExitCode::SUCCESS
    })
}

fn report_start_error(error: StartError, catalog: &Catalog, lang: Lang) -> ExitCode {
    let (message, detail) = match &error {
        StartError::Problems(problems) => return print_problems(problems, catalog, lang),
        StartError::Secret(error) => ("cli-start-secret", error.to_string()),
        StartError::Store(error) => ("cli-start-store", error.to_string()),
        StartError::Firewall(error) => ("cli-start-firewall", error.to_string()),
        StartError::Tls(error) => ("cli-start-tls", error.to_string()),
        StartError::Control { path, source } => {
            ("cli-start-control", format!("{}: {source}", path.display()))
        }
        StartError::Bind { address, source } => {
            let detail = format!("{address}: {source}");
            ("cli-start-bind", detail)
        }
    };
    eprintln!("{}", catalog.format(lang, message, &[("error", &detail)]));
    ExitCode::FAILURE
}

/// Waits for SIGINT or SIGTERM, reloading on each SIGHUP meanwhile.
async fn wait_for_signals(running: &app::Running, catalog: &Arc<Catalog>, lang: Lang) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut hangup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup()))
    else {
        tracing::warn!("cannot listen for SIGTERM or SIGHUP; stop with Ctrl-C");
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
            _ = hangup.recv() => {
                tracing::info!("SIGHUP received; reloading");
                match app::reload(&running.state, catalog).await {
                    Ok(()) => {}
                    Err(app::ReloadError::Problems(problems)) => {
                        for problem in &problems {
                            tracing::error!(problem = %problem.render(catalog, lang), "reload rejected; the running configuration stays");
                        }
                    }
                    Err(error) => tracing::error!(%error, "reload rejected; the running configuration stays"),
                }
            }
        }
    }
    tracing::info!("stop signal received; shutting down");
}
