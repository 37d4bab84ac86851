//! Parsing a conn line (TSV or JSON) allocates nothing on the heap: uids and short strings
//! are inline, numbers and addresses are parsed from the line's bytes.

use slips_core::RecordKind;
use slips_zeek::{parse_json_line, TsvSchema};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards to the system allocator; only counts calls on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.with(|a| a.get());
    f();
    ALLOCS.with(|a| a.get()) - before
}

#[test]
fn conn_lines_do_not_allocate() {
    let mut schema = TsvSchema::new();
    for l in [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
    ] {
        schema.feed_header(l.as_bytes()).unwrap();
    }
    let tsv = b"1601998366.785668\tCNgrt04tHika5Pgpfi\t2001:718:2:1663:dc58:6d9:ef13:51a5\t54170\t192.168.1.1\t53\tudp\tdns\t0.007707\t37\t77\tSF\t-\t-\t0\tDd\t1\t85\t1\t125\t(empty)";
    let json = br#"{"ts":22.335172,"uid":"C6ce9q3xECAsonga21","id.orig_h":"fe80::1cf4:44d2:904a:14f7","id.orig_p":61099,"id.resp_h":"ff02::1:3","id.resp_p":5355,"proto":"udp","service":"dns","duration":0.09628199999999865,"orig_bytes":50,"resp_bytes":0,"conn_state":"S0","missed_bytes":0,"history":"D","orig_pkts":2,"orig_ip_bytes":146,"resp_pkts":0,"resp_ip_bytes":0,"tunnel_parents":[]}"#;
    // Warm up (lazy statics, if any).
    schema.parse_line(tsv).unwrap();
    parse_json_line(RecordKind::Conn, json).unwrap();
    let n = allocations(|| {
        for _ in 0..100 {
            std::hint::black_box(schema.parse_line(std::hint::black_box(tsv)).unwrap());
        }
    });
    assert_eq!(n, 0, "TSV conn parsing allocated");
    let n = allocations(|| {
        for _ in 0..100 {
            std::hint::black_box(
                parse_json_line(RecordKind::Conn, std::hint::black_box(json)).unwrap(),
            );
        }
    });
    assert_eq!(n, 0, "JSON conn parsing allocated");
}
