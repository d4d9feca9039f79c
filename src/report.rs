//! `antoan report`: this site's reach and understanding over one of the plan's reporting periods
//! (a half-year, a year) or any range of days, read from the state database.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::store::{Store, StoreError};

/// A reporting period: first and last day, both included, in the site's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// The period text is not one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid period {0:?}: expected 2026-H1, 2026-H2, 2026 or 2026-01-01..2026-03-31")]
pub struct InvalidPeriod(pub String);

impl FromStr for Period {
    type Err = InvalidPeriod;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPeriod(text.to_string());
        let text = text.trim();
        let date =
            |year: i32, month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid);
        if let Some((first, last)) = text.split_once("..") {
            let first: NaiveDate = first.trim().parse().map_err(|_| invalid())?;
            let last: NaiveDate = last.trim().parse().map_err(|_| invalid())?;
            return if first <= last {
                Ok(Period { first, last })
            } else {
                Err(invalid())
            };
        }
        if let Some((year, half)) = text.split_once("-H") {
            let year: i32 = year.parse().map_err(|_| invalid())?;
            return match half {
                "1" => Ok(Period {
                    first: date(year, 1, 1)?,
                    last: date(year, 6, 30)?,
                }),
                "2" => Ok(Period {
                    first: date(year, 7, 1)?,
                    last: date(year, 12, 31)?,
                }),
                _ => Err(invalid()),
            };
        }
        let year: i32 = text.parse().map_err(|_| invalid())?;
        if !(2000..=2999).contains(&year) {
            return Err(invalid());
        }
        Ok(Period {
            first: date(year, 1, 1)?,
            last: date(year, 12, 31)?,
        })
    }
}

/// One topic's line of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicLine {
    pub topic: String,
    pub views: u64,
    pub answers: u64,
    pub right: u64,
    pub first_answers: u64,
    pub first_right: u64,
    /// Right first answers among first answers, 0 to 1; `None` without first answers.
    pub first_try_rate: Option<f64>,
}

/// A site's report for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub site: String,
    pub province: String,
    pub first_day: String,
    pub last_day: String,
    pub devices_reached: u64,
    pub topics: Vec<TopicLine>,
}

/// Builds the report for `period` from the store.
pub fn build(store: &Store, site: &str, province: &str, period: Period) -> Result<Report, StoreError> {
    let (first, last) = (period.first.to_string(), period.last.to_string());
    let devices_reached = store.devices_reached(&first, &last)?;
    let topics = store
        .totals_by_topic(&first, &last)?
        .into_iter()
        .map(|row| {
            let totals = row.totals;
            TopicLine {
                topic: row.topic,
                views: totals.views,
                answers: totals.right + totals.wrong,
                right: totals.right,
                first_answers: totals.first_answers,
                first_right: totals.first_right,
                first_try_rate: (totals.first_answers > 0)
                    .then(|| totals.first_right as f64 / totals.first_answers as f64),
            }
        })
        .collect();
    Ok(Report {
        site: site.to_string(),
        province: province.to_string(),
        first_day: first,
        last_day: last,
        devices_reached,
        topics,
    })
}

/// Renders the report as CSV: one row per topic, then an `all` row with the devices reached.
pub fn to_csv(report: &Report) -> String {
    let mut text = String::from(
        "site,province,first_day,last_day,topic,devices_reached,views,answers,right,first_answers,first_right,first_try_rate\n",
    );
    let rate = |rate: Option<f64>| rate.map(|rate| format!("{rate:.4}")).unwrap_or_default();
    let prefix = format!(
        "{},{},{},{}",
        csv_field(&report.site),
        csv_field(&report.province),
        report.first_day,
        report.last_day
    );
    let mut all = TopicLine {
        topic: "all".to_string(),
        views: 0,
        answers: 0,
        right: 0,
        first_answers: 0,
        first_right: 0,
        first_try_rate: None,
    };
    for line in &report.topics {
        text.push_str(&format!(
            "{prefix},{},,{},{},{},{},{},{}\n",
            csv_field(&line.topic),
            line.views,
            line.answers,
            line.right,
            line.first_answers,
            line.first_right,
            rate(line.first_try_rate)
        ));
        all.views += line.views;
        all.answers += line.answers;
        all.right += line.right;
        all.first_answers += line.first_answers;
        all.first_right += line.first_right;
    }
    let all_rate = (all.first_answers > 0).then(|| all.first_right as f64 / all.first_answers as f64);
    text.push_str(&format!(
        "{prefix},all,{},{},{},{},{},{},{}\n",
        report.devices_reached,
        all.views,
        all.answers,
        all.right,
        all.first_answers,
        all.first_right,
        rate(all_rate)
    ));
    text
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Returns the half-year containing `day`, for defaults and examples.
pub fn half_year_of(day: NaiveDate) -> String {
    format!("{}-H{}", day.year(), if day.month() <= 6 { 1 } else { 2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("valid date")
    }

    #[test]
    fn periods_parse_to_inclusive_days() {
        assert_eq!(
            "2026-H1".parse(),
            Ok(Period {
                first: day("2026-01-01"),
                last: day("2026-06-30")
            })
        );
        assert_eq!(
            "2026-H2".parse(),
            Ok(Period {
                first: day("2026-07-01"),
                last: day("2026-12-31")
            })
        );
        assert_eq!(
            "2026".parse(),
            Ok(Period {
                first: day("2026-01-01"),
                last: day("2026-12-31")
            })
        );
        assert_eq!(
            "2026-03-01..2026-03-31".parse(),
            Ok(Period {
                first: day("2026-03-01"),
                last: day("2026-03-31")
            })
        );
    }

    #[test]
    fn bad_periods_rejected() {
        for text in [
            "2026-H3",
            "26",
            "2026-04-01..2026-03-01",
            "last year",
            "",
            "2026-02-30..2026-03-01",
        ] {
            assert!(text.parse::<Period>().is_err(), "{text}");
        }
    }

    #[test]
    fn csv_quotes_and_totals() {
        let report = Report {
            site: "quán, 1".to_string(),
            province: "VN-HN".to_string(),
            first_day: "2026-01-01".to_string(),
            last_day: "2026-06-30".to_string(),
            devices_reached: 3,
            topics: vec![TopicLine {
                topic: "scams".to_string(),
                views: 5,
                answers: 4,
                right: 3,
                first_answers: 2,
                first_right: 1,
                first_try_rate: Some(0.5),
            }],
        };
        let csv = to_csv(&report);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[1],
            "\"quán, 1\",VN-HN,2026-01-01,2026-06-30,scams,,5,4,3,2,1,0.5000"
        );
        assert_eq!(
            lines[2],
            "\"quán, 1\",VN-HN,2026-01-01,2026-06-30,all,3,5,4,3,2,1,0.5000"
        );
    }

    #[test]
    fn half_year_named_by_month() {
        assert_eq!(half_year_of(day("2026-06-30")), "2026-H1");
        assert_eq!(half_year_of(day("2026-07-01")), "2026-H2");
    }
}
