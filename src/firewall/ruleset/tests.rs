use super::*;

fn mac(text: &str) -> MacAddr {
    text.parse().expect("valid MAC")
}

fn sample() -> Ruleset {
    Ruleset {
        table: "antoan".to_string(),
        lan_interfaces: vec!["br-lan".to_string(), "lan.20".to_string()],
        portal_port: 8080,
        admin_port: 9469,
        walled_garden: vec![
            "198.51.100.0/24".parse().expect("valid"),
            "2001:db8:9::/48".parse().expect("valid"),
        ],
        dns_garden: vec!["203.0.113.80".parse().expect("valid")],
        trusted_macs: vec![mac("02:00:00:00:00:aa")],
        blocked_macs: vec![],
        idle_timeout: Duration::from_secs(1800),
        groups: vec![IdleGroup {
            macs: vec![mac("02:00:00:00:00:cc")],
            idle: Duration::from_secs(300),
        }],
        sessions: vec![
            Allowed {
                element: Element::Mac(mac("02:00:00:00:00:01")),
                remaining: Duration::from_secs(1200),
                idle: Duration::from_secs(1800),
            },
            Allowed {
                element: Element::V4("192.0.2.9".parse().expect("valid")),
                remaining: Duration::from_secs(30),
                idle: Duration::from_secs(1800),
            },
        ],
    }
}

#[test]
fn full_table_renders_as_expected() {
    let expected = r#"table inet antoan {}
delete table inet antoan
table inet antoan {
	set allowed_mac {
		type ether_addr;
		flags timeout;
		elements = { 02:00:00:00:00:01 timeout 1200s }
	}
	set idle_mac {
		type ether_addr;
		flags dynamic, timeout;
		size 1048576;
		elements = { 02:00:00:00:00:01 timeout 1200s }
	}
	set allowed_v4 {
		type ipv4_addr;
		flags timeout;
		elements = { 192.0.2.9 timeout 30s }
	}
	set idle_v4 {
		type ipv4_addr;
		flags dynamic, timeout;
		size 1048576;
		elements = { 192.0.2.9 timeout 30s }
	}
	set allowed_v6 {
		type ipv6_addr;
		flags timeout;
	}
	set idle_v6 {
		type ipv6_addr;
		flags dynamic, timeout;
		size 1048576;
	}
	set group_0 {
		type ether_addr;
		elements = { 02:00:00:00:00:cc }
	}
	set trusted_mac {
		type ether_addr;
		elements = { 02:00:00:00:00:aa }
	}
	set blocked_mac {
		type ether_addr;
	}
	set garden_config_v4 {
		type ipv4_addr;
		flags interval;
		elements = { 198.51.100.0/24 }
	}
	set garden_config_v6 {
		type ipv6_addr;
		flags interval;
		elements = { 2001:db8:9::/48 }
	}
	set garden_v4 {
		type ipv4_addr;
		flags interval;
		elements = { 203.0.113.80/32 }
	}
	set garden_v6 {
		type ipv6_addr;
		flags interval;
	}
	chain capture {
		type nat hook prerouting priority dstnat - 5; policy accept;
		iifname != { "br-lan", "lan.20" } return
		ether saddr @blocked_mac return
		ether saddr @trusted_mac return
		ether saddr @allowed_mac ether saddr @idle_mac return
		ip saddr @allowed_v4 ip saddr @idle_v4 return
		ip6 saddr @allowed_v6 ip6 saddr @idle_v6 return
		ip daddr @garden_config_v4 return
		ip6 daddr @garden_config_v6 return
		ip daddr @garden_v4 return
		ip6 daddr @garden_v6 return
		tcp dport 80 redirect to :8080
	}
	chain forward {
		type filter hook forward priority filter - 5; policy accept;
		iifname != { "br-lan", "lan.20" } return
		ether saddr @blocked_mac drop
		ether saddr @trusted_mac return
		ether saddr @group_0 ether saddr @allowed_mac ether saddr @idle_mac update @idle_mac { ether saddr timeout 300s } return
		ether saddr @allowed_mac ether saddr @idle_mac update @idle_mac { ether saddr timeout 1800s } return
		ip saddr @allowed_v4 ip saddr @idle_v4 update @idle_v4 { ip saddr timeout 1800s } return
		ip6 saddr @allowed_v6 ip6 saddr @idle_v6 update @idle_v6 { ip6 saddr timeout 1800s } return
		ip daddr @garden_config_v4 return
		ip6 daddr @garden_config_v6 return
		ip daddr @garden_v4 return
		ip6 daddr @garden_v6 return
		tcp dport { 443, 853 } reject with tcp reset
		drop
	}
	chain input {
		type filter hook input priority filter - 5; policy accept;
		iifname != { "br-lan", "lan.20" } return
		tcp dport 9469 drop
		udp dport { 67, 547 } return
		ether saddr @blocked_mac drop
		tcp dport 853 reject with tcp reset
	}
}
"#;
    assert_eq!(sample().render(), expected);
}

#[test]
fn rule_count_does_not_grow_with_devices() {
    let mut many = sample();
    many.sessions = (0..1000u32)
        .map(|n| Allowed {
            element: Element::V4(std::net::Ipv4Addr::from(0xC000_0200 + n)),
            remaining: Duration::from_secs(60),
            idle: Duration::from_secs(60),
        })
        .collect();
    let rules = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("\t\t") && !line.contains("elements"))
            .count()
    };
    assert_eq!(rules(&many.render()), rules(&sample().render()));
}

#[test]
fn create_script_creates_both_elements() {
    let grant = Allowed {
        element: Element::V4("192.0.2.5".parse().expect("valid")),
        remaining: Duration::from_secs(3600),
        idle: Duration::from_secs(7200),
    };
    assert_eq!(
        create_script("antoan", &[grant]),
        "create element inet antoan allowed_v4 { 192.0.2.5 timeout 3600s }\n\
         create element inet antoan idle_v4 { 192.0.2.5 timeout 3600s }\n",
        "the idle timeout never exceeds the session"
    );
}

#[test]
fn renew_script_renews_timeout() {
    let grant = Allowed {
        element: Element::Mac(mac("02:00:00:00:00:01")),
        remaining: Duration::from_secs(3600),
        idle: Duration::from_secs(600),
    };
    assert_eq!(
        renew_script("antoan", &[grant]),
        "add element inet antoan allowed_mac { 02:00:00:00:00:01 timeout 1s }\n\
         delete element inet antoan allowed_mac { 02:00:00:00:00:01 }\n\
         add element inet antoan allowed_mac { 02:00:00:00:00:01 timeout 3600s }\n\
         add element inet antoan idle_mac { 02:00:00:00:00:01 timeout 1s }\n\
         delete element inet antoan idle_mac { 02:00:00:00:00:01 }\n\
         add element inet antoan idle_mac { 02:00:00:00:00:01 timeout 600s }\n"
    );
}

#[test]
fn revoke_script_tolerates_absent_device() {
    let script = revoke_script("antoan", &[Element::V6("2001:db8::7".parse().expect("valid"))]);
    assert_eq!(
        script,
        "add element inet antoan allowed_v6 { 2001:db8::7 timeout 1s }\n\
         delete element inet antoan allowed_v6 { 2001:db8::7 }\n\
         add element inet antoan idle_v6 { 2001:db8::7 timeout 1s }\n\
         delete element inet antoan idle_v6 { 2001:db8::7 }\n"
    );
}

#[test]
fn element_prefers_mac_and_unmaps_ipv4() {
    let mapped: IpAddr = "::ffff:192.0.2.5".parse().expect("valid");
    assert_eq!(
        Element::for_client(mapped, None),
        Element::V4("192.0.2.5".parse().expect("valid"))
    );
    assert_eq!(
        Element::for_client(mapped, Some(mac("02:00:00:00:00:01"))),
        Element::Mac(mac("02:00:00:00:00:01"))
    );
}

#[test]
fn prefixes_parse_and_reject_bad_lengths() {
    assert_eq!(
        "192.0.2.0/24".parse::<Prefix>().expect("valid").to_string(),
        "192.0.2.0/24"
    );
    assert_eq!(
        "2001:db8::1".parse::<Prefix>().expect("valid").to_string(),
        "2001:db8::1/128"
    );
    assert!("192.0.2.0/33".parse::<Prefix>().is_err());
    assert!("example.com/24".parse::<Prefix>().is_err());
}

#[test]
fn names_that_could_break_a_script_rejected() {
    assert!(is_valid_interface_name("br-lan"));
    assert!(is_valid_interface_name("eth0.20"));
    assert!(!is_valid_interface_name("eth0\"; flush ruleset"));
    assert!(!is_valid_interface_name("averyveryverylongname"));
    assert!(is_valid_table_name("antoan"));
    assert!(!is_valid_table_name("an toan"));
}
