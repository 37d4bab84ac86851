//! slips' built-in data files (the repository's `data/` folder), compiled in so that a run
//! without a configuration file finds them whatever the working folder.

/// `data/whitelist.conf`: the default whitelist.
pub const WHITELIST: &str = include_str!("../../../data/whitelist.conf");

/// Name the built-in whitelist is reported under.
pub const WHITELIST_NAME: &str = "<built-in data/whitelist.conf>";

/// `data/organizations/`: (name, text) of each organisation file.
pub const ORGANIZATIONS: &[(&str, &str)] = &[
    (
        "data/organizations/google_asn",
        include_str!("../../../data/organizations/google_asn"),
    ),
    (
        "data/organizations/google_ip_ranges",
        include_str!("../../../data/organizations/google_ip_ranges"),
    ),
    (
        "data/organizations/google_domains",
        include_str!("../../../data/organizations/google_domains"),
    ),
    (
        "data/organizations/microsoft_asn",
        include_str!("../../../data/organizations/microsoft_asn"),
    ),
    (
        "data/organizations/microsoft_ip_ranges",
        include_str!("../../../data/organizations/microsoft_ip_ranges"),
    ),
    (
        "data/organizations/microsoft_domains",
        include_str!("../../../data/organizations/microsoft_domains"),
    ),
    (
        "data/organizations/apple_asn",
        include_str!("../../../data/organizations/apple_asn"),
    ),
    (
        "data/organizations/apple_ip_ranges",
        include_str!("../../../data/organizations/apple_ip_ranges"),
    ),
    (
        "data/organizations/apple_domains",
        include_str!("../../../data/organizations/apple_domains"),
    ),
    (
        "data/organizations/facebook_asn",
        include_str!("../../../data/organizations/facebook_asn"),
    ),
    (
        "data/organizations/facebook_ip_ranges",
        include_str!("../../../data/organizations/facebook_ip_ranges"),
    ),
    (
        "data/organizations/facebook_domains",
        include_str!("../../../data/organizations/facebook_domains"),
    ),
    (
        "data/organizations/twitter_asn",
        include_str!("../../../data/organizations/twitter_asn"),
    ),
    (
        "data/organizations/twitter_ip_ranges",
        include_str!("../../../data/organizations/twitter_ip_ranges"),
    ),
    (
        "data/organizations/twitter_domains",
        include_str!("../../../data/organizations/twitter_domains"),
    ),
];
