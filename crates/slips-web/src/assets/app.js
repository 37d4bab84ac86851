// slips web interface. Written for this project; no libraries.
//
// Safety by construction: the DOM is built with createElement and text nodes only
// (`h()` below); nothing from the server ever goes through innerHTML, and links are only
// ever made from our own routes. The Content-Security-Policy forbids inline script.
"use strict";

const S = { csrf: "", unblock: false, folder: false, run: "", types: null, live: null };
const main = () => document.getElementById("main");

// ---------- DOM ----------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  add(el, kids);
  return el;
}
function add(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}
const SVGNS = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const k of kids.flat()) if (k !== null && k !== undefined) el.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
}
function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

// ---------- formatting ----------
const pad = (n) => String(n).padStart(2, "0");
function fmtTime(ts) {
  if (ts === null || ts === undefined || ts === "") return "";
  const d = new Date(Number(ts) * 1000);
  if (isNaN(d)) return String(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function tm(ts) { return h("span", { class: "nowrap" }, fmtTime(ts)); }
function fmtNum(n) { return n === null || n === undefined ? "" : Number(n).toLocaleString("en-US"); }
function fmtBytes(b) {
  if (b === null || b === undefined) return "";
  b = Number(b);
  if (b < 1000) return b + " B";
  const u = ["kB", "MB", "GB", "TB"]; let i = -1;
  do { b /= 1000; i++; } while (b >= 1000 && i < u.length - 1);
  return b.toFixed(1) + " " + u[i];
}
function fmtDur(sec) {
  sec = Number(sec);
  if (sec < 60) return sec + " s";
  if (sec < 3600) return (sec / 60) + " min";
  if (sec < 86400) return (sec / 3600) + " h";
  return (sec / 86400) + " d";
}
function text(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
const LEVELS = ["info", "low", "medium", "high", "critical"];
function level(l) { return l ? h("span", { class: "lvl lvl-" + (LEVELS.includes(l) ? l : "none") }, l) : ""; }

// ---------- navigation ----------
function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || "");
  return { parts, params };
}
function link(parts, params) {
  const p = new URLSearchParams(params || {});
  for (const [k, v] of [...p.entries()]) if (v === "" || v === null) p.delete(k);
  if (S.run) p.set("run", S.run);
  const q = p.toString();
  return "#/" + parts.map(encodeURIComponent).join("/") + (q ? "?" + q : "");
}
function go(parts, params) { location.hash = link(parts, params); }
function a(parts, params, ...kids) { return h("a", { href: link(parts, params) }, ...kids); }

// ---------- API ----------
async function api(path, params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
  if (S.run) p.set("run", S.run);
  const q = p.toString();
  const r = await fetch(path + (q ? "?" + q : ""), { credentials: "same-origin" });
  let body;
  try { body = await r.json(); } catch (e) { body = { error: r.status + " " + r.statusText }; }
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
function exportUrl(path, params, format) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
  if (S.run) p.set("run", S.run);
  p.set("format", format);
  return path + "?" + p.toString();
}

// ---------- components ----------
function card(label, value, cls, id) {
  return h("div", { class: "card " + (cls || ""), id }, h("div", { class: "card-v" }, value), h("div", { class: "card-l" }, label));
}
function section(title, ...kids) { return h("section", { class: "panel" }, h("h2", {}, title), ...kids); }
function note(msg, cls) { return h("p", { class: "note " + (cls || "") }, msg); }

// A table: columns [{key, label, fmt(row) -> node|string, sort: key, num: bool}].
function table(cols, rows, opts) {
  opts = opts || {};
  const thead = h("tr", {}, cols.map((c) => {
    const th = h("th", { class: c.num ? "num" : "" }, c.label);
    if (c.sort && opts.onSort) {
      th.classList.add("sortable");
      th.title = "Sort by " + c.label;
      if (opts.sort === c.sort) th.classList.add(opts.desc ? "desc" : "asc");
      th.addEventListener("click", () => opts.onSort(c.sort));
    }
    return th;
  }));
  const body = h("tbody");
  if (!rows.length) body.appendChild(h("tr", {}, h("td", { colspan: cols.length, class: "empty" }, opts.empty || "Nothing here.")));
  for (const r of rows) {
    const tr = h("tr", { class: (opts.rowClass ? opts.rowClass(r) : "") || null },
      cols.map((c) => h("td", { class: c.num ? "num" : "" }, c.fmt ? c.fmt(r) : text(r[c.key]))));
    if (opts.onRow) {
      tr.classList.add("clickable");
      tr.tabIndex = 0;
      tr.addEventListener("click", (e) => { if (e.target.closest("a,button")) return; opts.onRow(r, tr); });
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter") opts.onRow(r, tr); });
    }
    body.appendChild(tr);
  }
  return h("div", { class: "table-wrap" }, h("table", { class: opts.cls || "" }, h("thead", {}, thead), body));
}

function pager(d, goPage) {
  if (d.total === null || d.total === undefined) {
    return h("div", { class: "pager" },
      h("button", { type: "button", disabled: d.page <= 0, onclick: () => goPage(d.page - 1) }, "‹ Previous"),
      h("span", { class: "muted" }, `page ${fmtNum(d.page + 1)}${d.partial ? " (the search of this page ran out of time: it may hold fewer rows)" : ""}`),
      h("button", { type: "button", disabled: d.rows.length < d.per && !d.partial, onclick: () => goPage(d.page + 1) }, "Next ›"));
  }
  const pages = Math.max(1, Math.ceil(d.total / d.per));
  const from = d.total ? d.page * d.per + 1 : 0;
  const to = Math.min(d.total, (d.page + 1) * d.per);
  return h("div", { class: "pager" },
    h("button", { type: "button", disabled: d.page <= 0, onclick: () => goPage(0) }, "« First"),
    h("button", { type: "button", disabled: d.page <= 0, onclick: () => goPage(d.page - 1) }, "‹ Previous"),
    h("span", { class: "muted" }, `${fmtNum(from)}–${fmtNum(to)} of ${fmtNum(d.total)} (page ${fmtNum(d.page + 1)} of ${fmtNum(pages)})`),
    h("button", { type: "button", disabled: d.page + 1 >= pages, onclick: () => goPage(d.page + 1) }, "Next ›"),
    h("button", { type: "button", disabled: d.page + 1 >= pages, onclick: () => goPage(pages - 1) }, "Last »"));
}

// A bar chart over time: series [{name, values, cls}], start (s), step (s).
function timeChart(title, start, step, series, unit) {
  const W = 560, H = 190, L = 52, R = 10, T = 22, B = 34;
  const n = Math.max(1, ...series.map((x) => x.values.length));
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const ymax = niceMax(max);
  const bw = (W - L - R) / n;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title });
  svg.appendChild(s("text", { x: L, y: 14, class: "chart-title" }, title));
  for (let i = 0; i <= 4; i++) {
    const v = ymax * i / 4, y = H - B - (H - T - B) * i / 4;
    svg.appendChild(s("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
    svg.appendChild(s("text", { x: L - 6, y: y + 4, class: "tick", "text-anchor": "end" }, shortNum(v)));
  }
  series.forEach((ser, si) => {
    const w = bw / series.length;
    ser.values.forEach((v, i) => {
      if (!v) return;
      const hgt = (H - T - B) * v / ymax;
      const r = s("rect", { x: L + i * bw + si * w + 0.5, y: H - B - hgt, width: Math.max(1, w - 1), height: hgt, class: "bar " + (ser.cls || "") });
      r.appendChild(s("title", {}, `${fmtTime(start + i * step)}: ${fmtNum(v)} ${ser.name}`));
      svg.appendChild(r);
    });
  });
  const ticks = Math.min(4, n);
  for (let i = 0; i <= ticks; i++) {
    const k = Math.round(i * n / ticks), x = L + k * bw;
    const t = fmtTime(start + k * step);
    svg.appendChild(s("line", { x1: x, x2: x, y1: H - B, y2: H - B + 4, class: "axis" }));
    svg.appendChild(s("text", { x, y: H - B + 16, class: "tick", "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" }, t.slice(5, 16)));
  }
  svg.appendChild(s("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  svg.appendChild(s("text", { x: W - R, y: H - 4, class: "tick", "text-anchor": "end" }, `time (local), ${unit} per ${fmtDur(step)} bar`));
  const legend = h("div", { class: "legend" }, series.map((x) => h("span", {}, h("i", { class: "sw " + (x.cls || "") }), x.name)));
  return h("figure", { class: "chart-box" }, svg, series.length > 1 ? legend : null);
}
// The top of a y axis of 4 ticks: 4 × (1, 2 or 5 × 10^k), so small counts get whole ticks.
function niceMax(m) { const raw = m / 4, p = Math.pow(10, Math.floor(Math.log10(raw))); for (const f of [1, 2, 5, 10]) if (f * p >= raw) return 4 * Math.max(1, f * p); return m; }
function shortNum(v) { return v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(v >= 1e4 ? 0 : 1) + "k" : String(Math.round(v * 10) / 10); }

// Horizontal bars: rows [{label, value, cls}].
function hbars(title, rows, unit, onClick) {
  const W = 560, rowH = 20, L = 220, T = 22;
  const H = T + Math.max(1, rows.length) * rowH + 18;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title });
  svg.appendChild(s("text", { x: 0, y: 14, class: "chart-title" }, title));
  if (!rows.length) svg.appendChild(s("text", { x: 0, y: T + 14, class: "tick" }, "none"));
  rows.forEach((r, i) => {
    const y = T + i * rowH;
    const w = (W - L - 60) * r.value / max;
    const g = s("g", { class: onClick ? "clickable" : null });
    g.appendChild(s("text", { x: L - 6, y: y + 14, class: "tick", "text-anchor": "end" }, r.label.length > 34 ? r.label.slice(0, 33) + "…" : r.label));
    const rect = s("rect", { x: L, y: y + 3, width: Math.max(1, w), height: rowH - 6, class: "bar " + (r.cls || "") });
    rect.appendChild(s("title", {}, `${r.label}: ${fmtNum(r.value)} ${unit}`));
    g.appendChild(rect);
    g.appendChild(s("text", { x: L + w + 4, y: y + 14, class: "tick" }, fmtNum(r.value)));
    if (onClick) g.addEventListener("click", () => onClick(r));
    svg.appendChild(g);
  });
  svg.appendChild(s("text", { x: W, y: H - 2, class: "tick", "text-anchor": "end" }, unit));
  return h("figure", { class: "chart-box" }, svg);
}

function loading(el) { clear(el).appendChild(h("p", { class: "muted" }, "Loading…")); }
function fail(el, e) { clear(el).appendChild(note("Error: " + e.message, "error")); }

// ---------- views ----------
const views = {};

views.overview = async (el) => {
  const d = await api("/api/overview");
  const c = d.counts;
  clear(el);
  const m = d.meta || {};
  el.appendChild(h("div", { class: "run-line" },
    h("span", {}, h("b", {}, "Input: "), text(m.input)), " ",
    h("span", { class: "muted" }, `${text(m.input_type)} · started ${text(m.start)} · slips ${text(m.slips_version)} · windows of ${fmtDur(m.window_width || 3600)}`),
    c.complete ? h("span", { class: "badge ok" }, "complete") : h("span", { class: "badge warn" }, "running or interrupted")));
  el.appendChild(progressBar(d.progress));
  el.appendChild(h("div", { class: "cards", id: "counts" },
    card("flows", fmtNum(c.flows), "", "c-flows"),
    card("profiles", fmtNum(c.profiles), "", "c-profiles"),
    card("malicious profiles", fmtNum(c.malicious), c.malicious ? "bad" : "", "c-malicious"),
    card("evidence", fmtNum(c.evidence), "", "c-evidence"),
    card("alerts", fmtNum(c.alerts), c.alerts ? "bad" : "", "c-alerts"),
    card("blocked", fmtNum(c.blocked), c.blocked ? "warn" : "", "c-blocked")));
  el.appendChild(h("p", { class: "muted" }, `Traffic from ${fmtTime(d.first)} to ${fmtTime(d.last)}`));
  const o = d.over_time || {};
  const charts = h("div", { class: "grid2" });
  if (o.step) {
    if (o.counts && o.counts.length) charts.appendChild(section("Records over time", timeChart("Records", o.start, o.step, [{ name: "records", values: o.counts, cls: "s1" }], "records")));
    charts.appendChild(section("Evidence over time", timeChart("Evidence", o.start, o.step, [{ name: "evidence", values: o.evidence || [], cls: "s2" }], "evidence")));
  }
  charts.appendChild(section("Evidence by type", hbars("Evidence by type", d.evidence_by_type.map((r) => ({ label: r.type, value: r.n })), "evidence", (r) => go(["evidence"], { type: r.label }))));
  charts.appendChild(section("Evidence by threat level", hbars("Evidence by threat level", d.evidence_by_level.map((r) => ({ label: r.level, value: r.n, cls: "lv-" + r.level })), "evidence", (r) => go(["evidence"], { level: r.label }))));
  el.appendChild(charts);
  const tops = h("div", { class: "grid2" });
  tops.appendChild(section("Top attackers", table([
    { label: "IP", fmt: (r) => a(["profile", r.ip], {}, r.ip) },
    { label: "level", fmt: (r) => level(LEVELS[r.level]) },
    { label: "alerts", key: "alerts", num: true },
    { label: "evidence", key: "evidence", num: true },
  ], d.top_attackers, { rowClass: (r) => (r.alerts ? "mal" : ""), onRow: (r) => go(["profile", r.ip]), empty: "No evidence." })));
  tops.appendChild(section("Top victims", table([
    { label: "IP / target", fmt: (r) => r.ip },
    { label: "level", fmt: (r) => level(LEVELS[r.level]) },
    { label: "attackers", key: "attackers", num: true },
    { label: "evidence", key: "evidence", num: true },
  ], d.top_victims, { onRow: (r) => go(["search", r.ip]), empty: "No victims." })));
  el.appendChild(tops);
  el.appendChild(section("Recent alerts", alertsTable(d.recent_alerts)));
};

function progressBar(p) {
  const box = h("div", { id: "progress", class: "progress-box" });
  if (!p || !p.running) return box;
  const pct = p.total_bytes ? Math.min(100, 100 * p.bytes_read / p.total_bytes) : null;
  add(box, [h("div", { class: "progress" }, h("div", { class: "progress-fill", id: "progress-fill" })),
    h("span", { class: "muted" }, pct === null ? `analysing: ${fmtNum(p.records)} records (live input)` : `analysing: ${pct.toFixed(1)}% of ${fmtBytes(p.total_bytes)} read, ${fmtNum(p.records)} records`)]);
  const fill = box.querySelector(".progress-fill");
  fill.style.width = (pct === null ? 100 : pct) + "%";
  if (pct === null) fill.classList.add("indeterminate");
  return box;
}

function alertsTable(rows, opts) {
  opts = opts || {};
  return table([
    { label: "time", fmt: (r) => tm(r.ts) },
    { label: "profile", fmt: (r) => a(["profile", r.profile], {}, r.profile) },
    { label: "window", fmt: (r) => a(["window", r.profile, String(r.window)], {}, "tw " + r.window) },
    { label: "level", fmt: (r) => level(r.threat_level) },
    { label: "confidence", fmt: (r) => Number(r.confidence).toFixed(2), num: true },
    { label: "score", fmt: (r) => Number(r.accumulated_threat_level).toFixed(2), num: true },
    { label: "evidence", key: "evidence", num: true },
    { label: "blocked", fmt: (r) => (r.blocked === null ? "" : r.blocked ? "yes" : "no") },
  ], rows, { rowClass: () => "mal", onRow: (r, tr) => toggleAlert(r, tr), empty: opts.empty || "No alerts.", cls: "alerts" });
}

// Expands an alert row into its evidence.
async function toggleAlert(r, tr) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains("expand")) { next.remove(); tr.classList.remove("open"); return; }
  tr.classList.add("open");
  const td = h("td", { colspan: tr.children.length });
  const row = h("tr", { class: "expand" }, td);
  tr.after(row);
  loading(td);
  try {
    const d = await api("/api/alert/" + encodeURIComponent(r.id) + "/evidence");
    clear(td).appendChild(evidenceTable(d.rows, { compact: true }));
  } catch (e) { fail(td, e); }
}

function uidLinks(uids) {
  if (!Array.isArray(uids) || !uids.length) return "";
  const shown = uids.slice(0, 3).map((u) => a(["flows"], { uids: u }, u));
  const out = [];
  shown.forEach((x, i) => { if (i) out.push(" "); out.push(x); });
  if (uids.length > 3) out.push(" ", a(["flows"], { uids: uids.join(",") }, `all ${uids.length}`));
  return h("span", { class: "uids" }, out);
}

function evidenceTable(rows, opts) {
  opts = opts || {};
  const cols = [
    { label: "time", fmt: (r) => tm(r.ts) },
    { label: "type", fmt: (r) => h("span", { class: "mono" }, r.type) },
    { label: "level", fmt: (r) => level(r.threat_level) },
    { label: "conf.", fmt: (r) => Number(r.confidence).toFixed(2), num: true },
    { label: "attacker", fmt: (r) => r.attacker },
    { label: "victim", fmt: (r) => text(r.victim) },
    { label: "description", fmt: (r) => h("span", { class: "desc" }, r.description) },
    { label: "flows (uids)", fmt: (r) => uidLinks(r.uids) },
  ];
  if (!opts.compact) cols.splice(4, 0, { label: "window", fmt: (r) => a(["window", r.profile, String(r.window)], {}, r.profile + " tw " + r.window) });
  return table(cols, rows, { empty: "No evidence.", cls: "evidence" });
}

views.profiles = async (el, parts, params) => {
  const q = { page: params.get("page") || 0, sort: params.get("sort") || "malicious", q: params.get("q") || "", level: params.get("level") || "", malicious: params.get("malicious") || "" };
  const d = await api("/api/profiles", q);
  clear(el);
  const form = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); const f = new FormData(form); go(["profiles"], { q: f.get("q"), sort: f.get("sort"), level: f.get("level"), malicious: f.get("malicious") ? "1" : "" }); } },
    h("input", { name: "q", type: "search", value: q.q, placeholder: "IP, country, AS, organisation, host name, MAC", size: 40 }),
    h("label", {}, "sort ", select("sort", q.sort, [["malicious", "malicious first"], ["threat", "threat level"], ["evidence", "evidence"], ["flows", "flows"], ["ip", "IP"], ["last", "last seen"], ["first", "first seen"]])),
    h("label", {}, "level ≥ ", select("level", q.level, [["", "any"], ...LEVELS.map((l) => [l, l])])),
    h("label", {}, h("input", { type: "checkbox", name: "malicious", value: "1", checked: q.malicious === "1" }), " malicious only"),
    h("button", { type: "submit" }, "Apply"));
  el.appendChild(section(`Profiles (${fmtNum(d.total)})`, form,
    table([
      { label: "IP", fmt: (r) => a(["profile", r.ip], {}, r.ip) },
      { label: "level", fmt: (r) => level(r.threat_level) },
      { label: "alerts", key: "alerts", num: true },
      { label: "evidence", key: "evidence", num: true },
      { label: "flows", fmt: (r) => fmtNum(r.flows), num: true },
      { label: "windows", key: "windows", num: true },
      { label: "first seen", fmt: (r) => tm(r.first_seen) },
      { label: "last seen", fmt: (r) => tm(r.last_seen) },
      { label: "host names", fmt: (r) => (Array.isArray(r.host_names) ? r.host_names.join(", ") : "") },
      { label: "GeoIP / AS / organisation", fmt: (r) => text(r.enrichment) },
    ], d.rows, { rowClass: (r) => (r.alerted ? "mal" : ""), onRow: (r) => go(["profile", r.ip]), empty: "No profile matches.", cls: "profiles" }),
    pager(d, (p) => go(["profiles"], { ...q, page: p }))));
};

function select(name, value, options) {
  return h("select", { name }, options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== "" && v !== null && v !== undefined && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v instanceof Node ? v : Array.isArray(v) ? v.join(", ") : text(v))]));
}

views.profile = async (el, parts) => {
  const ip = parts[1];
  const d = await api("/api/profile/" + encodeURIComponent(ip));
  clear(el);
  const f = d.facts || {};
  const mal = d.windows.some((w) => w.alerted);
  el.appendChild(h("h1", { class: mal ? "mal-text" : "" }, "Profile ", h("span", { class: "mono", id: "profile-ip" }, ip), " ", level(d.threat_level),
    d.blocked ? h("span", { class: "badge warn" }, "blocked") : null));
  const facts = dl([
    ["first seen", fmtTime(f.first_seen || (d.span || {}).start)],
    ["last seen", fmtTime(f.last_seen || (d.span || {}).end)],
    ["flows", fmtNum(f.flows || (d.span || {}).flows)],
    ["MAC (vendor)", (d.vendors && d.vendors.length) ? d.vendors.map((v) => v.mac + (v.vendor ? ` (${v.vendor})` : "")) : f.macs],
    ["host names", f.host_names],
    ["user agents", f.user_agents],
    ["software", f.software],
    ["GeoIP, AS, organisation", f.enrichment || "—"],
    ["evidence (as attacker)", fmtNum(f.evidence)],
    ["evidence (as victim)", fmtNum(d.evidence_as_victim)],
    ["blocked", d.blocked ? "yes" : "no"],
  ]);
  const box = section("Details", facts);
  if (d.blocked && S.unblock) box.appendChild(unblockButton(ip));
  if (!d.facts) box.appendChild(note("The profile's facts are written when the analysis ends; the windows below are up to date.", "muted"));
  const top = h("div", { class: "grid2" }, box);
  top.appendChild(section("Threat intelligence", d.intel.length ? table([
    { label: "time", fmt: (r) => tm(r.ts) }, { label: "type", key: "type" }, { label: "level", fmt: (r) => level(r.threat_level) }, { label: "description", key: "description" },
  ], d.intel) : note("No threat-intelligence match for this IP.", "muted")));
  el.appendChild(top);
  el.appendChild(section(`Time windows (${d.windows.length})`, table([
    { label: "window", fmt: (w) => a(["window", ip, String(w.number)], {}, "tw " + w.number) },
    { label: "start", fmt: (w) => tm(w.start) },
    { label: "end", fmt: (w) => tm(w.end) },
    { label: "flows", fmt: (w) => fmtNum(w.flows), num: true },
    { label: "evidence", key: "evidence", num: true },
    { label: "alerts", key: "alerts", num: true },
    { label: "state", fmt: (w) => (w.alerted ? "malicious" : "") + (w.closed ? "" : " (open)") },
  ], d.windows, { rowClass: (w) => (w.alerted ? "mal" : ""), onRow: (w) => go(["window", ip, String(w.number)]), cls: "windows" })));
  if (d.blocking.length) el.appendChild(section("Blocking", blockingHistory(d.blocking.map((b) => ({ ...b, ip })))));
};

function unblockButton(ip) {
  const out = h("span", { class: "muted" });
  const b = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm("Unblock " + ip + " now?")) return;
    b.disabled = true;
    try {
      const r = await fetch("/api/unblock", { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json", "x-csrf-token": S.csrf }, body: JSON.stringify({ ip }) });
      const d = await r.json();
      out.textContent = r.ok ? "Unblocked: " + d.done.join("; ") : "Failed: " + d.error;
    } catch (e) { out.textContent = "Failed: " + e.message; }
    b.disabled = false;
  } }, "Unblock");
  return h("div", { class: "actions" }, b, " ", out);
}

views.window = async (el, parts, params) => {
  const ip = parts[1], n = parts[2];
  const tab = params.get("tab") || "alerts";
  const d = await api(`/api/window/${encodeURIComponent(ip)}/${encodeURIComponent(n)}`);
  const w = d.window;
  clear(el);
  el.appendChild(h("div", { class: "crumbs" }, a(["profiles"], {}, "Profiles"), " › ", a(["profile", ip], {}, ip), " › ", "tw " + n));
  el.appendChild(h("h1", { class: w.alerted ? "mal-text" : "" }, h("span", { class: "mono" }, ip), ` · time window ${n}`, w.alerted ? h("span", { class: "badge bad" }, "malicious") : null));
  el.appendChild(h("p", { class: "muted" }, `${fmtTime(w.start)} → ${fmtTime(w.end)} · ${fmtNum(w.flows)} flows · ${fmtNum(w.evidence)} evidence · ${d.alerts.length} alert(s) · ${w.out_tuples === undefined ? "?" : fmtNum(w.out_tuples)} outgoing / ${w.in_tuples === undefined ? "?" : fmtNum(w.in_tuples)} incoming tuples${w.closed ? "" : " · still open"}`));
  const t = d.traffic;
  if (d.summary_partial) el.appendChild(note("This window's summary is too large to read in time: tuple counts and top destinations are left out.", "warn"));
  const top = h("div", { class: "grid2" });
  top.appendChild(section("Traffic of the window", timeChart("Records of this profile", t.start, t.step, [{ name: "records", values: t.records, cls: "s1" }], "records")));
  top.appendChild(section("Top destinations", hbars("Flows per destination", d.top_destinations.map((r) => ({ label: text(r.ip), value: Number(r.flows) })), "flows", (r) => go(["window", ip, n], { tab: "flows", q: r.label }))));
  el.appendChild(top);
  const tabs = [["alerts", `Alerts (${d.alerts.length})`], ["evidence", `Evidence (${fmtNum(w.evidence)})`], ["flows", "Flows"], ["timeline", "Timeline"], ["out", `Outgoing tuples (${w.out_tuples === undefined ? "?" : fmtNum(w.out_tuples)})`], ["in", `Incoming tuples (${w.in_tuples === undefined ? "?" : fmtNum(w.in_tuples)})`]];
  el.appendChild(h("nav", { class: "tabs" }, tabs.map(([k, l]) => h("a", { href: link(["window", ip, n], { tab: k }), class: k === tab ? "active" : "", id: "tab-" + k }, l))));
  const body = h("div", { class: "panel" });
  el.appendChild(body);
  const base = `/api/window/${encodeURIComponent(ip)}/${encodeURIComponent(n)}`;
  const page = params.get("page") || 0;
  if (tab === "alerts") { clear(body).appendChild(alertsTable(d.alerts, { empty: "No alert in this window." })); body.appendChild(note("Click an alert to see its evidence.", "muted")); }
  else if (tab === "evidence") {
    const e = await api(base + "/evidence", { page });
    add(clear(body), [evidenceTable(e.rows, { compact: true }), pager(e, (p) => go(["window", ip, n], { tab, page: p }))]);
  } else if (tab === "flows") await flowsTab(body, base, ip, n, params);
  else if (tab === "timeline") {
    const e = await api(base + "/timeline", { page, per: 100 });
    add(clear(body), [h("ol", { class: "timeline" }, e.rows.map((r) => h("li", {}, h("span", { class: "mono muted" }, fmtTime(r.ts)), " ", r.text, r.uid ? [" ", h("span", { class: "mono muted" }, r.uid)] : null))), pager(e, (p) => go(["window", ip, n], { tab, page: p }))]);
  } else {
    const e = await api(base + "/tuples", { dir: tab, page, per: 100 });
    if (e.partial) { clear(body).appendChild(note("This window's tuples are too many to page through in time (its summary is one large JSON value in the database); `slips query DB tuples --ip " + ip + " --window " + n + "` lists them.", "warn")); return; }
    add(clear(body), [table([
      { label: tab === "in" ? "source" : "destination", fmt: (r) => r.peer },
      { label: "port", key: "port", num: true },
      { label: "proto", key: "proto" },
      { label: "flows", key: "flows", num: true },
      { label: "letters (behaviour)", fmt: (r) => h("span", { class: "mono letters" }, r.letters) },
    ], e.rows, { empty: "No tuples (incoming tuples need analysis_direction: all)." }), pager(e, (p) => go(["window", ip, n], { tab, page: p }))]);
  }
};

const FLOW_COLS = [
  { label: "time", fmt: (r) => tm(r.ts), sort: "ts" },
  { label: "kind", key: "kind", sort: "kind" },
  { label: "uid", fmt: (r) => h("span", { class: "mono" }, text(r.uid)) },
  { label: "destination", fmt: (r) => text(r.daddr), sort: "daddr" },
  { label: "port", key: "dport", num: true, sort: "dport" },
  { label: "proto", key: "proto", sort: "proto" },
  { label: "service / domain", fmt: (r) => text(r.service || r.domain || "") },
  { label: "state", key: "state", sort: "state" },
  { label: "duration", fmt: (r) => (r.duration === null ? "" : Number(r.duration).toFixed(3) + " s"), num: true, sort: "duration" },
  { label: "sent", fmt: (r) => fmtBytes(r.sbytes), num: true, sort: "sbytes" },
  { label: "received", fmt: (r) => fmtBytes(r.dbytes), num: true, sort: "dbytes" },
  { label: "pkts", fmt: (r) => (r.spkts === null ? "" : `${r.spkts}/${r.dpkts}`), num: true, sort: "spkts" },
  { label: "+", fmt: (r) => (r.details ? r.details.map((x) => x.kind).join(",") : "") },
];

async function flowsTab(body, base, ip, n, params) {
  const q = { tab: "flows", page: params.get("page") || 0, sort: params.get("sort") || "ts", dir: params.get("dir") || "asc", q: params.get("q") || "", kind: params.get("kind") || "" };
  const d = await api(base + "/flows", q);
  clear(body);
  const form = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); const f = new FormData(form); go(["window", ip, n], { ...q, page: 0, q: f.get("q"), kind: f.get("kind") }); } },
    h("input", { name: "q", type: "search", value: q.q, placeholder: "destination, port, domain, uid, service, state", size: 40 }),
    h("label", {}, "kind ", select("kind", q.kind, [["", "any"], ...["conn", "dns", "http", "ssl", "ssh", "smtp", "ftp", "dhcp", "arp", "notice", "files", "software", "weird", "x509", "tunnel"].map((k) => [k, k])])),
    h("button", { type: "submit" }, "Filter"));
  body.appendChild(form);
  if (d.note) body.appendChild(note(d.note, "warn"));
  body.appendChild(table(FLOW_COLS, d.rows, {
    sort: q.sort, desc: q.dir === "desc",
    onSort: (col) => go(["window", ip, n], { ...q, page: 0, sort: col, dir: q.sort === col && q.dir === "asc" ? "desc" : "asc" }),
    onRow: (r, tr) => toggleFlow(r, tr), empty: "No flow matches.", cls: "flows",
  }));
  body.appendChild(pager(d, (p) => go(["window", ip, n], { ...q, page: p })));
  body.appendChild(note("Click a flow for every field and the DNS, HTTP, TLS, SSH… records of the same connection.", "muted"));
}

function flowDetails(r) {
  const fields = Object.entries(r).filter(([k, v]) => k !== "details" && k !== "data" && v !== null);
  const kids = [h("div", { class: "kv" }, fields.map(([k, v]) => h("div", {}, h("b", {}, k), " ", text(v))))];
  if (r.data) kids.push(h("h3", {}, r.kind + " record"), h("div", { class: "kv" }, Object.entries(r.data).map(([k, v]) => h("div", {}, h("b", {}, k), " ", text(v)))));
  for (const x of r.details || []) kids.push(h("h3", {}, x.kind + " (same uid)"), h("div", { class: "kv" }, Object.entries(x.data || {}).map(([k, v]) => h("div", {}, h("b", {}, k), " ", text(v)))));
  return kids;
}
function toggleFlow(r, tr) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains("expand")) { next.remove(); tr.classList.remove("open"); return; }
  tr.classList.add("open");
  tr.after(h("tr", { class: "expand" }, h("td", { colspan: tr.children.length }, flowDetails(r))));
}

function eventFilters(kind, q, withText) {
  const typeOptions = [["", "any type"], ...(S.types || []).map((t) => [t, t])];
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const dt = (v) => (v ? String(Date.parse(v) / 1000) : "");
    go([kind], { type: f.get("type"), level: f.get("level"), profile: f.get("profile").trim(), from: dt(f.get("from")), to: dt(f.get("to")), q: withText ? f.get("q") : "" });
  } },
  select("type", q.type, typeOptions),
  h("label", {}, "level ≥ ", select("level", q.level, [["", "any"], ...LEVELS.map((l) => [l, l])])),
  h("input", { name: "profile", placeholder: "profile IP", value: q.profile, size: 16 }),
  h("label", {}, "from ", h("input", { name: "from", type: "datetime-local", step: 1, value: toLocalInput(q.from) })),
  h("label", {}, "to ", h("input", { name: "to", type: "datetime-local", step: 1, value: toLocalInput(q.to) })),
  withText ? h("input", { name: "q", type: "search", placeholder: "text in description", value: q.q, size: 24 }) : null,
  h("button", { type: "submit" }, "Apply"));
  return form;
}
function toLocalInput(ts) { if (!ts) return ""; const t = fmtTime(ts); return t.replace(" ", "T"); }
function eventQuery(params) {
  return { page: params.get("page") || 0, type: params.get("type") || "", level: params.get("level") || "", profile: params.get("profile") || "", from: params.get("from") || "", to: params.get("to") || "", q: params.get("q") || "" };
}
function exports(path, q) {
  const f = { ...q }; delete f.page;
  return h("span", { class: "exports" }, "Export this view: ", h("a", { href: exportUrl(path, f, "csv"), download: "" }, "CSV"), " · ", h("a", { href: exportUrl(path, f, "json"), download: "" }, "JSON"));
}

views.alerts = async (el, parts, params) => {
  const q = eventQuery(params);
  await types();
  const d = await api("/api/alerts", q);
  clear(el).appendChild(section(`Alerts (${fmtNum(d.total)})`, eventFilters("alerts", q, false), exports("/api/alerts", q), alertsTable(d.rows), pager(d, (p) => go(["alerts"], { ...q, page: p })), note("Click an alert to see its evidence; the type filter keeps alerts with evidence of that type.", "muted")));
};

views.evidence = async (el, parts, params) => {
  const q = eventQuery(params);
  await types();
  const d = await api("/api/evidence", q);
  clear(el).appendChild(section(`Evidence (${fmtNum(d.total)})`, eventFilters("evidence", q, true), exports("/api/evidence", q), evidenceTable(d.rows), pager(d, (p) => go(["evidence"], { ...q, page: p }))));
};

async function types() { if (!S.types) S.types = await api("/api/evidence-types"); }

views.flows = async (el, parts, params) => {
  const uids = params.get("uids") || "";
  const d = await api("/api/flows", { uids });
  clear(el).appendChild(section(`Flows of ${uids.split(",").length} uid(s)`, table([{ label: "profile", fmt: (r) => (r.profile ? a(["profile", r.profile], {}, r.profile) : "") }, ...FLOW_COLS.map((c) => ({ ...c, sort: null }))], d.rows, { onRow: (r, tr) => toggleFlow(r, tr), empty: "No record with these uids (records may not be stored: database.store_flows).", cls: "flows" })));
};

views.blocking = async (el, parts, params) => {
  const page = params.get("page") || 0;
  const d = await api("/api/blocking", { page });
  clear(el);
  el.appendChild(section(`Blocked now (${d.blocked.length})`, table([
    { label: "IP", fmt: (r) => a(["profile", r.ip], {}, r.ip) },
    { label: "since", fmt: (r) => tm(r.ts) },
    { label: "until", fmt: (r) => (r.until ? fmtTime(r.until) : "") },
    { label: "offences", key: "offences", num: true },
    { label: "reason", fmt: (r) => text(r.reason || r.detail) },
    { label: "mode", fmt: (r) => (r.dry_run ? "dry run (offline)" : "firewall") },
    { label: "", fmt: (r) => (S.unblock && !r.dry_run ? unblockButton(r.ip) : "") },
  ], d.blocked, { empty: "Nothing is blocked (blocking is on with --blocking).", rowClass: () => "mal" })));
  el.appendChild(section("History", blockingHistory(d.history.rows), pager(d.history, (p) => go(["blocking"], { page: p }))));
};
function blockingHistory(rows) {
  return table([
    { label: "time", fmt: (r) => tm(r.ts) },
    { label: "IP", fmt: (r) => r.ip },
    { label: "action", key: "action" },
    { label: "detail", fmt: (r) => text(r.detail) },
    { label: "until", fmt: (r) => (r.until ? fmtTime(r.until) : "") },
    { label: "offences", key: "offences", num: true },
    { label: "dry run", fmt: (r) => (r.dry_run ? "yes" : "no") },
    { label: "error", fmt: (r) => text(r.error) },
  ], rows, { empty: "No blocking decision." });
}

views.search = async (el, parts) => {
  const q = parts.slice(1).join("/");
  document.getElementById("search").value = q;
  const d = await api("/api/search", { q });
  clear(el);
  el.appendChild(h("h1", {}, "Search: ", h("span", { class: "mono" }, q)));
  if (d.partial) el.appendChild(note(`The search stopped after ${Math.round(d.ms)} ms to stay fast: results may be incomplete (flows are scanned by destination, domain, JA3 and other fields).`, "warn"));
  el.appendChild(section(`Profiles (${d.profiles.length})`, table([
    { label: "IP", fmt: (r) => a(["profile", r.ip], {}, r.ip) }, { label: "windows", key: "windows", num: true }, { label: "flows", fmt: (r) => fmtNum(r.flows), num: true },
    { label: "host names", fmt: (r) => (Array.isArray(r.host_names) ? r.host_names.join(", ") : "") }, { label: "GeoIP / AS", fmt: (r) => text(r.enrichment) },
  ], d.profiles, { rowClass: (r) => (r.alerted ? "mal" : ""), onRow: (r) => go(["profile", r.ip]), empty: "No profile." })));
  el.appendChild(section(`Flows (${d.flows.length})`, table([{ label: "profile", fmt: (r) => (r.profile ? a(["profile", r.profile], {}, r.profile) : "") }, ...FLOW_COLS.map((c) => ({ ...c, sort: null }))], d.flows, { onRow: (r, tr) => toggleFlow(r, tr), empty: "No flow.", cls: "flows" })));
  el.appendChild(section(`Evidence (${d.evidence.length})`, evidenceTable(d.evidence)));
};

views.runs = async (el) => {
  const d = await api("/api/runs");
  clear(el).appendChild(section(`Analyses (${d.runs.length})`, table([
    { label: "run", fmt: (r) => h("a", { href: "#/", onclick: (e) => { e.preventDefault(); pickRun(r.id); } }, r.id || "(this one)") },
    { label: "input", fmt: (r) => text(r.input) },
    { label: "started", fmt: (r) => text(r.start) },
    { label: "records", fmt: (r) => fmtNum(r.records), num: true },
    { label: "alerts", key: "alerts", num: true },
    { label: "state", fmt: (r) => (r.error ? "unreadable: " + r.error : r.complete ? "complete" : "running or interrupted") },
  ], d.runs, { onRow: (r) => pickRun(r.id), rowClass: (r) => (r.id === S.run ? "selected" : "") })));
};
function pickRun(id) { S.run = id; S.types = null; connectEvents(); go([]); }

// ---------- live updates ----------
function connectEvents() {
  if (S.live) S.live.close();
  const es = new EventSource("/api/events" + (S.run ? "?run=" + encodeURIComponent(S.run) : ""));
  S.live = es;
  let last = null;
  es.addEventListener("counts", (e) => {
    const c = JSON.parse(e.data);
    const badge = document.getElementById("live");
    const p = c.progress;
    badge.textContent = p && p.running ? (p.total_bytes ? `analysing ${(100 * p.bytes_read / p.total_bytes).toFixed(0)}%` : "live") : c.complete ? "" : "";
    badge.className = "badge" + (p && p.running ? " live" : "");
    const changed = last && (last.records !== c.records || last.evidence !== c.evidence || last.alerts !== c.alerts || last.profiles !== c.profiles);
    last = c;
    if (changed && parseHash().parts.length === 0 && !document.hidden) render(true);
  });
}

// ---------- boot ----------
async function render(quiet) {
  const { parts, params } = parseHash();
  if (params.get("run") !== null) S.run = params.get("run");
  const view = parts[0] || "overview";
  for (const n of document.querySelectorAll("#nav a")) n.classList.toggle("active", n.dataset.view === view);
  const el = main();
  if (!quiet) loading(el);
  const f = views[view];
  if (!f) { clear(el).appendChild(note("No such page.", "error")); return; }
  if (S.folder && !S.run && view !== "runs") { await views.runs(el); return; }
  try { await f(el, parts, params); } catch (e) { fail(el, e); }
}

function theme(t) {
  document.documentElement.dataset.theme = t;
  try { localStorage.setItem("slips-theme", t); } catch (e) { /* private mode */ }
}

async function boot() {
  let t = null;
  try { t = localStorage.getItem("slips-theme"); } catch (e) { /* private mode */ }
  theme(t || (matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark"));
  document.getElementById("theme").addEventListener("click", () => theme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"));
  document.getElementById("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = document.getElementById("search").value.trim();
    if (q) go(["search", q]);
  });
  try {
    const s = await api("/api/session");
    S.csrf = s.csrf; S.unblock = s.unblock; S.folder = s.folder;
  } catch (e) { fail(main(), e); return; }
  document.getElementById("nav-runs").hidden = !S.folder;
  const { params } = parseHash();
  if (params.get("run") !== null) S.run = params.get("run");
  window.addEventListener("hashchange", () => render(false));
  connectEvents();
  render(false);
}
document.addEventListener("DOMContentLoaded", boot);
