//! The original URL a device asked for, and the host names the portal answers to.

use std::collections::HashSet;

/// Longest original URL carried to the splash; a longer one is cut back to its origin.
pub const MAX_ORIGINAL_URL: usize = 1024;

/// The names under which a request is for the portal itself rather than for the internet.
#[derive(Debug, Clone)]
pub struct PortalHosts {
    names: HashSet<String>,
}

impl PortalHosts {
    /// Builds the set from the portal's base URL host and extra names.
    pub fn new(base_url: &str, extra: &[String]) -> PortalHosts {
        let mut names = HashSet::new();
        if let Ok(url) = url::Url::parse(base_url)
            && let Some(host) = url.host_str()
        {
            names.insert(normalize_host(host));
        }
        for name in extra {
            names.insert(normalize_host(name));
        }
        PortalHosts { names }
    }

    /// Returns whether a `Host` header value (any case, with or without port or trailing dot)
    /// names the portal.
    pub fn contains(&self, host_header: &str) -> bool {
        self.names.contains(&normalize_host(strip_port(host_header)))
    }
}

/// Lowercases a host, drops IPv6 brackets and a trailing dot.
fn normalize_host(host: &str) -> String {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Removes a `:port` suffix from a `Host` header value, keeping bracketed IPv6 intact.
fn strip_port(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        // Two or more colons without brackets is a bare IPv6 address with no port.
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Rebuilds the URL a captured request was for, from its `Host` header and path, and cleans it.
pub fn original_from_request(host: &str, path_and_query: &str, portal: &PortalHosts) -> Option<String> {
    let host_is_plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b));
    if !host_is_plain {
        return None;
    }
    clean_original(&format!("http://{host}{path_and_query}"), portal)
}

/// Cleans an original URL before it is carried or linked: only `http` and `https` with a host,
/// no control characters, no credentials, never the portal itself (so URLs never nest), and at
/// most [`MAX_ORIGINAL_URL`] bytes (a longer one is cut back to its origin).
pub fn clean_original(raw: &str, portal: &PortalHosts) -> Option<String> {
    if raw.chars().any(char::is_control) || raw.len() > 8 * MAX_ORIGINAL_URL {
        return None;
    }
    let mut url = url::Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_string();
    if portal.contains(&host) {
        return None;
    }
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    url.set_fragment(None);
    let text = url.to_string();
    if text.len() <= MAX_ORIGINAL_URL {
        return Some(text);
    }
    let origin = url.origin().ascii_serialization();
    (origin.len() < MAX_ORIGINAL_URL).then(|| format!("{origin}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> PortalHosts {
        PortalHosts::new("http://192.0.2.1:8080", &["Portal.Example.".to_string()])
    }

    #[test]
    fn portal_host_matches_every_spelling() {
        let hosts = portal();
        for spelling in [
            "192.0.2.1",
            "192.0.2.1:8080",
            "192.0.2.1:80",
            "portal.example",
            "PORTAL.EXAMPLE",
            "portal.example.",
            "portal.example.:8080",
        ] {
            assert!(hosts.contains(spelling), "{spelling}");
        }
        for other in ["192.0.2.10", "example.com", "portal.example.com", ""] {
            assert!(!hosts.contains(other), "{other}");
        }
    }

    #[test]
    fn ipv6_portal_host_matches() {
        let hosts = PortalHosts::new("http://[2001:db8::1]:8080", &[]);
        assert!(hosts.contains("[2001:db8::1]:8080"));
        assert!(hosts.contains("[2001:DB8::1]"));
        assert!(hosts.contains("2001:db8::1"));
        assert!(!hosts.contains("[2001:db8::2]"));
    }

    #[test]
    fn only_http_and_https_survive() {
        let hosts = portal();
        assert_eq!(
            clean_original("http://example.com/a?b=c", &hosts).as_deref(),
            Some("http://example.com/a?b=c")
        );
        assert_eq!(
            clean_original("https://example.com", &hosts).as_deref(),
            Some("https://example.com/")
        );
        for bad in [
            "javascript:alert(1)",
            "//elsewhere/x",
            "data:text/html,x",
            "ftp://example.com/",
            "file:///etc/passwd",
            "/local",
            "",
        ] {
            assert_eq!(clean_original(bad, &hosts), None, "{bad}");
        }
    }

    #[test]
    fn control_characters_rejected() {
        let hosts = portal();
        assert_eq!(
            clean_original("http://example.com/\r\nSet-Cookie: x", &hosts),
            None
        );
        assert_eq!(clean_original("http://example.com/\0", &hosts), None);
    }

    #[test]
    fn portal_urls_never_nest() {
        let hosts = portal();
        assert_eq!(
            clean_original("http://192.0.2.1:8080/?url=http://example.com/", &hosts),
            None
        );
        assert_eq!(clean_original("http://portal.example./", &hosts), None);
    }

    #[test]
    fn credentials_and_fragment_dropped() {
        let hosts = portal();
        assert_eq!(
            clean_original("http://user:pw@example.com/#frag", &hosts).as_deref(),
            Some("http://example.com/")
        );
    }

    #[test]
    fn long_url_cut_to_origin() {
        let hosts = portal();
        let long = format!("http://example.com/{}", "a".repeat(MAX_ORIGINAL_URL));
        assert_eq!(
            clean_original(&long, &hosts).as_deref(),
            Some("http://example.com/")
        );
    }

    #[test]
    fn request_url_rebuilt_from_host_and_path() {
        let hosts = portal();
        assert_eq!(
            original_from_request("example.com", "/generate_204", &hosts).as_deref(),
            Some("http://example.com/generate_204")
        );
        assert_eq!(original_from_request("exa mple.com", "/", &hosts), None);
        assert_eq!(original_from_request("a@b", "/", &hosts), None);
    }
}
