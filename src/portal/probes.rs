//! Captive-portal detection requests ("probes") that operating systems send when they join a
//! network, and the answers that mean "online" once a device is allowed.
//!
//! A device that is not allowed never gets these answers: it is redirected to the splash, which
//! is what makes each OS open its sign-in window.

/// The OS family a probe comes from, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOs {
    Android,
    Apple,
    Windows,
    Firefox,
    ChromeOs,
}

impl ProbeOs {
    pub fn label(self) -> &'static str {
        match self {
            ProbeOs::Android => "android",
            ProbeOs::Apple => "apple",
            ProbeOs::Windows => "windows",
            ProbeOs::Firefox => "firefox",
            ProbeOs::ChromeOs => "chromeos",
        }
    }
}

/// What an allowed device should get back for a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlineAnswer {
    /// `204 No Content`, as Android and ChromeOS expect.
    NoContent,
    /// `200` with this body.
    Body(&'static str),
}

/// Recognizes a probe by path (and user agent, to tell ChromeOS from Android).
pub fn classify(path: &str, user_agent: &str) -> Option<(ProbeOs, OnlineAnswer)> {
    let probe = match path {
        "/generate_204" | "/gen_204" => {
            let os = if user_agent.contains("CrOS") {
                ProbeOs::ChromeOs
            } else {
                ProbeOs::Android
            };
            (os, OnlineAnswer::NoContent)
        }
        "/hotspot-detect.html" | "/library/test/success.html" => (
            ProbeOs::Apple,
            OnlineAnswer::Body("<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
        ),
        "/connecttest.txt" => (ProbeOs::Windows, OnlineAnswer::Body("Microsoft Connect Test")),
        "/ncsi.txt" => (ProbeOs::Windows, OnlineAnswer::Body("Microsoft NCSI")),
        "/redirect" => (ProbeOs::Windows, OnlineAnswer::NoContent),
        "/canonical.html" => (
            ProbeOs::Firefox,
            OnlineAnswer::Body(
                "<meta http-equiv=\"refresh\" content=\"0;url=https://support.mozilla.org/kb/captive-portal\"/>",
            ),
        ),
        "/success.txt" => (ProbeOs::Firefox, OnlineAnswer::Body("success\n")),
        _ => return None,
    };
    Some(probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_recognized_by_path() {
        assert_eq!(
            classify("/generate_204", "Dalvik/2.1.0").map(|p| p.0),
            Some(ProbeOs::Android)
        );
        assert_eq!(classify("/gen_204", "").map(|p| p.0), Some(ProbeOs::Android));
        assert_eq!(
            classify("/generate_204", "Mozilla/5.0 (X11; CrOS x86_64)").map(|p| p.0),
            Some(ProbeOs::ChromeOs)
        );
        assert_eq!(
            classify("/hotspot-detect.html", "CaptiveNetworkSupport").map(|p| p.0),
            Some(ProbeOs::Apple)
        );
        assert_eq!(
            classify("/connecttest.txt", "").map(|p| p.0),
            Some(ProbeOs::Windows)
        );
        assert_eq!(classify("/ncsi.txt", "").map(|p| p.0), Some(ProbeOs::Windows));
        assert_eq!(classify("/redirect", "").map(|p| p.0), Some(ProbeOs::Windows));
        assert_eq!(
            classify("/canonical.html", "").map(|p| p.0),
            Some(ProbeOs::Firefox)
        );
        assert_eq!(classify("/success.txt", "").map(|p| p.0), Some(ProbeOs::Firefox));
        assert_eq!(classify("/", ""), None);
        assert_eq!(classify("/generate_2040", ""), None);
    }
}
