//! The access token (query on first load, then a cookie), the CSRF check of POSTs and the
//! security headers of every response.

use crate::App;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub const COOKIE: &str = "slips_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Only the page's own script, style and requests; no frames, no forms elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Equal strings, in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The `token` query parameter, if any.
fn query_token(q: Option<&str>) -> Option<String> {
    q?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "token").then(|| v.to_string())
    })
}

fn cookie_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })
}

fn deny(status: StatusCode, msg: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

/// Every request: the token (cookie or query), for POSTs the CSRF token and a same-origin
/// `Origin`; the security headers on every answer.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let from_query = query_token(req.uri().query());
    let from_cookie = cookie_token(req.headers());
    let by_query = from_query.as_deref().is_some_and(|t| same(t, &app.token));
    let by_cookie = from_cookie.as_deref().is_some_and(|t| same(t, &app.token));
    let mut resp = if !by_query && !by_cookie {
        deny(
            StatusCode::UNAUTHORIZED,
            "slips web interface: open the URL slips printed (it carries the access token)\n",
        )
    } else if req.method() == Method::GET && req.uri().path() == "/" && by_query {
        // First load: the token moves to a cookie and out of the address bar and history.
        let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
            app.token
        )) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        r
    } else if req.method() != Method::GET && req.method() != Method::HEAD {
        let csrf_ok = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| same(t, &app.csrf));
        let origin_ok = match req.headers().get(header::ORIGIN) {
            None => true,
            Some(o) => {
                let host = req
                    .headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok());
                match (o.to_str().ok(), host) {
                    (Some(o), Some(h)) => o == format!("http://{h}"),
                    _ => false,
                }
            }
        };
        if csrf_ok && origin_ok {
            next.run(req).await
        } else {
            deny(StatusCode::FORBIDDEN, "missing or wrong CSRF token\n")
        }
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
