//! The `slips` command. The work happens in the library crates; this binary parses the
//! command line, wires the input, engine and output together and reports.

mod blocking;
mod cli;
mod db;
mod export;
mod external;
mod follow;
mod gui;
mod input;
mod logging;
mod run;
mod sound;
mod web;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Slips spells --clearblocking `-cb`; clap would read it as -c b.
    let args = std::env::args_os().map(|a| {
        if a == "-cb" {
            "--clearblocking".into()
        } else {
            a
        }
    });
    let cli = cli::Cli::parse_from(args);
    match run::main(cli) {
        // Everything was written; an interrupted analysis still says it was interrupted.
        Ok(()) => run::signal_exit_code().map_or(ExitCode::SUCCESS, ExitCode::from),
        Err(e) => {
            let usage = e.downcast_ref::<input::UsageError>().is_some()
                || e.downcast_ref::<slips_config::ConfigError>().is_some();
            eprintln!("slips: error: {e:#}");
            if usage {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
