//! The fuzz targets' properties on every `cargo test`: no parser panics on any input.

use crate::{detect_bytes, detect_stream, ArgusParser, LineParser, NfdumpParser, SuricataParser};
use proptest::prelude::*;
use std::collections::VecDeque;

fn feed(p: &mut dyn LineParser, lines: &[Vec<u8>]) {
    let mut out = VecDeque::new();
    for l in lines {
        let _ = p.parse(l, &mut out);
    }
    p.finish(&mut out);
}

fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just("2019/04/04 16:23:00.325010".to_string()),
            Just("10.8.0.69".to_string()),
            Just("::1".to_string()),
            Just("0x0303".to_string()),
            Just("tcp".to_string()),
            Just("icmp".to_string()),
            Just("SRPA_FSPA".to_string()),
            Just("CON".to_string()),
            Just("  <->".to_string()),
            Just("".to_string()),
            "[ -~]{0,10}",
            "[0-9]{1,20}",
        ],
        0..20,
    )
    .prop_map(|f| f.join(",").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn argus_never_panics(first in csv_like(), lines in proptest::collection::vec(csv_like(), 0..6),
                          raw in proptest::collection::vec(any::<u8>(), 0..200)) {
        let header = b"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label".to_vec();
        let ra = b"StartTime Flgs Proto SrcAddr Sport Dir DstAddr Dport TotPkts TotBytes State".to_vec();
        for head in [header, ra, first.clone()] {
            let mut all = vec![head];
            all.extend(lines.iter().cloned());
            all.push(raw.clone());
            all.push(String::from_utf8_lossy(&raw).replace(['\t', ' '], ",").into_bytes());
            feed(&mut ArgusParser::new(), &all);
        }
    }

    #[test]
    fn suricata_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..300),
                             keys in proptest::collection::vec(
                                 prop_oneof![Just("timestamp"), Just("event_type"), Just("src_ip"), Just("dest_ip"),
                                             Just("flow"), Just("dns"), Just("alert"), Just("tcp"), Just("flow_id"),
                                             Just("proto"), Just("icmp_type"), Just("tls")], 0..8),
                             vals in proptest::collection::vec(
                                 prop_oneof![Just("\"flow\""), Just("\"dns\""), Just("\"alert\""), Just("1"), Just("-1"),
                                             Just("\"1.2.3.4\""), Just("{}"), Just("[]"), Just("null"),
                                             Just("\"2021-06-06T15:57:37.272281+0200\""),
                                             Just("{\"type\":\"answer\",\"answers\":[{}]}"),
                                             Just("{\"start\":\"x\",\"state\":\"new\"}"),
                                             Just("{\"signature_id\":1,\"target\":{\"ip\":\"::1\"}}")], 8)) {
        let body: Vec<String> = keys.iter().zip(&vals).map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let obj = format!("{{{}}}", body.join(",")).into_bytes();
        feed(&mut SuricataParser::new(), &[obj, raw]);
    }

    #[test]
    fn nfdump_never_panics(fields in proptest::collection::vec(
                               prop_oneof![Just("2".to_string()), Just("10".to_string()), Just("6".to_string()),
                                           Just("1515771467334".to_string()), "[0-9]{1,21}", "[ -~]{0,6}"], 0..26),
                           raw in proptest::collection::vec(any::<u8>(), 0..120)) {
        let line = fields.join("|").into_bytes();
        feed(&mut NfdumpParser::new(), &[line.clone(), line, raw]);
    }

    #[test]
    fn detection_never_panics_and_gives_the_stream_back(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = detect_bytes(&raw);
        let (_, mut r) = detect_stream(std::io::Cursor::new(raw.clone())).unwrap();
        let mut all = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut all).unwrap();
        prop_assert_eq!(all, raw);
    }
}
