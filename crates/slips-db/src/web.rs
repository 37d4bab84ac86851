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
