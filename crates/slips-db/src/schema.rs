//! The tables. A database records its schema version; a reader refuses any other version.

/// Bumped on every change of the tables below.
pub const SCHEMA_VERSION: i64 = 1;

pub const TABLES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Every record that reached the engine. Connections, most of them, are columns; every
-- other record is also whole in data (JSON).
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    uid TEXT,
    profile TEXT,
    saddr TEXT,
    sport INTEGER,
    daddr TEXT,
    dport INTEGER,
    proto TEXT,
    domain TEXT,
    duration REAL,
    sbytes INTEGER,
    dbytes INTEGER,
    spkts INTEGER,
    dpkts INTEGER,
    state TEXT,
    history TEXT,
    service TEXT,
    smac TEXT,
    dmac TEXT,
    data TEXT
);
CREATE TABLE profiles (
    ip TEXT PRIMARY KEY,
    first_seen REAL,
    last_seen REAL,
    flows INTEGER,
    macs TEXT,
    host_names TEXT,
    user_agents TEXT,
    software TEXT,
    windows INTEGER,
    alerted_windows TEXT,
    evidence INTEGER,
    max_threat_level TEXT,
    enrichment TEXT,
    data TEXT NOT NULL
);
CREATE TABLE windows (
    profile TEXT NOT NULL,
    number INTEGER NOT NULL,
    start REAL NOT NULL,
    end REAL NOT NULL,
    flows INTEGER NOT NULL,
    evidence INTEGER NOT NULL,
    alerted INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    -- The whole summary (ports, addresses, tuples with their letters) as JSON, without its
    -- evidence; `slips query DB tuples` lists the tuples from it. (As rows they would be
    -- nearly as many as the records.)
    data TEXT NOT NULL,
    PRIMARY KEY (profile, number)
);
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    type TEXT NOT NULL,
    profile TEXT NOT NULL,
    window INTEGER NOT NULL,
    attacker TEXT NOT NULL,
    victim TEXT,
    threat_level TEXT NOT NULL,
    confidence REAL NOT NULL,
    description TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    profile TEXT NOT NULL,
    window INTEGER NOT NULL,
    window_start REAL NOT NULL,
    window_end REAL NOT NULL,
    accumulated_threat_level REAL NOT NULL,
    threat_level TEXT NOT NULL,
    confidence REAL NOT NULL,
    blocked INTEGER,
    data TEXT NOT NULL
);
CREATE TABLE alert_evidence (
    alert TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (alert, evidence)
);
CREATE TABLE blocking (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT,
    alert TEXT,
    until REAL,
    offences INTEGER NOT NULL,
    dry_run INTEGER NOT NULL,
    error TEXT
);
-- Covers the per-profile sums of the windows (the interfaces' profile lists while a run
-- goes on) without reading each window's data.
CREATE INDEX windows_by_profile ON windows (profile, flows, evidence, alerted, start, end);
CREATE INDEX evidence_by_window ON evidence (profile, window);
CREATE INDEX evidence_by_type ON evidence (type);
CREATE INDEX alerts_by_profile ON alerts (profile, window);
CREATE INDEX blocking_by_ip ON blocking (ip);
";

/// The indexes of the records, the big table (by profile and by uid: what the interfaces
/// ask; a search by destination or domain scans, about a second per million records): made at the start for live inputs (a UI
/// may query while the run goes on), at the end for files (one sort instead of a B-tree
/// update per record).
pub const RECORD_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS records_by_profile ON records (profile, ts);
CREATE INDEX IF NOT EXISTS records_by_uid ON records (uid);
";
