//! Import of the Stratosphere Testing Framework's model files (`*.stfm`).
//!
//! An `.stfm` file is six consecutive Python 2 pickles (protocol 0), as Slips 0.3 read them
//! with `cPickle.load` six times: the initial vector (dict letter → probability), the
//! transition matrix (`stf.common.markov_chains.Matrix`, a dict subclass mapping
//! `(letter, letter)` → probability), the training string, its log-probability, the label and
//! the threshold. They are read with the safe [`crate::pickle`] reader: nothing is executed.

use crate::markov::{Model, ModelError};
use crate::pickle::{PickleError, Reader, Value};
use std::collections::BTreeMap;

/// The six objects of an `.stfm` file, in order.
const PARTS: [&str; 6] = [
    "initial vector",
    "transition matrix",
    "training string",
    "self probability",
    "label",
    "threshold",
];

/// Why an `.stfm` file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not an STF model file: reading object {index} ({part}): {source}")]
    Pickle {
        index: usize,
        part: &'static str,
        #[source]
        source: PickleError,
    },
    #[error("not an STF model file: object {index} ({part}) is {found}, expected {expected}")]
    Type {
        index: usize,
        part: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("not an STF model file: {0} bytes after the six objects")]
    TrailingData(usize),
    #[error("invalid STF model: {0}")]
    Model(#[from] ModelError),
}

fn type_err(index: usize, found: &Value, expected: &'static str) -> ImportError {
    ImportError::Type {
        index: index + 1,
        part: PARTS[index],
        found: match found {
            Value::Object { module, name, .. } => format!("a {module}.{name} object"),
            other => format!("a {}", other.kind()),
        },
        expected,
    }
}

fn as_char(v: &Value, index: usize) -> Result<char, ImportError> {
    if let Value::Str(s) = v {
        let mut it = s.chars();
        if let (Some(c), None) = (it.next(), it.next()) {
            return Ok(c);
        }
    }
    Err(type_err(index, v, "single-character state names"))
}

fn as_f64(v: &Value, index: usize) -> Result<f64, ImportError> {
    match v {
        Value::Float(x) => Ok(*x),
        Value::Int(i) => Ok(*i as f64),
        other => Err(type_err(index, other, "a number")),
    }
}

/// Imports one `.stfm` file from its bytes.
pub fn import_stf(bytes: &[u8]) -> Result<Model, ImportError> {
    let mut r = Reader::new(bytes).map_err(|e| ImportError::Pickle {
        index: 1,
        part: PARTS[0],
        source: e,
    })?;
    let mut objs = Vec::with_capacity(6);
    for (i, part) in PARTS.iter().enumerate() {
        let v = r.next_value().map_err(|e| ImportError::Pickle {
            index: i + 1,
            part,
            source: e,
        })?;
        objs.push(v);
    }
    if !r.at_end() {
        return Err(ImportError::TrailingData(bytes.len() - r.offset()));
    }
    let mut it = objs.into_iter();
    let mut next = || it.next().unwrap_or(Value::None);
    let (iv, mx, state, sp, label, th) = (next(), next(), next(), next(), next(), next());

    let Value::Dict(iv_items) = &iv else {
        return Err(type_err(0, &iv, "a dict"));
    };
    let mut init = BTreeMap::new();
    for (k, v) in iv_items {
        init.insert(as_char(k, 0)?, as_f64(v, 0)?);
    }

    let items = match &mx {
        Value::Dict(kv) => kv,
        Value::Object { items, .. } => items,
        other => {
            return Err(type_err(
                1,
                other,
                "a dict of (state, state) -> probability",
            ))
        }
    };
    let mut trans = BTreeMap::new();
    for (k, v) in items {
        let Value::Tuple(pair) = k else {
            return Err(type_err(1, k, "(state, state) tuple keys"));
        };
        let [a, b] = pair.as_slice() else {
            return Err(type_err(1, k, "(state, state) tuple keys"));
        };
        trans.insert((as_char(a, 1)?, as_char(b, 1)?), as_f64(v, 1)?);
    }

    let Value::Str(training) = state else {
        return Err(type_err(2, &state, "a string"));
    };
    let sp = as_f64(&sp, 3)?;
    let Value::Str(label) = label else {
        return Err(type_err(4, &label, "a string"));
    };
    let th = as_f64(&th, 5)?;
    Ok(Model::from_parts(&label, init, trans, training, sp, th)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markov::log_probability;

    fn models_dir() -> Option<std::path::PathBuf> {
        let p = std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/slips-data/models-stf"
        ));
        if p.is_dir() {
            Some(p)
        } else {
            eprintln!("skipping: {} is absent", p.display());
            None
        }
    }

    /// (file, label, training length, self probability) of the 18 shipped models.
    const FILES: [(&str, &str, usize, f64); 18] = [
        (
            "From-Botnet-TCP-HTTP-CC-23-251.stfm",
            "From-Botnet-TCP-HTTP-CC-23",
            365,
            -302.4061991775673,
        ),
        (
            "From-Botnet-TCP-HTTP-CC-25-252.stfm",
            "From-Botnet-TCP-HTTP-CC-25",
            97,
            -90.04419392668652,
        ),
        (
            "From-Botnet-TCP-HTTP-CC.BitcoinMiner-1-253.stfm",
            "From-Botnet-TCP-HTTP-CC.BitcoinMiner-1",
            465,
            -337.3407219644631,
        ),
        (
            "From-Botnet-TCP-HTTP-CC.Cridex-1-254.stfm",
            "From-Botnet-TCP-HTTP-CC.Cridex-1",
            60049,
            -7924.646575936157,
        ),
        (
            "From-Botnet-TCP-HTTP-CC.Miuref.Attempt-4-255.stfm",
            "From-Botnet-TCP-HTTP-CC.Miuref.Attempt-4",
            9594,
            -2657.9664930676436,
        ),
        (
            "From-Botnet-TCP-HTTP-CC.PlainText-1-256.stfm",
            "From-Botnet-TCP-HTTP-CC.PlainText-1",
            105,
            -38.26624047589878,
        ),
        (
            "From-Botnet-TCP-HTTP-Flu.CC-3-257.stfm",
            "From-Botnet-TCP-HTTP-Flu.CC-3",
            29999,
            -10197.354092647196,
        ),
        (
            "From-Botnet-TCP-HTTP-Zeus.CC-1-258.stfm",
            "From-Botnet-TCP-HTTP-Zeus.CC-1",
            56927,
            -15813.538343520897,
        ),
        (
            "From-Botnet-TCP-Unknown-CC-1-259.stfm",
            "From-Botnet-TCP-Unknown-CC-1",
            3503,
            -904.1843656174776,
        ),
        (
            "From-Botnet-TCP-Unknown-CC.Attempt-2-260.stfm",
            "From-Botnet-TCP-Unknown-CC.Attempt-2",
            9599,
            -12.248230484683772,
        ),
        (
            "From-Botnet-TCP-Unknown-Linux.Botnet-1-250.stfm",
            "From-Botnet-TCP-Unknown-Linux.Botnet-1",
            5999,
            -2109.30114594432,
        ),
        (
            "From-Botnet-TCP-Unknown-Lurk.CC-1-261.stfm",
            "From-Botnet-TCP-Unknown-Lurk.CC-1",
            85,
            -6.0875709314390605,
        ),
        (
            "From-Botnet-UDP-DNS-DGA-1-262.stfm",
            "From-Botnet-UDP-DNS-DGA-1",
            41744,
            -38097.68964456949,
        ),
        (
            "From-Botnet-UDP-DNS-DGA-17-263.stfm",
            "From-Botnet-UDP-DNS-DGA-17",
            59999,
            -19669.892690118162,
        ),
        (
            "From-Botnet-UDP-DNS-DGA-18-264.stfm",
            "From-Botnet-UDP-DNS-DGA-18",
            13617,
            -10364.024220014004,
        ),
        (
            "From-Botnet-UDP-Unknown-CC-1-5.stfm",
            "From-Botnet-UDP-Unknown-CC-1",
            42,
            -32.65012115468528,
        ),
        (
            "From-Malware-TCP-HTTP-CC.Dridex-1-4.stfm",
            "From-Malware-TCP-HTTP-CC.Dridex-1",
            97,
            -55.80581154907038,
        ),
        (
            "From-Normal-TCP-HTTP-LastFM-30-265.stfm",
            "From-Normal-TCP-HTTP-LastFM-30",
            233,
            -1.3862943611198906,
        ),
    ];

    /// The two most recent models (ids 4 and 5) stored `log(init[s[0]]) + Σ log M`; the 16
    /// older ones the transition sum alone.
    const WITH_INITIAL_TERM: [&str; 2] = [
        "From-Botnet-UDP-Unknown-CC-1-5.stfm",
        "From-Malware-TCP-HTTP-CC.Dridex-1-4.stfm",
    ];

    #[test]
    fn imports_all_18_shipped_models() {
        let Some(dir) = models_dir() else { return };
        let mut count = 0;
        for (file, label, len, sp) in FILES {
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let m = import_stf(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(m.label(), label);
            assert_eq!(m.threshold(), 1.1, "{file}");
            assert_eq!(m.training().len(), len, "{file}");
            assert_eq!(m.self_probability(), sp, "{file}");
            assert_eq!(
                m.protocol(),
                if label.contains("-UDP-") {
                    "UDP"
                } else {
                    "TCP"
                }
            );
            assert_eq!(m.is_normal(), label.contains("Normal"), "{file}");
            // What STF stored: each row of the matrix sums to 1 (within float rounding)...
            let mut rows: BTreeMap<char, f64> = BTreeMap::new();
            for (&(a, _), &p) in m.transitions() {
                *rows.entry(a).or_default() += p;
            }
            for (a, s) in &rows {
                assert!((s - 1.0).abs() < 1e-12, "{file}: row {a:?} sums to {s}");
            }
            // ... the initial vector too, and both are exactly the maximum-likelihood
            // estimate of the training string.
            let iv: f64 = m.init_vector().values().sum();
            assert!((iv - 1.0).abs() < 1e-12, "{file}: {iv}");
            let (init, trans) = crate::markov::maximum_likelihood(m.training());
            assert_eq!(trans.len(), m.transitions().len(), "{file}");
            for (k, p) in &trans {
                assert!((p - m.transitions()[k]).abs() < 1e-12, "{file} {k:?}");
            }
            for (k, p) in &init {
                assert!((p - m.init_vector()[k]).abs() < 1e-12, "{file} {k:?}");
            }
            // The stored self probability recomputed from the training string.
            let mut recomputed = log_probability(m.transitions(), m.training());
            if WITH_INITIAL_TERM.contains(&file) {
                let first = m.training().chars().next().unwrap();
                recomputed += m.init_vector()[&first].ln();
            }
            assert!(
                (recomputed - sp).abs() < 1e-9 * sp.abs().max(1.0),
                "{file}: recomputed {recomputed}, stored {sp}"
            );
            // Our own format round-trips.
            let back = Model::from_json(&m.to_json()).unwrap();
            assert_eq!(back, m);
            count += 1;
        }
        assert_eq!(count, 18);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 18);
    }

    #[test]
    fn clear_errors_for_other_files() {
        let e = import_stf(b"hello world").unwrap_err();
        assert_eq!(
            e.to_string(),
            "not an STF model file: reading object 1 (initial vector): unsupported pickle opcode 'h' (0x68) at byte 0; only protocol 0 is supported"
        );
        let e = import_stf(b"F1.0\n.").unwrap_err();
        assert_eq!(
            e.to_string(),
            "not an STF model file: reading object 2 (transition matrix): unexpected end of data at byte 6"
        );
        let six = "(dS'a'\nF1\ns.(dp1\n.S'aa'\n.F-1\n.S'From-Botnet-TCP-X'\n.F1.1\n.";
        let m = import_stf(six.as_bytes()).unwrap();
        assert_eq!(m.label(), "From-Botnet-TCP-X");
        let wrong = "(l.(d.S'aa'\n.F-1\n.S'From-Botnet-TCP-X'\n.F1.1\n.";
        assert_eq!(
            import_stf(wrong.as_bytes()).unwrap_err().to_string(),
            "not an STF model file: object 1 (initial vector) is a list, expected a dict"
        );
        let trailing = format!("{six}F2\n.");
        assert!(matches!(
            import_stf(trailing.as_bytes()),
            Err(ImportError::TrailingData(4))
        ));
        let bad_label = six.replace("From-Botnet-TCP-X", "Botnet");
        assert!(matches!(
            import_stf(bad_label.as_bytes()),
            Err(ImportError::Model(ModelError::BadLabel(_)))
        ));
        let evil = "cposix\nsystem\n(S'id'\ntR.";
        assert!(import_stf(evil.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("refusing global posix.system"));
    }
}
