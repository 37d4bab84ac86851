//! Well-known service names of transport ports (IANA service names), for descriptions such
//! as "Horizontal port scan to port microsoft-ds 445/tcp".

use crate::net::Proto;

/// `(port, tcp name, udp name)`; `""` when the port has no well-known service on that
/// protocol. Sorted by port for binary search.
const PORTS: &[(u16, &str, &str)] = &[
    (7, "echo", "echo"),
    (9, "discard", "discard"),
    (13, "daytime", "daytime"),
    (19, "chargen", "chargen"),
    (20, "ftp-data", ""),
    (21, "ftp", ""),
    (22, "ssh", ""),
    (23, "telnet", ""),
    (25, "smtp", ""),
    (37, "time", "time"),
    (43, "whois", ""),
    (49, "tacacs", "tacacs"),
    (53, "domain", "domain"),
    (67, "", "bootps"),
    (68, "", "bootpc"),
    (69, "", "tftp"),
    (70, "gopher", ""),
    (79, "finger", ""),
    (80, "http", "http"),
    (81, "hosts2-ns", "hosts2-ns"),
    (88, "kerberos", "kerberos"),
    (102, "iso-tsap", ""),
    (110, "pop3", ""),
    (111, "sunrpc", "sunrpc"),
    (113, "auth", ""),
    (119, "nntp", ""),
    (123, "", "ntp"),
    (135, "epmap", "epmap"),
    (137, "netbios-ns", "netbios-ns"),
    (138, "netbios-dgm", "netbios-dgm"),
    (139, "netbios-ssn", ""),
    (143, "imap", ""),
    (161, "snmp", "snmp"),
    (162, "snmptrap", "snmptrap"),
    (177, "", "xdmcp"),
    (179, "bgp", ""),
    (194, "irc", ""),
    (389, "ldap", "ldap"),
    (427, "svrloc", "svrloc"),
    (443, "https", "https"),
    (444, "snpp", ""),
    (445, "microsoft-ds", "microsoft-ds"),
    (464, "kpasswd", "kpasswd"),
    (465, "submissions", ""),
    (500, "", "isakmp"),
    (502, "mbap", "mbap"),
    (512, "exec", "biff"),
    (513, "login", "who"),
    (514, "shell", "syslog"),
    (515, "printer", ""),
    (520, "", "router"),
    (523, "ibm-db2", "ibm-db2"),
    (548, "afpovertcp", ""),
    (554, "rtsp", "rtsp"),
    (587, "submission", ""),
    (623, "", "asf-rmcp"),
    (631, "ipp", ""),
    (636, "ldaps", ""),
    (873, "rsync", ""),
    (902, "ideafarm-door", "ideafarm-door"),
    (993, "imaps", ""),
    (995, "pop3s", ""),
    (1080, "socks", ""),
    (1194, "openvpn", "openvpn"),
    (1433, "ms-sql-s", ""),
    (1434, "", "ms-sql-m"),
    (1521, "ncube-lm", ""),
    (1701, "", "l2f"),
    (1723, "pptp", ""),
    (1883, "mqtt", ""),
    (1900, "", "ssdp"),
    (2049, "nfs", "nfs"),
    (2082, "infowave", ""),
    (2083, "radsec", ""),
    (2181, "eforward", ""),
    (2222, "EtherNet-IP-1", ""),
    (2323, "3d-nfsd", ""),
    (2375, "docker", ""),
    (2376, "docker-s", ""),
    (3128, "ndl-aas", ""),
    (3306, "mysql", ""),
    (3389, "ms-wbt-server", ""),
    (3478, "stun", "stun"),
    (3702, "", "ws-discovery"),
    (4369, "epmd", ""),
    (4500, "", "ipsec-nat-t"),
    (5000, "commplex-main", ""),
    (5060, "sip", "sip"),
    (5061, "sips", ""),
    (5222, "xmpp-client", ""),
    (5353, "", "mdns"),
    (5355, "", "llmnr"),
    (5432, "postgresql", ""),
    (5555, "personal-agent", ""),
    (5672, "amqp", ""),
    (5683, "", "coap"),
    (5900, "rfb", ""),
    (5938, "teamviewer", ""),
    (5984, "couchdb", ""),
    (6379, "redis", ""),
    (6443, "sun-sr-https", ""),
    (6667, "ircu", ""),
    (7547, "cwmp", ""),
    (8000, "irdmi", ""),
    (8008, "http-alt", ""),
    (8080, "http-alt", ""),
    (8081, "sunproxyadmin", ""),
    (8443, "pcsync-https", ""),
    (8888, "ddi-tcp-1", ""),
    (9000, "cslistener", ""),
    (9090, "websm", ""),
    (9100, "jetdirect", ""),
    (9200, "wap-wsp", ""),
    (9418, "git", ""),
    (11211, "memcache", "memcache"),
    (27017, "mongodb", ""),
];

/// The well-known service name of a port, if any.
pub fn service_name(port: u16, proto: Proto) -> Option<&'static str> {
    let i = PORTS.binary_search_by_key(&port, |e| e.0).ok()?;
    let (_, tcp, udp) = PORTS[i];
    let name = match proto {
        Proto::Tcp => tcp,
        Proto::Udp => udp,
        _ => return None,
    };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(PORTS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lookups() {
        assert_eq!(service_name(445, Proto::Tcp), Some("microsoft-ds"));
        assert_eq!(service_name(53, Proto::Udp), Some("domain"));
        assert_eq!(service_name(22, Proto::Udp), None);
        assert_eq!(service_name(12345, Proto::Tcp), None);
        assert_eq!(service_name(80, Proto::Icmp), None);
    }
}
