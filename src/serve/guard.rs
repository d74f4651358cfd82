//! What a web page must not make `nexml serve` do. A browser sends a
//! page's requests to any address, loopback included: a form can POST
//! (`text/plain`, no preflight) and a name the attacker controls can be
//! re-pointed at 127.0.0.1 (DNS rebinding). So a request must name this
//! server in its `Host`, come from no foreign `Origin`, and a POST must be
//! JSON (a content type no form or simple request can send; any other
//! write method is asked for first, and a foreign origin is refused).
//! MLflow's own
//! server checks the same (`--allowed-hosts`, `--cors-allowed-origins`).

use super::http::ApiError;
use color_eyre::eyre::{Result, eyre};
use hyper::{HeaderMap, Method, StatusCode};
use std::net::{IpAddr, SocketAddr};

/// Who may call: the hosts and web origins beyond this machine's own names.
#[derive(Debug, Clone)]
pub struct Guard {
    bind: IpAddr,
    /// Host names (lowercase, no port); `*` any, `*.example.com` its subdomains.
    hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`, lowercase); `*` any.
    origins: Vec<String>,
}

impl Guard {
    pub fn new(bind: SocketAddr, hosts: &[String], origins: &[String]) -> Result<Guard> {
        let hosts = hosts
            .iter()
            .map(|h| {
                let h = h.trim().to_ascii_lowercase();
                if h.is_empty() || h.contains('/') {
                    return Err(eyre!(
                        "--allowed-hosts '{h}': give host names (e.g. mlflow.internal, *.example.com or *), no scheme or path"
                    ));
                }
                Ok(host_name(&h))
            })
            .collect::<Result<Vec<_>>>()?;
        let origins = origins
            .iter()
            .map(|o| {
                let o = o.trim().trim_end_matches('/').to_ascii_lowercase();
                let valid = o == "*"
                    || o.split_once("://")
                        .is_some_and(|(s, rest)| !s.is_empty() && !rest.is_empty() && !rest.contains('/'));
                if !valid {
                    return Err(eyre!(
                        "--allowed-origins '{o}': give origins as scheme://host[:port] (e.g. https://dash.example.com) or *"
                    ));
                }
                Ok(o)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Guard {
            bind: bind.ip(),
            hosts,
            origins,
        })
    }

    /// Refuses a request a web page could have made against the user's will;
    /// `Some(origin)` is a foreign origin allowed to read the reply (CORS).
    pub fn check(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<Option<String>, ApiError> {
        let text = |name: hyper::header::HeaderName| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let host = text(hyper::header::HOST);
        if let Some(host) = &host
            && !self.host_allowed(host)
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                format!(
                    "Host '{host}' is not this server: call it by the address it listens on, localhost, or a name given with --allowed-hosts (a guard against DNS rebinding)"
                ),
            ));
        }
        let mut cors = None;
        if let Some(origin) = text(hyper::header::ORIGIN) {
            let same = host
                .as_deref()
                .is_some_and(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")));
            if !same {
                if !self.origin_allowed(&origin) {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "PERMISSION_DENIED",
                        format!(
                            "Origin '{origin}' is another web site: nexml serve takes requests from web pages of other origins only when given with --allowed-origins"
                        ),
                    ));
                }
                cors = Some(origin);
            }
        }
        // A web page sends GET, HEAD and POST to another origin without
        // asking first, a POST as a form or text; any other method is asked
        // for first (a preflight `OPTIONS`), refused unless the origin is
        // allowed. So a POST must be JSON, and a PUT of an artifact's bytes,
        // a PATCH or a bare DELETE (MLflow's client sends them) need not be.
        if *method == Method::POST {
            let given = text(hyper::header::CONTENT_TYPE).unwrap_or_default();
            let media = given
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if media != "application/json" {
                let got = if given.is_empty() {
                    "none".to_string()
                } else {
                    format!("'{given}'")
                };
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "INVALID_PARAMETER_VALUE",
                    format!(
                        "{method} {path}: a write must be sent as Content-Type: application/json (got {got}); a form or a web page's simple request cannot send that"
                    ),
                ));
            }
        }
        Ok(cors)
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(&host.to_ascii_lowercase());
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            // An address, unlike a name, cannot be re-pointed by DNS.
            if ip.is_loopback() || ip == self.bind || self.bind.is_unspecified() {
                return true;
            }
        }
        self.hosts.iter().any(|h| {
            h == "*"
                || *h == name
                || h.strip_prefix("*.")
                    .is_some_and(|domain| name.ends_with(&format!(".{domain}")))
        })
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.origins.iter().any(|o| o == "*" || *o == origin)
    }
}

/// A `Host` header's name: without its port, IPv6 without brackets.
fn host_name(host: &str) -> String {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
        _ => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn loopback(hosts: &[&str], origins: &[&str]) -> Guard {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Guard::new(
            "127.0.0.1:5000".parse().unwrap(),
            &own(hosts),
            &own(origins),
        )
        .unwrap()
    }

    const JSON: (&str, &str) = ("content-type", "application/json; charset=utf-8");

    #[test]
    fn this_machines_names_pass_and_a_rebound_name_does_not() {
        let g = loopback(&[], &[]);
        for host in [
            "127.0.0.1:5000",
            "localhost:5000",
            "[::1]:5000",
            "LOCALHOST",
        ] {
            assert!(
                g.check(&Method::GET, "/health", &headers(&[("host", host)]))
                    .is_ok(),
                "{host}"
            );
        }
        let err = g
            .check(
                &Method::GET,
                "/health",
                &headers(&[("host", "evil.example:5000")]),
            )
            .unwrap_err();
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        assert!(err.message.contains("evil.example:5000"), "{}", err.message);
        let g = loopback(&["mlflow.internal", "*.corp.example"], &[]);
        for host in ["mlflow.internal:5000", "a.corp.example"] {
            assert!(
                g.check(&Method::GET, "/health", &headers(&[("host", host)]))
                    .is_ok(),
                "{host}"
            );
        }
        assert!(
            g.check(
                &Method::GET,
                "/",
                &headers(&[("host", "corp.example.evil")])
            )
            .is_err()
        );
    }

    #[test]
    fn a_foreign_origin_is_refused_unless_allowed() {
        let g = loopback(&[], &[]);
        let same = headers(&[
            ("host", "127.0.0.1:5000"),
            ("origin", "http://127.0.0.1:5000"),
            JSON,
        ]);
        assert_eq!(g.check(&Method::POST, "/api/x", &same).unwrap(), None);
        let foreign = headers(&[
            ("host", "127.0.0.1:5000"),
            ("origin", "http://evil.example"),
            JSON,
        ]);
        let err = g.check(&Method::POST, "/api/x", &foreign).unwrap_err();
        assert!(
            err.message.contains("http://evil.example"),
            "{}",
            err.message
        );
        assert!(g.check(&Method::GET, "/api/x", &foreign).is_err());
        let g = loopback(&[], &["https://dash.example.com/"]);
        let allowed = headers(&[
            ("host", "127.0.0.1:5000"),
            ("origin", "https://dash.example.com"),
            JSON,
        ]);
        assert_eq!(
            g.check(&Method::POST, "/api/x", &allowed)
                .unwrap()
                .as_deref(),
            Some("https://dash.example.com")
        );
    }

    #[test]
    fn a_post_must_be_json_and_other_writes_need_not_be() {
        let g = loopback(&[], &[]);
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let h = headers(&[("host", "127.0.0.1:5000"), ("content-type", ct)]);
            let err = g
                .check(&Method::POST, "/api/ml-development/runs", &h)
                .unwrap_err();
            assert_eq!(err.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        }
        assert!(g.check(&Method::POST, "/api/x", &headers(&[])).is_err());
        let upload = headers(&[("content-type", "text/plain")]);
        assert!(
            g.check(
                &Method::PUT,
                "/api/2.0/mlflow-artifacts/artifacts/1/2/artifacts/a.txt",
                &upload
            )
            .is_ok()
        );
        assert!(g.check(&Method::GET, "/api/x", &upload).is_ok());
        // MLflow's client sends a bare DELETE (a logged model's tag).
        let bare = headers(&[("host", "127.0.0.1:5000")]);
        assert!(
            g.check(
                &Method::DELETE,
                "/api/2.0/mlflow/logged-models/m-1/tags/k",
                &bare
            )
            .is_ok()
        );
        // From a foreign page it is refused, whatever its method.
        let foreign = headers(&[
            ("host", "127.0.0.1:5000"),
            ("origin", "http://evil.example"),
        ]);
        assert!(
            g.check(
                &Method::DELETE,
                "/api/2.0/mlflow/logged-models/m-1",
                &foreign
            )
            .is_err()
        );
    }

    #[test]
    fn bad_allow_lists_are_refused_when_the_server_starts() {
        let addr: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert!(Guard::new(addr, &["http://x/".into()], &[]).is_err());
        assert!(Guard::new(addr, &[], &["dash.example.com".into()]).is_err());
    }
}
