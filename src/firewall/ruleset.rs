//! The nftables table antoan owns, as a plain value, and its rendering as `nft -f` text.
//!
//! Rendering is a pure function so that tests compare it as text. antoan owns exactly one
//! `inet` table and replaces it in one transaction, never touching other tables, so it lives
//! beside OpenWrt's fw4 or a Debian `nftables.conf`. The number of rules is fixed: devices are
//! elements of sets with per-element timeouts.

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::identity::MacAddr;

/// Capacity of the idle sets, which the forward chain updates.
const DYNAMIC_SET_SIZE: u32 = 1 << 20;

/// The set element that identifies an allowed device to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    /// Preferred: covers the device's IPv4 and IPv6 traffic alike.
    Mac(MacAddr),
    /// For a device whose MAC is unknown (routed, not on the link).
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Element {
    /// Returns the element for a client: its MAC when known, else its address.
    pub fn for_client(ip: IpAddr, mac: Option<MacAddr>) -> Element {
        match (mac, ip.to_canonical()) {
            (Some(mac), _) => Element::Mac(mac),
            (None, IpAddr::V4(v4)) => Element::V4(v4),
            (None, IpAddr::V6(v6)) => Element::V6(v6),
        }
    }

    /// Returns the session set for this kind of element.
    pub fn set(&self) -> &'static str {
        match self {
            Element::Mac(_) => "allowed_mac",
            Element::V4(_) => "allowed_v4",
            Element::V6(_) => "allowed_v6",
        }
    }

    pub fn idle_set(&self) -> &'static str {
        match self {
            Element::Mac(_) => "idle_mac",
            Element::V4(_) => "idle_v4",
            Element::V6(_) => "idle_v6",
        }
    }

    /// Returns the element as nft writes it.
    pub fn value(&self) -> String {
        match self {
            Element::Mac(mac) => mac.to_string(),
            Element::V4(ip) => ip.to_string(),
            Element::V6(ip) => ip.to_string(),
        }
    }
}

/// An IPv4 or IPv6 prefix of the walled garden, such as `198.51.100.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub address: IpAddr,
    pub length: u8,
}

impl std::str::FromStr for Prefix {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, length) = match text.split_once('/') {
            Some((address, length)) => (address, Some(length)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("invalid IP address in prefix {text:?}"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let length = match length {
            None => max,
            Some(length) => length
                .parse::<u8>()
                .ok()
                .filter(|length| *length <= max)
                .ok_or_else(|| format!("invalid prefix length in {text:?}: expected 0 to {max}"))?,
        };
        Ok(Prefix { address, length })
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

/// A device allowed through: its element, the session time left and the idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub element: Element,
    /// Time left of the session: the kernel removes the element from the session set then, unless a
    /// revoke removes it earlier or a renewed grant gives it a new timeout.
    pub remaining: Duration,
    /// Time without forwarded traffic after which the element leaves the idle set.
    pub idle: Duration,
}

/// MAC addresses with their own idle timeout (such as the café's shared PCs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleGroup {
    pub macs: Vec<MacAddr>,
    pub idle: Duration,
}

/// The table antoan wants in the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruleset {
    /// Name of the `inet` table, validated as an nft identifier.
    pub table: String,
    /// Interfaces whose devices are captured; validated interface names.
    pub lan_interfaces: Vec<String>,
    /// Port of the portal's HTTP listener, where captured port-80 traffic goes.
    pub portal_port: u16,
    /// Port of the admin listener, closed to the LAN side.
    pub admin_port: u16,
    /// Prefixes from the config, in the sets `garden_config_v4` and `garden_config_v6`.
    pub walled_garden: Vec<Prefix>,
    /// Prefixes already in `garden_v4` and `garden_v6`, the sets dnsmasq's `nftset=` fills, kept
    /// when the table is replaced.
    pub dns_garden: Vec<Prefix>,
    pub trusted_macs: Vec<MacAddr>,
    pub blocked_macs: Vec<MacAddr>,
    /// Idle timeout of devices in no group.
    pub idle_timeout: Duration,
    /// Groups with their own idle timeout, checked in order before the default.
    pub groups: Vec<IdleGroup>,
    /// Sessions to restore.
    pub sessions: Vec<Allowed>,
}

impl Ruleset {
    /// Renders the whole table as one `nft -f` transaction that creates or replaces it.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let table = &self.table;
        // Creating the table first makes the delete valid on a first start; both run in the
        // same transaction as the new definition, so no packet sees the table missing.
        let _ = writeln!(
            text,
            "table inet {table} {{}}\ndelete table inet {table}\ntable inet {table} {{"
        );

        // A device passes while it is in both its session set and its idle set. Forwarded
        // traffic refreshes the idle element, so whichever limit runs out first ends access.
        let mut allowed: [Vec<String>; 3] = Default::default();
        let mut idle: [Vec<String>; 3] = Default::default();
        for session in &self.sessions {
            let index = match session.element {
                Element::Mac(_) => 0,
                Element::V4(_) => 1,
                Element::V6(_) => 2,
            };
            let value = session.element.value();
            let remaining = session.remaining.as_secs().max(1);
            allowed[index].push(format!("{value} timeout {remaining}s"));
            idle[index].push(format!(
                "{value} timeout {}s",
                session.idle.as_secs().clamp(1, remaining)
            ));
        }
        for (index, (name, kind)) in [("mac", "ether_addr"), ("v4", "ipv4_addr"), ("v6", "ipv6_addr")]
            .into_iter()
            .enumerate()
        {
            write_set(
                &mut text,
                &format!("allowed_{name}"),
                kind,
                "timeout",
                &allowed[index],
            );
            write_set(
                &mut text,
                &format!("idle_{name}"),
                kind,
                "dynamic, timeout",
                &idle[index],
            );
        }
        for (index, group) in self.groups.iter().enumerate() {
            let macs: Vec<String> = group.macs.iter().map(MacAddr::to_string).collect();
            write_set(&mut text, &format!("group_{index}"), "ether_addr", "", &macs);
        }
        let macs = |list: &[MacAddr]| list.iter().map(|mac| mac.to_string()).collect::<Vec<_>>();
        write_set(
            &mut text,
            "trusted_mac",
            "ether_addr",
            "",
            &macs(&self.trusted_macs),
        );
        write_set(
            &mut text,
            "blocked_mac",
            "ether_addr",
            "",
            &macs(&self.blocked_macs),
        );
        let garden = |prefixes: &[Prefix], v4: bool| {
            prefixes
                .iter()
                .filter(|prefix| prefix.address.is_ipv4() == v4)
                .map(Prefix::to_string)
                .collect::<Vec<_>>()
        };
        // Configured prefixes and dnsmasq's addresses live in separate sets, so that a replaced
        // table keeps what dnsmasq added without keeping a prefix removed from the config.
        write_set(
            &mut text,
            "garden_config_v4",
            "ipv4_addr",
            "interval",
            &garden(&self.walled_garden, true),
        );
        write_set(
            &mut text,
            "garden_config_v6",
            "ipv6_addr",
            "interval",
            &garden(&self.walled_garden, false),
        );
        write_set(
            &mut text,
            "garden_v4",
            "ipv4_addr",
            "interval",
            &garden(&self.dns_garden, true),
        );
        write_set(
            &mut text,
            "garden_v6",
            "ipv6_addr",
            "interval",
            &garden(&self.dns_garden, false),
        );

        let lan = self
            .lan_interfaces
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let garden = "\t\tip daddr @garden_config_v4 return\n\t\tip6 daddr @garden_config_v6 return\n\
                      \t\tip daddr @garden_v4 return\n\t\tip6 daddr @garden_v6 return\n";
        let capture_passes = format!(
            "\t\tether saddr @trusted_mac return\n\
             \t\tether saddr @allowed_mac ether saddr @idle_mac return\n\
             \t\tip saddr @allowed_v4 ip saddr @idle_v4 return\n\
             \t\tip6 saddr @allowed_v6 ip6 saddr @idle_v6 return\n{garden}"
        );
        let mut forward_passes = String::from("\t\tether saddr @trusted_mac return\n");
        for (index, group) in self.groups.iter().enumerate() {
            let _ = writeln!(
                forward_passes,
                "\t\tether saddr @group_{index} ether saddr @allowed_mac ether saddr @idle_mac \
                 update @idle_mac {{ ether saddr timeout {}s }} return",
                group.idle.as_secs().max(1)
            );
        }
        let idle = self.idle_timeout.as_secs().max(1);
        let _ = write!(
            forward_passes,
            "\t\tether saddr @allowed_mac ether saddr @idle_mac update @idle_mac {{ ether saddr timeout {idle}s }} return\n\
             \t\tip saddr @allowed_v4 ip saddr @idle_v4 update @idle_v4 {{ ip saddr timeout {idle}s }} return\n\
             \t\tip6 saddr @allowed_v6 ip6 saddr @idle_v6 update @idle_v6 {{ ip6 saddr timeout {idle}s }} return\n{garden}"
        );

        // Port 80 of devices not yet allowed goes to the portal, over IPv4 and IPv6 alike.
        let _ = write!(
            text,
            "\tchain capture {{\n\
             \t\ttype nat hook prerouting priority dstnat - 5; policy accept;\n\
             \t\tiifname != {{ {lan} }} return\n\
             \t\tether saddr @blocked_mac return\n\
             {capture_passes}\
             \t\ttcp dport 80 redirect to :{portal}\n\
             \t}}\n",
            portal = self.portal_port
        );
        // Nothing else of theirs is forwarded. HTTPS and DNS-over-TLS get a reset at once, so
        // browsers fall back to the sign-in window instead of waiting for a timeout.
        let _ = write!(
            text,
            "\tchain forward {{\n\
             \t\ttype filter hook forward priority filter - 5; policy accept;\n\
             \t\tiifname != {{ {lan} }} return\n\
             \t\tether saddr @blocked_mac drop\n\
             {forward_passes}\
             \t\ttcp dport {{ 443, 853 }} reject with tcp reset\n\
             \t\tdrop\n\
             \t}}\n"
        );
        // Towards the gateway itself: DHCP for everyone, never the admin listener, and for
        // blocked devices nothing else. DNS and the portal stay open to the rest.
        let _ = write!(
            text,
            "\tchain input {{\n\
             \t\ttype filter hook input priority filter - 5; policy accept;\n\
             \t\tiifname != {{ {lan} }} return\n\
             \t\ttcp dport {admin} drop\n\
             \t\tudp dport {{ 67, 547 }} return\n\
             \t\tether saddr @blocked_mac drop\n\
             \t\ttcp dport 853 reject with tcp reset\n\
             \t}}\n\
             }}\n",
            admin = self.admin_port
        );
        text
    }
}

fn write_set(text: &mut String, name: &str, kind: &str, flags: &str, elements: &[String]) {
    let _ = write!(text, "\tset {name} {{\n\t\ttype {kind};\n");
    if !flags.is_empty() {
        let _ = writeln!(text, "\t\tflags {flags};");
    }
    if flags.contains("dynamic") {
        // Sets that rules update get a default size of 65535 in the kernel; a busy hotspot's
        // sessions over a day can exceed that.
        let _ = writeln!(text, "\t\tsize {DYNAMIC_SET_SIZE};");
    }
    if !elements.is_empty() {
        let _ = writeln!(text, "\t\telements = {{ {} }}", elements.join(", "));
    }
    text.push_str("\t}\n");
}

/// Renders a batch of new grants: each element is created in its session and idle sets. The
/// transaction fails if any element already exists; [`renew_script`] handles those.
///
/// Why two scripts: renewing needs a delete, and a transaction that deletes set elements waits
/// for an RCU grace period in the kernel (about 16 ms measured here, against about 3 ms for a
/// create-only transaction), so the common case of a device that is not in the sets yet takes
/// the fast path.
pub fn create_script(table: &str, grants: &[Allowed]) -> String {
    let mut text = String::new();
    for grant in grants {
        let value = grant.element.value();
        let remaining = grant.remaining.as_secs().max(1);
        let idle = grant.idle.as_secs().clamp(1, remaining);
        for (set, timeout) in [(grant.element.set(), remaining), (grant.element.idle_set(), idle)] {
            let _ = writeln!(
                text,
                "create element inet {table} {set} {{ {value} timeout {timeout}s }}"
            );
        }
    }
    text
}

/// Renders a batch of renewed grants: each element is (re)added to its session and idle sets
/// with a fresh timeout, whether or not it was there.
pub fn renew_script(table: &str, grants: &[Allowed]) -> String {
    let mut text = String::new();
    for grant in grants {
        let value = grant.element.value();
        let remaining = grant.remaining.as_secs().max(1);
        let idle = grant.idle.as_secs().clamp(1, remaining);
        for (set, timeout) in [(grant.element.set(), remaining), (grant.element.idle_set(), idle)] {
            // `add` keeps an existing element's old timeout, so a renewed grant adds (a no-op
            // when present), deletes and adds again, all in one transaction.
            let _ = writeln!(text, "add element inet {table} {set} {{ {value} timeout 1s }}");
            let _ = writeln!(text, "delete element inet {table} {set} {{ {value} }}");
            let _ = writeln!(
                text,
                "add element inet {table} {set} {{ {value} timeout {timeout}s }}"
            );
        }
    }
    text
}

/// Renders a batch of revokes; a device not in the sets is not an error.
pub fn revoke_script(table: &str, elements: &[Element]) -> String {
    let mut text = String::new();
    for element in elements {
        let value = element.value();
        for set in [element.set(), element.idle_set()] {
            let _ = writeln!(text, "add element inet {table} {set} {{ {value} timeout 1s }}");
            let _ = writeln!(text, "delete element inet {table} {set} {{ {value} }}");
        }
    }
    text
}

/// Returns whether `name` can be used as an nft table name.
pub fn is_valid_table_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Returns whether `name` is a plausible Linux interface name (at most 15 bytes, no spaces,
/// quotes or slashes), which also keeps it safe inside an nft script.
pub fn is_valid_interface_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

#[cfg(test)]
mod tests;
