//! Drawing. Every list draws only its visible rows (built per frame from the model, never
//! the whole list), and every text that came from the traffic goes through
//! [`escape_controls`] before it reaches the terminal.

use crate::app::{App, Focus, Tab, TimelineCache};
use crate::model::{ProfileView, TuiModel, WindowView};
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Cell, Clear, Paragraph, Row, Sparkline, Table, Tabs,
    Wrap,
};
use ratatui::Frame;
use slips_core::text::escape_controls;
use slips_core::{Record, ThreatLevel};
use slips_output::timefmt::slash;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Text from the traffic, made safe for the terminal.
fn esc(s: &str) -> String {
    escape_controls(s).into_owned()
}

pub(crate) fn level_style(l: ThreatLevel) -> Style {
    match l {
        ThreatLevel::Critical => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ThreatLevel::High => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ThreatLevel::Medium => Style::new().fg(Color::Yellow),
        ThreatLevel::Low => Style::new().fg(Color::Cyan),
        ThreatLevel::Info => Style::new().fg(Color::Gray),
    }
}

fn selected_style(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
}

fn pane(title: String, focused: bool) -> Block<'static> {
    let b = Block::new().borders(Borders::ALL).title(title);
    if focused {
        b.border_style(Style::new().fg(Color::Cyan))
    } else {
        b
    }
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Time of day of a timestamp (`HH:MM:SS`), the date being in the window's title.
fn clock(ts: slips_core::Timestamp) -> String {
    let s = slash(ts);
    s.get(11..).unwrap_or(&s).to_string()
}

/// Draws the whole interface.
pub fn draw(f: &mut Frame, app: &mut App, model: &TuiModel) {
    app.sync(model);
    let area = f.area();
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, header, app, model);
    let left_width = (body.width * 2 / 5).clamp(30.min(body.width), 70);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(10)]).areas(body);
    let windows_height = (left.height / 3).clamp(5.min(left.height), 14);
    let [profiles, windows] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(windows_height)]).areas(left);
    draw_profiles(f, profiles, app, model);
    draw_windows(f, windows, app, model);
    draw_right(f, right, app, model);
    draw_footer(f, footer, app);
    app.areas.profiles = profiles;
    app.areas.windows = windows;
    if app.help {
        draw_help(f, area);
    }
}

fn draw_header(f: &mut Frame, area: Rect, app: &App, model: &TuiModel) {
    let c = &model.counters;
    let state = if model.finished() {
        Span::styled(
            " analysis finished ",
            Style::new().fg(Color::Black).bg(Color::Green),
        )
    } else {
        Span::styled(
            " analysing ",
            Style::new().fg(Color::Black).bg(Color::Yellow),
        )
    };
    let progress = if model.finished() {
        "100%".to_string()
    } else if app.status.total_bytes > 0 {
        format!(
            "{:.0}%",
            (app.status.bytes_read as f64 * 100.0 / app.status.total_bytes as f64).min(100.0)
        )
    } else {
        "live".to_string()
    };
    let rate = match app.rate {
        Some(r) => format!("{} flows/s", thousands(r.round() as u64)),
        None => "- flows/s".to_string(),
    };
    let line1 = Line::from(vec![
        Span::styled(" slips ", Style::new().add_modifier(Modifier::BOLD)),
        state,
        Span::raw(format!(" {}  progress {progress}  {rate}", esc(&app.title))),
    ]);
    let d = &model.dropped;
    let not_kept = d.flows_window_cap + d.flows_total_cap;
    let mut line2 = format!(
        " flows {}  profiles {} ({} alerted)  evidence {}  alerts {}  shown {}",
        thousands(c.records),
        thousands(model.profiles().len() as u64),
        thousands(c.alerted_profiles),
        thousands(c.evidence),
        thousands(c.alerts),
        thousands(app.index.len() as u64),
    );
    if not_kept > 0 || d.profiles > 0 || d.evidence > 0 {
        let _ = write!(
            line2,
            "  not kept: {} records, {} profiles, {} evidence",
            thousands(not_kept),
            thousands(d.profiles),
            thousands(d.evidence)
        );
    }
    f.render_widget(Paragraph::new(vec![line1, Line::raw(line2)]), area);
}

fn draw_footer(f: &mut Frame, area: Rect, app: &App) {
    let line = if app.editing_filter {
        Line::from(vec![
            Span::styled(" filter: ", Style::new().fg(Color::Cyan)),
            Span::raw(esc(&app.filter)),
            Span::styled("_", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw("   Enter keep · Esc clear"),
        ])
    } else {
        let mut s = String::from(
            " q quit  ? help  / filter  m malicious  s sort  e a t o i f p tabs  Tab focus",
        );
        let _ = write!(
            s,
            "   sort: {}{}",
            app.sort.name(),
            if app.malicious_only {
                "  [malicious only]"
            } else {
                ""
            }
        );
        if !app.filter.is_empty() {
            let _ = write!(s, "  [filter: {}]", esc(&app.filter));
        }
        Line::raw(s)
    };
    f.render_widget(Paragraph::new(line), area);
}

fn profile_row(p: &ProfileView) -> Row<'static> {
    let mark = if p.alerted {
        Cell::from(Span::styled("!", Style::new().fg(Color::Red)))
    } else {
        Cell::from(" ")
    };
    let level = match p.max_level {
        Some(l) => Cell::from(Span::styled(l.as_str(), level_style(l))),
        None => Cell::from(""),
    };
    let info = p.facts.enrichment.as_deref().map(esc).unwrap_or_default();
    Row::new(vec![
        mark,
        Cell::from(p.ip_text.clone()),
        Cell::from(format!("{:.2}", p.score)),
        level,
        Cell::from(thousands(p.flows)),
        Cell::from(thousands(p.evidence)),
        Cell::from(info),
    ])
}

fn draw_profiles(f: &mut Frame, area: Rect, app: &mut App, model: &TuiModel) {
    let focused = app.focus == Focus::Profiles;
    let title = format!(
        " Profiles {}/{} ",
        thousands(app.index.len() as u64),
        thousands(model.profiles().len() as u64)
    );
    let block = pane(title, focused);
    let inner = block.inner(area);
    let height = inner.height.saturating_sub(1) as usize;
    let range = app.profiles.visible(app.index.len(), height);
    let selected = app.profiles.selected;
    // IPv4 lists stay narrow; IPv6 rows get what they need.
    let ip_width = range
        .clone()
        .filter_map(|pos| model.profile(app.index[pos] as usize))
        .map(|p| p.ip_text.len())
        .max()
        .unwrap_or(0)
        .clamp(15, 39) as u16;
    let rows: Vec<Row> = range
        .clone()
        .filter_map(|pos| {
            let p = model.profile(app.index[pos] as usize)?;
            let r = profile_row(p);
            Some(if pos == selected {
                r.style(selected_style(focused))
            } else {
                r
            })
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(ip_width),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Min(0),
        ],
    )
    .header(
        Row::new(["", "IP", "score", "level", "flows", "evid", "info"])
            .style(Style::new().add_modifier(Modifier::BOLD)),
    )
    .column_spacing(1)
    .block(block);
    f.render_widget(table, area);
    if app.index.is_empty() {
        let msg = if model.profiles().is_empty() {
            "no profiles yet"
        } else {
            "no profile matches"
        };
        f.render_widget(
            Paragraph::new(msg).style(Style::new().fg(Color::DarkGray)),
            Rect {
                y: inner.y + 1,
                height: 1.min(inner.height.saturating_sub(1)),
                ..inner
            },
        );
    }
}

fn draw_windows(f: &mut Frame, area: Rect, app: &mut App, model: &TuiModel) {
    let focused = app.focus == Focus::Windows;
    let Some(p) = app.selected_profile(model) else {
        f.render_widget(pane(" Time windows ".into(), focused), area);
        return;
    };
    let block = pane(format!(" Time windows of {} ", p.ip_text), focused);
    let inner = block.inner(area);
    let height = inner.height.saturating_sub(1) as usize;
    let range = app.windows.visible(p.windows.len(), height);
    let selected = app.windows.selected;
    let rows: Vec<Row> = p
        .windows
        .values()
        .enumerate()
        .skip(range.start)
        .take(range.len())
        .map(|(i, w)| {
            let mark = if w.alerted {
                Span::styled("!", Style::new().fg(Color::Red))
            } else {
                Span::raw(" ")
            };
            let r = Row::new(vec![
                Cell::from(mark),
                Cell::from(format!("TW {}", w.window.number)),
                Cell::from(slash(w.window.start)),
                Cell::from(thousands(w.flows)),
                Cell::from(thousands(w.evidence_total)),
                Cell::from(format!("{:.2}", w.score)),
            ]);
            if i == selected {
                r.style(selected_style(focused))
            } else {
                r
            }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(8),
            Constraint::Length(19),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Min(5),
        ],
    )
    .header(
        Row::new(["", "window", "start", "flows", "evid", "score"])
            .style(Style::new().add_modifier(Modifier::BOLD)),
    )
    .column_spacing(1)
    .block(block);
    f.render_widget(table, area);
}

fn draw_right(f: &mut Frame, area: Rect, app: &mut App, model: &TuiModel) {
    let charts = if app.charts && area.height >= 20 {
        8
    } else {
        0
    };
    let [tabs, content, chart_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(charts),
    ])
    .areas(area);
    let selected = Tab::ALL.iter().position(|&t| t == app.tab).unwrap_or(0);
    f.render_widget(
        Tabs::new(Tab::ALL.iter().map(|t| t.title()))
            .select(selected)
            .highlight_style(
                Style::new()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            ),
        tabs,
    );
    app.areas.content = content;
    draw_content(f, content, app, model);
    if charts > 0 {
        draw_charts(f, chart_area, app, model);
    }
}

fn content_title(app: &App, model: &TuiModel) -> String {
    match (app.selected_profile(model), app.selected_window(model)) {
        (Some(p), Some(w)) => format!(
            " {} · TW {} ({} - {}) ",
            p.ip_text,
            w.window.number,
            slash(w.window.start),
            slash(w.window.end)
        ),
        (Some(p), None) => format!(" {} ", p.ip_text),
        _ => " no profile selected ".to_string(),
    }
}

fn draw_content(f: &mut Frame, area: Rect, app: &mut App, model: &TuiModel) {
    let focused = app.focus == Focus::Content;
    let block = pane(content_title(app, model), focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if app.tab == Tab::Facts {
        draw_facts(f, inner, app, model);
        return;
    }
    let Some(ip) = app.selected_profile(model).map(|p| p.ip) else {
        return;
    };
    let len = app.content_len(model);
    let detail_height = if !app.details || len == 0 {
        0
    } else if app.tab == Tab::Flows {
        inner.height / 2
    } else {
        (inner.height / 3).clamp(4.min(inner.height), 10)
    };
    let [list, detail] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(detail_height)]).areas(inner);
    let height = list.height.saturating_sub(1) as usize;
    let range = app.content.visible(len, height);
    let selected = app.content.selected;
    let (header, widths, items, detail_lines) = match app.tab {
        Tab::Evidence => evidence_view(app, model, range.clone(), selected),
        Tab::Alerts => alerts_view(app, model, range.clone(), selected),
        Tab::Timeline => timeline_view(app, model, ip, range.clone(), selected),
        Tab::Outgoing | Tab::Incoming => tuples_view(app, model, range.clone(), selected),
        Tab::Flows => flows_view(app, model, range.clone(), selected),
        Tab::Facts => no_view(),
    };
    let rows: Vec<Row> = items
        .into_iter()
        .zip(range.clone())
        .map(|(row, i)| {
            if i == selected {
                row.style(selected_style(focused))
            } else {
                row
            }
        })
        .collect();
    let empty = rows.is_empty();
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
            .column_spacing(1),
        list,
    );
    if empty {
        let msg = empty_message(app, model);
        f.render_widget(
            Paragraph::new(msg).style(Style::new().fg(Color::DarkGray)),
            Rect {
                y: list.y + 1.min(list.height),
                height: 1.min(list.height.saturating_sub(1)),
                ..list
            },
        );
    }
    if detail_height > 0 {
        f.render_widget(
            Paragraph::new(detail_lines)
                .wrap(Wrap { trim: false })
                .block(Block::new().borders(Borders::TOP).title(" details ")),
            detail,
        );
    }
}

/// Nothing to list (no window selected, or no tuples yet).
fn no_view() -> View {
    (Vec::new(), Vec::new(), Vec::new(), Vec::new())
}

fn empty_message(app: &App, model: &TuiModel) -> String {
    let Some(w) = app.selected_window(model) else {
        return "no time window".into();
    };
    match app.tab {
        Tab::Evidence => "no evidence in this window".into(),
        Tab::Alerts => "no alert in this window".into(),
        Tab::Timeline | Tab::Flows if w.records_dropped > 0 => format!(
            "{} records of this window were not kept (cap)",
            w.records_dropped
        ),
        Tab::Timeline => "no flows in this window".into(),
        Tab::Flows => "no flows in this window".into(),
        Tab::Outgoing | Tab::Incoming if w.traffic.is_none() => {
            "tuples appear when the window closes (live: on refresh)".into()
        }
        Tab::Outgoing => "no outgoing tuples".into(),
        Tab::Incoming => "no incoming tuples (analysis_direction: all shows them)".into(),
        Tab::Facts => String::new(),
    }
}

type View = (
    Vec<&'static str>,
    Vec<Constraint>,
    Vec<Row<'static>>,
    Vec<Line<'static>>,
);

fn evidence_view(
    app: &App,
    model: &TuiModel,
    range: std::ops::Range<usize>,
    selected: usize,
) -> View {
    let Some(w) = app.selected_window(model) else {
        return no_view();
    };
    let items = w.evidence[range]
        .iter()
        .map(|e| {
            Row::new(vec![
                Cell::from(clock(e.ts)),
                Cell::from(Span::styled(
                    e.threat_level.as_str(),
                    level_style(e.threat_level),
                )),
                Cell::from(format!("{:.2}", e.confidence)),
                Cell::from(e.evidence_type.as_str()),
                Cell::from(esc(&e.description)),
            ])
        })
        .collect();
    let mut detail = Vec::new();
    if let Some(e) = w.evidence.get(selected) {
        detail = evidence_detail(e);
    }
    if w.evidence_total > w.evidence.len() as u64 {
        detail.push(Line::raw(format!(
            "({} more evidence in this window not kept)",
            w.evidence_total - w.evidence.len() as u64
        )));
    }
    (
        vec!["time", "level", "conf", "type", "description"],
        vec![
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(28),
            Constraint::Min(10),
        ],
        items,
        detail,
    )
}

fn evidence_detail(e: &slips_core::Evidence) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(vec![
            Span::styled(
                e.threat_level.as_str().to_string(),
                level_style(e.threat_level),
            ),
            Span::raw(format!(
                " {} (confidence {:.2}, accumulated {:.2}) by {} at {}",
                e.evidence_type,
                e.confidence,
                e.accumulated_threat_level,
                e.detector,
                slash(e.ts)
            )),
        ]),
        Line::raw(esc(&e.description)),
    ];
    let victim = e.victim.as_ref().map_or("-".to_string(), |v| esc(&v.value));
    let mut l = format!(
        "attacker {} ({:?})  victim {victim}",
        esc(&e.attacker.value),
        e.attacker.side
    );
    if let Some(p) = e.proto {
        let _ = write!(l, "  {p}");
    }
    if let Some(p) = e.dst_port {
        let _ = write!(l, " port {p}");
    }
    let _ = write!(l, "  flows {}", e.flow_count);
    out.push(Line::raw(l));
    if !e.uids.is_empty() {
        let uids: Vec<&str> = e.uids.iter().take(8).map(|u| u.as_str()).collect();
        let more = e.uids.len().saturating_sub(8);
        let mut s = format!("uids {}", esc(&uids.join(" ")));
        if more > 0 {
            let _ = write!(s, " (+{more})");
        }
        out.push(Line::raw(s));
    }
    for n in &e.notes {
        out.push(Line::raw(format!("{}: {}", n.ip, esc(&n.text))));
    }
    out
}

/// Rows of the alerts tab: (alert position, evidence position when it is an evidence row
/// of an expanded alert).
pub(crate) fn alert_rows(
    w: &WindowView,
    expanded: &BTreeSet<usize>,
) -> Vec<(usize, Option<usize>)> {
    let mut rows = Vec::new();
    for (i, a) in w.alerts.iter().enumerate() {
        rows.push((i, None));
        if expanded.contains(&i) {
            rows.extend((0..a.evidence.len()).map(|j| (i, Some(j))));
        }
    }
    rows
}

fn alerts_view(
    app: &App,
    model: &TuiModel,
    range: std::ops::Range<usize>,
    selected: usize,
) -> View {
    let Some(w) = app.selected_window(model) else {
        return no_view();
    };
    let rows = alert_rows(w, &app.expanded);
    let items = rows[range]
        .iter()
        .filter_map(|&(ai, ei)| {
            let a = w.alerts.get(ai)?;
            let row = match ei {
                None => {
                    let open = if app.expanded.contains(&ai) {
                        "▾"
                    } else {
                        "▸"
                    };
                    let blocked = match a.alert.blocked {
                        None => "",
                        Some(true) => "  blocked",
                        Some(false) => "  not blocked",
                    };
                    Row::new(vec![
                        Cell::from(format!("{open} {}", clock(a.alert.last_ts))),
                        Cell::from(Span::styled(
                            a.alert.threat_level.as_str(),
                            level_style(a.alert.threat_level),
                        )),
                        Cell::from(format!("{:.2}", a.alert.accumulated_threat_level)),
                        Cell::from(format!(
                            "alert: {} evidence, confidence {:.2}{blocked}",
                            a.evidence.len() as u64 + a.evidence_dropped,
                            a.alert.confidence
                        )),
                    ])
                    .style(Style::new().fg(Color::Red))
                }
                Some(j) => {
                    let e = a.evidence.get(j)?;
                    Row::new(vec![
                        Cell::from(format!("    {}", clock(e.ts))),
                        Cell::from(Span::styled(
                            e.threat_level.as_str(),
                            level_style(e.threat_level),
                        )),
                        Cell::from(format!("{:.2}", e.confidence)),
                        Cell::from(format!("{} {}", e.evidence_type, esc(&e.description))),
                    ])
                }
            };
            Some(row)
        })
        .collect();
    let detail = match rows.get(selected) {
        Some(&(ai, None)) => w.alerts.get(ai).map_or(Vec::new(), |a| {
            let mut d = vec![Line::raw(format!(
                "IP {} detected as malicious in time window {} (start {}, stop {}): {} evidence{}",
                a.alert.profile,
                a.alert.timewindow.number,
                slash(a.alert.timewindow.start),
                slash(a.alert.timewindow.end),
                a.evidence.len() as u64 + a.evidence_dropped,
                if a.evidence_dropped > 0 {
                    format!(" ({} not kept)", a.evidence_dropped)
                } else {
                    String::new()
                }
            ))];
            d.push(Line::raw("Enter expands / collapses its evidence"));
            d
        }),
        Some(&(ai, Some(j))) => w
            .alerts
            .get(ai)
            .and_then(|a| a.evidence.get(j))
            .map_or(Vec::new(), evidence_detail),
        None => Vec::new(),
    };
    (
        vec!["time", "level", "score", "what"],
        vec![
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Min(10),
        ],
        items,
        detail,
    )
}

/// The timeline of the selected window, made from its kept records with the same builder
/// as the profile files' timeline, cached until the window changes.
pub(crate) fn timeline<'a>(app: &'a mut App, model: &TuiModel, ip: IpAddr) -> &'a [String] {
    let Some(w) = app.selected_window(model) else {
        return &[];
    };
    let key = (ip, w.window.number, w.version);
    if app.timeline.as_ref().is_none_or(|c| c.key != key) {
        let cap = w.records.len().max(1);
        let mut t = slips_output::Timeline::with_limits(cap, cap);
        for r in &w.records {
            t.observe(ip, r);
        }
        let mut lines: Vec<String> = t
            .render(ip)
            .map(|s| {
                s.lines()
                    .skip(1)
                    .filter(|l| !l.is_empty())
                    .map(esc)
                    .collect()
            })
            .unwrap_or_default();
        if w.records_dropped > 0 {
            lines.push(format!(
                "({} more records of this window not kept: at most {} per window)",
                w.records_dropped,
                model.limits().max_flows_per_window
            ));
        }
        app.timeline = Some(TimelineCache { key, lines });
    }
    app.timeline.as_ref().map_or(&[], |c| c.lines.as_slice())
}

fn timeline_view(
    app: &mut App,
    model: &TuiModel,
    ip: IpAddr,
    range: std::ops::Range<usize>,
    selected: usize,
) -> View {
    let lines = timeline(app, model, ip);
    let items = lines
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|l| Row::new(vec![Cell::from(l.clone())]))
        .collect();
    let detail = lines
        .get(selected)
        .map(|l| vec![Line::raw(l.clone())])
        .unwrap_or_default();
    (
        vec!["outgoing actions"],
        vec![Constraint::Min(10)],
        items,
        detail,
    )
}

fn tuples_view(
    app: &App,
    model: &TuiModel,
    range: std::ops::Range<usize>,
    selected: usize,
) -> View {
    let Some(w) = app.selected_window(model) else {
        return no_view();
    };
    let Some(t) = w.traffic.as_ref() else {
        return no_view();
    };
    let tuples = if app.tab == Tab::Outgoing {
        &t.out_tuples
    } else {
        &t.in_tuples
    };
    let items = tuples
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let m = w.model_match(r.daddr, r.dport);
            let mut cells = vec![
                Cell::from(format!("{}-{}-{}", r.daddr, r.dport, r.proto)),
                Cell::from(thousands(r.flows)),
                Cell::from(esc(&r.letters)),
            ];
            cells.push(match m {
                Some(_) => Cell::from(Span::styled("MODEL", Style::new().fg(Color::Magenta))),
                None => Cell::from(""),
            });
            Row::new(cells)
        })
        .collect();
    let detail = tuples.get(selected).map_or(Vec::new(), |r| {
        let mut d = vec![Line::raw(format!(
            "{}-{}-{}: {} flows{}",
            r.daddr,
            r.dport,
            r.proto,
            r.flows,
            if t.closed { "" } else { " (window still open)" }
        ))];
        d.push(Line::raw(format!("letters: {}", esc(&r.letters))));
        if let Some(m) = w.model_match(r.daddr, r.dport) {
            d.push(Line::styled(
                format!("model match: {}", esc(m)),
                Style::new().fg(Color::Magenta),
            ));
        }
        d
    });
    (
        vec!["tuple", "flows", "letters", "match"],
        vec![
            Constraint::Length(30),
            Constraint::Length(7),
            Constraint::Min(10),
            Constraint::Length(5),
        ],
        items,
        detail,
    )
}

/// A short line about a record, for the flows list.
fn record_summary(r: &Record) -> (String, String) {
    use std::fmt::Write as _;
    let mut what = String::new();
    let proto = match r {
        Record::Conn(c) => {
            let _ = write!(
                what,
                "{} {} B {} pkts {:.2} s",
                c.state,
                thousands(c.bytes()),
                c.pkts(),
                c.duration
            );
            if let Some(s) = &c.service {
                let _ = write!(what, " {}", esc(s));
            }
            c.proto().as_str().to_string()
        }
        Record::Dns(d) => {
            let _ = write!(what, "query {}", esc(d.query.as_deref().unwrap_or("-")));
            if let Some(rc) = &d.rcode_name {
                let _ = write!(what, " {}", esc(rc));
            }
            if !d.answers.is_empty() {
                let _ = write!(what, " {} answer(s)", d.answers.len());
            }
            "dns".into()
        }
        Record::Http(h) => {
            let _ = write!(
                what,
                "{} {}{}",
                esc(h.method.as_deref().unwrap_or("-")),
                esc(h.host.as_deref().unwrap_or("")),
                esc(h.uri.as_deref().unwrap_or(""))
            );
            "http".into()
        }
        Record::Ssl(s) => {
            let _ = write!(what, "SNI {}", esc(s.server_name.as_deref().unwrap_or("-")));
            "ssl".into()
        }
        Record::Ssh(s) => {
            let _ = write!(
                what,
                "client {} auth {:?}",
                esc(s.client.as_deref().unwrap_or("-")),
                s.auth_success
            );
            "ssh".into()
        }
        other => format!("{:?}", other.kind()).to_lowercase(),
    };
    (proto, what)
}

fn endpoints(r: &Record) -> String {
    let ports = match r {
        Record::Conn(c) => Some((c.sport, c.dport)),
        Record::Dns(d) => d.id.map(|e| (e.sport, e.dport)),
        Record::Http(d) => d.id.map(|e| (e.sport, e.dport)),
        Record::Ssl(d) => d.id.map(|e| (e.sport, e.dport)),
        Record::Ssh(d) => d.id.map(|e| (e.sport, e.dport)),
        _ => None,
    };
    let (s, d) = r.hosts();
    let host = |h: Option<IpAddr>| h.map_or("?".to_string(), |h| h.to_string());
    match ports {
        Some((sp, dp)) => format!("{}:{sp} → {}:{dp}", host(s), host(d)),
        None => format!("{} → {}", host(s), host(d)),
    }
}

/// Every field of a record, one per line, for the detail box.
fn record_detail(r: &Record) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match serde_json::to_value(r) {
        Ok(serde_json::Value::Object(map)) => {
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Array(a) if a.is_empty() => continue,
                    other => other.to_string(),
                };
                out.push(Line::from(vec![
                    Span::styled(format!("{k}: "), Style::new().fg(Color::Cyan)),
                    Span::raw(esc(&text)),
                ]));
            }
        }
        _ => out.push(Line::raw(esc(&format!("{r:?}")))),
    }
    out
}

fn flows_view(app: &App, model: &TuiModel, range: std::ops::Range<usize>, selected: usize) -> View {
    let Some(w) = app.selected_window(model) else {
        return no_view();
    };
    let items = w
        .records
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let (proto, what) = record_summary(r);
            Row::new(vec![
                Cell::from(clock(r.ts())),
                Cell::from(proto),
                Cell::from(endpoints(r)),
                Cell::from(what),
            ])
        })
        .collect();
    let mut detail = w.records.get(selected).map_or(Vec::new(), record_detail);
    if w.records_dropped > 0 {
        detail.insert(
            0,
            Line::raw(format!(
                "{} of {} records of this window kept",
                w.records.len(),
                w.flows
            )),
        );
    }
    (
        vec!["time", "kind", "endpoints", "what"],
        vec![
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(46),
            Constraint::Min(10),
        ],
        items,
        detail,
    )
}

fn draw_facts(f: &mut Frame, area: Rect, app: &App, model: &TuiModel) {
    let Some(p) = app.selected_profile(model) else {
        return;
    };
    let fa = &p.facts;
    let list = |v: &[slips_core::Str]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            esc(&v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
        }
    };
    let when = |t: Option<slips_core::Timestamp>| t.map_or("-".to_string(), slash);
    let mut lines = vec![
        Line::raw(format!("IP: {}", p.ip)),
        Line::raw(format!(
            "alerted: {}  accumulated threat level: {:.2}  highest level: {}",
            if p.alerted { "yes" } else { "no" },
            p.score,
            p.max_level.map_or("-", |l| l.as_str())
        )),
        Line::raw(format!(
            "flows: {}  evidence: {}  alerts: {}  windows: {}",
            thousands(p.flows),
            thousands(p.evidence),
            thousands(p.alerts),
            p.windows.len()
        )),
        Line::raw(format!(
            "first seen: {}  last seen: {}",
            when(fa.first_seen),
            when(fa.last_seen)
        )),
        Line::raw(format!(
            "MAC: {}",
            if fa.macs.is_empty() {
                "-".to_string()
            } else {
                fa.macs
                    .iter()
                    .enumerate()
                    .map(
                        |(i, m)| match fa.vendors.get(i).and_then(|v| v.as_deref()) {
                            Some(v) => format!("{m} ({})", esc(v)),
                            None => m.to_string(),
                        },
                    )
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        Line::raw(format!(
            "GeoIP / AS / organisation: {}",
            fa.enrichment.as_deref().map_or("-".to_string(), esc)
        )),
        Line::raw(format!("host names: {}", list(&fa.host_names))),
        Line::raw(format!("user agents: {}", list(&fa.user_agents))),
        Line::raw(format!("software: {}", list(&fa.software))),
        Line::raw(format!(
            "threat intelligence: {}",
            if fa.threat_intel.is_empty() {
                "-".to_string()
            } else {
                fa.threat_intel
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        Line::raw(format!(
            "blocked: {}",
            match fa.blocked {
                None => "- (blocking off)",
                Some(true) => "yes",
                Some(false) => "asked, not applied",
            }
        )),
    ];
    if !model.finished() {
        lines.push(Line::styled(
            "(MAC, host names and the final facts arrive when the analysis ends)",
            Style::new().fg(Color::DarkGray),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_charts(f: &mut Frame, area: Rect, app: &App, model: &TuiModel) {
    let [sparks, ports, ips] = Layout::horizontal([
        Constraint::Percentage(40),
        Constraint::Percentage(25),
        Constraint::Percentage(35),
    ])
    .areas(area);
    let Some(p) = app.selected_profile(model) else {
        return;
    };
    let [flows_area, ev_area] =
        Layout::vertical([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(sparks);
    // The windows that fit, ending at the selected one.
    let n = flows_area.width.saturating_sub(2) as usize;
    let end = (app.windows.selected + 1).max(n.min(p.windows.len()));
    let start = end.saturating_sub(n);
    let flows: Vec<u64> = p
        .windows
        .values()
        .skip(start)
        .take(end - start)
        .map(|w| w.flows)
        .collect();
    let evidence: Vec<u64> = p
        .windows
        .values()
        .skip(start)
        .take(end - start)
        .map(|w| w.evidence_total)
        .collect();
    let max = |v: &[u64]| v.iter().copied().max().unwrap_or(0);
    f.render_widget(
        Sparkline::default()
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .title(format!(" flows/window (max {}) ", thousands(max(&flows)))),
            )
            .data(&flows)
            .style(Style::new().fg(Color::Green)),
        flows_area,
    );
    f.render_widget(
        Sparkline::default()
            .block(Block::new().borders(Borders::ALL).title(format!(
                " evidence/window (max {}) ",
                thousands(max(&evidence))
            )))
            .data(&evidence)
            .style(Style::new().fg(Color::Red)),
        ev_area,
    );
    let traffic = app.selected_window(model).and_then(|w| w.traffic.as_ref());
    let port_bars: Vec<Bar> = traffic.map_or(Vec::new(), |t| {
        t.top_dst_ports
            .iter()
            .map(|(port, n)| {
                Bar::default()
                    .value(*n)
                    .label(Line::raw(format!("{port:>5}")))
                    .text_value(thousands(*n))
            })
            .collect()
    });
    let ip_bars: Vec<Bar> = traffic.map_or(Vec::new(), |t| {
        t.top_dst_ips
            .iter()
            .map(|(ip, n)| {
                Bar::default()
                    .value(*n)
                    .label(Line::raw(format!("{ip:>15}")))
                    .text_value(thousands(*n))
            })
            .collect()
    });
    f.render_widget(
        BarChart::default()
            .block(Block::new().borders(Borders::ALL).title(" top dst ports "))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(Style::new().fg(Color::Yellow))
            .data(BarGroup::default().bars(&port_bars)),
        ports,
    );
    f.render_widget(
        BarChart::default()
            .block(Block::new().borders(Borders::ALL).title(" top dst IPs "))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(Style::new().fg(Color::Blue))
            .data(BarGroup::default().bars(&ip_bars)),
        ips,
    );
}

fn draw_help(f: &mut Frame, area: Rect) {
    let text = [
        "slips -G: browse the analysis",
        "",
        "↑ ↓ j k, PgUp PgDn, Home End   move in the focused pane",
        "Tab, ← → h l                   focus: profiles, windows, right pane",
        "Enter                          profiles → windows → right pane;",
        "                               alerts: expand/collapse; else details",
        "/                              filter profiles (IP, AS, country, names)",
        "m                              malicious (alerted) profiles only",
        "s                              sort: threat, IP, flows, evidence",
        "e a t o i f p                  evidence, alerts, timeline, outgoing,",
        "                               incoming tuples, flows, profile facts",
        "d                              details box on/off",
        "c                              charts on/off",
        "mouse wheel, click             scroll, select",
        "Esc                            clear filter / back to profiles",
        "q, Ctrl-C                      quit (stops a running analysis)",
        "",
        "any key closes this help",
    ];
    let w = 78.min(area.width);
    let h = (text.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text.iter().map(|l| Line::raw(*l)).collect::<Vec<_>>())
            .block(Block::new().borders(Borders::ALL).title(" help ")),
        r,
    );
}
