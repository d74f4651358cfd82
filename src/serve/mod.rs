//! `nexml serve`: MLflow's tracking API (so an unchanged training script
//! logs into nexml) and nexml's own REST endpoints (the JSON the CLI's
//! `--json` prints, through the same service calls). Loopback by default;
//! anywhere else only with a token checked on every request.

mod http;
mod mlflow;
mod rest;
mod retries;

use crate::service::Service;
use crate::store::Store;
use bytes::Bytes;
use color_eyre::eyre::{Result, WrapErr, eyre};
use http::{ApiError, Reply, Request, error_reply, json_reply};
use http_body_util::BodyExt;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

/// The largest request body taken (an artifact upload), in bytes.
const MAX_BODY_BYTES: u64 = 512 * 1024 * 1024;

/// What every handler works with.
pub struct Api {
    pub service: Service,
    pub user: String,
    pub database_url: String,
    /// `Authorization: Bearer <token>` every request must carry, when set.
    token: Option<String>,
    /// `runs/create` requests lately answered, for a client's retry.
    recent_creates: retries::RecentCreates,
}

impl Api {
    pub fn store(&self) -> &dyn Store {
        self.service.store()
    }
}

/// Serves until ctrl-c; `announce` is told where, once listening.
pub async fn serve(
    service: Service,
    user: String,
    database_url: String,
    bind: &str,
    announce: impl FnOnce(&str),
) -> Result<()> {
    let addr: SocketAddr = bind.parse().wrap_err_with(|| {
        format!("--bind {bind}: give an address and port, e.g. 127.0.0.1:5000")
    })?;
    let token = std::env::var("NEXML_SERVE_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(eyre!(
            "--bind {addr}: serving beyond this machine needs a token: set NEXML_SERVE_TOKEN (clients send it as MLFLOW_TRACKING_TOKEN)"
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .wrap_err_with(|| format!("listening on {addr}"))?;
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
        recent_creates: retries::RecentCreates::default(),
    });
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted.wrap_err("accepting a connection")?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        // One write per reply would do too; without this, MLflow's client
        // waits ~40 ms per call on delayed ACKs.
        let _ = stream.set_nodelay(true);
        let api = api.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let api = api.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&api, req).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, service)
                .await
            {
                tracing::debug!("serve: connection ended: {e}");
            }
        });
    }
}

async fn handle(api: &Api, req: hyper::Request<hyper::body::Incoming>) -> Reply {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let reply = match read(api, req).await {
        Ok(request) => route(api, &request).await,
        Err(e) => Err(e),
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
    let body: Bytes = http_body_util::Limited::new(req.into_body(), MAX_BODY_BYTES as usize)
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?
        .to_bytes();
    Ok(Request {
        method,
        path,
        query,
        body,
    })
}

async fn route(api: &Api, req: &Request) -> Result<Reply, ApiError> {
    let segments = req.segments();
    match segments.as_slice() {
        ["api", "2.0", "mlflow", rpc @ ..] => mlflow::route(api, req, rpc).await,
        ["api", "2.0", "mlflow-artifacts", "artifacts", rest @ ..] => {
            mlflow::artifacts(api, req, rest).await
        }
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
