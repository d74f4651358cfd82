//! `nexml serve`: MLflow's tracking API (so an unchanged training script
//! logs into nexml) and nexml's own REST endpoints (the JSON the CLI's
//! `--json` prints, through the same service calls). Loopback by default;
//! anywhere else only with a token checked on every request.

mod api;
mod guard;
mod http;
mod mlflow;
mod mlflow_experiments;
mod mlflow_fields;
mod mlflow_logged_models;
mod mlflow_model_files;
mod mlflow_model_search;
mod mlflow_registry;
mod mlflow_run_files;
mod mlflow_run_view;
mod rest;

use crate::service::Service;
pub use api::Api;
use bytes::Bytes;
use color_eyre::eyre::{Result, WrapErr, eyre};
use http::{ApiError, Reply, Request, error_reply, json_reply};
use http_body_util::BodyExt;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The largest request body taken (an artifact upload), in bytes.
const MAX_BODY_BYTES: u64 = 512 * 1024 * 1024;
/// Connections served at once, at most (fewer when the open-file limit is low).
const MAX_CONNECTIONS: usize = 512;
/// Connections the system queues for the server beyond those it serves.
const LISTEN_QUEUE: u32 = 1024;
/// Files kept for everything else (the database, logs, artifact files).
const RESERVED_FILES: u64 = 64;

/// How `nexml serve` listens and whom it answers.
#[derive(Debug, Clone)]
pub struct Options {
    pub bind: String,
    /// Host names a request may call this server by, beyond its own address and localhost.
    pub allowed_hosts: Vec<String>,
    /// Web origins whose pages may call it (CORS).
    pub allowed_origins: Vec<String>,
    /// A connection that sends no complete request head for this long (new,
    /// or idle between requests), or stalls in a body, is closed.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: Option<usize>,
}

/// Serves until ctrl-c; `announce` is told where, once listening.
pub async fn serve(
    service: Service,
    user: String,
    database_url: String,
    options: &Options,
    announce: impl FnOnce(&str),
) -> Result<()> {
    let bind = &options.bind;
    let addr: SocketAddr = bind.parse().wrap_err_with(|| {
        format!("--bind {bind}: give an address and port, e.g. 127.0.0.1:5000")
    })?;
    let guard = guard::Guard::new(addr, &options.allowed_hosts, &options.allowed_origins)?;
    if options.idle_timeout.is_zero() {
        return Err(eyre!(
            "--idle-timeout 0: give a number of seconds, at least 1"
        ));
    }
    let max_connections = match options.max_connections {
        Some(0) => return Err(eyre!("--max-connections 0: give at least 1")),
        Some(n) => n,
        None => default_max_connections(),
    };
    let token = std::env::var("NEXML_SERVE_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(eyre!(
            "--bind {addr}: serving beyond this machine needs a token: set NEXML_SERVE_TOKEN (clients send it as MLFLOW_TRACKING_TOKEN)"
        ));
    }
    let listener = listen(addr).wrap_err_with(|| format!("listening on {addr}"))?;
    let local = listener
        .local_addr()
        .wrap_err("reading the bound address")?;
    announce(&format!(
        "nexml serve: MLFLOW_TRACKING_URI=http://{local} ({}; {})",
        if token.is_some() {
            "every request needs NEXML_SERVE_TOKEN as a bearer token"
        } else {
            "loopback only, no token"
        },
        crate::store::redact(&database_url)
    ));
    let api = Arc::new(Api {
        service,
        user,
        database_url,
        token,
        guard,
        idle_timeout: options.idle_timeout,
    });
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    let mut failing_since: Option<std::time::Instant> = None;
    loop {
        // At the cap, the next connection waits in the kernel's queue.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.wrap_err("the connection slots closed")?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                failing_since = None;
                stream
            }
            Err(e) => {
                // Out of files (EMFILE) or memory, or one connection gone
                // before it was taken: never a reason to stop serving.
                if failing_since.is_none() {
                    eprintln!("nexml serve: accepting a connection: {e}; waiting and going on");
                    failing_since = Some(std::time::Instant::now());
                }
                tracing::warn!("serve: accepting a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // One write per reply would do too; without this, MLflow's client
        // waits ~40 ms per call on delayed ACKs.
        let _ = stream.set_nodelay(true);
        let api = api.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let idle = api.idle_timeout;
            let service = hyper::service::service_fn(move |req| {
                let api = api.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&api, req).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            // The header read timeout runs from the connection's start and
            // again after each reply: it closes idle keep-alive connections too.
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(idle)
                .keep_alive(true)
                .serve_connection(io, service)
                .await
            {
                tracing::debug!("serve: connection ended: {e}");
            }
        });
    }
}

/// A listener whose queue holds connections beyond the cap while they wait
/// (the usual 128 drops them sooner).
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_QUEUE)
}

/// `MAX_CONNECTIONS`, or fewer so that each connection may hold two files
/// (its socket and an artifact) within the process's open-file limit.
fn default_max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if !ok {
        return MAX_CONNECTIONS;
    }
    let room = limit.rlim_cur.saturating_sub(RESERVED_FILES) / 2;
    (room as usize).clamp(8, MAX_CONNECTIONS)
}

async fn handle(api: &Api, req: hyper::Request<hyper::body::Incoming>) -> Reply {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let reply = match api.guard.check(&method, &path, req.headers()) {
        Err(e) => Err(e),
        Ok(cors) => {
            let reply = if method == hyper::Method::OPTIONS && cors.is_some() {
                Ok(http::preflight_reply())
            } else {
                match read(api, req).await {
                    Ok(request) => route(api, &request).await,
                    Err(e) => Err(e),
                }
            };
            reply.map(|r| http::with_cors(r, cors.as_deref()))
        }
    };
    match reply {
        Ok(r) => r,
        Err(e) => {
            tracing::info!("serve: {method} {path}: {} {}", e.code, e.message);
            error_reply(&e)
        }
    }
}

/// Reads the request whole, after its token.
async fn read(api: &Api, req: hyper::Request<hyper::body::Incoming>) -> Result<Request, ApiError> {
    if let Some(token) = &api.token {
        let given = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return Err(ApiError::new(
                hyper::StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "a bearer token (MLFLOW_TRACKING_TOKEN = the server's NEXML_SERVE_TOKEN) is required",
            ));
        }
    }
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    if declared > MAX_BODY_BYTES {
        return Err(ApiError::new(
            hyper::StatusCode::PAYLOAD_TOO_LARGE,
            "INVALID_PARAMETER_VALUE",
            format!("a request body of {declared} bytes is over the {MAX_BODY_BYTES}-byte limit"),
        ));
    }
    let method = req.method().clone();
    let path = http::segments(req.uri().path())?;
    let query = http::query(req.uri().query());
    let body = read_body(req.into_body(), api.idle_timeout).await?;
    Ok(Request {
        method,
        path,
        query,
        body,
    })
}

/// The body whole, each part within `idle` of the last (a client that
/// stalls mid-body is let go).
async fn read_body(body: hyper::body::Incoming, idle: Duration) -> Result<Bytes, ApiError> {
    let mut body = http_body_util::Limited::new(body, MAX_BODY_BYTES as usize);
    let mut out = bytes::BytesMut::new();
    loop {
        match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => {
                return Err(ApiError::new(
                    hyper::StatusCode::REQUEST_TIMEOUT,
                    "INVALID_PARAMETER_VALUE",
                    format!(
                        "the request body stalled: nothing arrived for {} s",
                        idle.as_secs()
                    ),
                ));
            }
            Ok(None) => return Ok(out.freeze()),
            Ok(Some(Err(e))) => {
                return Err(ApiError::bad_request(format!(
                    "reading the request body: {e}"
                )));
            }
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

async fn route(api: &Api, req: &Request) -> Result<Reply, ApiError> {
    let segments = req.segments();
    match segments.as_slice() {
        // MLflow's server answers its API under `ajax-api` too (its UI's).
        ["api" | "ajax-api", "2.0", "mlflow", rpc @ ..] => mlflow::route(api, req, rpc).await,
        [
            "api" | "ajax-api",
            "2.0",
            "mlflow-artifacts",
            "artifacts",
            rest @ ..,
        ] => mlflow::artifacts(api, req, rest).await,
        ["api", "3.0", "mlflow", "server-info"] => Ok(json_reply(&json!({
            "store_type": null, "workspaces_enabled": false, "trace_archival_enabled": false,
            "multipart_uploads_enabled": false, "multipart_downloads_enabled": false,
        }))),
        ["api", "ml-development", rest @ ..] => rest::route(api, req, rest).await,
        ["health"] => Ok(json_reply(
            &json!({"status": "ok", "backend": api.store().backend()}),
        )),
        _ => Err(ApiError::no_endpoint(&req.method, &req.path.join("/"))),
    }
}
