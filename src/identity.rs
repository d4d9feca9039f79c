//! Client addresses and the keyed hash that names a device.
//!
//! Metrics, logs at info level and the rotation history only ever see a [`DeviceId`]: an
//! HMAC-SHA256 of the device's MAC address (or of its IP address when the MAC is unknown) under a
//! key that never leaves the gateway, so the id cannot be turned back into the address.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacAddr(pub [u8; 6]);

impl FromStr for MacAddr {
    type Err = InvalidMac;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 6];
        let mut parts = text.split([':', '-']);
        for byte in &mut bytes {
            let part = parts.next().ok_or_else(|| InvalidMac(text.to_string()))?;
            if part.len() != 2 {
                return Err(InvalidMac(text.to_string()));
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| InvalidMac(text.to_string()))?;
        }
        if parts.next().is_some() {
            return Err(InvalidMac(text.to_string()));
        }
        Ok(MacAddr(bytes))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The text is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address {0:?}: expected six hexadecimal pairs such as 02:00:5e:10:00:01")]
pub struct InvalidMac(pub String);

/// The stable, non-reversible name of a device: 128 bits of a keyed hash, in hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

impl DeviceId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds an id read back from the store or a token; `None` unless it is 32 hex digits.
    pub fn parse(text: &str) -> Option<DeviceId> {
        (text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| DeviceId(text.to_string()))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client as the portal sees it: its address and, when known, its MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    pub mac: Option<MacAddr>,
    pub device: DeviceId,
}

/// The key of the device hash.
#[derive(Clone)]
pub struct DeviceKey([u8; 32]);

impl DeviceKey {
    pub fn new(key: [u8; 32]) -> DeviceKey {
        DeviceKey(key)
    }

    /// Names the device behind `ip`, using `mac` when the neighbour table knows it.
    pub fn client(&self, ip: IpAddr, mac: Option<MacAddr>) -> Client {
        // An IPv4 address seen as IPv4-mapped IPv6 on a dual-stack socket is the same device.
        let ip = ip.to_canonical();
        let device = match mac {
            Some(mac) => self.device_of_mac(mac),
            None => self.hash(b"ip:", ip.to_string().as_bytes()),
        };
        Client { ip, mac, device }
    }

    /// Names the device with `mac`, as [`DeviceKey::client`] does when the MAC is known.
    pub fn device_of_mac(&self, mac: MacAddr) -> DeviceId {
        self.hash(b"mac:", &mac.0)
    }

    fn hash(&self, kind: &[u8], value: &[u8]) -> DeviceId {
        let mut hash = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        hash.update(kind);
        hash.update(value);
        let digest = hash.finalize().into_bytes();
        DeviceId(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_parses_both_separators() {
        let mac: MacAddr = "02:00:5E:10:00:01".parse().expect("valid");
        assert_eq!(mac.to_string(), "02:00:5e:10:00:01");
        assert_eq!("02-00-5e-10-00-01".parse::<MacAddr>(), Ok(mac));
        assert!("02:00:5e:10:00".parse::<MacAddr>().is_err());
        assert!("02:00:5e:10:00:01:02".parse::<MacAddr>().is_err());
        assert!("02:00:5e:10:00:zz".parse::<MacAddr>().is_err());
        assert!("2:00:5e:10:00:01".parse::<MacAddr>().is_err());
    }

    #[test]
    fn device_id_prefers_mac_and_hides_address() {
        let key = DeviceKey::new([7; 32]);
        let ip: IpAddr = "192.0.2.10".parse().expect("valid");
        let mac: MacAddr = "02:00:5e:10:00:01".parse().expect("valid");
        let by_ip = key.client(ip, None);
        let by_mac = key.client(ip, Some(mac));
        let moved = key.client("192.0.2.11".parse().expect("valid"), Some(mac));
        assert_ne!(by_ip.device, by_mac.device);
        assert_eq!(by_mac.device, moved.device, "the same MAC is the same device");
        assert_eq!(by_ip.device.as_str().len(), 32);
    }

    #[test]
    fn device_id_depends_on_key() {
        let ip: IpAddr = "192.0.2.10".parse().expect("valid");
        let first = DeviceKey::new([1; 32]).client(ip, None);
        let second = DeviceKey::new([2; 32]).client(ip, None);
        assert_ne!(first.device, second.device);
    }

    #[test]
    fn mapped_ipv4_is_the_same_device() {
        let key = DeviceKey::new([7; 32]);
        let plain = key.client("192.0.2.10".parse().expect("valid"), None);
        let mapped = key.client("::ffff:192.0.2.10".parse().expect("valid"), None);
        assert_eq!(plain.device, mapped.device);
    }
}
