//! The site's province: from the config, or looked up in a MaxMind-format City database
//! (GeoLite2-City or GeoIP2-City) with the gateway's public address.
//!
//! A missing or unreadable database, an address it does not know, or one outside Vietnam gives
//! one warning and the label `unknown`: the portal always starts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod testdb;

/// A province as metrics label it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// ISO 3166-2 code, such as `VN-HN`.
    pub code: String,
    pub name: String,
}

impl Province {
    pub fn unknown() -> Province {
        Province {
            code: "unknown".to_string(),
            name: "unknown".to_string(),
        }
    }
}

/// The lookup could not be done.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("cannot open GeoIP database {path}: {reason}")]
    Database { path: PathBuf, reason: String },
    #[error("GeoIP database {path} cannot be read at {address}: {reason}")]
    Lookup {
        path: PathBuf,
        address: IpAddr,
        reason: String,
    },
    #[error("cannot find the public address of interface {interface}: {reason}")]
    Interface { interface: String, reason: String },
}

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    country: Option<Country>,
    #[serde(default)]
    subdivisions: Vec<Subdivision>,
}

#[derive(Deserialize)]
struct Country {
    iso_code: Option<String>,
}

#[derive(Deserialize)]
struct Subdivision {
    iso_code: Option<String>,
    #[serde(default)]
    names: HashMap<String, String>,
}

/// Looks up the province of `address`; `None` when the database has no Vietnamese province
/// for it.
pub fn lookup(database: &Path, address: IpAddr) -> Result<Option<Province>, GeoError> {
    let reader = maxminddb::Reader::open_readfile(database).map_err(|error| GeoError::Database {
        path: database.to_path_buf(),
        reason: error.to_string(),
    })?;
    let lookup_error = |error: maxminddb::MaxMindDbError| GeoError::Lookup {
        path: database.to_path_buf(),
        address,
        reason: error.to_string(),
    };
    let record: Option<Record> = reader
        .lookup(address)
        .map_err(lookup_error)?
        .decode()
        .map_err(lookup_error)?;
    let Some(record) = record else {
        return Ok(None);
    };
    let in_vietnam = record
        .country
        .and_then(|country| country.iso_code)
        .is_some_and(|code| code == "VN");
    let subdivision = record.subdivisions.into_iter().next();
    let (true, Some(subdivision)) = (in_vietnam, subdivision) else {
        return Ok(None);
    };
    let Some(code) = subdivision.iso_code else {
        return Ok(None);
    };
    let name = ["vi", "en"]
        .iter()
        .find_map(|lang| subdivision.names.get(*lang).cloned())
        .unwrap_or_else(|| code.clone());
    Ok(Some(Province {
        code: format!("VN-{code}"),
        name,
    }))
}

/// Returns the province for the site's metrics: from the config when set, else from the GeoIP
/// database when one is configured, else `unknown`. Failures are logged once, here.
pub fn site_province(site: &crate::config::SiteConfig, ip_command: &str) -> Province {
    if let Some(code) = &site.province {
        let name = site.province_name.clone().unwrap_or_else(|| code.clone());
        return Province {
            code: code.clone(),
            name,
        };
    }
    let Some(database) = &site.geoip_database else {
        return Province::unknown();
    };
    let address = match (site.public_address, &site.wan_interface) {
        (Some(address), _) => Ok(address),
        (None, Some(interface)) => interface_address(ip_command, interface),
        (None, None) => {
            tracing::warn!(
                "site.geoip_database is set without site.public_address or site.wan_interface; province is unknown"
            );
            return Province::unknown();
        }
    };
    let found = address.and_then(|address| lookup(database, address));
    match found {
        Ok(Some(province)) => {
            tracing::info!(province = %province.code, "province found in the GeoIP database");
            province
        }
        Ok(None) => {
            tracing::warn!(database = %database.display(), "the GeoIP database has no Vietnamese province for the public address; set site.province");
            Province::unknown()
        }
        Err(error) => {
            tracing::warn!(%error, "province lookup failed; set site.province or fix the GeoIP database");
            Province::unknown()
        }
    }
}

/// Returns the first global unicast IPv4 address of `interface`, from `ip -j addr show`.
pub fn interface_address(ip_command: &str, interface: &str) -> Result<IpAddr, GeoError> {
    let error = |reason: String| GeoError::Interface {
        interface: interface.to_string(),
        reason,
    };
    let output = std::process::Command::new(ip_command)
        .args(["-j", "-4", "addr", "show", "dev", interface])
        .output()
        .map_err(|failure| error(failure.to_string()))?;
    if !output.status.success() {
        return Err(error(String::from_utf8_lossy(&output.stderr).trim().to_string()));
    }
    let links: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).map_err(|failure| error(failure.to_string()))?;
    links
        .iter()
        .flat_map(|link| link["addr_info"].as_array().cloned().unwrap_or_default())
        .filter_map(|info| {
            info["local"]
                .as_str()
                .and_then(|text| text.parse::<std::net::Ipv4Addr>().ok())
        })
        .find(|address| {
            // 100.64.0.0/10 is carrier-grade NAT space, as private as 10.0.0.0/8 for a lookup.
            let shared = address.octets()[0] == 100 && (address.octets()[1] & 0xC0) == 64;
            !(address.is_private() || address.is_loopback() || address.is_link_local() || shared)
        })
        .map(IpAddr::V4)
        .ok_or_else(|| {
            error("no public IPv4 address on it (behind NAT, set site.public_address)".to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path) -> PathBuf {
        let path = dir.join("city.mmdb");
        let entries = [
            testdb::Entry {
                network: "203.0.113.0/24".parse().expect("valid"),
                country: "VN",
                subdivision: Some(("HN", "Hà Nội", "Hanoi")),
            },
            testdb::Entry {
                network: "198.51.100.0/24".parse().expect("valid"),
                country: "TH",
                subdivision: Some(("10", "Bangkok", "Bangkok")),
            },
        ];
        std::fs::write(&path, testdb::build(&entries)).expect("written");
        path
    }

    #[test]
    fn vietnamese_province_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let province =
            lookup(&database(dir.path()), "203.0.113.77".parse().expect("valid")).expect("looked up");
        assert_eq!(
            province,
            Some(Province {
                code: "VN-HN".to_string(),
                name: "Hà Nội".to_string()
            })
        );
    }

    #[test]
    fn foreign_and_unknown_addresses_give_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = database(dir.path());
        assert_eq!(
            lookup(&path, "198.51.100.1".parse().expect("valid")).expect("looked up"),
            None
        );
        assert_eq!(
            lookup(&path, "192.0.2.1".parse().expect("valid")).expect("looked up"),
            None
        );
    }

    #[test]
    fn corrupt_and_missing_databases_are_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let corrupt = dir.path().join("corrupt.mmdb");
        std::fs::write(&corrupt, b"not a database").expect("written");
        assert!(lookup(&corrupt, "203.0.113.1".parse().expect("valid")).is_err());
        assert!(
            lookup(
                &dir.path().join("missing.mmdb"),
                "203.0.113.1".parse().expect("valid")
            )
            .is_err()
        );
    }
}
