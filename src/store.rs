//! SQLite state: rotation history, used quiz tokens and sessions.
//!
//! The database runs in WAL mode. Rotation history is read through an in-memory cache and written
//! behind: views are queued and [`Store::flush`] writes them in one transaction, which the portal
//! calls every second. A crash can lose at most that second of history, never a session or a used
//! token, which are written at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, params};

use std::net::IpAddr;

use crate::identity::{DeviceId, MacAddr};

/// The device a session is for: one seen by the portal (IP, maybe MAC) or one named by an
/// operator (MAC only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClient {
    pub device: DeviceId,
    pub ip: Option<IpAddr>,
    pub mac: Option<MacAddr>,
}

impl From<&crate::identity::Client> for SessionClient {
    fn from(client: &crate::identity::Client) -> Self {
        SessionClient {
            device: client.device.clone(),
            ip: Some(client.ip),
            mac: client.mac,
        }
    }
}
use crate::clock::{Clock, SystemClock};
use crate::rotation::History;

pub mod reach;

const SCHEMA_VERSION: i64 = 3;
/// Past this many cached devices the cache is emptied and refilled from the database on demand.
const MAX_CACHED_DEVICES: usize = 50_000;

/// A database error, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create state folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "state database {path} has schema version {found}, newer than this antoan ({SCHEMA_VERSION}); \
         install the newer antoan again or move the file aside"
    )]
    TooNew { path: PathBuf, found: i64 },
}

/// The reason a device was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantReason {
    RightAnswer,
    AfterWrongAnswers,
    /// `antoan clients allow`.
    Operator,
}

impl GrantReason {
    pub fn label(self) -> &'static str {
        match self {
            GrantReason::RightAnswer => "right_answer",
            GrantReason::AfterWrongAnswers => "after_wrong_answers",
            GrantReason::Operator => "operator",
        }
    }
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub device: DeviceId,
    /// `None` for a grant by MAC address alone (`antoan clients allow`).
    pub ip: Option<IpAddr>,
    pub mac: Option<MacAddr>,
    /// Wall-clock Unix times, for people to read.
    pub granted: i64,
    pub expires: i64,
    pub reason: String,
    /// Time left, on the boot clock.
    pub remaining: Duration,
}

/// In-memory copy of what the portal reads on every request. Only a rotation-history cache miss
/// reads SQLite on the request path.
#[derive(Default)]
struct Cache {
    histories: HashMap<DeviceId, History>,
    /// Views not yet written, one entry per device and notice with the latest time.
    pending_views: HashMap<(DeviceId, String), i64>,
    /// Pending reach and per-day totals; see the `reach` module.
    pending_reach: reach::Pending,
    /// Live sessions: device to the boot-clock second the session ends. Loaded at open,
    /// written through.
    sessions: HashMap<DeviceId, i64>,
}

/// The state database.
pub struct Store {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    /// Writes: views, tokens, sessions, pruning.
    writer: Mutex<Connection>,
    /// Reads of rotation history on a cache miss; WAL lets it read while the writer writes.
    reader: Mutex<Connection>,
    cache: Mutex<Cache>,
}

impl Store {
    /// Opens (or creates) `state.db` in `dir`. A file that is not a usable SQLite database is
    /// renamed to `state.db.damaged-<unix time>` and a new one is created, so the portal still
    /// starts and the old file is kept for inspection.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_clock(dir, Arc::new(SystemClock::new()))
    }

    /// Opens the store with `clock`, rebasing sessions stored during an earlier boot.
    pub fn open_with_clock(dir: &Path, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        create_private_dir(dir)?;
        let path = dir.join("state.db");
        let writer = match open_checked(&path) {
            Ok(connection) => connection,
            Err(StoreError::Sqlite { source, .. }) if is_damage(&source) => {
                let aside = dir.join(format!("state.db.damaged-{}", crate::token::unix_now()));
                tracing::warn!(
                    path = %path.display(),
                    moved_to = %aside.display(),
                    error = %source,
                    "state database is damaged; moved it aside and starting with an empty one"
                );
                std::fs::rename(&path, &aside).map_err(|source| StoreError::Folder {
                    path: aside.clone(),
                    source,
                })?;
                for suffix in ["-wal", "-shm"] {
                    let side_file = dir.join(format!("state.db{suffix}"));
                    let _ = std::fs::rename(&side_file, aside.with_extension(format!("damaged{suffix}")));
                }
                open_checked(&path)?
            }
            Err(error) => return Err(error),
        };
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let reader = Connection::open(&path).map_err(wrap)?;
        reader
            .execute_batch("PRAGMA busy_timeout = 5000;")
            .map_err(wrap)?;
        rebase_sessions(&writer, clock.as_ref()).map_err(wrap)?;
        let sessions = read_sessions(&writer, clock.as_ref()).map_err(wrap)?;
        Ok(Store {
            path: path.clone(),
            clock,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            cache: Mutex::new(Cache {
                sessions,
                ..Cache::default()
            }),
        })
    }

    fn sqlite_error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    // A panic while holding one of these locks leaves plain data behind, still consistent enough
    // to use, so a poisoned lock is taken over rather than spreading the panic.
    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns the rotation history of `device`.
    pub fn history(&self, device: &DeviceId) -> Result<History, StoreError> {
        if let Some(history) = self.cache().histories.get(device) {
            return Ok(history.clone());
        }
        let stored = {
            let reader = self
                .reader
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            read_history(&reader, device).map_err(|error| self.sqlite_error(error))?
        };
        let mut cache = self.cache();
        let mut history = stored;
        for ((pending_device, notice), time) in &cache.pending_views {
            if pending_device == device {
                let entry = history.entry(notice.clone()).or_insert(*time);
                *entry = (*entry).max(*time);
            }
        }
        if cache.histories.len() >= MAX_CACHED_DEVICES {
            cache.histories.clear();
        }
        cache.histories.insert(device.clone(), history.clone());
        Ok(history)
    }

    /// Records that `device` was shown `notice` (of `topic`) at `time` (Unix seconds) on `day`
    /// (`YYYY-MM-DD` in the site's time zone); written by the next [`Store::flush`].
    pub fn record_view(&self, device: &DeviceId, notice: &str, topic: &str, time: i64, day: &str) {
        let mut cache = self.cache();
        if let Some(history) = cache.histories.get_mut(device) {
            history.insert(notice.to_string(), time);
        }
        let entry = cache
            .pending_views
            .entry((device.clone(), notice.to_string()))
            .or_insert(time);
        *entry = (*entry).max(time);
        cache.pending_reach.view(device, notice, topic, day);
    }

    /// Records an answer for the per-day totals that reports read.
    pub fn record_answer(&self, notice: &str, topic: &str, day: &str, right: bool, first: bool) {
        self.cache()
            .pending_reach
            .answer(notice, topic, day, right, first);
    }

    /// Writes queued views and totals in one transaction and returns how many views it wrote.
    pub fn flush(&self) -> Result<usize, StoreError> {
        let (views, reach) = {
            let mut cache = self.cache();
            (
                std::mem::take(&mut cache.pending_views),
                std::mem::take(&mut cache.pending_reach),
            )
        };
        if views.is_empty() && reach.is_empty() {
            return Ok(0);
        }
        let result = {
            let mut writer = self.writer();
            writer.transaction().and_then(|transaction| {
                write_views(&transaction, &views)?;
                reach.write(&transaction)?;
                transaction.commit()
            })
        };
        if let Err(error) = result {
            // Keep everything for the next try instead of dropping it.
            let mut cache = self.cache();
            for (key, time) in views.iter() {
                let entry = cache.pending_views.entry(key.clone()).or_insert(*time);
                *entry = (*entry).max(*time);
            }
            cache.pending_reach.merge(reach);
            return Err(self.sqlite_error(error));
        }
        Ok(views.len())
    }

    /// Marks a token nonce as used until `expires`; returns `false` when it was used before.
    pub fn use_token(&self, nonce: &str, expires: u64) -> Result<bool, StoreError> {
        let expires = i64::try_from(expires).unwrap_or(i64::MAX);
        let inserted = self
            .writer()
            .execute(
                "INSERT OR IGNORE INTO used_tokens (nonce, expires) VALUES (?1, ?2)",
                params![nonce, expires],
            )
            .map_err(|error| self.sqlite_error(error))?;
        Ok(inserted == 1)
    }

    /// Stores a session of `length` for `client` and returns the wall-clock time it ends. The
    /// raw addresses are kept only while the session lasts: its end removes them.
    pub fn start_session(
        &self,
        client: &SessionClient,
        length: Duration,
        reason: GrantReason,
    ) -> Result<i64, StoreError> {
        let seconds = i64::try_from(length.as_secs()).unwrap_or(i64::MAX / 4);
        let (wall, boot) = (self.clock.wall(), self.clock.boot());
        let expires = wall.saturating_add(seconds);
        let expires_boot = boot.saturating_add(seconds);
        self.writer()
            .execute(
                "INSERT OR REPLACE INTO sessions (device, ip, mac, granted, expires, reason, boot_id, expires_boot)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    client.device.as_str(),
                    client.ip.map(|ip| ip.to_string()).unwrap_or_default(),
                    client.mac.map(|mac| mac.to_string()),
                    wall,
                    expires,
                    reason.label(),
                    self.clock.boot_id(),
                    expires_boot,
                ],
            )
            .map_err(|error| self.sqlite_error(error))?;
        self.cache().sessions.insert(client.device.clone(), expires_boot);
        Ok(expires)
    }

    /// Returns the sessions live now, oldest grant first.
    pub fn live_sessions(&self) -> Result<Vec<SessionRecord>, StoreError> {
        let now = self.clock.boot();
        self.select_sessions("WHERE expires_boot > ?1 ORDER BY granted", &[&now])
    }

    /// Removes and returns the sessions that have ended, with their raw addresses.
    pub fn take_ended_sessions(&self) -> Result<Vec<SessionRecord>, StoreError> {
        let now = self.clock.boot();
        let ended = self.select_sessions("WHERE expires_boot <= ?1", &[&now])?;
        self.writer()
            .execute("DELETE FROM sessions WHERE expires_boot <= ?1", params![now])
            .map_err(|error| self.sqlite_error(error))?;
        self.cache().sessions.retain(|_, expires| *expires > now);
        Ok(ended)
    }

    /// Ends the session of `device` at once and returns it, if it had one.
    pub fn end_session(&self, device: &DeviceId) -> Result<Option<SessionRecord>, StoreError> {
        let found = self
            .select_sessions("WHERE device = ?1", &[&device.as_str()])?
            .into_iter()
            .next();
        self.writer()
            .execute("DELETE FROM sessions WHERE device = ?1", params![device.as_str()])
            .map_err(|error| self.sqlite_error(error))?;
        self.cache().sessions.remove(device);
        Ok(found)
    }

    fn select_sessions(
        &self,
        filter: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let now = self.clock.boot();
        let writer = self.writer();
        let query =
            format!("SELECT device, ip, mac, granted, expires, reason, expires_boot FROM sessions {filter}");
        let mut statement = writer.prepare(&query).map_err(|error| self.sqlite_error(error))?;
        let rows = statement
            .query_map(values, |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<i64>>(6)?,
                ))
            })
            .map_err(|error| self.sqlite_error(error))?;
        let mut sessions = Vec::new();
        for row in rows {
            let (device, ip, mac, granted, expires, reason, expires_boot) =
                row.map_err(|error| self.sqlite_error(error))?;
            // A row antoan did not write is skipped and logged rather than trusted.
            let Some(device) = DeviceId::parse(&device) else {
                tracing::warn!("skipping a stored session with an invalid device id");
                continue;
            };
            let ip = ip.parse::<IpAddr>().ok();
            let mac = mac.and_then(|mac| mac.parse::<MacAddr>().ok());
            if ip.is_none() && mac.is_none() {
                tracing::warn!(%device, "skipping a stored session with neither address");
                continue;
            }
            let remaining = Duration::from_secs(u64::try_from(expires_boot.unwrap_or(0) - now).unwrap_or(0));
            sessions.push(SessionRecord {
                device,
                ip,
                mac,
                granted,
                expires,
                reason,
                remaining,
            });
        }
        Ok(sessions)
    }

    /// Returns how long the live session of `device` still lasts, if it has one.
    pub fn session_remaining(&self, device: &DeviceId) -> Option<Duration> {
        let now = self.clock.boot();
        let expires = self.cache().sessions.get(device).copied()?;
        (expires > now).then(|| Duration::from_secs(u64::try_from(expires - now).unwrap_or(0)))
    }

    /// Counts the devices with a live session.
    pub fn sessions_online(&self) -> usize {
        let now = self.clock.boot();
        self.cache()
            .sessions
            .values()
            .filter(|&&expires| expires > now)
            .count()
    }

    /// Returns the clock sessions are timed with.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Deletes ended sessions (with their raw addresses), expired token nonces, and rotation
    /// history older than `history_cutoff`.
    pub fn prune(&self, history_cutoff: i64) -> Result<(), StoreError> {
        let now = self.clock.wall();
        let now_boot = self.clock.boot();
        {
            let mut writer = self.writer();
            let transaction = writer.transaction().map_err(|error| self.sqlite_error(error))?;
            transaction
                .execute("DELETE FROM sessions WHERE expires_boot <= ?1", params![now_boot])
                .and_then(|_| transaction.execute("DELETE FROM used_tokens WHERE expires < ?1", params![now]))
                .and_then(|_| {
                    transaction.execute("DELETE FROM views WHERE last_seen < ?1", params![history_cutoff])
                })
                .map_err(|error| self.sqlite_error(error))?;
            transaction.commit().map_err(|error| self.sqlite_error(error))?;
        }
        let mut cache = self.cache();
        cache.sessions.retain(|_, expires| *expires > now_boot);
        cache.histories.clear();
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::Folder {
            path: dir.to_path_buf(),
            source,
        })
}

fn open_checked(path: &Path) -> Result<Connection, StoreError> {
    let wrap = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let connection = Connection::open(path).map_err(wrap)?;
    connection
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
        .map_err(wrap)?;
    let check: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(wrap)?;
    if check != "ok" {
        return Err(wrap(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(check),
        )));
    }
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(wrap)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
        });
    }
    if version < 1 {
        connection
            .execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS views (
                     device TEXT NOT NULL, notice TEXT NOT NULL, last_seen INTEGER NOT NULL,
                     PRIMARY KEY (device, notice)) WITHOUT ROWID;
                 CREATE INDEX IF NOT EXISTS views_by_time ON views (last_seen);
                 CREATE TABLE IF NOT EXISTS used_tokens (
                     nonce TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
                 CREATE TABLE IF NOT EXISTS sessions (
                     device TEXT PRIMARY KEY, ip TEXT NOT NULL, mac TEXT,
                     granted INTEGER NOT NULL, expires INTEGER NOT NULL, reason TEXT NOT NULL);
                 PRAGMA user_version = 1;
                 COMMIT;",
            )
            .map_err(wrap)?;
    }
    if version < 2 {
        // Sessions are timed on the boot clock from version 2 on; rows from version 1 have no
        // boot id and are rebased from the wall clock at open, as after a reboot.
        connection
            .execute_batch(
                "BEGIN;
                 ALTER TABLE sessions ADD COLUMN boot_id TEXT;
                 ALTER TABLE sessions ADD COLUMN expires_boot INTEGER;
                 PRAGMA user_version = 2;
                 COMMIT;",
            )
            .map_err(wrap)?;
    }
    if version < 3 {
        connection
            .execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS seen_days (
                     day TEXT NOT NULL, device TEXT NOT NULL, PRIMARY KEY (day, device)) WITHOUT ROWID;
                 CREATE TABLE IF NOT EXISTS daily (
                     day TEXT NOT NULL, notice TEXT NOT NULL, topic TEXT NOT NULL,
                     views INTEGER NOT NULL DEFAULT 0, right_answers INTEGER NOT NULL DEFAULT 0,
                     wrong_answers INTEGER NOT NULL DEFAULT 0, first_right INTEGER NOT NULL DEFAULT 0,
                     first_answers INTEGER NOT NULL DEFAULT 0,
                     PRIMARY KEY (day, notice)) WITHOUT ROWID;
                 CREATE TABLE IF NOT EXISTS counters (
                     name TEXT NOT NULL, labels TEXT NOT NULL, value INTEGER NOT NULL,
                     PRIMARY KEY (name, labels)) WITHOUT ROWID;
                 PRAGMA user_version = 3;
                 COMMIT;",
            )
            .map_err(wrap)?;
    }
    Ok(connection)
}

fn is_damage(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

fn read_sessions(
    connection: &Connection,
    clock: &dyn Clock,
) -> Result<HashMap<DeviceId, i64>, rusqlite::Error> {
    let mut statement =
        connection.prepare("SELECT device, expires_boot FROM sessions WHERE expires_boot > ?1")?;
    let rows = statement.query_map(params![clock.boot()], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    let mut sessions = HashMap::new();
    for row in rows {
        let (device, expires) = row?;
        // A row whose id is not one antoan wrote is skipped rather than trusted.
        if let Some(device) = DeviceId::parse(&device) {
            sessions.insert(device, expires);
        }
    }
    Ok(sessions)
}

/// Moves sessions stored during an earlier boot onto this boot's clock.
///
/// Within a boot the boot clock decides alone, so wall-clock jumps change nothing. Across a
/// reboot only the wall clock links the two boots: the time left is what the wall clock says,
/// but never more than the session had when granted. When the wall clock reads earlier than
/// the grant (no NTP yet after boot), the time that passed is unknowable; such a session gets
/// its full length again rather than cutting the customer off.
fn rebase_sessions(connection: &Connection, clock: &dyn Clock) -> Result<usize, rusqlite::Error> {
    let boot_id = clock.boot_id();
    let (wall, boot) = (clock.wall(), clock.boot());
    let mut statement = connection
        .prepare("SELECT device, granted, expires FROM sessions WHERE boot_id IS NULL OR boot_id != ?1")?;
    let rows: Vec<(String, i64, i64)> = statement
        .query_map(params![boot_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (device, granted, expires) in &rows {
        let length = (expires - granted).max(0);
        let remaining = if wall >= *granted {
            (expires - wall).clamp(0, length)
        } else {
            length
        };
        connection.execute(
            "UPDATE sessions SET boot_id = ?1, expires_boot = ?2, expires = ?3 WHERE device = ?4",
            params![boot_id, boot + remaining, wall + remaining, device],
        )?;
    }
    if !rows.is_empty() {
        tracing::info!(
            sessions = rows.len(),
            "moved sessions from an earlier boot onto this boot's clock"
        );
    }
    Ok(rows.len())
}

fn read_history(connection: &Connection, device: &DeviceId) -> Result<History, rusqlite::Error> {
    let mut statement = connection.prepare_cached("SELECT notice, last_seen FROM views WHERE device = ?1")?;
    let rows = statement.query_map(params![device.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

fn write_views(
    transaction: &rusqlite::Transaction<'_>,
    views: &HashMap<(DeviceId, String), i64>,
) -> Result<(), rusqlite::Error> {
    let mut statement = transaction.prepare_cached(
        "INSERT INTO views (device, notice, last_seen) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, notice) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)",
    )?;
    for ((device, notice), time) in views {
        statement.execute(params![device.as_str(), notice, time])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use crate::identity::DeviceKey;

    fn device(n: u8) -> DeviceId {
        DeviceKey::new([n; 32])
            .client("192.0.2.1".parse().expect("valid"), None)
            .device
    }

    #[test]
    fn history_survives_reopen_after_flush() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("opened");
        assert!(store.history(&device(1)).expect("read").is_empty());
        store.record_view(&device(1), "aaa", "passwords", 100, "2026-01-01");
        store.record_view(&device(1), "bbb", "scams", 200, "2026-01-01");
        assert_eq!(
            store.history(&device(1)).expect("read").get("aaa"),
            Some(&100),
            "cache sees it at once"
        );
        assert_eq!(store.flush().expect("flushed"), 2);
        drop(store);

        let store = Store::open(dir.path()).expect("reopened");
        let history = store.history(&device(1)).expect("read");
        assert_eq!(history.get("aaa"), Some(&100));
        assert_eq!(history.get("bbb"), Some(&200));
        assert!(store.history(&device(2)).expect("read").is_empty());
    }

    #[test]
    fn token_nonce_used_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("opened");
        assert!(store.use_token("n1", 100).expect("stored"));
        assert!(!store.use_token("n1", 100).expect("checked"));
        assert!(store.use_token("n2", 100).expect("stored"));
    }

    fn fake_store(dir: &Path, clock: &Arc<FakeClock>) -> Store {
        Store::open_with_clock(dir, Arc::clone(clock) as Arc<dyn Clock>).expect("opened")
    }

    fn session_client(last: u8) -> SessionClient {
        let mac: MacAddr = format!("02:00:00:00:00:{last:02x}").parse().expect("valid");
        let device = DeviceKey::new([1; 32]).device_of_mac(mac);
        SessionClient {
            device,
            ip: Some("192.0.2.7".parse().expect("valid")),
            mac: Some(mac),
        }
    }

    fn remaining(store: &Store, client: &SessionClient) -> Option<u64> {
        store
            .session_remaining(&client.device)
            .map(|remaining| remaining.as_secs())
    }

    #[test]
    fn ended_sessions_taken_with_their_addresses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(FakeClock::new(1_000_000, 100));
        let store = fake_store(dir.path(), &clock);
        let client = session_client(1);
        store
            .start_session(&client, Duration::from_secs(100), GrantReason::RightAnswer)
            .expect("stored");
        clock.advance(50);
        assert_eq!(remaining(&store, &client), Some(50));
        assert!(store.take_ended_sessions().expect("read").is_empty());
        clock.advance(50);
        assert_eq!(remaining(&store, &client), None);
        let ended = store.take_ended_sessions().expect("read");
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].mac, client.mac);
        let count: i64 = store
            .writer()
            .query_row("SELECT count(*) FROM sessions", [], |row| row.get(0))
            .expect("count");
        assert_eq!(count, 0, "no raw address is kept after the session");
    }

    #[test]
    fn wall_clock_jump_neither_ends_nor_extends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(FakeClock::new(1_000_000, 100));
        let store = fake_store(dir.path(), &clock);
        let client = session_client(2);
        store
            .start_session(&client, Duration::from_secs(3600), GrantReason::RightAnswer)
            .expect("stored");
        clock
            .wall
            .store(1_000_000 + 365 * 86_400, std::sync::atomic::Ordering::SeqCst);
        clock.boot.store(160, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            remaining(&store, &client),
            Some(3540),
            "a year's jump forward ends nothing"
        );
        clock.wall.store(10, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            remaining(&store, &client),
            Some(3540),
            "a jump back to 1970 extends nothing"
        );
        drop(store);
        let store = fake_store(dir.path(), &clock);
        assert_eq!(
            remaining(&store, &client),
            Some(3540),
            "a restart in the same boot keeps the time left"
        );
    }

    #[test]
    fn reboot_rebases_on_the_wall_clock() {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(FakeClock::new(1_000_000, 100));
        let store = fake_store(dir.path(), &clock);
        let on_time = session_client(3);
        let ended = session_client(4);
        store
            .start_session(&on_time, Duration::from_secs(3600), GrantReason::RightAnswer)
            .expect("stored");
        store
            .start_session(&ended, Duration::from_secs(60), GrantReason::RightAnswer)
            .expect("stored");
        drop(store);

        clock.reboot(1_000_000 + 600, 20);
        let store = fake_store(dir.path(), &clock);
        assert_eq!(
            remaining(&store, &on_time),
            Some(3000),
            "ten minutes passed by the wall clock"
        );
        assert_eq!(
            remaining(&store, &ended),
            None,
            "a session that ended while down is not restored"
        );
        let live = store.live_sessions().expect("read");
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].remaining, Duration::from_secs(3000));
    }

    #[test]
    fn reboot_before_ntp_keeps_customers_online() {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(FakeClock::new(1_000_000, 100));
        let store = fake_store(dir.path(), &clock);
        let client = session_client(5);
        store
            .start_session(&client, Duration::from_secs(3600), GrantReason::RightAnswer)
            .expect("stored");
        drop(store);
        // The router boots with its clock at 1970: the time that passed cannot be known.
        clock.reboot(30, 15);
        let store = fake_store(dir.path(), &clock);
        assert_eq!(
            remaining(&store, &client),
            Some(3600),
            "restored with its length, not cut off"
        );
    }

    #[test]
    fn damaged_database_moved_aside() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("state.db"), vec![0x5a; 8192]).expect("written");
        let store = Store::open(dir.path()).expect("opened despite damage");
        assert!(store.history(&device(1)).expect("usable").is_empty());
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .filter_map(|entry| entry.ok())
            .filter(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("state.db.damaged-")
            })
            .collect();
        assert_eq!(kept.len(), 1, "the damaged file is kept");
        assert_eq!(std::fs::read(kept[0].path()).expect("read"), vec![0x5a; 8192]);
    }
}
