//! Snapshots of every view, drawn with ratatui's test backend on the fixture analysis and
//! compared with `tests/snapshots/*.txt` (`UPDATE_SNAPSHOTS=1` rewrites them), plus the
//! properties a snapshot does not show: colours, escaping, mouse, selection.

mod fixture;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::style::Color;
use ratatui::Terminal;
use slips_tui::{App, Focus, Tab, TuiModel};
use std::path::Path;

const W: u16 = 140;
const H: u16 = 40;

fn frame(app: &mut App, model: &TuiModel, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| slips_tui::draw(f, app, model)).unwrap();
    t.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn key(app: &mut App, model: &TuiModel, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), model);
}

fn keys(app: &mut App, model: &TuiModel, s: &str) {
    for c in s.chars() {
        key(app, model, KeyCode::Char(c));
    }
}

/// The fixture, finished, with the app drawn once (as the first frame of `run`).
fn setup() -> (slips_tui::SharedModel, App) {
    let model = fixture::small(true);
    let mut app = App::new("fixture.pcap");
    {
        let m = model.lock();
        frame(&mut app, &m, W, H);
    }
    (model, app)
}

fn snapshot_after(name: &str, actions: impl FnOnce(&mut App, &TuiModel)) -> Buffer {
    let (model, mut app) = setup();
    let m = model.lock();
    actions(&mut app, &m);
    let buf = frame(&mut app, &m, W, H);
    assert_snapshot(name, &text(&buf));
    buf
}

#[test]
fn view_evidence() {
    let buf = snapshot_after("evidence", |_, _| {});
    let t = text(&buf);
    // The alerted scanner is first and selected, on its alerted window.
    assert!(t.contains("! 192.168.1.10"), "{t}");
    assert!(t.contains("192.168.1.10 · TW 1"), "{t}");
    assert!(t.contains("HORIZONTAL_PORT_SCAN"), "{t}");
}

#[test]
fn view_alerts_expanded() {
    let buf = snapshot_after("alerts", |app, m| {
        key(app, m, KeyCode::Char('a'));
        key(app, m, KeyCode::Enter);
    });
    let t = text(&buf);
    assert!(t.contains("▾"), "{t}");
    assert!(t.contains("alert: 2 evidence"), "{t}");
    assert!(t.contains("THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN"), "{t}");
}

#[test]
fn view_timeline() {
    let buf = snapshot_after("timeline", |app, m| {
        key(app, m, KeyCode::Char('t'));
        key(app, m, KeyCode::End);
    });
    let t = text(&buf);
    // The HTTP request is merged into its connection's line, as in the timeline file.
    assert!(t.contains("HTTP asked to 1.2.3.4 80/tcp"), "{t}");
    assert!(t.contains("HTTP GET http://1.2.3.4/payload.bin"), "{t}");
}

#[test]
fn view_outgoing_tuples_with_model_match() {
    let buf = snapshot_after("outgoing", |app, m| {
        key(app, m, KeyCode::Char('o'));
        key(app, m, KeyCode::End);
    });
    let t = text(&buf);
    assert!(t.contains("1.2.3.4-80-tcp"), "{t}");
    assert!(t.contains("MODEL"), "{t}");
    assert!(
        t.contains("model match: Behavioural model http-beacon"),
        "{t}"
    );
    assert!(t.contains("445"), "{t}");
}

#[test]
fn view_incoming_tuples() {
    let buf = snapshot_after("incoming", |app, m| key(app, m, KeyCode::Char('i')));
    assert!(text(&buf).contains("192.168.1.20-22-tcp"));
}

#[test]
fn view_flows_with_details() {
    let buf = snapshot_after("flows", |app, m| {
        key(app, m, KeyCode::Char('f'));
        // The DNS record (after the scan's 12 connections).
        for _ in 0..12 {
            key(app, m, KeyCode::Down);
        }
    });
    let t = text(&buf);
    assert!(t.contains("query: evil\\x1b[2J.example"), "{t}");
    assert!(t.contains("kind: dns"), "{t}");
}

#[test]
fn view_profile_facts() {
    let buf = snapshot_after("facts", |app, m| key(app, m, KeyCode::Char('p')));
    let t = text(&buf);
    assert!(
        t.contains("MAC: 02:00:00:00:00:10 (Example Devices\\x1b[5m)"),
        "{t}"
    );
    assert!(t.contains("host names: kali\\x1b[31m"), "{t}");
    assert!(t.contains("THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN"), "{t}");
}

#[test]
fn view_help() {
    let buf = snapshot_after("help", |app, m| key(app, m, KeyCode::Char('?')));
    assert!(text(&buf).contains("any key closes this help"));
}

#[test]
fn view_filter() {
    let buf = snapshot_after("filter", |app, m| {
        keys(app, m, "/1.20");
    });
    let t = text(&buf);
    assert!(t.contains("filter: 1.20_"), "{t}");
    assert!(t.contains("Profiles 1/4"), "{t}");
    assert!(!t.contains("! 192.168.1.10"), "{t}");
}

#[test]
fn view_malicious_only() {
    let buf = snapshot_after("malicious", |app, m| key(app, m, KeyCode::Char('m')));
    let t = text(&buf);
    assert!(t.contains("Profiles 1/4"), "{t}");
    assert!(t.contains("[malicious only]"), "{t}");
}

#[test]
fn view_sorted_by_ip_and_windows_focus() {
    let buf = snapshot_after("sort_ip", |app, m| {
        key(app, m, KeyCode::Char('s'));
        key(app, m, KeyCode::Down);
        key(app, m, KeyCode::Enter);
        key(app, m, KeyCode::Down);
    });
    let t = text(&buf);
    let first = t.find("│  1.2.3.4 ").unwrap();
    let second = t.find("│! 192.168.1.10").unwrap();
    assert!(first < second, "{t}");
    // The selected window is window 2 of 192.168.1.10 (Down in the windows list).
    assert!(t.contains("192.168.1.10 · TW 2"), "{t}");
}

#[test]
fn view_running_analysis() {
    // Before the end: no tuples yet, the header says the analysis runs.
    let model = fixture::small(false);
    let mut app = App::new("live");
    let m = model.lock();
    key(&mut app, &m, KeyCode::Char('o'));
    let buf = frame(&mut app, &m, W, H);
    let t = text(&buf);
    assert_snapshot("running", &t);
    assert!(t.contains("analysing"), "{t}");
    assert!(t.contains("tuples appear when the window closes"), "{t}");
}

#[test]
fn view_empty_and_tiny_terminals() {
    let model = slips_tui::SharedModel::new(TuiModel::new(3600.0, Default::default()));
    let mut app = App::new("nothing");
    let m = model.lock();
    assert_snapshot("empty", &text(&frame(&mut app, &m, 100, 24)));
    drop(m);
    // Resizing to very small terminals never panics.
    let (model, mut app) = setup();
    let m = model.lock();
    for (w, h) in [(1, 1), (10, 3), (40, 12), (80, 24), (300, 100)] {
        for tab in "etoifpa".chars() {
            key(&mut app, &m, KeyCode::Char(tab));
            frame(&mut app, &m, w, h);
        }
    }
    assert_snapshot("tiny", &text(&frame(&mut app, &m, 60, 16)));
}

#[test]
fn no_control_character_reaches_the_terminal() {
    let (model, mut app) = setup();
    let m = model.lock();
    let mut seen_escaped = false;
    for tab in "etoifpa".chars() {
        key(&mut app, &m, KeyCode::Char(tab));
        key(&mut app, &m, KeyCode::Enter);
        for _ in 0..16 {
            let buf = frame(&mut app, &m, W, H);
            for c in buf.content() {
                assert!(
                    !c.symbol().chars().any(|ch| ch.is_control()
                        || matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
                    "control character {:?} in the {tab} view",
                    c.symbol()
                );
            }
            let t = text(&buf);
            seen_escaped |= t.contains("evil\\x1b]0;pwned\\x07.example \\u{202e}exe.txt");
            key(&mut app, &m, KeyCode::Down);
        }
    }
    assert!(seen_escaped, "the escaped description was never shown");
}

#[test]
fn threat_levels_have_colours() {
    let (model, mut app) = setup();
    let m = model.lock();
    let buf = frame(&mut app, &m, W, H);
    let find = |word: &str| {
        for y in 0..H {
            let row: String = (0..W).map(|x| buf[(x, y)].symbol().to_string()).collect();
            if let Some(x) = row.find(&format!(" {word} ")) {
                // The right pane (the list of evidence), not the profile list.
                if x > 60 {
                    let x = row[..x + 1].chars().count() as u16;
                    return buf[(x, y)].fg;
                }
            }
        }
        panic!("{word} not on screen");
    };
    assert_eq!(find("high"), Color::Red);
    assert_eq!(find("critical"), Color::Magenta);
    assert_eq!(find("medium"), Color::Yellow);
}

#[test]
fn mouse_wheel_scrolls_the_pane_under_the_pointer_and_click_selects() {
    let (model, mut app) = setup();
    let m = model.lock();
    let wheel = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Over the profile list (left): moves its selection.
    app.on_mouse(wheel(MouseEventKind::ScrollDown, 5, 6), &m);
    assert_eq!(app.focus, Focus::Profiles);
    let ip = app.selected_profile(&m).unwrap().ip_text.clone();
    assert_ne!(ip, "192.168.1.10");
    // Over the right pane: moves in the evidence list.
    app.on_mouse(wheel(MouseEventKind::ScrollUp, 5, 6), &m);
    frame(&mut app, &m, W, H);
    app.on_mouse(wheel(MouseEventKind::ScrollDown, 100, 8), &m);
    assert_eq!(app.focus, Focus::Content);
    assert_eq!(app.tab, Tab::Evidence);
    let buf = frame(&mut app, &m, W, H);
    assert!(text(&buf).contains("Behavioural model http-beacon"));
    // A click on the second profile row (border, header, first row, second row) selects it.
    app.on_mouse(wheel(MouseEventKind::Down(MouseButton::Left), 5, 5), &m);
    assert_eq!(app.focus, Focus::Profiles);
    assert_eq!(app.profiles_selected(), 1);
}

#[test]
fn quit_keys() {
    let (model, mut app) = setup();
    let m = model.lock();
    key(&mut app, &m, KeyCode::Char('q'));
    assert!(app.quit);
    let mut app = App::new("x");
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), &m);
    assert!(app.quit);
    // In the filter, q is text, not quit.
    let mut app = App::new("x");
    keys(&mut app, &m, "/q");
    assert!(!app.quit);
    assert_eq!(app.filter, "q");
}

#[test]
fn selection_follows_the_ip_once_the_user_moved() {
    let model = fixture::small(false);
    let mut app = App::new("x");
    {
        let m = model.lock();
        frame(&mut app, &m, W, H);
        key(&mut app, &m, KeyCode::Down);
        assert_eq!(app.selected_profile(&m).unwrap().ip_text, "1.2.3.4");
    }
    // New evidence makes another host the most threatening: the selection stays.
    let mut m = model.lock();
    let e = fixture::evidence(
        slips_core::EvidenceType::SSH_SUCCESSFUL,
        "2001:db8::5",
        1,
        slips_core::ThreatLevel::Critical,
        1.0,
        5.0,
        "SSH successful",
        None,
        Some(22),
        fixture::BASE + 40.0,
    );
    m.add_evidence(&e);
    frame(&mut app, &m, W, H);
    assert_eq!(app.selected_profile(&m).unwrap().ip_text, "1.2.3.4");
    assert_eq!(app.profile_at(&m, 0).unwrap().ip_text, "192.168.1.10");
    assert_eq!(app.profile_at(&m, 1).unwrap().ip_text, "2001:db8::5");
}
