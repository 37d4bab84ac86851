//! The interface's state and what each key does. Drawing is in `ui.rs`.
//!
//! The profile list is a vector of indices into the model's profiles, rebuilt (filtered and
//! sorted) only when the model's profile generation or the list settings change; selection
//! follows the selected IP across rebuilds. Nothing of the model is copied per frame.

use crate::model::{ProfileView, TuiModel, WindowView};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Instant;

/// The right pane's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Evidence,
    Alerts,
    Timeline,
    Outgoing,
    Incoming,
    Flows,
    Facts,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Evidence,
        Tab::Alerts,
        Tab::Timeline,
        Tab::Outgoing,
        Tab::Incoming,
        Tab::Flows,
        Tab::Facts,
    ];

    /// Title with its key.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Evidence => "e Evidence",
            Tab::Alerts => "a Alerts",
            Tab::Timeline => "t Timeline",
            Tab::Outgoing => "o Outgoing",
            Tab::Incoming => "i Incoming",
            Tab::Flows => "f Flows",
            Tab::Facts => "p Profile",
        }
    }
}

/// Which pane the arrow keys move in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Profiles,
    Windows,
    Content,
}

/// Order of the profile list (`s` cycles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// Highest accumulated threat level first.
    Threat,
    Ip,
    Flows,
    Evidence,
}

impl SortBy {
    pub fn name(self) -> &'static str {
        match self {
            SortBy::Threat => "threat",
            SortBy::Ip => "ip",
            SortBy::Flows => "flows",
            SortBy::Evidence => "evidence",
        }
    }
    fn next(self) -> SortBy {
        match self {
            SortBy::Threat => SortBy::Ip,
            SortBy::Ip => SortBy::Flows,
            SortBy::Flows => SortBy::Evidence,
            SortBy::Evidence => SortBy::Threat,
        }
    }
}

/// A scrolled list: the selected row and the first visible one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows within `len`.
    pub fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }

    pub fn clamp(&mut self, len: usize) {
        if self.selected >= len {
            self.selected = len.saturating_sub(1);
        }
    }

    /// Keeps the selection visible in `height` rows; returns the visible range.
    pub fn visible(&mut self, len: usize, height: usize) -> std::ops::Range<usize> {
        self.clamp(len);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        if self.offset + height > len {
            self.offset = len.saturating_sub(height);
        }
        self.offset..(self.offset + height).min(len)
    }
}

/// Progress of the input, from the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub bytes_read: u64,
    /// 0 when unknown (live input, standard input).
    pub total_bytes: u64,
}

/// Where the panes were drawn, for the mouse.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Areas {
    pub profiles: Rect,
    pub windows: Rect,
    pub content: Rect,
}

/// The timeline of one window, made on demand from its kept records.
#[derive(Debug)]
pub(crate) struct TimelineCache {
    pub key: (IpAddr, i64, u64),
    pub lines: Vec<String>,
}

/// The interface's state.
#[derive(Debug)]
pub struct App {
    pub title: String,
    pub tab: Tab,
    pub focus: Focus,
    pub sort: SortBy,
    pub malicious_only: bool,
    pub filter: String,
    pub editing_filter: bool,
    pub help: bool,
    /// The detail box under the right pane's list.
    pub details: bool,
    pub charts: bool,
    pub quit: bool,
    pub status: Status,
    /// Records per second, from [`App::tick`].
    pub rate: Option<f64>,
    /// Sorted, filtered indices into the model's profiles.
    pub(crate) index: Vec<u32>,
    index_key: Option<(u64, SortBy, bool, String)>,
    pub(crate) profiles: Cursor,
    selected_ip: Option<IpAddr>,
    pub(crate) windows: Cursor,
    selected_window: Option<i64>,
    pub(crate) content: Cursor,
    /// Expanded alerts (positions in the window's alert list).
    pub(crate) expanded: BTreeSet<usize>,
    pub(crate) timeline: Option<TimelineCache>,
    pub(crate) areas: Areas,
    started: Option<(Instant, u64)>,
    /// Set when the model finished: the final average rate is frozen.
    frozen: bool,
    /// Until the user moves in the profile list, the first row stays selected whatever
    /// arrives (the most threatening profile, by default); afterwards the selected IP.
    moved: bool,
    /// The time of the latest tick, and of the latest rebuild of the index that only the
    /// model (not the user) asked for.
    now: Option<Instant>,
    rebuilt_at: Option<Instant>,
}

/// A model that keeps changing (live capture) re-sorts the profile list at most this
/// often; a change of the list settings re-sorts at once.
pub const RESORT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl App {
    pub fn new(title: impl Into<String>) -> Self {
        App {
            title: title.into(),
            tab: Tab::Evidence,
            focus: Focus::Profiles,
            sort: SortBy::Threat,
            malicious_only: false,
            filter: String::new(),
            editing_filter: false,
            help: false,
            details: true,
            charts: true,
            quit: false,
            status: Status::default(),
            rate: None,
            index: Vec::new(),
            index_key: None,
            profiles: Cursor::default(),
            selected_ip: None,
            windows: Cursor::default(),
            selected_window: None,
            content: Cursor::default(),
            expanded: BTreeSet::new(),
            timeline: None,
            areas: Areas::default(),
            started: None,
            frozen: false,
            moved: false,
            now: None,
            rebuilt_at: None,
        }
    }

    /// Updates the rate from the wall clock: the average since the first call.
    pub fn tick(&mut self, now: Instant, model: &TuiModel) {
        self.now = Some(now);
        if self.frozen {
            return;
        }
        let records = model.counters.records;
        match self.started {
            None => self.started = Some((now, records)),
            Some((t0, r0)) => {
                let secs = now.duration_since(t0).as_secs_f64();
                if secs > 0.0 {
                    self.rate = Some(records.saturating_sub(r0) as f64 / secs);
                }
            }
        }
        if model.finished() {
            self.frozen = true;
        }
    }

    /// Rebuilds the profile index if the model or the list settings changed, and keeps the
    /// selection on the same IP and window.
    pub fn sync(&mut self, model: &TuiModel) {
        // Flow counts change with every record, not only with the profile generation.
        let generation = if self.sort == SortBy::Flows {
            model.generation()
        } else {
            model.profiles_generation()
        };
        let key = (
            generation,
            self.sort,
            self.malicious_only,
            self.filter.clone(),
        );
        if self.index_key.as_ref() != Some(&key) {
            let same_settings = self
                .index_key
                .as_ref()
                .is_some_and(|k| (k.1, k.2, &k.3) == (key.1, key.2, &key.3));
            let recent = match (self.now, self.rebuilt_at) {
                (Some(now), Some(at)) => now.duration_since(at) < RESORT_EVERY,
                _ => false,
            };
            if !(same_settings && recent) || model.finished() {
                self.rebuild(model);
                self.index_key = Some(key);
                self.rebuilt_at = self.now;
            }
        }
        self.profiles.clamp(self.index.len());
        let ip = self.selected_profile(model).map(|p| p.ip);
        if ip != self.selected_ip {
            self.selected_ip = ip;
            self.select_default_window(model);
        }
        self.sync_window(model);
    }

    fn rebuild(&mut self, model: &TuiModel) {
        let needle = self.filter.trim().to_lowercase();
        let profiles = model.profiles();
        self.index.clear();
        self.index.extend(
            profiles
                .iter()
                .enumerate()
                .filter(|(_, p)| !self.malicious_only || p.alerted)
                .filter(|(_, p)| needle.is_empty() || matches_filter(p, &needle))
                .map(|(i, _)| i as u32),
        );
        // Sorting keys laid out contiguously is several times faster than comparing
        // through the index (100,000 profiles are re-sorted while the model is locked).
        let mut keys: Vec<(u64, u64, IpAddr, u32)> = self
            .index
            .iter()
            .map(|&i| {
                let p = &profiles[i as usize];
                // Scores are never negative, so their bits order like their values.
                let score = p.score.max(0.0).to_bits();
                let (a, b) = match self.sort {
                    SortBy::Threat => (
                        (u64::from(!p.alerted) << 63) | ((u64::MAX >> 1) - (score >> 1)),
                        u64::MAX - p.evidence,
                    ),
                    SortBy::Ip => (0, 0),
                    SortBy::Flows => (u64::MAX - p.flows, 0),
                    SortBy::Evidence => (u64::MAX - p.evidence, 0),
                };
                (a, b, p.ip, i)
            })
            .collect();
        keys.sort_unstable();
        self.index.clear();
        self.index.extend(keys.iter().map(|k| k.3));
        // Keep the selected IP selected.
        if !self.moved {
            self.profiles.selected = 0;
        } else if let Some(ip) = self.selected_ip {
            if let Some(pos) = self
                .index
                .iter()
                .position(|&i| profiles[i as usize].ip == ip)
            {
                self.profiles.selected = pos;
            }
        }
    }

    /// Position of the selected row in the (filtered, sorted) profile list.
    pub fn profiles_selected(&self) -> usize {
        self.profiles.selected
    }

    /// The profile at a position of the list.
    pub fn profile_at<'m>(&self, model: &'m TuiModel, pos: usize) -> Option<&'m ProfileView> {
        self.index.get(pos).and_then(|&i| model.profile(i as usize))
    }

    pub fn selected_profile<'m>(&self, model: &'m TuiModel) -> Option<&'m ProfileView> {
        self.index
            .get(self.profiles.selected)
            .and_then(|&i| model.profile(i as usize))
    }

    pub fn selected_window<'m>(&self, model: &'m TuiModel) -> Option<&'m WindowView> {
        let p = self.selected_profile(model)?;
        p.windows.get(&self.selected_window?)
    }

    /// A new profile opens on its window with the highest score (the alerted one), the
    /// first window when none has evidence.
    fn select_default_window(&mut self, model: &TuiModel) {
        self.windows = Cursor::default();
        self.reset_content();
        self.selected_window = None;
        if let Some(p) = self.selected_profile(model) {
            let mut best: Option<(usize, &WindowView)> = None;
            for (i, w) in p.windows.values().enumerate() {
                if best.is_none_or(|(_, b)| w.score > b.score) {
                    best = Some((i, w));
                }
            }
            if let Some((i, w)) = best {
                self.windows.selected = i;
                self.selected_window = Some(w.window.number);
            }
        }
    }

    /// Keeps `selected_window` and the window cursor in agreement (windows may appear).
    fn sync_window(&mut self, model: &TuiModel) {
        let Some(p) = self.selected_profile(model) else {
            self.selected_window = None;
            return;
        };
        match self.selected_window {
            Some(n) if p.windows.contains_key(&n) => {
                self.windows.selected = p.windows.range(..n).count();
            }
            _ => {
                self.windows.clamp(p.windows.len());
                self.selected_window = p
                    .windows
                    .values()
                    .nth(self.windows.selected)
                    .map(|w| w.window.number);
            }
        }
    }

    fn reset_content(&mut self) {
        self.content = Cursor::default();
        self.expanded.clear();
    }

    fn set_tab(&mut self, tab: Tab) {
        if self.tab != tab {
            self.tab = tab;
            self.reset_content();
        }
        self.focus = Focus::Content;
    }

    /// Rows of the right pane's list for the current tab.
    pub(crate) fn content_len(&mut self, model: &TuiModel) -> usize {
        let Some(w) = self.selected_window(model) else {
            return 0;
        };
        match self.tab {
            Tab::Evidence => w.evidence.len(),
            Tab::Alerts => crate::ui::alert_rows(w, &self.expanded).len(),
            Tab::Timeline => {
                let ip = self.selected_ip;
                match ip {
                    Some(ip) => crate::ui::timeline(self, model, ip).len(),
                    None => 0,
                }
            }
            Tab::Outgoing => w.traffic.as_ref().map_or(0, |t| t.out_tuples.len()),
            Tab::Incoming => w.traffic.as_ref().map_or(0, |t| t.in_tuples.len()),
            Tab::Flows => w.records.len(),
            Tab::Facts => 0,
        }
    }

    fn move_focused(&mut self, delta: isize, model: &TuiModel) {
        match self.focus {
            Focus::Profiles => {
                self.moved = true;
                self.profiles.step(delta, self.index.len());
                self.sync(model);
            }
            Focus::Windows => {
                let len = self.selected_profile(model).map_or(0, |p| p.windows.len());
                self.windows.step(delta, len);
                self.selected_window = self
                    .selected_profile(model)
                    .and_then(|p| p.windows.values().nth(self.windows.selected))
                    .map(|w| w.window.number);
                self.reset_content();
            }
            Focus::Content => {
                let len = self.content_len(model);
                self.content.step(delta, len);
            }
        }
    }

    fn page(&self) -> isize {
        let h = match self.focus {
            Focus::Profiles => self.areas.profiles.height,
            Focus::Windows => self.areas.windows.height,
            Focus::Content => self.areas.content.height,
        };
        (h.saturating_sub(3)).max(1) as isize
    }

    /// One key press.
    pub fn on_key(&mut self, key: KeyEvent, model: &TuiModel) {
        if key.kind == ratatui::crossterm::event::KeyEventKind::Release {
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c')) {
            self.quit = true;
            return;
        }
        if self.editing_filter {
            match key.code {
                KeyCode::Enter => self.editing_filter = false,
                KeyCode::Esc => {
                    self.editing_filter = false;
                    self.filter.clear();
                }
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) if !ctrl && !c.is_control() && self.filter.len() < 64 => {
                    self.filter.push(c)
                }
                _ => {}
            }
            self.profiles = Cursor::default();
            self.sync(model);
            return;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            if key.code == KeyCode::Char('q') {
                self.quit = true;
            }
            return;
        }
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') | KeyCode::F(1) => self.help = true,
            KeyCode::Char('/') => {
                self.editing_filter = true;
                self.focus = Focus::Profiles;
            }
            KeyCode::Char('m') => {
                self.malicious_only = !self.malicious_only;
                self.sync(model);
            }
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.sync(model);
            }
            KeyCode::Char('e') => self.set_tab(Tab::Evidence),
            KeyCode::Char('a') => self.set_tab(Tab::Alerts),
            KeyCode::Char('t') => self.set_tab(Tab::Timeline),
            KeyCode::Char('o') => self.set_tab(Tab::Outgoing),
            KeyCode::Char('i') => self.set_tab(Tab::Incoming),
            KeyCode::Char('f') => self.set_tab(Tab::Flows),
            KeyCode::Char('p') => self.set_tab(Tab::Facts),
            KeyCode::Char('d') => self.details = !self.details,
            KeyCode::Char('c') => self.charts = !self.charts,
            KeyCode::Tab => {
                self.focus = match self.focus {
                    Focus::Profiles => Focus::Windows,
                    Focus::Windows => Focus::Content,
                    Focus::Content => Focus::Profiles,
                }
            }
            KeyCode::BackTab => {
                self.focus = match self.focus {
                    Focus::Profiles => Focus::Content,
                    Focus::Windows => Focus::Profiles,
                    Focus::Content => Focus::Windows,
                }
            }
            KeyCode::Right | KeyCode::Char('l') => {
                self.focus = match self.focus {
                    Focus::Profiles => Focus::Windows,
                    _ => Focus::Content,
                }
            }
            KeyCode::Left | KeyCode::Char('h') => {
                self.focus = match self.focus {
                    Focus::Content => Focus::Windows,
                    _ => Focus::Profiles,
                }
            }
            KeyCode::Enter => match self.focus {
                Focus::Profiles => self.focus = Focus::Windows,
                Focus::Windows => self.focus = Focus::Content,
                Focus::Content => {
                    if self.tab == Tab::Alerts {
                        self.toggle_alert(model);
                    } else {
                        self.details = !self.details;
                    }
                }
            },
            KeyCode::Esc => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.sync(model);
                } else {
                    self.focus = Focus::Profiles;
                }
            }
            KeyCode::Down | KeyCode::Char('j') => self.move_focused(1, model),
            KeyCode::Up | KeyCode::Char('k') => self.move_focused(-1, model),
            KeyCode::PageDown => self.move_focused(self.page(), model),
            KeyCode::PageUp => self.move_focused(-self.page(), model),
            KeyCode::Home | KeyCode::Char('g') => self.move_focused(isize::MIN / 2, model),
            KeyCode::End | KeyCode::Char('G') => self.move_focused(isize::MAX / 2, model),
            _ => {}
        }
    }

    /// Expands or collapses the alert under the cursor (or the alert of the evidence row
    /// under it).
    fn toggle_alert(&mut self, model: &TuiModel) {
        let Some(w) = self.selected_window(model) else {
            return;
        };
        let rows = crate::ui::alert_rows(w, &self.expanded);
        if let Some(&(alert, _)) = rows.get(self.content.selected) {
            if !self.expanded.remove(&alert) {
                self.expanded.insert(alert);
            }
            // Stay on the alert's own row.
            let rows = crate::ui::alert_rows(w, &self.expanded);
            if let Some(pos) = rows.iter().position(|&(a, e)| a == alert && e.is_none()) {
                self.content.selected = pos;
            }
        }
    }

    /// Mouse: the wheel scrolls the pane under the pointer, a click selects a row there.
    pub fn on_mouse(&mut self, ev: MouseEvent, model: &TuiModel) {
        let pos = Position::new(ev.column, ev.row);
        let pane = if self.areas.profiles.contains(pos) {
            Focus::Profiles
        } else if self.areas.windows.contains(pos) {
            Focus::Windows
        } else if self.areas.content.contains(pos) {
            Focus::Content
        } else {
            return;
        };
        match ev.kind {
            MouseEventKind::ScrollDown => {
                self.focus = pane;
                self.move_focused(3, model);
            }
            MouseEventKind::ScrollUp => {
                self.focus = pane;
                self.move_focused(-3, model);
            }
            MouseEventKind::Down(_) => {
                self.focus = pane;
                let (area, cursor) = match pane {
                    Focus::Profiles => (self.areas.profiles, self.profiles),
                    Focus::Windows => (self.areas.windows, self.windows),
                    Focus::Content => (self.areas.content, self.content),
                };
                // Rows start under the border and the column header.
                let first = area.y + 2;
                if ev.row >= first {
                    let target = cursor.offset + (ev.row - first) as usize;
                    self.move_focused(target as isize - cursor.selected as isize, model);
                }
            }
            _ => {}
        }
    }
}

fn matches_filter(p: &ProfileView, needle: &str) -> bool {
    if p.ip_text.contains(needle) {
        return true;
    }
    let f = &p.facts;
    f.enrichment
        .as_deref()
        .is_some_and(|e| e.to_lowercase().contains(needle))
        || f.host_names
            .iter()
            .any(|h| h.to_lowercase().contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cursor_keeps_the_selection_visible() {
        let mut c = Cursor::default();
        assert_eq!(c.visible(100, 10), 0..10);
        c.step(15, 100);
        assert_eq!(c.visible(100, 10), 6..16);
        c.step(-100, 100);
        assert_eq!((c.selected, c.visible(100, 10)), (0, 0..10));
        c.step(isize::MAX / 2, 100);
        assert_eq!((c.selected, c.visible(100, 10)), (99, 90..100));
        // The list shrinks under the cursor.
        assert_eq!(c.visible(5, 10), 0..5);
        assert_eq!(c.selected, 4);
        c.step(1, 0);
        assert_eq!((c.selected, c.visible(0, 10)), (0, 0..0));
    }

    #[test]
    fn a_changing_model_resorts_at_most_once_a_second_settings_at_once() {
        let mut m = TuiModel::new(60.0, Default::default());
        let f = |s: &str| {
            slips_core::Flow::from(slips_core::Record::Conn(slips_core::Conn {
                saddr: s.parse().ok(),
                ..Default::default()
            }))
        };
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        let mut app = App::new("x");
        let t0 = Instant::now();
        m.add_record(&f("10.0.0.1"), ip("10.0.0.1"));
        app.tick(t0, &m);
        app.sync(&m);
        assert_eq!(app.index.len(), 1);
        m.add_record(&f("10.0.0.2"), ip("10.0.0.2"));
        app.tick(t0 + Duration::from_millis(300), &m);
        app.sync(&m);
        assert_eq!(app.index.len(), 1, "re-sorted within a second");
        // The user's change of settings applies at once.
        app.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE), &m);
        assert_eq!(app.index.len(), 2);
        m.add_record(&f("10.0.0.3"), ip("10.0.0.3"));
        app.tick(t0 + Duration::from_millis(600), &m);
        app.sync(&m);
        assert_eq!(app.index.len(), 2);
        app.tick(t0 + Duration::from_millis(1700), &m);
        app.sync(&m);
        assert_eq!(app.index.len(), 3);
    }

    #[test]
    fn rate_is_the_average_since_the_first_tick_and_freezes_at_the_end() {
        let mut m = TuiModel::new(60.0, Default::default());
        let mut app = App::new("x");
        let t0 = Instant::now();
        app.tick(t0, &m);
        assert_eq!(app.rate, None);
        let f = slips_core::Flow::from(slips_core::Record::Conn(Default::default()));
        for _ in 0..500 {
            m.add_record(&f, None);
        }
        app.tick(t0 + Duration::from_secs(2), &m);
        assert_eq!(app.rate, Some(250.0));
        m.finish(&[], None);
        app.tick(t0 + Duration::from_secs(4), &m);
        assert_eq!(app.rate, Some(125.0));
        app.tick(t0 + Duration::from_secs(100), &m);
        assert_eq!(app.rate, Some(125.0));
    }
}
