//! Prints the records of a pcap, one line each: `cargo run -p slips-packet --example dump -- x.pcap`
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump FILE.pcap");
        std::process::exit(2);
    };
    let mut src = match slips_packet::PcapSource::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for f in src.by_ref() {
        println!("{}", slips_packet::render(&f.record));
    }
    eprintln!("{:?} problems={:?}", src.engine_stats(), src.problems());
}
