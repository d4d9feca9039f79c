//! antoan: a captive portal that teaches information safety.
//!
//! A device that joins the gateway is held back by the firewall, and its browser lands on a
//! splash page with a short safety notice and one question about it. Answering grants internet
//! access for a session.
//!
//! Map of the modules:
//! - [`clock`]: wall and boot clocks; sessions are timed on the boot clock.
//! - [`config`]: the operator's TOML file, parsed into one typed struct with every problem listed.
//! - [`problem`]: a located, translatable problem report shared by `check` and start-up.
//! - [`i18n`]: languages, `Accept-Language` parsing and the Fluent message catalogs.
//! - [`content`]: safety notices, loaded from TOML files and validated.
//! - [`rotation`]: which notice a device sees next.
//! - [`token`]: the signed quiz token that ties an answer to its question.
//! - [`identity`]: client addresses and the keyed hash that names a device.
//! - [`secret`]: the keys generated on first start and kept with mode 0600.
//! - [`store`]: SQLite state: rotation history, used tokens, sessions.
//! - [`sessions`]: grants, revokes and session ends, kept consistent across store and firewall.
//! - [`firewall`]: the interface that grants access; the logging and nftables backends.
//! - [`neighbours`]: the kernel neighbour table, for client MAC addresses.
//! - [`pages`]: tera templates and the page models they render.
//! - [`urls`]: original-URL cleaning and the portal's host names.
//! - [`tls`]: the HTTPS portal listener's certificate, reloaded on SIGHUP.
//! - [`geo`]: the site's province, from the config or a MaxMind-format City database.
//! - [`metrics`]: the Prometheus registry.
//! - [`report`]: `antoan report` over the plan's half-year and yearly periods.
//! - [`push`]: Prometheus remote write to the coordinators' receiver.
//! - [`portal`]: the HTTP listeners: capture, splash, answers, API, admin.
//! - [`control`]: the Unix socket behind `antoan clients`.
//! - [`app`]: wiring of all the above for `demo`, `run` and `check`.

pub mod app;
pub mod clock;
pub mod config;
pub mod content;
pub mod control;
pub mod duration;
pub mod firewall;
pub mod geo;
pub mod i18n;
pub mod identity;
pub mod metrics;
pub mod neighbours;
pub mod pages;
pub mod portal;
pub mod problem;
pub mod push;
pub mod report;
pub mod rotation;
pub mod secret;
pub mod sessions;
pub mod splash;
pub mod store;
pub mod tls;
pub mod token;
pub mod urls;
