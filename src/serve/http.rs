//! The little HTTP both APIs need: a request read whole, JSON replies, and
//! errors in MLflow's shape (`{"error_code", "message"}`) with the status
//! its client expects (a mistake is a 4xx: MLflow's client retries 5xx for
//! minutes).

use crate::service::{Conflict, Kind, ServiceError};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A request as the handlers see it.
pub struct Request {
    pub method: hyper::Method,
    /// Percent-decoded path segments ("+" kept as it is).
    pub path: Vec<String>,
    pub query: HashMap<String, String>,
    pub body: Bytes,
}

impl Request {
    /// A JSON body (`{}` when empty).
    pub fn json(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::bad_request(format!("the request body is not JSON: {e}")))
    }

    /// The body read as one typed value, with the id its path names set
    /// as `key` (what the body says there is overruled by the path).
    pub fn body_as<T: serde::de::DeserializeOwned>(
        &self,
        path_id: Option<(&str, i64)>,
    ) -> Result<T, ApiError> {
        let mut body = self.json()?;
        if let Some((key, id)) = path_id {
            let Some(fields) = body.as_object_mut() else {
                return Err(ApiError::bad_request("the request body: a JSON object"));
            };
            fields.insert(key.to_string(), json!(id));
        }
        serde_json::from_value(body)
            .map_err(|e| ApiError::bad_request(format!("the request body: {e}")))
    }

    pub fn segments(&self) -> Vec<&str> {
        self.path.iter().map(String::as_str).collect()
    }
}

/// An error as MLflow's client reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More fields for the reply's body (a conflict's places).
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
    }
    pub fn no_endpoint(method: &hyper::Method, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ENDPOINT_NOT_FOUND",
            format!("{method} {path}: no such endpoint in nexml serve"),
        )
    }
}

/// The status and MLflow error code of each kind of refusal: read from the
/// kind, never from the message.
fn status_of(kind: Kind) -> (StatusCode, &'static str) {
    match kind {
        Kind::NotFound => (StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST"),
        Kind::Invalid => (StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE"),
        Kind::Exists => (StatusCode::BAD_REQUEST, "RESOURCE_ALREADY_EXISTS"),
        Kind::Conflict => (StatusCode::CONFLICT, "RESOURCE_CONFLICT"),
        Kind::Forbidden => (StatusCode::FORBIDDEN, "PERMISSION_DENIED"),
        Kind::Busy => (StatusCode::SERVICE_UNAVAILABLE, "TEMPORARILY_UNAVAILABLE"),
        Kind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        let (status, code) = status_of(e.kind());
        // An edit conflict's places go in the body, for the next save.
        let details = match &e {
            ServiceError::Conflict(Conflict::Edit(c)) => serde_json::to_value(c).ok(),
            _ => None,
        };
        ApiError {
            details,
            ..ApiError::new(status, code, e.to_string())
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::from(ServiceError::from(e))
    }
}

impl From<color_eyre::eyre::Report> for ApiError {
    /// A report that carries a refusal answers with its kind; any other
    /// (a file that cannot be read, a bad value) is the caller's mistake.
    fn from(e: color_eyre::eyre::Report) -> ApiError {
        let message = format!("{e:#}");
        match Kind::in_report(&e) {
            Some(kind) => {
                let (status, code) = status_of(kind);
                ApiError::new(status, code, message)
            }
            None => ApiError::bad_request(message),
        }
    }
}

pub type Reply = Response<Full<Bytes>>;

pub fn json_reply<T: Serialize>(value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(body) => with_body(StatusCode::OK, "application/json", body.into()),
        Err(e) => error_reply(&ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            e.to_string(),
        )),
    }
}

pub fn error_reply(e: &ApiError) -> Reply {
    let mut body = json!({"error_code": e.code, "message": e.message});
    if let (Some(Value::Object(extra)), Some(fields)) = (&e.details, body.as_object_mut()) {
        for (k, v) in extra {
            fields.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let body = body.to_string();
    with_body(e.status, "application/json", body.into())
}

pub fn bytes_reply(body: Bytes) -> Reply {
    with_body(StatusCode::OK, "application/octet-stream", body)
}

/// The answer to a browser's preflight from an allowed origin.
pub fn preflight_reply() -> Reply {
    let mut reply = with_body(StatusCode::NO_CONTENT, "text/plain", Bytes::new());
    let h = reply.headers_mut();
    h.insert(
        hyper::header::ACCESS_CONTROL_ALLOW_METHODS,
        hyper::header::HeaderValue::from_static("GET, POST, PUT, PATCH"),
    );
    h.insert(
        hyper::header::ACCESS_CONTROL_ALLOW_HEADERS,
        hyper::header::HeaderValue::from_static("Content-Type, Authorization"),
    );
    h.insert(
        hyper::header::ACCESS_CONTROL_MAX_AGE,
        hyper::header::HeaderValue::from_static("600"),
    );
    reply
}

/// A reply a page of the allowed `origin` may read.
pub fn with_cors(mut reply: Reply, origin: Option<&str>) -> Reply {
    if let Some(v) = origin.and_then(|o| hyper::header::HeaderValue::from_str(o).ok()) {
        let h = reply.headers_mut();
        h.insert(hyper::header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            hyper::header::VARY,
            hyper::header::HeaderValue::from_static("Origin"),
        );
    }
    reply
}

fn with_body(status: StatusCode, content_type: &str, body: Bytes) -> Reply {
    let mut reply = Response::new(Full::new(body));
    *reply.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        reply.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    reply
}

/// Path segments, percent-decoded; `..` and empty segments refused.
pub fn segments(path: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| ApiError::bad_request(format!("path segment '{raw}' is not UTF-8")))?
            .into_owned();
        if decoded == ".." || decoded == "." {
            return Err(ApiError::bad_request("a path may not climb with '..'"));
        }
        out.push(decoded);
    }
    Ok(out)
}

/// Query parameters (`+` is a space, as forms encode it).
pub fn query(q: Option<&str>) -> HashMap<String, String> {
    q.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_decode_and_never_climb() {
        assert_eq!(
            segments("/a%20b/c/my%20plot+%C3%BC.png").unwrap(),
            ["a b", "c", "my plot+ü.png"]
        );
        assert!(segments("/x/%2E%2E/y").is_err());
    }

    #[test]
    fn the_status_comes_from_the_kind_never_the_words() {
        // Each message reads like another kind: only the kind counts.
        let cases = [
            (
                ServiceError::NotFound("refused: four-eyes".into()),
                404,
                "RESOURCE_DOES_NOT_EXIST",
            ),
            (
                ServiceError::invalid("no recipe 'x' not found"),
                400,
                "INVALID_PARAMETER_VALUE",
            ),
            (
                ServiceError::Exists("busy; try again".into()),
                400,
                "RESOURCE_ALREADY_EXISTS",
            ),
            (ServiceError::stale("not found"), 409, "RESOURCE_CONFLICT"),
            (
                ServiceError::forbidden("invalid value"),
                403,
                "PERMISSION_DENIED",
            ),
            (
                ServiceError::Busy("already exists".into()),
                503,
                "TEMPORARILY_UNAVAILABLE",
            ),
            (
                ServiceError::Store(crate::store::StoreError::Database(sqlx::Error::PoolClosed)),
                500,
                "INTERNAL_ERROR",
            ),
        ];
        for (e, status, code) in cases {
            let message = e.to_string();
            let api = ApiError::from(e);
            assert_eq!((api.status.as_u16(), api.code), (status, code), "{message}");
            assert_eq!(api.message, message, "the words pass through unchanged");
        }
    }

    #[test]
    fn a_report_answers_with_the_kind_it_carries() {
        use color_eyre::eyre::WrapErr;
        let wrapped: color_eyre::Result<()> =
            Err(ServiceError::forbidden("not the author")).wrap_err("run 3");
        let api = ApiError::from(wrapped.unwrap_err());
        assert_eq!((api.status.as_u16(), api.code), (403, "PERMISSION_DENIED"));
        let store = color_eyre::Report::from(crate::store::StoreError::not_found("run", 3));
        assert_eq!(ApiError::from(store).status.as_u16(), 404);
        // A report without a kind (a file, a value) is the caller's mistake.
        let plain = color_eyre::eyre::eyre!("a file that cannot be read");
        assert_eq!(ApiError::from(plain).status.as_u16(), 400);
    }

    #[test]
    fn queries_decode_plus_as_space() {
        let q = query(Some("experiment_name=Forecasting+Baseline+v1&x=%2F"));
        assert_eq!(q["experiment_name"], "Forecasting Baseline v1");
        assert_eq!(q["x"], "/");
    }
}
