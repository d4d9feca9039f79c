//! Which notice a device sees next.
//!
//! The rule: among the notices active today, never-seen ones come first, the highest weight
//! first; after that, the one the device has seen least recently, the higher weight winning a tie.
//! Remaining ties go to the lower id, so the choice is deterministic and testable.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::content::Notice;

/// A device's rotation history: notice id to the Unix time it was last shown.
pub type History = HashMap<String, i64>;

/// Chooses the next notice for a device with `history`, skipping `exclude` (the notice just
/// answered) unless it is the only active one. `None` only when no notice is active today.
pub fn choose<'a>(
    notices: &'a [Arc<Notice>],
    history: &History,
    today: NaiveDate,
    exclude: Option<&str>,
) -> Option<&'a Arc<Notice>> {
    let active = || notices.iter().filter(|notice| notice.is_active(today));
    let preferred = active().filter(|notice| Some(notice.id.as_str()) != exclude);
    let rank = |notice: &&Arc<Notice>| {
        let last_seen = history.get(&notice.id).copied();
        // `None` sorts before every `Some`, so never-seen notices come first.
        (last_seen, Reverse(notice.weight), notice.id.clone())
    };
    preferred.min_by_key(rank).or_else(|| active().min_by_key(rank))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Answer, Text, Topic};

    fn notice(id: &str, weight: u32) -> Arc<Notice> {
        let text = Text {
            vi: "x".to_string(),
            en: "x".to_string(),
        };
        Arc::new(Notice {
            id: id.to_string(),
            topic: Topic::Passwords,
            weight,
            starts: None,
            ends: None,
            image: None,
            link: None,
            title: text.clone(),
            body: text.clone(),
            question: text.clone(),
            answers: vec![
                Answer {
                    text: text.clone(),
                    right: true,
                },
                Answer {
                    text: text.clone(),
                    right: false,
                },
            ],
            explanation: text,
        })
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("valid date")
    }

    fn history(entries: &[(&str, i64)]) -> History {
        entries.iter().map(|(id, time)| (id.to_string(), *time)).collect()
    }

    fn chosen(notices: &[Arc<Notice>], seen: &History, exclude: Option<&str>) -> String {
        choose(notices, seen, today(), exclude)
            .expect("a notice")
            .id
            .clone()
    }

    #[test]
    fn new_device_sees_heaviest_first() {
        let notices = [notice("aaa", 1), notice("bbb", 5), notice("ccc", 3)];
        assert_eq!(chosen(&notices, &History::new(), None), "bbb");
    }

    #[test]
    fn never_seen_beats_seen_whatever_the_weight() {
        let notices = [notice("aaa", 1), notice("bbb", 5)];
        assert_eq!(chosen(&notices, &history(&[("bbb", 100)]), None), "aaa");
    }

    #[test]
    fn least_recently_seen_comes_next() {
        let notices = [notice("aaa", 1), notice("bbb", 5), notice("ccc", 3)];
        let seen = history(&[("aaa", 300), ("bbb", 200), ("ccc", 100)]);
        assert_eq!(chosen(&notices, &seen, None), "ccc");
    }

    #[test]
    fn equal_times_go_to_heavier_then_lower_id() {
        let notices = [notice("bbb", 1), notice("aaa", 1), notice("ccc", 2)];
        let seen = history(&[("aaa", 100), ("bbb", 100), ("ccc", 100)]);
        assert_eq!(chosen(&notices, &seen, None), "ccc");
        let notices = [notice("bbb", 1), notice("aaa", 1)];
        assert_eq!(chosen(&notices, &seen, None), "aaa");
    }

    #[test]
    fn whole_cycle_shows_every_notice_once() {
        let notices = [
            notice("aaa", 1),
            notice("bbb", 5),
            notice("ccc", 3),
            notice("ddd", 3),
        ];
        let mut seen = History::new();
        let mut order = Vec::new();
        for time in 0..8 {
            let id = chosen(&notices, &seen, None);
            seen.insert(id.clone(), time);
            order.push(id);
        }
        assert_eq!(order, ["bbb", "ccc", "ddd", "aaa", "bbb", "ccc", "ddd", "aaa"]);
    }

    #[test]
    fn excluded_notice_skipped_unless_alone() {
        let notices = [notice("aaa", 5), notice("bbb", 1)];
        assert_eq!(chosen(&notices, &History::new(), Some("aaa")), "bbb");
        let alone = [notice("aaa", 5)];
        assert_eq!(chosen(&alone, &History::new(), Some("aaa")), "aaa");
    }

    #[test]
    fn inactive_notices_never_shown() {
        let mut expired = (*notice("aaa", 100)).clone();
        expired.ends = NaiveDate::from_ymd_opt(2026, 5, 31);
        let mut future = (*notice("bbb", 100)).clone();
        future.starts = NaiveDate::from_ymd_opt(2026, 6, 2);
        let notices = [Arc::new(expired), Arc::new(future), notice("ccc", 1)];
        assert_eq!(chosen(&notices, &History::new(), None), "ccc");
        assert!(choose(&notices[..2], &History::new(), today(), None).is_none());
    }
}
