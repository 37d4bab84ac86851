//! File-level entry points for the command line (`slips models import-stf`,
//! `slips models train`, `slips ml train`, `slips evaluate`, `-A`). These do I/O; the
//! detection path never calls them.

use crate::eval::{evaluate, Evaluation, GroundTruth};
use crate::markov::{ModelError, ModelSet};
use crate::ml::{ml_train, ClassifierFile, MlError, MlOptions};
use crate::stf::{import_stf, ImportError};
use crate::training::{LetterCollector, TrainOptions};
use md5::{Digest, Md5};
use slips_core::{Flow, Record};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// One imported STF file.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub input: PathBuf,
    pub output: PathBuf,
    pub label: String,
}

/// A file that could not be imported.
#[derive(Debug)]
pub struct Failed {
    pub input: PathBuf,
    pub error: String,
}

/// `slips models import-stf FILE.stfm... -o DIR`: converts each file into a JSON model in
/// `out_dir` (created if missing), named after the model label. Files are independent: a bad
/// file is reported in the second list and the others are still converted. The CLI should
/// print every failure and exit non-zero if any.
pub fn import_stf_files(
    paths: &[PathBuf],
    out_dir: &Path,
) -> Result<(Vec<Imported>, Vec<Failed>), std::io::Error> {
    std::fs::create_dir_all(out_dir)?;
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for p in paths {
        let res = std::fs::read(p)
            .map_err(|e| e.to_string())
            .and_then(|bytes| import_stf(&bytes).map_err(|e: ImportError| e.to_string()));
        match res {
            Ok(m) => {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                let m = m.with_source(format!("stf:{}", name.unwrap_or_default()));
                let out = out_dir.join(m.file_name());
                match m.save(&out) {
                    Ok(()) => ok.push(Imported {
                        input: p.clone(),
                        output: out,
                        label: m.label().to_string(),
                    }),
                    Err(e) => failed.push(Failed {
                        input: p.clone(),
                        error: e.to_string(),
                    }),
                }
            }
            Err(error) => failed.push(Failed {
                input: p.clone(),
                error,
            }),
        }
    }
    Ok((ok, failed))
}

/// `-m DIR`: the models of a folder, ready for the detector
/// (`Resources { markov: Some(Arc::new(set)), .. }`).
pub fn load_models(dir: &Path) -> Result<ModelSet, ModelError> {
    ModelSet::load_dir(dir)
}

/// `slips models train INPUT... -o DIR`: trains one model per label from labelled flows
/// (any reader's flows, in order) and writes them to `out_dir`. Returns the written files.
pub fn train_models<I>(
    flows: I,
    opts: TrainOptions,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, ModelError>
where
    I: IntoIterator<Item = Flow>,
{
    let mut c = LetterCollector::new(opts);
    for f in flows {
        c.add(&f);
    }
    let models = c.train()?;
    if models.is_empty() {
        return Err(ModelError::NothingToTrain);
    }
    std::fs::create_dir_all(out_dir).map_err(|e| ModelError::Io {
        path: out_dir.to_path_buf(),
        source: e,
    })?;
    let mut out = Vec::new();
    for m in &models {
        let p = out_dir.join(m.file_name());
        m.save(&p)?;
        out.push(p);
    }
    Ok(out)
}

/// `slips ml train INPUT... -o FILE`: trains the flow classifier on labelled flows and writes
/// it to `out`.
pub fn ml_train_to_file<I>(
    flows: I,
    opts: &MlOptions,
    out: &Path,
) -> Result<ClassifierFile, MlError>
where
    I: IntoIterator<Item = Flow>,
{
    let flows: Vec<Flow> = flows
        .into_iter()
        .filter(|f| matches!(f.record, Record::Conn(_)) && f.label.is_some())
        .collect();
    let m = ml_train(&flows, opts)?;
    m.save(out)?;
    Ok(m)
}

/// `--ml-model FILE`: the classifier for the detector (`Resources { ml: Some(Arc::new(..)) }`).
pub fn load_classifier(path: &Path) -> Result<ClassifierFile, MlError> {
    ClassifierFile::load(path)
}

/// Collects what `slips evaluate` needs during a normal run: feed every flow given to the
/// engine (in the same order, labelled or not, so that windows are anchored identically)
/// and every alert the engine raises; then [`EvaluationRun::finish`].
#[derive(Debug)]
pub struct EvaluationRun {
    truth: GroundTruth,
    alerts: BTreeSet<(IpAddr, i64)>,
}

impl EvaluationRun {
    /// `width`: the analysis' time-window width in seconds.
    pub fn new(width: f64) -> Self {
        EvaluationRun {
            truth: GroundTruth::new(width),
            alerts: BTreeSet::new(),
        }
    }
    pub fn flow(&mut self, f: &Flow) {
        self.truth.add(f);
    }
    pub fn alert(&mut self, a: &slips_core::Alert) {
        self.alerts.insert((a.profile, a.timewindow.number));
    }
    /// The evaluation; print it with [`Evaluation::report`].
    pub fn finish(&self) -> Evaluation {
        evaluate(&self.truth, &self.alerts)
    }
}

/// `-A`: replaces the source IP of every record by an IPv6 address made of the MD5 of its
/// text (`md5("10.0.0.1")` as 16 bytes), before anything else sees it, and remembers the
/// mapping. Slips 0.2 wrote the hex digest; we keep an IP so that every later stage still
/// sees an address (the hex digest is the address's 32 hex digits).
#[derive(Debug, Default)]
pub struct Anonymizer {
    map: BTreeMap<IpAddr, IpAddr>,
}

/// The anonymised form of an IP.
pub fn md5_ip(ip: IpAddr) -> IpAddr {
    let d = Md5::digest(ip.to_string().as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d);
    IpAddr::V6(Ipv6Addr::from(b))
}

impl Anonymizer {
    fn hash(&mut self, ip: &mut IpAddr) {
        let h = *self.map.entry(*ip).or_insert_with(|| md5_ip(*ip));
        *ip = h;
    }

    /// Anonymises the source IP of a record in place.
    pub fn anonymize(&mut self, f: &mut Flow) {
        let ep = |e: &mut Option<slips_core::Endpoints>, me: &mut Self| {
            if let Some(e) = e {
                me.hash(&mut e.saddr);
            }
        };
        match &mut f.record {
            Record::Conn(c) => {
                if let Some(ip) = &mut c.saddr {
                    self.hash(ip);
                }
            }
            Record::Dns(r) => ep(&mut r.id, self),
            Record::Http(r) => ep(&mut r.id, self),
            Record::Ssl(r) => ep(&mut r.id, self),
            Record::Ssh(r) => ep(&mut r.id, self),
            Record::Smtp(r) => ep(&mut r.id, self),
            Record::Weird(r) => ep(&mut r.id, self),
            Record::Tunnel(r) => ep(&mut r.id, self),
            Record::Ftp(r) => ep(&mut r.id, self),
            Record::Login(r) => ep(&mut r.id, self),
            Record::Intel(r) => ep(&mut r.id, self),
            Record::Notice(r) => {
                ep(&mut r.id, self);
                if let Some(ip) = &mut r.src {
                    self.hash(ip);
                }
            }
            Record::Dhcp(r) => {
                if let Some(ip) = &mut r.client_addr {
                    self.hash(ip);
                }
            }
            Record::Arp(r) => {
                if let Some(ip) = &mut r.saddr {
                    self.hash(ip);
                }
            }
            Record::Software(r) => {
                if let Some(ip) = &mut r.host {
                    self.hash(ip);
                }
            }
            Record::Files(r) => {
                for ip in &mut r.rx_hosts {
                    self.hash(ip);
                }
            }
            Record::Signature(r) => {
                if let Some(ip) = &mut r.src_addr {
                    self.hash(ip);
                }
            }
            Record::X509(_) => {}
        }
    }

    /// The mapping file: `HashedIP,OriginalIP` then one line per source, sorted by original.
    pub fn mapping_csv(&self) -> String {
        let mut s = String::from("HashedIP,OriginalIP\n");
        for (orig, hashed) in &self.map {
            s.push_str(&format!("{hashed},{orig}\n"));
        }
        s
    }

    /// Writes the mapping file (e.g. `<output>/anonymized_ips.csv`).
    /// Never through a symbolic link planted at `path`.
    pub fn write_mapping(&self, path: &Path) -> std::io::Result<()> {
        slips_fs::write_atomic(path, self.mapping_csv().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{Conn, GroundTruth as Gt, Proto, Timestamp};

    #[test]
    fn md5_addresses() {
        // md5("10.0.0.1") = 5a8e3a6a3b5a4b0e... computed independently below.
        let h = md5_ip("10.0.0.1".parse().unwrap());
        let hex: String = match h {
            IpAddr::V6(v6) => v6.octets().iter().map(|b| format!("{b:02x}")).collect(),
            IpAddr::V4(_) => unreachable!(),
        };
        assert_eq!(hex, format!("{:x}", Md5::digest(b"10.0.0.1")));
        // RFC 1321 test vector through the same path.
        assert_eq!(
            format!("{:x}", Md5::digest(b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        let mut a = Anonymizer::default();
        let mut f = Flow::from(Record::Conn(Conn {
            saddr: Some("10.0.0.1".parse().unwrap()),
            daddr: Some("8.8.8.8".parse().unwrap()),
            ..Default::default()
        }));
        a.anonymize(&mut f);
        let Record::Conn(c) = &f.record else {
            unreachable!()
        };
        assert_eq!(c.saddr, Some(h));
        assert_eq!(c.daddr, Some("8.8.8.8".parse().unwrap()));
        assert_eq!(
            a.mapping_csv(),
            format!("HashedIP,OriginalIP\n{h},10.0.0.1\n")
        );
    }

    #[test]
    fn import_train_and_evaluate_files() {
        let d = tempfile::tempdir().unwrap();
        let bad = d.path().join("bad.stfm");
        std::fs::write(&bad, "junk").unwrap();
        let good = d.path().join("good.stfm");
        std::fs::write(
            &good,
            "(dS'a'\nF1\ns.(dp1\n.S'aaaa'\n.F-1\n.S'From-Botnet-TCP-X'\n.F1.1\n.",
        )
        .unwrap();
        let out = d.path().join("models");
        let (ok, failed) = import_stf_files(&[good.clone(), bad.clone()], &out).unwrap();
        assert_eq!(
            ok,
            vec![Imported {
                input: good,
                output: out.join("From-Botnet-TCP-X.json"),
                label: "From-Botnet-TCP-X".into()
            }]
        );
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].input, bad);
        assert!(
            failed[0].error.starts_with("not an STF model file"),
            "{}",
            failed[0].error
        );
        let set = load_models(&out).unwrap();
        assert_eq!(set.model(0).unwrap().source(), Some("stf:good.stfm"));

        // Train from labelled flows and evaluate a run.
        let flows: Vec<Flow> = (0..12)
            .map(|i| Flow {
                record: Record::Conn(Conn {
                    ts: Timestamp::from_secs(f64::from(i) * 30.0),
                    saddr: Some("10.0.0.1".parse().unwrap()),
                    daddr: Some("1.2.3.4".parse().unwrap()),
                    dport: 80,
                    proto: Some(Proto::Tcp),
                    duration: 1.0,
                    sbytes: 2000,
                    ..Default::default()
                }),
                label: Some(Box::new(Gt {
                    label: "Malicious".into(),
                    detailed_label: Some("C&C".into()),
                })),
            })
            .collect();
        let files = train_models(flows.clone(), TrainOptions::default(), &out).unwrap();
        assert_eq!(files, vec![out.join("From-Botnet-TCP-Malicious-C_C.json")]);
        let mut run = EvaluationRun::new(3600.0);
        for f in &flows {
            run.flow(f);
        }
        let e = run.finish();
        assert_eq!((e.total.tp, e.total.fn_), (0, 1));
    }
}
