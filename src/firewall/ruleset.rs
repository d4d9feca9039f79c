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

/// What identifies an allowed device to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    /// Preferred: covers the device's IPv4 and IPv6 traffic alike.
    Mac(MacAddr),
    /// For a device whose MAC is unknown (routed, not on the link).
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Element {
    /// The element for a client: its MAC when known, else its address.
    pub fn for_client(ip: IpAddr, mac: Option<MacAddr>) -> Element {
        match (mac, ip.to_canonical()) {
            (Some(mac), _) => Element::Mac(mac),
            (None, IpAddr::V4(v4)) => Element::V4(v4),
            (None, IpAddr::V6(v6)) => Element::V6(v6),
        }
    }

    fn set(&self) -> &'static str {
        match self {
            Element::Mac(_) => "allowed_mac",
            Element::V4(_) => "allowed_v4",
            Element::V6(_) => "allowed_v6",
        }
    }

    fn value(&self) -> String {
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
    pub walled_garden: Vec<Prefix>,
    pub trusted_macs: Vec<MacAddr>,
    pub blocked_macs: Vec<MacAddr>,
    /// Sessions to restore, with their remaining time.
    pub sessions: Vec<(Element, Duration)>,
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

        let mut allowed = [Vec::new(), Vec::new(), Vec::new()];
        for (element, remaining) in &self.sessions {
            let index = match element {
                Element::Mac(_) => 0,
                Element::V4(_) => 1,
                Element::V6(_) => 2,
            };
            allowed[index].push(format!(
                "{} timeout {}s",
                element.value(),
                remaining.as_secs().max(1)
            ));
        }
        let [allowed_mac, allowed_v4, allowed_v6] = allowed;
        write_set(&mut text, "allowed_mac", "ether_addr", "timeout", &allowed_mac);
        write_set(&mut text, "allowed_v4", "ipv4_addr", "timeout", &allowed_v4);
        write_set(&mut text, "allowed_v6", "ipv6_addr", "timeout", &allowed_v6);
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
        let garden = |v4: bool| {
            self.walled_garden
                .iter()
                .filter(|prefix| prefix.address.is_ipv4() == v4)
                .map(Prefix::to_string)
                .collect::<Vec<_>>()
        };
        write_set(&mut text, "garden_v4", "ipv4_addr", "interval", &garden(true));
        write_set(&mut text, "garden_v6", "ipv6_addr", "interval", &garden(false));

        let lan = self
            .lan_interfaces
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let passes = "\t\tether saddr @trusted_mac return\n\
                      \t\tether saddr @allowed_mac return\n\
                      \t\tip saddr @allowed_v4 return\n\
                      \t\tip6 saddr @allowed_v6 return\n\
                      \t\tip daddr @garden_v4 return\n\
                      \t\tip6 daddr @garden_v6 return\n";

        // Port 80 of devices not yet allowed goes to the portal, over IPv4 and IPv6 alike.
        let _ = write!(
            text,
            "\tchain capture {{\n\
             \t\ttype nat hook prerouting priority dstnat - 5; policy accept;\n\
             \t\tiifname != {{ {lan} }} return\n\
             \t\tether saddr @blocked_mac return\n\
             {passes}\
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
             {passes}\
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
    if !elements.is_empty() {
        let _ = writeln!(text, "\t\telements = {{ {} }}", elements.join(", "));
    }
    text.push_str("\t}\n");
}

/// Renders a batch of grants: each element is (re)added with its full session time.
pub fn grant_script(table: &str, grants: &[(Element, Duration)]) -> String {
    let mut text = String::new();
    for (element, length) in grants {
        let (set, value) = (element.set(), element.value());
        // `add` keeps an existing element's old timeout, so a renewed grant adds (a no-op when
        // present), deletes and adds again, all in one transaction.
        let _ = writeln!(text, "add element inet {table} {set} {{ {value} timeout 1s }}");
        let _ = writeln!(text, "delete element inet {table} {set} {{ {value} }}");
        let _ = writeln!(
            text,
            "add element inet {table} {set} {{ {value} timeout {}s }}",
            length.as_secs().max(1)
        );
    }
    text
}

/// Renders a batch of revokes; a device not in the set is not an error.
pub fn revoke_script(table: &str, elements: &[Element]) -> String {
    let mut text = String::new();
    for element in elements {
        let (set, value) = (element.set(), element.value());
        let _ = writeln!(text, "add element inet {table} {set} {{ {value} timeout 1s }}");
        let _ = writeln!(text, "delete element inet {table} {set} {{ {value} }}");
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
