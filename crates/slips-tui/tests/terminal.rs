//! The terminal is given back on a panic: this test binary runs itself in tmux (the
//! `panicking_interface` child, ignored unless asked for), the child's interface panics
//! after a few frames, and the screen and `stty` show the main screen with the panic
//! message and a terminal in its normal mode. Skips when tmux is absent.

mod fixture;

use std::cell::Cell;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD: &str = "SLIPS_TUI_PANIC_CHILD";

#[test]
#[ignore = "run by restores_the_terminal_after_a_panic in a terminal"]
fn panicking_interface() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let model = fixture::small(true);
    let frames = Cell::new(0u32);
    let status = move || {
        frames.set(frames.get() + 1);
        // A bug in the interface, after it drew a few frames.
        assert!(frames.get() < 8, "boom from the interface");
        slips_tui::Status::default()
    };
    let _ = slips_tui::run(
        &model,
        slips_tui::RunOptions {
            title: "panic".into(),
            status: Some(Box::new(status)),
            close: Arc::new(AtomicBool::new(false)),
        },
    );
}

#[test]
fn restores_the_terminal_after_a_panic() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping: tmux is not installed (scripts/deps.sh --test installs it)");
        return;
    }
    // The server's socket in a folder of its own, removed at the end.
    let dir = std::env::temp_dir().join(format!("slips-tui-panic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("tmux.sock");
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap()
    };
    let exe = std::env::current_exe().unwrap();
    let cmd = format!(
        "{CHILD}=1 '{}' --exact panicking_interface --ignored --nocapture --test-threads 1; \
         echo CHILD-DONE; stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$'; sleep 60",
        exe.display()
    );
    assert!(tmux(&[
        "new-session",
        "-d",
        "-s",
        "p",
        "-x",
        "120",
        "-y",
        "40",
        &cmd
    ])
    .status
    .success());
    let t0 = Instant::now();
    let screen = loop {
        let s =
            String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "p"]).stdout).into_owned();
        if s.contains("CHILD-DONE") && s.lines().any(|l| l.trim() == "echo" || l.trim() == "-echo")
        {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = tmux(&["kill-server"]);
            panic!("the child did not end; screen:\n{s}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = tmux(&["kill-server"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(screen.contains("boom from the interface"), "{screen}");
    // Back on the main screen: none of the interface is left.
    assert!(!screen.contains("Profiles"), "{screen}");
    // Raw mode is off: line editing and echo are on again.
    let modes: Vec<&str> = screen
        .lines()
        .map(str::trim)
        .filter(|l| matches!(*l, "icanon" | "-icanon" | "echo" | "-echo"))
        .collect();
    assert_eq!(modes, ["icanon", "echo"], "{screen}");
}
