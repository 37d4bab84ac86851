//! A small, safe reader of Python pickles, protocol 0 (the text protocol of Python 2's
//! `cPickle.dump(obj, f)`), sufficient for the Stratosphere Testing Framework's model files.
//!
//! The pickle is treated as untrusted data: nothing is ever executed or imported. The only
//! "objects" it can build are the ones the STF files contain, recognised by name:
//! `copy_reg._reconstructor(stf.common.markov_chains.Matrix, __builtin__.dict, {...})`
//! (a `dict` subclass) and `BUILD` setting its attributes. Any other global, reduce or
//! opcode is an error naming it and its byte offset.
//!
//! Limits: input size ([`MAX_INPUT`]), stack length and nesting depth ([`MAX_DEPTH`]), memo
//! entries ([`MAX_MEMO`]). The reader is iterative (no recursion on the input's nesting).

use std::collections::HashMap;
use std::fmt;

/// Largest pickle accepted (the biggest STF model file is 62 KB).
pub const MAX_INPUT: usize = 64 * 1024 * 1024;
/// Deepest nesting of containers accepted.
pub const MAX_DEPTH: usize = 64;
/// Most memo entries per pickle.
pub const MAX_MEMO: usize = 1 << 20;
/// Longest stack accepted (items plus marks).
pub const MAX_STACK: usize = 1 << 22;
/// Most values copied by memo `GET`s and `DUP`s per pickle (guards against exponential
/// blow-up by repeated references).
pub const MAX_COPIED: usize = 1 << 20;

/// A value a pickle can hold here.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// `STRING` (Python 2 `str`, bytes decoded as Latin-1) or `UNICODE`.
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Key/value pairs in insertion order.
    Dict(Vec<(Value, Value)>),
    /// A reference to a whitelisted global (`module`, `name`).
    Global(String, String),
    /// An instance of a whitelisted class: its class, the dict content (for dict subclasses)
    /// and the attributes set by `BUILD`.
    Object {
        module: String,
        name: String,
        items: Vec<(Value, Value)>,
        attrs: Vec<(Value, Value)>,
    },
}

impl Value {
    /// Number of values in this one (itself and everything it contains). Recursion is
    /// bounded by [`MAX_DEPTH`].
    pub fn nodes(&self) -> usize {
        1 + match self {
            Value::Tuple(v) | Value::List(v) => v.iter().map(Value::nodes).sum(),
            Value::Dict(kv) => kv.iter().map(|(k, v)| k.nodes() + v.nodes()).sum(),
            Value::Object { items, attrs, .. } => items
                .iter()
                .chain(attrs)
                .map(|(k, v)| k.nodes() + v.nodes())
                .sum(),
            _ => 0,
        }
    }

    /// Short name of the kind of value, for errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Global(..) => "global",
            Value::Object { .. } => "object",
        }
    }
}

/// Why a pickle could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickleError {
    #[error("pickle is larger than {MAX_INPUT} bytes")]
    TooLarge,
    #[error("unexpected end of data at byte {0}")]
    Truncated(usize),
    #[error("unsupported pickle opcode {opcode:?} (0x{byte:02x}) at byte {offset}; only protocol 0 is supported")]
    UnsupportedOpcode {
        opcode: char,
        byte: u8,
        offset: usize,
    },
    #[error("refusing global {module}.{name} at byte {offset}: only the STF Markov matrix classes are allowed")]
    ForbiddenGlobal {
        module: String,
        name: String,
        offset: usize,
    },
    #[error("malformed pickle at byte {offset}: {what}")]
    Malformed { offset: usize, what: String },
    #[error("pickle nesting deeper than {MAX_DEPTH} at byte {0}")]
    TooDeep(usize),
    #[error("pickle needs more than the allowed memory (stack or memo) at byte {0}")]
    TooBig(usize),
}

/// Globals the reader accepts.
const ALLOWED_GLOBALS: &[(&str, &str)] = &[
    ("copy_reg", "_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("__builtin__", "dict"),
    ("builtins", "dict"),
    ("__builtin__", "object"),
    ("builtins", "object"),
    ("stf.common.markov_chains", "Matrix"),
];

/// Classes that can be instantiated (dict subclasses).
const ALLOWED_CLASSES: &[(&str, &str)] = &[("stf.common.markov_chains", "Matrix")];

fn is_allowed_class(module: &str, name: &str) -> bool {
    ALLOWED_CLASSES
        .iter()
        .any(|(m, n)| *m == module && *n == name)
}

/// A stack entry: a mark, or a value with its container nesting depth (0 for scalars), kept
/// so that nesting is bounded in O(1) per operation (deep values would otherwise overflow the
/// call stack when dropped).
enum Item {
    Mark,
    Val(Value, usize),
}

/// Reads consecutive pickles from a byte buffer.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Result<Self, PickleError> {
        if data.len() > MAX_INPUT {
            return Err(PickleError::TooLarge);
        }
        Ok(Reader { data, pos: 0 })
    }

    /// Byte offset of the next pickle.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// True when only whitespace remains.
    pub fn at_end(&self) -> bool {
        self.data[self.pos..]
            .iter()
            .all(|b| b.is_ascii_whitespace())
    }

    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let start = self.pos;
        let rest = &self.data[start..];
        let Some(n) = rest.iter().position(|&b| b == b'\n') else {
            return Err(PickleError::Truncated(self.data.len()));
        };
        self.pos = start + n + 1;
        let mut l = &rest[..n];
        if l.last() == Some(&b'\r') {
            l = &l[..l.len() - 1];
        }
        Ok(l)
    }

    fn text_line(&mut self, offset: usize, what: &str) -> Result<&'a str, PickleError> {
        let l = self.line()?;
        std::str::from_utf8(l).map_err(|_| malformed(offset, format!("{what} is not text")))
    }

    /// Reads the next pickle (up to and including its `STOP`).
    pub fn next_value(&mut self) -> Result<Value, PickleError> {
        let mut stack: Vec<Item> = Vec::new();
        let mut memo: HashMap<u64, (Value, usize)> = HashMap::new();
        let mut copied = 0usize;
        loop {
            let offset = self.pos;
            let Some(&op) = self.data.get(self.pos) else {
                return Err(PickleError::Truncated(self.data.len()));
            };
            self.pos += 1;
            if stack.len() > MAX_STACK {
                return Err(PickleError::TooBig(offset));
            }
            match op {
                b'(' => stack.push(Item::Mark),
                b'.' => return pop_val(&mut stack, offset).map(|(v, _)| v),
                b'N' => stack.push(Item::Val(Value::None, 0)),
                b'I' => {
                    let s = self.text_line(offset, "INT")?;
                    let v = match s {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        _ => Value::Int(
                            s.trim()
                                .parse()
                                .map_err(|_| malformed(offset, format!("bad INT {s:?}")))?,
                        ),
                    };
                    stack.push(Item::Val(v, 0));
                }
                b'L' => {
                    let s = self.text_line(offset, "LONG")?;
                    let s = s.trim().trim_end_matches('L');
                    let v = s
                        .parse()
                        .map_err(|_| malformed(offset, format!("bad or too large LONG {s:?}")))?;
                    stack.push(Item::Val(Value::Int(v), 0));
                }
                b'F' => {
                    let s = self.text_line(offset, "FLOAT")?;
                    let v: f64 = s
                        .trim()
                        .parse()
                        .map_err(|_| malformed(offset, format!("bad FLOAT {s:?}")))?;
                    stack.push(Item::Val(Value::Float(v), 0));
                }
                b'S' => {
                    let l = self.line()?;
                    let s =
                        decode_string(l).ok_or_else(|| malformed(offset, "bad STRING literal"))?;
                    stack.push(Item::Val(Value::Str(s), 0));
                }
                b'V' => {
                    let l = self.line()?;
                    let s = decode_unicode(l)
                        .ok_or_else(|| malformed(offset, "bad UNICODE literal"))?;
                    stack.push(Item::Val(Value::Str(s), 0));
                }
                b'p' => {
                    let id = parse_memo_id(self.line()?)
                        .ok_or_else(|| malformed(offset, "bad PUT id"))?;
                    let Some(Item::Val(v, d)) = stack.last() else {
                        return Err(malformed(offset, "PUT on an empty stack or a mark"));
                    };
                    if memo.len() >= MAX_MEMO && !memo.contains_key(&id) {
                        return Err(PickleError::TooBig(offset));
                    }
                    memo.insert(id, (v.clone(), *d));
                }
                b'g' => {
                    let id = parse_memo_id(self.line()?)
                        .ok_or_else(|| malformed(offset, "bad GET id"))?;
                    let (v, d) = memo
                        .get(&id)
                        .ok_or_else(|| malformed(offset, format!("GET of unknown memo {id}")))?;
                    copied = copied.saturating_add(v.nodes());
                    if copied > MAX_COPIED {
                        return Err(PickleError::TooBig(offset));
                    }
                    stack.push(Item::Val(v.clone(), *d));
                }
                b'c' => {
                    let module = self.text_line(offset, "global module")?.to_string();
                    let name = self.text_line(offset, "global name")?.to_string();
                    if !ALLOWED_GLOBALS
                        .iter()
                        .any(|(m, n)| *m == module && *n == name)
                    {
                        return Err(PickleError::ForbiddenGlobal {
                            module,
                            name,
                            offset,
                        });
                    }
                    stack.push(Item::Val(Value::Global(module, name), 0));
                }
                b'i' => {
                    // INST: module, name, then the constructor arguments since the mark.
                    let module = self.text_line(offset, "class module")?.to_string();
                    let name = self.text_line(offset, "class name")?.to_string();
                    if !is_allowed_class(&module, &name) {
                        return Err(PickleError::ForbiddenGlobal {
                            module,
                            name,
                            offset,
                        });
                    }
                    let (args, d) = pop_mark(&mut stack, offset)?;
                    let items = dict_init_args(args, offset)?;
                    push_container(
                        &mut stack,
                        Value::Object {
                            module,
                            name,
                            items,
                            attrs: Vec::new(),
                        },
                        d + 1,
                        offset,
                    )?;
                }
                b'o' => {
                    // OBJ: class and arguments since the mark.
                    let (mut args, d) = pop_mark(&mut stack, offset)?;
                    if args.is_empty() {
                        return Err(malformed(offset, "OBJ without a class"));
                    }
                    let Value::Global(module, name) = args.remove(0) else {
                        return Err(malformed(offset, "OBJ of a non-class"));
                    };
                    if !is_allowed_class(&module, &name) {
                        return Err(PickleError::ForbiddenGlobal {
                            module,
                            name,
                            offset,
                        });
                    }
                    let items = dict_init_args(args, offset)?;
                    push_container(
                        &mut stack,
                        Value::Object {
                            module,
                            name,
                            items,
                            attrs: Vec::new(),
                        },
                        d + 1,
                        offset,
                    )?;
                }
                b'R' => {
                    let (args, da) = pop_val(&mut stack, offset)?;
                    let (func, _) = pop_val(&mut stack, offset)?;
                    let v = reduce(func, args, offset)?;
                    push_container(&mut stack, v, da, offset)?;
                }
                b'b' => {
                    let (state, ds) = pop_val(&mut stack, offset)?;
                    let (obj, d) = pop_val(&mut stack, offset)?;
                    let Value::Object {
                        module,
                        name,
                        items,
                        mut attrs,
                    } = obj
                    else {
                        return Err(malformed(offset, format!("BUILD on a {}", obj.kind())));
                    };
                    match state {
                        Value::Dict(kv) => attrs.extend(kv),
                        Value::None => {}
                        other => {
                            return Err(malformed(
                                offset,
                                format!("BUILD state must be a dict, not a {}", other.kind()),
                            ))
                        }
                    }
                    let v = Value::Object {
                        module,
                        name,
                        items,
                        attrs,
                    };
                    push_container(&mut stack, v, d.max(ds), offset)?;
                }
                b't' => {
                    let (items, d) = pop_mark(&mut stack, offset)?;
                    push_container(&mut stack, Value::Tuple(items), d + 1, offset)?;
                }
                b'l' => {
                    let (items, d) = pop_mark(&mut stack, offset)?;
                    push_container(&mut stack, Value::List(items), d + 1, offset)?;
                }
                b'd' => {
                    let (items, d) = pop_mark(&mut stack, offset)?;
                    if items.len() % 2 != 0 {
                        return Err(malformed(offset, "DICT with an odd number of items"));
                    }
                    let mut kv = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        kv.push((k, v));
                    }
                    push_container(&mut stack, Value::Dict(kv), d + 1, offset)?;
                }
                b'a' => {
                    let (x, dx) = pop_val(&mut stack, offset)?;
                    match stack.last_mut() {
                        Some(Item::Val(Value::List(l), d)) => {
                            l.push(x);
                            *d = bump(*d, dx + 1, offset)?;
                        }
                        _ => return Err(malformed(offset, "APPEND to a non-list")),
                    }
                }
                b'e' => {
                    let (xs, dx) = pop_mark(&mut stack, offset)?;
                    match stack.last_mut() {
                        Some(Item::Val(Value::List(l), d)) => {
                            l.extend(xs);
                            *d = bump(*d, dx + 1, offset)?;
                        }
                        _ => return Err(malformed(offset, "APPENDS to a non-list")),
                    }
                }
                b's' => {
                    let (v, dv) = pop_val(&mut stack, offset)?;
                    let (k, dk) = pop_val(&mut stack, offset)?;
                    set_items(stack.last_mut(), vec![k, v], dv.max(dk), offset)?;
                }
                b'u' => {
                    let (items, d) = pop_mark(&mut stack, offset)?;
                    if items.len() % 2 != 0 {
                        return Err(malformed(offset, "SETITEMS with an odd number of items"));
                    }
                    set_items(stack.last_mut(), items, d, offset)?;
                }
                b'0' => {
                    stack
                        .pop()
                        .ok_or_else(|| malformed(offset, "POP on an empty stack"))?;
                }
                b'2' => {
                    let Some(Item::Val(v, d)) = stack.last() else {
                        return Err(malformed(offset, "DUP on an empty stack"));
                    };
                    copied = copied.saturating_add(v.nodes());
                    if copied > MAX_COPIED {
                        return Err(PickleError::TooBig(offset));
                    }
                    let item = Item::Val(v.clone(), *d);
                    stack.push(item);
                }
                b'1' => {
                    pop_mark(&mut stack, offset)?;
                }
                b'\n' | b'\r' | b' ' => {}
                other => {
                    return Err(PickleError::UnsupportedOpcode {
                        opcode: if other.is_ascii_graphic() {
                            other as char
                        } else {
                            '?'
                        },
                        byte: other,
                        offset,
                    })
                }
            }
        }
    }
}

fn malformed(offset: usize, what: impl Into<String>) -> PickleError {
    PickleError::Malformed {
        offset,
        what: what.into(),
    }
}

fn parse_memo_id(l: &[u8]) -> Option<u64> {
    std::str::from_utf8(l).ok()?.trim().parse().ok()
}

fn bump(d: usize, child: usize, offset: usize) -> Result<usize, PickleError> {
    let d = d.max(child);
    if d > MAX_DEPTH {
        return Err(PickleError::TooDeep(offset));
    }
    Ok(d)
}

fn push_container(
    stack: &mut Vec<Item>,
    v: Value,
    depth: usize,
    offset: usize,
) -> Result<(), PickleError> {
    if depth > MAX_DEPTH {
        return Err(PickleError::TooDeep(offset));
    }
    stack.push(Item::Val(v, depth));
    Ok(())
}

fn pop_val(stack: &mut Vec<Item>, offset: usize) -> Result<(Value, usize), PickleError> {
    match stack.pop() {
        Some(Item::Val(v, d)) => Ok((v, d)),
        Some(Item::Mark) => Err(malformed(offset, "expected a value, found a mark")),
        None => Err(malformed(offset, "stack underflow")),
    }
}

/// Pops the items above the topmost mark (in order) and the mark; returns them with their
/// largest depth.
fn pop_mark(stack: &mut Vec<Item>, offset: usize) -> Result<(Vec<Value>, usize), PickleError> {
    let Some(m) = stack.iter().rposition(|i| matches!(i, Item::Mark)) else {
        return Err(malformed(offset, "no mark on the stack"));
    };
    let mut depth = 0;
    let items: Vec<Value> = stack
        .drain(m + 1..)
        .filter_map(|i| match i {
            Item::Val(v, d) => {
                depth = depth.max(d);
                Some(v)
            }
            Item::Mark => None, // m is the topmost mark: none above it
        })
        .collect();
    stack.pop();
    Ok((items, depth))
}

/// Adds key/value pairs (flattened) to the dict (or dict subclass) on top of the stack.
fn set_items(
    top: Option<&mut Item>,
    kv: Vec<Value>,
    child_depth: usize,
    offset: usize,
) -> Result<(), PickleError> {
    let (target, d) = match top {
        Some(Item::Val(Value::Dict(d), depth)) => (d, depth),
        Some(Item::Val(Value::Object { items, .. }, depth)) => (items, depth),
        _ => return Err(malformed(offset, "SETITEM on a non-dict")),
    };
    *d = bump(*d, child_depth + 1, offset)?;
    let mut it = kv.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        target.push((k, v));
    }
    Ok(())
}

/// The arguments of `dict.__init__` for a dict subclass: nothing, or one dict.
fn dict_init_args(args: Vec<Value>, offset: usize) -> Result<Vec<(Value, Value)>, PickleError> {
    let mut it = args.into_iter();
    match (it.next(), it.next()) {
        (None, _) => Ok(Vec::new()),
        (Some(Value::Dict(kv)), None) => Ok(kv),
        (Some(Value::None), None) => Ok(Vec::new()),
        _ => Err(malformed(offset, "unexpected constructor arguments")),
    }
}

/// The only REDUCE allowed: `copy_reg._reconstructor(cls, dict, state)` for an allowed
/// dict subclass (how Python 2 pickles dict subclasses with protocol 0).
fn reduce(func: Value, args: Value, offset: usize) -> Result<Value, PickleError> {
    let Value::Global(fm, fname) = &func else {
        return Err(malformed(offset, format!("REDUCE of a {}", func.kind())));
    };
    if !(matches!(fm.as_str(), "copy_reg" | "copyreg") && fname == "_reconstructor") {
        return Err(PickleError::ForbiddenGlobal {
            module: fm.clone(),
            name: fname.clone(),
            offset,
        });
    }
    let Value::Tuple(a) = args else {
        return Err(malformed(offset, "REDUCE arguments are not a tuple"));
    };
    let mut it = a.into_iter();
    let (Some(Value::Global(cm, cn)), Some(Value::Global(bm, bn)), state, None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(malformed(offset, "bad _reconstructor arguments"));
    };
    if !is_allowed_class(&cm, &cn) {
        return Err(PickleError::ForbiddenGlobal {
            module: cm,
            name: cn,
            offset,
        });
    }
    if !(matches!(bm.as_str(), "__builtin__" | "builtins") && bn == "dict") {
        return Err(PickleError::ForbiddenGlobal {
            module: bm,
            name: bn,
            offset,
        });
    }
    let items = match state {
        Some(Value::Dict(kv)) => kv,
        None | Some(Value::None) => Vec::new(),
        Some(other) => {
            return Err(malformed(
                offset,
                format!(
                    "_reconstructor state must be a dict, not a {}",
                    other.kind()
                ),
            ))
        }
    };
    Ok(Value::Object {
        module: cm,
        name: cn,
        items,
        attrs: Vec::new(),
    })
}

/// Decodes a `STRING` argument: a Python 2 `repr` of a byte string (`'...'` or `"..."`) with
/// backslash escapes. Bytes are mapped to chars as Latin-1.
fn decode_string(l: &[u8]) -> Option<String> {
    let q = *l.first()?;
    if !(q == b'\'' || q == b'"') || l.len() < 2 || *l.last()? != q {
        return None;
    }
    let body = &l[1..l.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'\\' {
            out.push(b as char);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1)?;
        i += 2;
        match e {
            b'\\' => out.push('\\'),
            b'\'' => out.push('\''),
            b'"' => out.push('"'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'a' => out.push('\x07'),
            b'b' => out.push('\x08'),
            b'f' => out.push('\x0c'),
            b'v' => out.push('\x0b'),
            b'x' => {
                let h = body.get(i..i + 2)?;
                let v = u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
                out.push(v as char);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v & 0xff)?);
            }
            other => {
                // Python keeps unknown escapes literally.
                out.push('\\');
                out.push(other as char);
            }
        }
    }
    Some(out)
}

/// Decodes a `UNICODE` argument (raw-unicode-escape: `\uXXXX`, `\UXXXXXXXX`, Latin-1 bytes).
fn decode_unicode(l: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(l.len());
    let mut i = 0;
    while i < l.len() {
        let b = l[i];
        if b == b'\\' && matches!(l.get(i + 1), Some(b'u') | Some(b'U')) {
            let n = if l[i + 1] == b'u' { 4 } else { 8 };
            let h = l.get(i + 2..i + 2 + n)?;
            let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
            out.push(char::from_u32(v)?);
            i += 2 + n;
        } else {
            out.push(b as char);
            i += 1;
        }
    }
    Some(out)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            other => f.write_str(other.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Result<Value, PickleError> {
        Reader::new(s.as_bytes())?.next_value()
    }

    #[test]
    fn scalars_and_containers() {
        assert_eq!(one("F1.1000000000000001\n.").unwrap(), Value::Float(1.1));
        assert_eq!(
            one("S'a\\'b\\x41\\n'\np1\n.").unwrap(),
            Value::Str("a'bA\n".into())
        );
        assert_eq!(one("Vh\\u00e9\n.").unwrap(), Value::Str("hé".into()));
        assert_eq!(one("I01\n.").unwrap(), Value::Bool(true));
        assert_eq!(one("I-7\n.").unwrap(), Value::Int(-7));
        assert_eq!(one("L12L\n.").unwrap(), Value::Int(12));
        assert_eq!(
            one("(dp1\nS'a'\nF0.5\nsS'b'\ng1\ns.").unwrap(),
            Value::Dict(vec![
                (Value::Str("a".into()), Value::Float(0.5)),
                (Value::Str("b".into()), Value::Dict(vec![])),
            ])
        );
        assert_eq!(
            one("(lp0\nI1\naI2\na(S'x'\nS'y'\ntp1\na.").unwrap(),
            Value::List(vec![
                Value::Int(1),
                Value::Int(2),
                Value::Tuple(vec![Value::Str("x".into()), Value::Str("y".into())])
            ])
        );
    }

    #[test]
    fn matrix_dict_subclass() {
        let p = "ccopy_reg\n_reconstructor\np1\n(cstf.common.markov_chains\nMatrix\np2\nc__builtin__\ndict\np3\n(dp4\n(S'a'\nS'b'\ntp5\nF1\nstRp6\n(dp7\nS'itemlist'\np8\n(lp9\nsb.";
        let v = one(p).unwrap();
        let Value::Object {
            name, items, attrs, ..
        } = v
        else {
            panic!("{v:?}")
        };
        assert_eq!(name, "Matrix");
        assert_eq!(items.len(), 1);
        assert_eq!(attrs[0].0, Value::Str("itemlist".into()));
    }

    #[test]
    fn refuses_code_execution_and_junk() {
        let e = one("cos\nsystem\n(S'id'\ntR.").unwrap_err();
        assert!(
            matches!(e, PickleError::ForbiddenGlobal { ref module, .. } if module == "os"),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "refusing global os.system at byte 0: only the STF Markov matrix classes are allowed"
        );
        // REDUCE of an allowed global with another class.
        let e = one("ccopy_reg\n_reconstructor\n(c__builtin__\ndict\nc__builtin__\ndict\n(dtR.")
            .unwrap_err();
        assert!(matches!(e, PickleError::ForbiddenGlobal { .. }), "{e}");
        // Binary protocol opcodes.
        let e = one("\u{80}\u{2}}q\u{0}.").unwrap_err();
        assert!(matches!(e, PickleError::UnsupportedOpcode { .. }), "{e}");
        assert!(matches!(
            one("(dp1\nS'a'\n").unwrap_err(),
            PickleError::Truncated(_)
        ));
        assert!(matches!(
            one("s.").unwrap_err(),
            PickleError::Malformed { .. }
        ));
        assert!(matches!(
            one("g5\n.").unwrap_err(),
            PickleError::Malformed { .. }
        ));
        assert!(matches!(
            one("Fabc\n.").unwrap_err(),
            PickleError::Malformed { .. }
        ));
        assert!(matches!(
            one("S'abc\n.").unwrap_err(),
            PickleError::Malformed { .. }
        ));
        assert!(matches!(one("").unwrap_err(), PickleError::Truncated(0)));
    }

    #[test]
    fn deep_nesting_and_blowups_are_refused() {
        let lists = format!("{}{}.", "(l".repeat(200), "a".repeat(199));
        assert!(matches!(one(&lists).unwrap_err(), PickleError::TooDeep(_)));
        let tuples = format!("{}I1\n{}.", "(".repeat(200), "t".repeat(200));
        assert!(matches!(one(&tuples).unwrap_err(), PickleError::TooDeep(_)));
        let dicts = format!("{}(d{}.", "(dS'k'\n".repeat(100), "s".repeat(100));
        assert!(matches!(one(&dicts).unwrap_err(), PickleError::TooDeep(_)));
        // Each level references the previous one twice: 2^40 values if expanded.
        let mut bomb = String::from("(lp0\n");
        for i in 1..=40 {
            bomb.push_str(&format!("(g{}\ng{}\ntp{}\n", i - 1, i - 1, i));
        }
        bomb.push('.');
        assert!(matches!(
            one(&bomb).unwrap_err(),
            PickleError::TooBig(_) | PickleError::TooDeep(_)
        ));
    }

    #[test]
    fn consecutive_pickles() {
        let mut r = Reader::new(b"F1.5\n.S'x'\np1\n.").unwrap();
        assert_eq!(r.next_value().unwrap(), Value::Float(1.5));
        assert_eq!(r.next_value().unwrap(), Value::Str("x".into()));
        assert!(r.at_end());
    }
}
