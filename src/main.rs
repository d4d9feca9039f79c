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
    /// Inspects the firewall rules.
    Firewall {
        #[command(subcommand)]
        command: FirewallCommand,
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
        .init();

    match cli.command {
        Command::Check { config } => check(&config, &catalog, lang),
        Command::Firewall {
            command: FirewallCommand::Show { config },
        } => match Config::load(&config) {
            Ok(config) => {
                print!("{}", app::ruleset_for(&config, Vec::new()).render());
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
    match app::load_splash(&config, catalog) {
        Ok(splash) => {
            let count = splash.content.notices().len().to_string();
            println!("{}", catalog.format(lang, "cli-check-ok", &[("notices", &count)]));
            ExitCode::SUCCESS
        }
        Err(problems) => print_problems(&problems, catalog, lang),
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
        wait_for_stop_signal().await;
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
        StartError::Bind { address, source } => {
            let detail = format!("{address}: {source}");
            ("cli-start-bind", detail)
        }
    };
    eprintln!("{}", catalog.format(lang, message, &[("error", &detail)]));
    ExitCode::FAILURE
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(terminate) => terminate,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; stop with Ctrl-C");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("stop signal received; shutting down");
}
