//! The routes: the page and its assets, the JSON API, the event stream and the unblock
//! action. Database work runs on blocking threads with a pooled read-only reader.

use crate::queries::{self, EventFilter, FlowFilter, Page, ProfileFilter};
use crate::{auth, App};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use slips_db::Reader;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Every route, behind the token guard.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route(
            "/app.js",
            get(|| asset(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route(
            "/app.css",
            get(|| asset(APP_CSS, "text/css; charset=utf-8")),
        )
        .route("/api/session", get(session))
        .route("/api/runs", get(runs))
        .route("/api/overview", get(overview))
        .route("/api/counts", get(counts))
        .route("/api/profiles", get(profiles))
        .route("/api/profile/{ip}", get(profile))
        .route("/api/window/{ip}/{n}", get(window))
        .route("/api/window/{ip}/{n}/flows", get(window_flows))
        .route("/api/window/{ip}/{n}/tuples", get(tuples))
        .route("/api/window/{ip}/{n}/timeline", get(timeline))
        .route("/api/window/{ip}/{n}/evidence", get(window_evidence))
        .route("/api/window/{ip}/{n}/alerts", get(window_alerts))
        .route("/api/alerts", get(alerts))
        .route("/api/alert/{id}/evidence", get(alert_evidence))
        .route("/api/evidence", get(evidence))
        .route("/api/evidence-types", get(evidence_types))
        .route("/api/flows", get(flows))
        .route("/api/search", get(search))
        .route("/api/blocking", get(blocking))
        .route("/api/unblock", post(unblock))
        .route("/api/events", get(events))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such page") })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                header::SERVER,
                HeaderValue::from_static("slips"),
            ),
        )
        .with_state(app)
}

async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

async fn asset(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// An error as JSON `{"error": ...}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

impl From<slips_db::Error> for ApiError {
    fn from(e: slips_db::Error) -> ApiError {
        tracing::warn!("web interface: {e}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

type ApiResult = Result<Response, ApiError>;

/// The database of the run asked for.
fn run_path(app: &App, run: Option<&str>) -> Result<PathBuf, ApiError> {
    app.source
        .run(run)
        .ok_or_else(|| ApiError::not_found("no such run"))
}

/// Runs `f` with a reader of `run` on a blocking thread.
async fn with_db<T: Send + 'static>(
    app: &Arc<App>,
    run: Option<&str>,
    f: impl FnOnce(&Reader) -> Result<T, slips_db::Error> + Send + 'static,
) -> Result<T, ApiError> {
    let path = run_path(app, run)?;
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let pooled = {
            let mut pool = app.pool.lock().unwrap_or_else(|e| e.into_inner());
            pool.iter()
                .position(|(p, _)| *p == path)
                .map(|i| pool.swap_remove(i).1)
        };
        let reader = match pooled {
            Some(r) => r,
            None => Reader::open(&path)?,
        };
        let out = f(&reader);
        if out.is_ok() {
            let mut pool = app.pool.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < 8 {
                pool.push((path, reader));
            }
        }
        out
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(ApiError::from)
}

fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

fn found(v: Option<Value>, what: &str) -> ApiResult {
    match v {
        Some(v) => ok(v),
        None => Err(ApiError::not_found(format!("no such {what}"))),
    }
}

fn parse_ip(s: &str) -> Result<String, ApiError> {
    s.parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| ApiError::bad(format!("not an IP address: {s:?}")))
}

#[derive(Deserialize, Default)]
struct RunQ {
    run: Option<String>,
}

async fn session(State(app): State<Arc<App>>) -> ApiResult {
    let running = app.progress.as_ref().map(|p| p().running).unwrap_or(false);
    ok(json!({
        "csrf": app.csrf,
        "unblock": app.unblock.is_some(),
        "live": running,
        "folder": matches!(app.source, crate::Source::Folder(_)),
    }))
}

async fn runs(State(app): State<Arc<App>>) -> ApiResult {
    let list = app.source.runs();
    let out = tokio::task::spawn_blocking(move || {
        list.into_iter()
            .map(|(id, path)| match Reader::open(&path) {
                Ok(r) => json!({
                    "id": id,
                    "input": r.meta("input"),
                    "start": r.meta("start"),
                    "complete": r.meta("complete").is_some(),
                    "slips_version": r.meta("slips_version"),
                    "alerts": queries::counts(&r).ok().map(|c| c["alerts"].clone()),
                    "records": queries::counts(&r).ok().map(|c| c["records"].clone()),
                }),
                Err(e) => json!({"id": id, "error": e.to_string()}),
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    ok(json!({"runs": out}))
}

fn progress(app: &App) -> Value {
    app.progress.as_ref().map_or(Value::Null, |p| json!(p()))
}

async fn overview(State(app): State<Arc<App>>, Query(q): Query<RunQ>) -> ApiResult {
    let path = run_path(&app, q.run.as_deref())?;
    let cached = {
        let c = app.cache.lock().unwrap_or_else(|e| e.into_inner());
        c.iter().find(|(p, _)| *p == path).map(|(_, v)| v.clone())
    };
    let mut v = match cached {
        Some(v) => v,
        None => {
            let v = with_db(&app, q.run.as_deref(), queries::overview).await?;
            if v["counts"]["complete"].as_bool() == Some(true) {
                let mut c = app.cache.lock().unwrap_or_else(|e| e.into_inner());
                if c.len() < 16 {
                    c.push((path, v.clone()));
                }
            }
            v
        }
    };
    v["progress"] = progress(&app);
    ok(v)
}

async fn counts(State(app): State<Arc<App>>, Query(q): Query<RunQ>) -> ApiResult {
    let mut v = with_db(&app, q.run.as_deref(), queries::counts).await?;
    v["progress"] = progress(&app);
    ok(v)
}

#[derive(Deserialize, Default)]
struct ProfilesQ {
    run: Option<String>,
    page: Option<usize>,
    per: Option<usize>,
    sort: Option<String>,
    q: Option<String>,
    malicious: Option<String>,
    level: Option<String>,
}

fn level(s: Option<&str>) -> Result<Option<i64>, ApiError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(l) => queries::level_index(l)
            .map(Some)
            .ok_or_else(|| ApiError::bad(format!("unknown threat level {l:?}"))),
    }
}

async fn profiles(State(app): State<Arc<App>>, Query(q): Query<ProfilesQ>) -> ApiResult {
    let f = ProfileFilter {
        q: q.q,
        malicious: matches!(q.malicious.as_deref(), Some("1" | "true" | "on")),
        min_level: level(q.level.as_deref())?,
        sort: q.sort,
    };
    let page = Page::new(q.page, q.per);
    ok(with_db(&app, q.run.as_deref(), move |r| {
        queries::profiles(r, &f, page)
    })
    .await?)
}

async fn profile(
    State(app): State<Arc<App>>,
    Path(ip): Path<String>,
    Query(q): Query<RunQ>,
) -> ApiResult {
    let ip = parse_ip(&ip)?;
    let mut v = with_db(&app, q.run.as_deref(), move |r| queries::profile(r, &ip)).await?;
    if let (Some(v), Some(vendor)) = (v.as_mut(), app.vendor.as_ref()) {
        let vendors: Vec<Value> = v["facts"]["macs"]
            .as_array()
            .map(|macs| {
                macs.iter()
                    .filter_map(|m| m.as_str())
                    .map(|m| json!({"mac": m, "vendor": vendor(m)}))
                    .collect()
            })
            .unwrap_or_default();
        v["vendors"] = Value::Array(vendors);
    }
    found(v, "profile")
}

async fn window(
    State(app): State<Arc<App>>,
    Path((ip, n)): Path<(String, i64)>,
    Query(q): Query<RunQ>,
) -> ApiResult {
    let ip = parse_ip(&ip)?;
    found(
        with_db(&app, q.run.as_deref(), move |r| queries::window(r, &ip, n)).await?,
        "window",
    )
}

#[derive(Deserialize, Default)]
struct FlowsQ {
    run: Option<String>,
    page: Option<usize>,
    per: Option<usize>,
    sort: Option<String>,
    dir: Option<String>,
    kind: Option<String>,
    q: Option<String>,
}

async fn window_flows(
    State(app): State<Arc<App>>,
    Path((ip, n)): Path<(String, i64)>,
    Query(q): Query<FlowsQ>,
) -> ApiResult {
    let ip = parse_ip(&ip)?;
    let f = FlowFilter {
        kind: q.kind,
        q: q.q,
        sort: q.sort,
        desc: q.dir.as_deref() == Some("desc"),
    };
    let page = Page::new(q.page, q.per);
    found(
        with_db(&app, q.run.as_deref(), move |r| {
            queries::window_flows(r, &ip, n, &f, page)
        })
        .await?,
        "window",
    )
}

#[derive(Deserialize, Default)]
struct TuplesQ {
    run: Option<String>,
    page: Option<usize>,
    per: Option<usize>,
    dir: Option<String>,
}

async fn tuples(
    State(app): State<Arc<App>>,
    Path((ip, n)): Path<(String, i64)>,
    Query(q): Query<TuplesQ>,
) -> ApiResult {
    let ip = parse_ip(&ip)?;
    let dir = match q.dir.as_deref() {
        None | Some("out") => "out",
        Some("in") => "in",
        Some(d) => return Err(ApiError::bad(format!("dir is out or in, not {d:?}"))),
    };
    let page = Page::new(q.page, q.per);
    ok(with_db(&app, q.run.as_deref(), move |r| {
        queries::tuples(r, &ip, n, dir, page)
    })
    .await?)
}

async fn timeline(
    State(app): State<Arc<App>>,
    Path((ip, n)): Path<(String, i64)>,
    Query(q): Query<TuplesQ>,
) -> ApiResult {
    let ip = parse_ip(&ip)?;
    let page = Page::new(q.page, q.per);
    found(
        with_db(&app, q.run.as_deref(), move |r| {
            queries::timeline(r, &ip, n, page)
        })
        .await?,
        "window",
    )
}

#[derive(Deserialize, Default)]
struct EventsQ {
    run: Option<String>,
    page: Option<usize>,
    per: Option<usize>,
    #[serde(rename = "type")]
    kind: Option<String>,
    level: Option<String>,
    profile: Option<String>,
    window: Option<i64>,
    from: Option<f64>,
    to: Option<f64>,
    q: Option<String>,
    format: Option<String>,
}

impl EventsQ {
    fn filter(&self) -> Result<EventFilter, ApiError> {
        Ok(EventFilter {
            kind: self.kind.clone(),
            min_level: level(self.level.as_deref())?,
            profile: match self.profile.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => Some(parse_ip(p)?),
                None => None,
            },
            window: self.window,
            from: self.from,
            to: self.to,
            q: self.q.clone(),
        })
    }
}

/// A list, or with `format=csv|json` all its rows (up to the export cap) as a download.
async fn listing(
    app: Arc<App>,
    q: EventsQ,
    what: &'static str,
    f: fn(&Reader, &EventFilter, Page) -> Result<Value, slips_db::Error>,
) -> ApiResult {
    let filter = q.filter()?;
    let export = q.format.clone();
    let page = match export {
        Some(_) => Page {
            page: 0,
            per: queries::MAX_EXPORT,
        },
        None => Page::new(q.page, q.per),
    };
    let v = with_db(&app, q.run.as_deref(), move |r| f(r, &filter, page)).await?;
    let rows = v["rows"].as_array().cloned().unwrap_or_default();
    match export.as_deref() {
        None => ok(v),
        Some("json") => Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"slips-{what}.json\""),
                ),
            ],
            serde_json::to_string_pretty(&rows).unwrap_or_default(),
        )
            .into_response()),
        Some("csv") => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"slips-{what}.csv\""),
                ),
            ],
            queries::to_csv(&rows),
        )
            .into_response()),
        Some(other) => Err(ApiError::bad(format!(
            "format is csv or json, not {other:?}"
        ))),
    }
}

async fn alerts(State(app): State<Arc<App>>, Query(q): Query<EventsQ>) -> ApiResult {
    listing(app, q, "alerts", queries::alerts).await
}

async fn evidence(State(app): State<Arc<App>>, Query(q): Query<EventsQ>) -> ApiResult {
    listing(app, q, "evidence", queries::evidence).await
}

async fn window_evidence(
    State(app): State<Arc<App>>,
    Path((ip, n)): Path<(String, i64)>,
    Query(mut q): Query<EventsQ>,
) -> ApiResult {
    q.profile = Some(parse_ip(&ip)?);
    q.window = Some(n);
    listing(app, q, "evidence", queries::evidence).await
}

async fn window_alerts(
    State(app): State<Arc<App>>,
    Path((ip, n)): Path<(String, i64)>,
    Query(mut q): Query<EventsQ>,
) -> ApiResult {
    q.profile = Some(parse_ip(&ip)?);
    q.window = Some(n);
    listing(app, q, "alerts", queries::alerts).await
}

async fn alert_evidence(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<RunQ>,
) -> ApiResult {
    if id.len() > 200 {
        return Err(ApiError::bad("alert id too long"));
    }
    ok(with_db(&app, q.run.as_deref(), move |r| {
        queries::alert_evidence(r, &id)
    })
    .await?)
}

async fn evidence_types(State(app): State<Arc<App>>, Query(q): Query<RunQ>) -> ApiResult {
    ok(with_db(&app, q.run.as_deref(), queries::evidence_types).await?)
}

#[derive(Deserialize, Default)]
struct UidsQ {
    run: Option<String>,
    uids: Option<String>,
}

async fn flows(State(app): State<Arc<App>>, Query(q): Query<UidsQ>) -> ApiResult {
    let uids: Vec<String> = q
        .uids
        .unwrap_or_default()
        .split(',')
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if uids.is_empty() {
        return Err(ApiError::bad(
            "uids= lists the connection uids, comma-separated",
        ));
    }
    ok(with_db(&app, q.run.as_deref(), move |r| {
        queries::flows_by_uid(r, &uids)
    })
    .await?)
}

#[derive(Deserialize, Default)]
struct SearchQ {
    run: Option<String>,
    q: Option<String>,
}

async fn search(State(app): State<Arc<App>>, Query(q): Query<SearchQ>) -> ApiResult {
    let text = q.q.unwrap_or_default();
    if text.len() > 256 {
        return Err(ApiError::bad("search text too long (256 bytes at most)"));
    }
    ok(with_db(&app, q.run.as_deref(), move |r| queries::search(r, &text)).await?)
}

#[derive(Deserialize, Default)]
struct PageQ {
    run: Option<String>,
    page: Option<usize>,
    per: Option<usize>,
}

async fn blocking(State(app): State<Arc<App>>, Query(q): Query<PageQ>) -> ApiResult {
    let page = Page::new(q.page, q.per);
    let mut v = with_db(&app, q.run.as_deref(), move |r| queries::blocking(r, page)).await?;
    v["unblock"] = json!(app.unblock.is_some());
    ok(v)
}

#[derive(Deserialize)]
struct UnblockReq {
    ip: String,
}

async fn unblock(State(app): State<Arc<App>>, body: Option<Json<UnblockReq>>) -> ApiResult {
    let Some(Json(req)) = body else {
        return Err(ApiError::bad("expects a JSON body {\"ip\": \"...\"}"));
    };
    let ip: IpAddr = req
        .ip
        .parse()
        .map_err(|_| ApiError::bad(format!("not an IP address: {:?}", req.ip)))?;
    let Some(f) = app.unblock.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "blocking is not on in this slips: nothing to unblock",
        ));
    };
    tracing::info!("web interface: unblock {ip} requested");
    let done = tokio::task::spawn_blocking(move || f(ip))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    match done {
        Ok(done) => ok(json!({"ip": ip.to_string(), "done": done})),
        Err(e) => Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e)),
    }
}

/// Server-sent events: the counts and the progress every second while anything changes,
/// then every few seconds; the stream ends when the server stops.
async fn events(State(app): State<Arc<App>>, Query(q): Query<RunQ>) -> Result<Response, ApiError> {
    run_path(&app, q.run.as_deref())?;
    let run = q.run;
    let stream = futures_util::stream::unfold(
        (app, run, String::new(), true),
        |(app, run, last, first)| async move {
            if !first {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            if app.stopping.load(Ordering::Acquire) {
                return None;
            }
            let mut v = match with_db(&app, run.as_deref(), queries::counts).await {
                Ok(v) => v,
                Err(e) => json!({"error": e.message}),
            };
            v["progress"] = progress(&app);
            let text = v.to_string();
            let ev = if text == last {
                Event::default().comment("unchanged")
            } else {
                Event::default().event("counts").data(text.clone())
            };
            Some((
                Ok::<_, std::convert::Infallible>(ev),
                (app, run, text, false),
            ))
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}
