//! The terminal interface of `slips -G`.
//!
//! * [`model`]: a bounded model of the analysis, fed through the [`slips_output::Sink`]
//!   trait by [`TuiSink`] and shared with the UI thread as a [`SharedModel`];
//! * [`app`]: the interface's state and keys;
//! * `ui`: drawing (virtual lists: only visible rows are built);
//! * [`run`]: owns the terminal (raw mode, alternate screen, mouse) until the user quits,
//!   restoring it on every exit path, panics included.
//!
//! This crate depends on `slips-core` and `slips-output` only, never on the engine.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod model;
mod ui;

pub use app::{App, Focus, SortBy, Status, Tab};
pub use model::{Limits, SharedModel, TuiModel, TuiSink, VendorLookup};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;
use std::io::{Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Errors of the interface.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// How often the screen is redrawn when nothing happens (live data shows up within this).
pub const REDRAW_EVERY: Duration = Duration::from_millis(250);

/// Draws one frame of `app` over `model` (what [`run`] does each tick; tests and the
/// benchmark call it with a test backend).
pub fn draw(f: &mut ratatui::Frame, app: &mut App, model: &TuiModel) {
    ui::draw(f, app, model);
}

/// What [`run`] needs besides the model.
pub struct RunOptions {
    /// Shown in the header (the input's name).
    pub title: String,
    /// Progress of the input, asked each frame.
    pub status: Option<Box<dyn Fn() -> Status>>,
    /// Set by the caller to close the interface (the analysis failed).
    pub close: Arc<AtomicBool>,
}

/// Whether the terminal is in the interface's modes (raw, alternate screen, mouse).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back: raw mode off, main screen, mouse released, cursor shown. Once:
/// leaving the alternate screen a second time would move the cursor back to where the
/// interface started, over whatever was printed since (a panic message).
fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// The thread that owns the terminal while the interface is open.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
/// Messages of panics of other threads while the interface was open, printed after it.
static DEFERRED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn ui_thread() -> Option<ThreadId> {
    *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner())
}

/// Restores the terminal when dropped, whatever way `run` ends, then prints what other
/// threads' panics said meanwhile.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = None;
        restore();
        for m in DEFERRED.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            eprintln!("{m}");
        }
    }
}

/// A panic of the interface restores the terminal before its message is printed, so the
/// message is readable and the shell usable. A panic of another thread while the interface
/// is open would be printed on the interface's screen and lost with it: its message is kept
/// and printed once the terminal is back.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| match ui_thread() {
            Some(id) if id == std::thread::current().id() => {
                restore();
                previous(info);
            }
            Some(_) => {
                let name = std::thread::current()
                    .name()
                    .unwrap_or("<unnamed>")
                    .to_string();
                DEFERRED
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("thread '{name}' {info}"));
            }
            None => previous(info),
        }));
    });
}

/// Opens the interface on the terminal and runs it until the user quits (`q`, Ctrl-C) or
/// `opts.close` is set. The model may be written by another thread meanwhile.
pub fn run(model: &SharedModel, opts: RunOptions) -> Result<(), TuiError> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
    let _guard = Guard;
    let mut stdout: Stdout = std::io::stdout();
    execute!(stdout, EnterAlternateScreen, EnableMouseCapture)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout))?;
    terminal.clear()?;
    let mut app = App::new(opts.title);
    let mut was_finished = false;
    loop {
        if opts.close.load(Ordering::Relaxed) {
            break;
        }
        if let Some(s) = &opts.status {
            app.status = s();
        }
        {
            let m = model.lock();
            app.tick(Instant::now(), &m);
            if m.finished() && !was_finished {
                // Whatever else wrote to the screen meanwhile is painted over.
                was_finished = true;
                terminal.clear()?;
            }
            terminal.draw(|f| ui::draw(f, &mut app, &m))?;
        }
        if app.quit {
            break;
        }
        // Wait for input up to the next redraw; handle every pending event.
        if event::poll(REDRAW_EVERY)? {
            let m = model.lock();
            loop {
                match event::read()? {
                    Event::Key(k) => app.on_key(k, &m),
                    Event::Mouse(ev) => app.on_mouse(ev, &m),
                    // The next draw uses the new size.
                    Event::Resize(_, _) => {}
                    _ => {}
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}
