//! `-F` on capture files: the BPF expression compiled by libpcap (as tcpdump compiles it)
//! and run on each packet before the engine sees it. Programs depend on the link type, so
//! one is compiled for each link type the file uses.

use crate::error::PacketError;
use pcap::{BpfProgram, Capture, Linktype};

/// A compiled filter for packets read from files.
pub struct OfflineFilter {
    expr: String,
    /// Per pcap link-type number: its program, or `None` when the expression does not apply
    /// to that link type (its packets are then dropped, as libpcap refuses the filter).
    programs: Vec<(u32, Option<BpfProgram>)>,
    pub(crate) kept: u64,
    pub(crate) dropped: u64,
    pub(crate) refused_links: Vec<(u32, String)>,
}

impl std::fmt::Debug for OfflineFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineFilter")
            .field("expr", &self.expr)
            .finish_non_exhaustive()
    }
}

fn compile(expr: &str, dlt: u32) -> Result<BpfProgram, String> {
    let dlt = i32::try_from(dlt).map_err(|_| format!("link type {dlt}"))?;
    Capture::dead(Linktype(dlt))
        .and_then(|c| c.compile(expr, true))
        .map_err(|e| e.to_string())
}

impl OfflineFilter {
    /// Compiles `expr` (for Ethernet, the common case) so that a bad expression is refused
    /// before anything is read.
    pub fn new(expr: &str) -> Result<OfflineFilter, PacketError> {
        let program = compile(expr, 1).map_err(|reason| PacketError::Filter {
            expr: expr.to_string(),
            reason,
        })?;
        Ok(OfflineFilter {
            expr: expr.to_string(),
            programs: vec![(1, Some(program))],
            kept: 0,
            dropped: 0,
            refused_links: Vec::new(),
        })
    }

    /// The expression as given.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Whether the packet `data` (captured bytes, link type `dlt`) passes.
    pub(crate) fn matches(&mut self, dlt: u32, data: &[u8]) -> bool {
        let i = match self.programs.iter().position(|(d, _)| *d == dlt) {
            Some(i) => i,
            None => {
                let p = match compile(&self.expr, dlt) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.refused_links.push((dlt, e));
                        None
                    }
                };
                self.programs.push((dlt, p));
                self.programs.len() - 1
            }
        };
        let pass = self.programs[i].1.as_ref().is_some_and(|p| p.filter(data));
        if pass {
            self.kept += 1;
        } else {
            self.dropped += 1;
        }
        pass
    }
}
