//! Durations written the way operators write them: `90s`, `30m`, `1h`, `1h30m`, `2d`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A duration parsed from text such as `1h30m`; whole seconds only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

/// The text could not be read as a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {0:?}: expected a number followed by s, m, h or d, such as 90s, 30m or 1h30m")]
pub struct InvalidDuration(pub String);

impl FromStr for HumanDuration {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDuration(text.to_string());
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut saw_unit = false;
        for ch in text.trim().chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            let unit = match ch {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return Err(invalid()),
            };
            let value: u64 = digits.parse().map_err(|_| invalid())?;
            total = value
                .checked_mul(unit)
                .and_then(|part| total.checked_add(part))
                .ok_or_else(invalid)?;
            digits.clear();
            saw_unit = true;
        }
        if !digits.is_empty() || !saw_unit {
            return Err(invalid());
        }
        Ok(HumanDuration(Duration::from_secs(total)))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut seconds = self.0.as_secs();
        if seconds == 0 {
            return write!(f, "0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if seconds >= size {
                write!(f, "{}{}", seconds / size, unit)?;
                seconds %= size;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_durations() {
        assert_eq!("1h30m".parse(), Ok(HumanDuration(Duration::from_secs(5400))));
        assert_eq!("45s".parse(), Ok(HumanDuration(Duration::from_secs(45))));
        assert_eq!("2d".parse(), Ok(HumanDuration(Duration::from_secs(172_800))));
    }

    #[test]
    fn rejects_numbers_without_units() {
        assert!("90".parse::<HumanDuration>().is_err());
        assert!("".parse::<HumanDuration>().is_err());
        assert!("5 minutes".parse::<HumanDuration>().is_err());
        assert!("99999999999999999999d".parse::<HumanDuration>().is_err());
    }

    #[test]
    fn displays_in_largest_units() {
        assert_eq!(HumanDuration(Duration::from_secs(5400)).to_string(), "1h30m");
    }
}
