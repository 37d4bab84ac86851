//! Read-only queries for the interfaces (the web interface): any `SELECT` with bound
//! arguments, rows as JSON values, and an optional time budget after which SQLite stops the
//! statement (a search that would scan a million records answers in time, marked partial).
//!
//! The connection is opened read-only, so a statement can never change the database.

use crate::read::Rows;
use crate::{Error, Reader};
use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::Value;
use std::time::Duration;

/// An argument bound to a `?N` of a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<&Arg> for SqlValue {
    fn from(a: &Arg) -> SqlValue {
        match a {
            Arg::Int(x) => SqlValue::Integer(*x),
            Arg::Real(x) => SqlValue::Real(*x),
            Arg::Text(s) => SqlValue::Text(s.clone()),
        }
    }
}

/// Rows of a bounded statement, and whether the budget cut it short.
#[derive(Clone, Debug, PartialEq)]
pub struct Selected {
    pub rows: Rows,
    pub partial: bool,
}

impl Reader {
    /// Runs `sql` with `args`; columns named `data` (and the JSON lists of the profiles
    /// table) are parsed as JSON.
    pub fn select(&self, sql: &str, args: &[Arg]) -> Result<Rows, Error> {
        self.select_within(sql, args, None).map(|s| s.rows)
    }

    /// As [`Reader::select`]; with a `budget`, the statement is interrupted once it is spent
    /// and the rows found so far are returned with `partial`.
    pub fn select_within(
        &self,
        sql: &str,
        args: &[Arg],
        budget: Option<Duration>,
    ) -> Result<Selected, Error> {
        let conn = self.connection();
        let path = self.path().to_path_buf();
        // A watchdog interrupts the statement when the budget is spent; it ends as soon as
        // the statement does (its channel closes).
        let watchdog = budget.map(|b| {
            let handle = conn.get_interrupt_handle();
            let (tx, rx) = crossbeam_channel::bounded::<()>(0);
            let t = std::thread::spawn(move || {
                if let Err(crossbeam_channel::RecvTimeoutError::Timeout) = rx.recv_timeout(b) {
                    handle.interrupt();
                }
            });
            (tx, t)
        });
        let result = (|| {
            let mut st = conn.prepare_cached(sql)?;
            let columns: Vec<String> = st.column_names().map(|c| c.to_string()).collect();
            let json_cols: Vec<bool> = columns
                .iter()
                .map(|c| {
                    matches!(
                        c.as_str(),
                        "data"
                            | "alerted_windows"
                            | "macs"
                            | "host_names"
                            | "software"
                            | "user_agents"
                    )
                })
                .collect();
            let params: Vec<SqlValue> = args.iter().map(SqlValue::from).collect();
            let mut q = st.query(rusqlite::params_from_iter(params.iter()))?;
            let mut rows = Vec::new();
            let mut partial = false;
            loop {
                match q.next() {
                    Ok(Some(r)) => {
                        let mut row = Vec::with_capacity(columns.len());
                        for (i, json) in json_cols.iter().enumerate() {
                            row.push(match r.get_ref(i)? {
                                ValueRef::Null => Value::Null,
                                ValueRef::Integer(x) => Value::from(x),
                                ValueRef::Real(x) => Value::from(x),
                                ValueRef::Text(t) => {
                                    let s = String::from_utf8_lossy(t).into_owned();
                                    if *json {
                                        serde_json::from_str(&s).unwrap_or(Value::String(s))
                                    } else {
                                        Value::String(s)
                                    }
                                }
                                ValueRef::Blob(b) => Value::from(b.len()),
                            });
                        }
                        rows.push(row);
                    }
                    Ok(None) => break,
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::OperationInterrupted =>
                    {
                        partial = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(Selected {
                rows: Rows { columns, rows },
                partial,
            })
        })();
        if let Some((tx, t)) = watchdog {
            drop(tx);
            let _ = t.join();
        }
        result.map_err(|e| Error::sql(&path, e))
    }

    /// The single value of a one-row, one-column statement (`None` for no row or NULL).
    pub fn scalar(&self, sql: &str, args: &[Arg]) -> Result<Option<Value>, Error> {
        let rows = self.select(sql, args)?;
        Ok(rows
            .rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .filter(|v| !v.is_null()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DbSink, Options, FILE_NAME};

    fn reader() -> (tempfile::TempDir, Reader) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(FILE_NAME);
        let mut db = DbSink::create(
            &path,
            Options {
                store_records: true,
                live: false,
            },
            &[("input", "x".into())],
        )
        .unwrap();
        db.close().unwrap();
        let r = Reader::open(&path).unwrap();
        (d, r)
    }

    #[test]
    fn selects_bind_arguments_and_parse_json_columns() {
        let (_d, r) = reader();
        let rows = r
            .select(
                "SELECT ?1 AS a, ?2 AS b, '{\"x\": 1}' AS data, value FROM meta WHERE key = ?3",
                &[
                    Arg::Int(7),
                    Arg::Text("'; DROP TABLE meta; --".into()),
                    Arg::Text("input".into()),
                ],
            )
            .unwrap();
        assert_eq!(rows.columns, ["a", "b", "data", "value"]);
        assert_eq!(rows.rows[0][0], 7);
        assert_eq!(rows.rows[0][1], "'; DROP TABLE meta; --");
        assert_eq!(rows.rows[0][2]["x"], 1);
        assert_eq!(rows.rows[0][3], "x");
        assert_eq!(
            r.scalar("SELECT count(*) FROM meta", &[]).unwrap(),
            Some(Value::from(2))
        );
        assert_eq!(r.scalar("SELECT NULL", &[]).unwrap(), None);
        // Read-only: nothing can change the database.
        assert!(r.select("DELETE FROM meta", &[]).is_err());
    }

    #[test]
    fn a_budget_stops_a_long_statement_and_says_so() {
        let (_d, r) = reader();
        let t0 = std::time::Instant::now();
        let s = r
            .select_within(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                 SELECT count(*) FROM c",
                &[],
                Some(Duration::from_millis(50)),
            )
            .unwrap();
        assert!(s.partial);
        assert!(t0.elapsed() < Duration::from_secs(2));
        // The connection works on afterwards, and a quick statement is whole.
        let s = r
            .select_within("SELECT 1", &[], Some(Duration::from_millis(50)))
            .unwrap();
        assert!(!s.partial);
        assert_eq!(s.rows.rows[0][0], 1);
    }
}
