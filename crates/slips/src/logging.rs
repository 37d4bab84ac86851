//! Logging: `slips.log` gets everything at info and above, `errors.log` warnings and errors
//! (and debug messages with `-e`), the terminal what `-v` asks for.

use anyhow::Result;
use std::path::Path;
use std::sync::Mutex;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// `terminal`: false while the terminal interface owns the screen.
pub fn init(out_dir: &Path, verbose: u8, debug: u8, terminal: bool) -> Result<()> {
    let slips_log = slips_fs::create(&out_dir.join("slips.log"))?;
    let errors_log = slips_fs::create(&out_dir.join("errors.log"))?;
    let terminal = match verbose {
        _ if !terminal => LevelFilter::OFF,
        0 | 1 => LevelFilter::WARN,
        2 => LevelFilter::INFO,
        _ => LevelFilter::DEBUG,
    };
    let errors = match debug {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        _ => LevelFilter::DEBUG,
    };
    let file_level = if debug >= 2 {
        LevelFilter::DEBUG
    } else {
        LevelFilter::INFO
    };
    let only_slips = tracing_subscriber::filter::filter_fn(|m| m.target().starts_with("slips"));
    // The full list of malformed lines goes to the files only; the terminal gets a summary.
    let terminal_targets = tracing_subscriber::filter::filter_fn(|m| {
        m.target().starts_with("slips") && m.target() != "slips::problems"
    });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(Mutex::new(slips_log).with_max_level(tracing::Level::TRACE))
                .with_ansi(false)
                .with_target(true)
                .with_filter(file_level)
                .with_filter(only_slips.clone()),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(Mutex::new(errors_log))
                .with_ansi(false)
                .with_filter(errors)
                .with_filter(only_slips.clone()),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .without_time()
                .with_target(false)
                .with_filter(terminal)
                .with_filter(terminal_targets),
        )
        .try_init()?;
    Ok(())
}
