//! Time for sessions: the wall clock for what people read, the boot clock for what decides.
//!
//! A gateway's wall clock can jump (routers start at 1970 until NTP answers), so session
//! lengths are measured on the boot clock, which only moves forward and matches the kernel's
//! set-element timeouts. The boot id tells whether a stored boot-clock time is from this boot.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

/// The clocks sessions need, behind a trait so tests can move time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch, as the system believes.
    fn wall(&self) -> i64;
    /// Seconds since this boot; never goes back.
    fn boot(&self) -> i64;
    /// Identifies this boot; differs after every reboot.
    fn boot_id(&self) -> String;
}

/// The system's clocks: `/proc/uptime` read once, then advanced with the monotonic clock.
pub struct SystemClock {
    boot_at_start: f64,
    started: Instant,
    boot_id: String,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        let uptime = std::fs::read_to_string("/proc/uptime").ok();
        let boot_at_start = uptime
            .as_deref()
            .and_then(|text| text.split_whitespace().next())
            .and_then(|seconds| seconds.parse::<f64>().ok())
            .unwrap_or(0.0);
        let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|id| id.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string());
        SystemClock {
            boot_at_start,
            started: Instant::now(),
            boot_id,
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn wall(&self) -> i64 {
        i64::try_from(crate::token::unix_now()).unwrap_or(i64::MAX)
    }

    fn boot(&self) -> i64 {
        // Truncation to whole seconds is intended; session times are whole seconds.
        (self.boot_at_start + self.started.elapsed().as_secs_f64()) as i64
    }

    fn boot_id(&self) -> String {
        self.boot_id.clone()
    }
}

/// A clock that tests set by hand.
#[derive(Debug, Default)]
pub struct FakeClock {
    pub wall: AtomicI64,
    pub boot: AtomicI64,
    pub boot_number: AtomicI64,
}

impl FakeClock {
    pub fn new(wall: i64, boot: i64) -> FakeClock {
        FakeClock {
            wall: AtomicI64::new(wall),
            boot: AtomicI64::new(boot),
            boot_number: AtomicI64::new(1),
        }
    }

    /// Moves both clocks forward by `seconds`, as time passing does.
    pub fn advance(&self, seconds: i64) {
        self.wall.fetch_add(seconds, Ordering::SeqCst);
        self.boot.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Simulates a reboot: the boot clock restarts near zero, the wall clock reads `wall`.
    pub fn reboot(&self, wall: i64, boot: i64) {
        self.wall.store(wall, Ordering::SeqCst);
        self.boot.store(boot, Ordering::SeqCst);
        self.boot_number.fetch_add(1, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn wall(&self) -> i64 {
        self.wall.load(Ordering::SeqCst)
    }

    fn boot(&self) -> i64 {
        self.boot.load(Ordering::SeqCst)
    }

    fn boot_id(&self) -> String {
        format!("fake-boot-{}", self.boot_number.load(Ordering::SeqCst))
    }
}
