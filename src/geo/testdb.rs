//! Builds small MaxMind DB files (format version 2, IPv4, 24-bit records) with one country and
//! one subdivision per network, so that tests and demos need no downloaded database.

use std::net::Ipv4Addr;

/// One network and where it is.
pub struct Entry {
    pub network: Network,
    /// ISO 3166-1 country code, such as `VN`.
    pub country: &'static str,
    /// ISO 3166-2 subdivision code without the country, and its Vietnamese and English names.
    pub subdivision: Option<(&'static str, &'static str, &'static str)>,
}

/// An IPv4 network such as `203.0.113.0/24`.
#[derive(Debug, Clone, Copy)]
pub struct Network {
    pub address: Ipv4Addr,
    pub length: u8,
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, length) = text
            .split_once('/')
            .ok_or_else(|| format!("missing /length in {text:?}"))?;
        let address = address
            .parse()
            .map_err(|_| format!("invalid address in {text:?}"))?;
        let length = length
            .parse()
            .ok()
            .filter(|length| *length <= 32)
            .ok_or_else(|| format!("invalid length in {text:?}"))?;
        Ok(Network { address, length })
    }
}

#[derive(Clone, Copy)]
enum Record {
    Empty,
    Node(usize),
    Data(usize),
}

/// Returns the bytes of a database holding `entries`.
pub fn build(entries: &[Entry]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty, Record::Empty]];
    for entry in entries {
        let offset = data.len();
        encode_entry(&mut data, entry);
        let bits = u32::from(entry.network.address);
        let mut node = 0;
        for depth in 0..entry.network.length {
            let bit = ((bits >> (31 - depth)) & 1) as usize;
            if depth + 1 == entry.network.length {
                nodes[node][bit] = Record::Data(offset);
                break;
            }
            node = match nodes[node][bit] {
                Record::Node(next) => next,
                _ => {
                    nodes.push([Record::Empty, Record::Empty]);
                    let next = nodes.len() - 1;
                    nodes[node][bit] = Record::Node(next);
                    next
                }
            };
        }
    }

    let node_count = nodes.len();
    let mut file = Vec::new();
    for node in &nodes {
        for record in node {
            let value = match *record {
                Record::Empty => node_count,
                Record::Node(next) => next,
                Record::Data(offset) => node_count + 16 + offset,
            };
            file.extend_from_slice(&(value as u32).to_be_bytes()[1..]);
        }
    }
    file.extend_from_slice(&[0; 16]);
    file.extend_from_slice(&data);
    file.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
    encode_metadata(&mut file, node_count);
    file
}

fn encode_entry(data: &mut Vec<u8>, entry: &Entry) {
    let fields = if entry.subdivision.is_some() { 2 } else { 1 };
    map(data, fields);
    string(data, "country");
    map(data, 1);
    string(data, "iso_code");
    string(data, entry.country);
    if let Some((code, vietnamese, english)) = entry.subdivision {
        string(data, "subdivisions");
        array(data, 1);
        map(data, 2);
        string(data, "iso_code");
        string(data, code);
        string(data, "names");
        map(data, 2);
        string(data, "en");
        string(data, english);
        string(data, "vi");
        string(data, vietnamese);
    }
}

fn encode_metadata(file: &mut Vec<u8>, node_count: usize) {
    map(file, 9);
    string(file, "binary_format_major_version");
    unsigned(file, 5, 2);
    string(file, "binary_format_minor_version");
    unsigned(file, 5, 0);
    string(file, "build_epoch");
    unsigned(file, 9, 1_700_000_000);
    string(file, "database_type");
    string(file, "GeoIP2-City");
    string(file, "description");
    map(file, 1);
    string(file, "en");
    string(file, "antoan test database");
    string(file, "ip_version");
    unsigned(file, 5, 4);
    string(file, "languages");
    array(file, 2);
    string(file, "en");
    string(file, "vi");
    string(file, "node_count");
    unsigned(file, 6, node_count as u64);
    string(file, "record_size");
    unsigned(file, 5, 24);
}

/// Writes a control byte for `kind` (types above 7 use the extended form) and size `size`.
fn control(data: &mut Vec<u8>, kind: u8, size: usize) {
    let (first_kind, extended) = if kind > 7 {
        (0, Some(kind - 7))
    } else {
        (kind, None)
    };
    if size < 29 {
        data.push((first_kind << 5) | size as u8);
        data.extend(extended);
    } else {
        data.push((first_kind << 5) | 29);
        data.extend(extended);
        data.push((size - 29) as u8);
    }
}

fn string(data: &mut Vec<u8>, text: &str) {
    control(data, 2, text.len());
    data.extend_from_slice(text.as_bytes());
}

fn map(data: &mut Vec<u8>, pairs: usize) {
    control(data, 7, pairs);
}

fn array(data: &mut Vec<u8>, items: usize) {
    control(data, 11, items);
}

fn unsigned(data: &mut Vec<u8>, kind: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|byte| **byte == 0).count();
    control(data, kind, 8 - skip);
    data.extend_from_slice(&bytes[skip..]);
}
