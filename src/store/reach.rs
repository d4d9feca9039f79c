//! Reach and per-day totals: which hashed devices were shown a notice on which day, and views and
//! answers by day and notice. Reports and the `antoan_devices_reached` gauge read them; both are
//! kept for [`RETENTION_DAYS`] so that a year can be reported after it ends.

use std::collections::{HashMap, HashSet};

use rusqlite::{Transaction, params};

use super::{Store, StoreError};
use crate::identity::DeviceId;
use crate::metrics::StoredCounter;

/// Days of reach data kept: a year plus the time to file its report.
pub const RETENTION_DAYS: i64 = 400;

/// Views and answers of one notice on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    pub views: u64,
    pub right: u64,
    pub wrong: u64,
    /// Right answers among the answers given first in a visit.
    pub first_right: u64,
    pub first_answers: u64,
}

/// Totals waiting for the next flush.
#[derive(Debug, Default)]
pub struct Pending {
    seen: HashSet<(String, DeviceId)>,
    /// (day, notice) to (topic, totals).
    daily: HashMap<(String, String), (String, DayTotals)>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty() && self.daily.is_empty()
    }

    pub fn view(&mut self, device: &DeviceId, notice: &str, topic: &str, day: &str) {
        self.seen.insert((day.to_string(), device.clone()));
        self.totals(notice, topic, day).views += 1;
    }

    pub fn answer(&mut self, notice: &str, topic: &str, day: &str, right: bool, first: bool) {
        let totals = self.totals(notice, topic, day);
        if right {
            totals.right += 1;
        } else {
            totals.wrong += 1;
        }
        if first {
            totals.first_answers += 1;
            totals.first_right += u64::from(right);
        }
    }

    fn totals(&mut self, notice: &str, topic: &str, day: &str) -> &mut DayTotals {
        let entry = self
            .daily
            .entry((day.to_string(), notice.to_string()))
            .or_insert_with(|| (topic.to_string(), DayTotals::default()));
        &mut entry.1
    }

    /// Adds `other` back after a failed write.
    pub fn merge(&mut self, other: Pending) {
        self.seen.extend(other.seen);
        for (key, (topic, totals)) in other.daily {
            let entry = self
                .daily
                .entry(key)
                .or_insert_with(|| (topic, DayTotals::default()));
            entry.1.views += totals.views;
            entry.1.right += totals.right;
            entry.1.wrong += totals.wrong;
            entry.1.first_right += totals.first_right;
            entry.1.first_answers += totals.first_answers;
        }
    }

    pub fn write(&self, transaction: &Transaction<'_>) -> Result<(), rusqlite::Error> {
        let mut seen =
            transaction.prepare_cached("INSERT OR IGNORE INTO seen_days (day, device) VALUES (?1, ?2)")?;
        for (day, device) in &self.seen {
            seen.execute(params![day, device.as_str()])?;
        }
        let mut daily = transaction.prepare_cached(
            "INSERT INTO daily (day, notice, topic, views, right_answers, wrong_answers, first_right, first_answers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (day, notice) DO UPDATE SET
                 views = views + excluded.views,
                 right_answers = right_answers + excluded.right_answers,
                 wrong_answers = wrong_answers + excluded.wrong_answers,
                 first_right = first_right + excluded.first_right,
                 first_answers = first_answers + excluded.first_answers",
        )?;
        for ((day, notice), (topic, totals)) in &self.daily {
            let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
            daily.execute(params![
                day,
                notice,
                topic,
                count(totals.views),
                count(totals.right),
                count(totals.wrong),
                count(totals.first_right),
                count(totals.first_answers)
            ])?;
        }
        Ok(())
    }
}

/// One row of a report: a topic's totals over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicTotals {
    pub topic: String,
    pub totals: DayTotals,
}

impl Store {
    /// Counts the distinct devices shown a notice from `first_day` to `last_day` (inclusive,
    /// `YYYY-MM-DD`).
    pub fn devices_reached(&self, first_day: &str, last_day: &str) -> Result<u64, StoreError> {
        let reader = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        reader
            .query_row(
                "SELECT count(DISTINCT device) FROM seen_days WHERE day >= ?1 AND day <= ?2",
                params![first_day, last_day],
                |row| row.get::<_, i64>(0),
            )
            .map(|count| u64::try_from(count).unwrap_or(0))
            .map_err(|error| self.sqlite_error(error))
    }

    /// Sums views and answers by topic from `first_day` to `last_day` (inclusive).
    pub fn totals_by_topic(&self, first_day: &str, last_day: &str) -> Result<Vec<TopicTotals>, StoreError> {
        let reader = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut statement = reader
            .prepare(
                "SELECT topic, sum(views), sum(right_answers), sum(wrong_answers), sum(first_right), sum(first_answers)
                 FROM daily WHERE day >= ?1 AND day <= ?2 GROUP BY topic ORDER BY topic",
            )
            .map_err(|error| self.sqlite_error(error))?;
        let rows = statement
            .query_map(params![first_day, last_day], |row| {
                let count = |index: usize| {
                    row.get::<_, i64>(index)
                        .map(|value| u64::try_from(value).unwrap_or(0))
                };
                Ok(TopicTotals {
                    topic: row.get(0)?,
                    totals: DayTotals {
                        views: count(1)?,
                        right: count(2)?,
                        wrong: count(3)?,
                        first_right: count(4)?,
                        first_answers: count(5)?,
                    },
                })
            })
            .map_err(|error| self.sqlite_error(error))?;
        rows.collect::<Result<_, _>>()
            .map_err(|error| self.sqlite_error(error))
    }

    /// Deletes reach rows and per-day totals of days before `first_kept_day`.
    pub fn prune_reach(&self, first_kept_day: &str) -> Result<(), StoreError> {
        let writer = self.writer();
        writer
            .execute("DELETE FROM seen_days WHERE day < ?1", params![first_kept_day])
            .and_then(|_| writer.execute("DELETE FROM daily WHERE day < ?1", params![first_kept_day]))
            .map(|_| ())
            .map_err(|error| self.sqlite_error(error))
    }

    /// Saves the counters' totals, replacing what was saved before.
    pub fn save_counters(&self, counters: &[StoredCounter]) -> Result<(), StoreError> {
        let mut writer = self.writer();
        let result = writer.transaction().and_then(|transaction| {
            {
                let mut statement = transaction.prepare_cached(
                    "INSERT INTO counters (name, labels, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name, labels) DO UPDATE SET value = excluded.value",
                )?;
                for (name, labels, value) in counters {
                    let labels = serde_json::to_string(labels).unwrap_or_default();
                    statement.execute(params![name, labels, i64::try_from(*value).unwrap_or(i64::MAX)])?;
                }
            }
            transaction.commit()
        });
        result.map_err(|error| self.sqlite_error(error))
    }

    /// Loads the saved counter totals; rows that do not parse are skipped and logged.
    pub fn load_counters(&self) -> Result<Vec<StoredCounter>, StoreError> {
        let writer = self.writer();
        let mut statement = writer
            .prepare("SELECT name, labels, value FROM counters")
            .map_err(|error| self.sqlite_error(error))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(|error| self.sqlite_error(error))?;
        let mut counters = Vec::new();
        for row in rows {
            let (name, labels, value) = row.map_err(|error| self.sqlite_error(error))?;
            match serde_json::from_str::<Vec<(String, String)>>(&labels) {
                Ok(labels) => counters.push((name, labels, u64::try_from(value).unwrap_or(0))),
                Err(error) => {
                    tracing::warn!(name, %error, "skipping a stored counter whose labels do not parse")
                }
            }
        }
        Ok(counters)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::{Clock, FakeClock};
    use crate::identity::DeviceKey;

    fn device(n: u8) -> DeviceId {
        DeviceKey::new([n; 32])
            .client("192.0.2.1".parse().expect("valid"), None)
            .device
    }

    fn store(dir: &std::path::Path) -> Store {
        Store::open_with_clock(dir, Arc::new(FakeClock::new(1_000_000, 10)) as Arc<dyn Clock>)
            .expect("opened")
    }

    #[test]
    fn devices_counted_once_per_period() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(dir.path());
        store.record_view(&device(1), "aaa", "passwords", 1, "2026-01-10");
        store.record_view(&device(1), "bbb", "scams", 2, "2026-01-10");
        store.record_view(&device(1), "aaa", "passwords", 3, "2026-02-01");
        store.record_view(&device(2), "aaa", "passwords", 4, "2026-07-01");
        store.flush().expect("flushed");
        assert_eq!(
            store
                .devices_reached("2026-01-01", "2026-06-30")
                .expect("counted"),
            1
        );
        assert_eq!(
            store
                .devices_reached("2026-01-01", "2026-12-31")
                .expect("counted"),
            2
        );
        assert_eq!(
            store
                .devices_reached("2026-07-01", "2026-07-01")
                .expect("counted"),
            1
        );
        assert_eq!(
            store
                .devices_reached("2025-01-01", "2025-12-31")
                .expect("counted"),
            0
        );
    }

    #[test]
    fn totals_summed_by_topic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(dir.path());
        store.record_view(&device(1), "aaa", "passwords", 1, "2026-03-01");
        store.record_answer("aaa", "passwords", "2026-03-01", false, true);
        store.record_answer("aaa", "passwords", "2026-03-01", true, false);
        store.flush().expect("flushed");
        store.record_view(&device(2), "aaa", "passwords", 2, "2026-03-02");
        store.record_answer("aaa", "passwords", "2026-03-02", true, true);
        store.flush().expect("flushed");
        let totals = store.totals_by_topic("2026-01-01", "2026-06-30").expect("summed");
        assert_eq!(totals.len(), 1);
        let expected = DayTotals {
            views: 2,
            right: 2,
            wrong: 1,
            first_right: 1,
            first_answers: 2,
        };
        assert_eq!(totals[0].totals, expected);
    }

    #[test]
    fn counters_saved_and_loaded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(dir.path());
        let counters = vec![(
            "grants_total".to_string(),
            vec![("reason".to_string(), "operator".to_string())],
            4,
        )];
        store.save_counters(&counters).expect("saved");
        let updated = vec![(
            "grants_total".to_string(),
            vec![("reason".to_string(), "operator".to_string())],
            9,
        )];
        store.save_counters(&updated).expect("saved");
        assert_eq!(store.load_counters().expect("loaded"), updated);
    }
}
