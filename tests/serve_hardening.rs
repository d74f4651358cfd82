//! `nexml serve` holds, through the real binary on every backend: a web
//! page cannot write through it (no JSON, a foreign `Origin`, a rebound
//! `Host`), idle connections neither pile up nor take it down under a low
//! open-file limit, concurrent uploads keep the bytes their checksum names,
//! a link in a run's folder is never written through, and a refused
//! `runs/create` leaves no run.

// Three tests need only one backend and run on SQLite; built for PostgreSQL
// alone, their helpers are unused.
#![cfg_attr(not(feature = "sqlite"), allow(dead_code))]

mod common;

use common::outcome::show;
use common::world::World;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

impl World {
    /// How many runs the database holds.
    fn run_count(&self) -> i64 {
        self.json(&["run", "list", "--limit", "1"])["total"]
            .as_i64()
            .expect("a total")
    }

    /// `nexml serve` on a free loopback port, with `extra` options.
    fn serve(&self, extra: &[&str]) -> Server {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--bind", &bind];
        args.extend_from_slice(extra);
        let child = self.command(&args).spawn().expect("starting nexml serve");
        Server::listening(child, port)
    }

    /// `nexml serve` started by `sh` under `ulimit -n 256`.
    fn serve_with_few_files(&self, extra: &[&str]) -> Server {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        // The same environment as `command`, with `sh` in front.
        let mut c = self.command(&["serve", "--bind", &bind]);
        c.args(extra);
        let mut sh = Command::new("sh");
        sh.args(["-c", "ulimit -n 256 && exec \"$@\"", "sh"])
            .arg(c.get_program())
            .args(c.get_args())
            .current_dir(self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in c.get_envs() {
            match v {
                Some(v) => sh.env(k, v),
                None => sh.env_remove(k),
            };
        }
        Server::listening(sh.spawn().expect("starting sh"), port)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn listening(child: Child, port: u16) -> Server {
        let mut server = Server { child, port };
        let until = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("nexml serve exited: {status}: {}", server.stderr());
            }
            assert!(Instant::now() < until, "nexml serve did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    #[track_caller]
    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("nexml serve exited: {status}: {}", self.stderr());
        }
    }

    /// What it wrote to stderr (once stopped).
    fn stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut text = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut text);
        }
        text
    }

    /// A request with `headers` (`Host` is the server's unless given).
    fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        call(self.port, method, path, headers, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: Value,
}

/// One HTTP/1.1 request on its own connection, read to its end.
#[track_caller]
fn call(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    try_call(port, method, path, headers, body).expect("a reply")
}

fn try_call(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in '{text}'")))?;
    Ok(Reply {
        status,
        head: head.to_ascii_lowercase(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    })
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// An MLflow run in the forecasting baseline, made through the server.
fn mlflow_run(server: &Server, name: &str) -> i64 {
    let experiment = server.call(
        "GET",
        "/api/2.0/mlflow/experiments/get-by-name?experiment_name=Forecasting+Baseline+v1",
        &[],
        b"",
    );
    let experiment_id = experiment.body["experiment"]["experiment_id"]
        .as_str()
        .expect("the baseline's experiment")
        .to_string();
    let reply = server.call(
        "POST",
        "/api/2.0/mlflow/runs/create",
        &[JSON],
        json!({"experiment_id": experiment_id, "run_name": name})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["run"]["info"]["run_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a run id")
}

fn upload_path(run: i64, path: &str) -> String {
    format!("/api/2.0/mlflow-artifacts/artifacts/1/{run}/artifacts/{path}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_page_cannot_write_through_serve() {
    for w in World::all("serve_csrf").await {
        let server = w.serve(&[]);
        let before = w.run_count();
        let body = br#"{"recipe_id": 1}"#;
        // A form post from another site, to a name re-pointed at 127.0.0.1.
        let forged = server.call(
            "POST",
            "/api/ml-development/runs",
            &[
                ("Content-Type", "text/plain"),
                ("Origin", "http://evil.example"),
                ("Host", "evil.example:5000"),
            ],
            body,
        );
        assert_eq!(forged.status, 403, "{forged:?}");
        assert_eq!(forged.body["error_code"], "PERMISSION_DENIED");
        // Each check on its own: the rebound Host, the foreign Origin, the form's type.
        let rebound = server.call("GET", "/health", &[("Host", "evil.example:5000")], b"");
        assert_eq!(rebound.status, 403, "{rebound:?}");
        assert!(
            rebound.body["message"]
                .as_str()
                .unwrap()
                .contains("Host 'evil.example:5000'"),
            "{rebound:?}"
        );
        let foreign = server.call(
            "POST",
            "/api/ml-development/runs",
            &[JSON, ("Origin", "http://evil.example")],
            body,
        );
        assert_eq!(foreign.status, 403, "{foreign:?}");
        assert!(
            foreign.body["message"]
                .as_str()
                .unwrap()
                .contains("Origin 'http://evil.example'"),
            "{foreign:?}"
        );
        for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
            for path in ["/api/ml-development/runs", "/api/2.0/mlflow/runs/create"] {
                let form = server.call("POST", path, &[("Content-Type", content_type)], body);
                assert_eq!(form.status, 415, "{path} {content_type}: {form:?}");
                assert!(
                    form.body["message"]
                        .as_str()
                        .unwrap()
                        .contains("application/json"),
                    "{form:?}"
                );
            }
        }
        assert_eq!(w.run_count(), before, "a refused request created a run");
        // The server's own page (same origin) and plain clients still write.
        let own = server.call(
            "POST",
            "/api/ml-development/runs",
            &[
                JSON,
                ("Origin", &format!("http://127.0.0.1:{}", server.port)),
            ],
            body,
        );
        assert_eq!(own.status, 200, "{own:?}");
        let local = server.call(
            "POST",
            "/api/ml-development/runs",
            &[JSON, ("Host", &format!("localhost:{}", server.port))],
            body,
        );
        assert_eq!(local.status, 200, "{local:?}");
        assert_eq!(w.run_count(), before + 2);
        w.db.cleanup().await;
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread")]
async fn allowed_hosts_and_origins_come_from_options_and_the_config_file() {
    let w = World::sqlite().await;
    let config = w.home.path().join("serve.toml");
    std::fs::write(&config, "[serve]\nallowed_hosts = [\"cfg.internal\"]\n").unwrap();
    let config = config.display().to_string();
    let server = w.serve(&[
        "--config",
        &config,
        "--allowed-hosts",
        "mlflow.internal,*.corp.example",
        "--allowed-origins",
        "https://dash.example.com",
    ]);
    for host in ["mlflow.internal:5000", "cfg.internal", "team.corp.example"] {
        let r = server.call("GET", "/health", &[("Host", host)], b"");
        assert_eq!(r.status, 200, "{host}: {r:?}");
    }
    let r = server.call("GET", "/health", &[("Host", "other.internal")], b"");
    assert_eq!(r.status, 403, "{r:?}");
    let dash = ("Origin", "https://dash.example.com");
    let preflight = server.call(
        "OPTIONS",
        "/api/ml-development/runs",
        &[dash, ("Access-Control-Request-Method", "POST")],
        b"",
    );
    assert_eq!(preflight.status, 204, "{preflight:?}");
    assert!(
        preflight
            .head
            .contains("access-control-allow-origin: https://dash.example.com"),
        "{preflight:?}"
    );
    let read = server.call("GET", "/api/ml-development/recipes", &[dash], b"");
    assert_eq!(read.status, 200, "{read:?}");
    assert!(
        read.head
            .contains("access-control-allow-origin: https://dash.example.com"),
        "{read:?}"
    );
    let other = server.call(
        "GET",
        "/health",
        &[("Origin", "https://else.example.com")],
        b"",
    );
    assert_eq!(other.status, 403, "{other:?}");
    // A malformed list stops the server before it listens, with what to give.
    let out = w
        .command(&[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--allowed-origins",
            "dash.example.com",
        ])
        .output()
        .expect("serve");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("scheme://host"),
        "{}",
        show(&out)
    );
    w.db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_runs_create_leaves_no_run() {
    for w in World::all("serve_create_tx").await {
        let server = w.serve(&[]);
        let before = w.run_count();
        let long = "x".repeat(7000);
        for (what, tags) in [
            (
                "a 7,000-character tag",
                json!([{"key": "note", "value": long}]),
            ),
            (
                "a NUL in a tag",
                json!([{"key": "note", "value": "a\u{0}b"}]),
            ),
            (
                "a NUL in a tag's name",
                json!([{"key": "n\u{0}te", "value": "x"}]),
            ),
        ] {
            let reply = server.call(
                "POST",
                "/api/2.0/mlflow/runs/create",
                &[JSON],
                json!({"experiment_id": "1", "run_name": "refused", "tags": tags})
                    .to_string()
                    .as_bytes(),
            );
            assert_eq!(reply.status, 400, "{what}: {reply:?}");
            assert_eq!(w.run_count(), before, "{what} left a run behind");
        }
        // The same request with fitting tags makes one running, named run.
        let id = mlflow_run(&server, "fits");
        let run = w.json(&["run", "show", &id.to_string()]);
        assert_eq!(
            (run["name"].as_str(), run["status"].as_str()),
            (Some("fits"), Some("running"))
        );
        assert_eq!(w.run_count(), before + 1);
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_uploads_keep_the_bytes_their_checksum_names() {
    for w in World::all("serve_uploads").await {
        let server = w.serve(&[]);
        let run = mlflow_run(&server, "uploads");
        let port = server.port;
        let payload = |i: usize| format!("upload {i}\n").repeat(2000 + i * 37).into_bytes();
        let name = |i: usize| {
            if i.is_multiple_of(2) {
                "s1/a.txt"
            } else {
                "s1/a.json"
            }
        };
        let threads: Vec<_> = (0..80usize)
            .map(|i| {
                std::thread::spawn(move || {
                    let content_type = if i.is_multiple_of(2) {
                        "text/plain"
                    } else {
                        "application/json"
                    };
                    call(
                        port,
                        "PUT",
                        &upload_path(run, name(i)),
                        &[("Content-Type", content_type)],
                        &payload(i),
                    )
                })
            })
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            let reply = t.join().expect("an upload thread");
            assert_eq!(reply.status, 200, "upload {i}: {reply:?}");
        }
        let detail = w.json(&["run", "show", &run.to_string()]);
        let files = detail["artifact_files"].as_array().expect("artifacts");
        assert_eq!(files.len(), 2, "{files:?}");
        for file in files {
            let path = file["path"].as_str().unwrap();
            let bytes = std::fs::read(file["uri"].as_str().unwrap()).expect("the stored file");
            let sha: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(file["sha256"].as_str(), Some(sha.as_str()), "{path}");
            assert_eq!(file["size"].as_i64(), Some(bytes.len() as i64), "{path}");
            assert!(
                (0..80).any(|i| name(i) == path && payload(i) == bytes),
                "{path} holds bytes no upload of that name sent"
            );
        }
        // Nothing half-written is left beside them.
        let folder = std::path::Path::new(files[0]["uri"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf();
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.json", "a.txt"]);
        // A name like the old temporary files' is just a name.
        for (path, bytes) in [("x.nexml-partial", "first"), ("x.bin", "second")] {
            let r = server.call("PUT", &upload_path(run, path), &[], bytes.as_bytes());
            assert_eq!(r.status, 200, "{r:?}");
        }
        let detail = w.json(&["run", "show", &run.to_string()]);
        for (path, bytes) in [("x.nexml-partial", "first"), ("x.bin", "second")] {
            let file = detail["artifact_files"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["path"] == path)
                .unwrap_or_else(|| panic!("{path} is recorded"));
            assert_eq!(
                std::fs::read_to_string(file["uri"].as_str().unwrap())
                    .ok()
                    .as_deref(),
                Some(bytes)
            );
        }
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_in_a_runs_folder_is_never_written_through() {
    for w in World::all("serve_links").await {
        let server = w.serve(&[]);
        let run = mlflow_run(&server, "links");
        let first = server.call("PUT", &upload_path(run, "first.txt"), &[], b"first");
        assert_eq!(first.status, 200, "{first:?}");
        let detail = w.json(&["run", "show", &run.to_string()]);
        let artifacts = std::path::Path::new(detail["artifact_files"][0]["uri"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf();
        let outside = w.home.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, artifacts.join("link")).unwrap();
        let refused = server.call("PUT", &upload_path(run, "link/x"), &[], b"escaped");
        assert_eq!(refused.status, 400, "{refused:?}");
        let message = refused.body["message"].as_str().unwrap();
        assert!(
            message.contains("'link/x'") && message.contains("is a link"),
            "{message}"
        );
        let source = w.home.path().join("x.txt");
        std::fs::write(&source, "escaped").unwrap();
        let out = w
            .command(&[
                "run",
                "log-artifact",
                &source.display().to_string(),
                "--as",
                "link/x",
                "--run",
                &run.to_string(),
            ])
            .output()
            .expect("log-artifact");
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{}", show(&out));
        assert!(
            err.contains("'link/x'") && err.contains("is a link"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            0,
            "written outside the run"
        );
        let detail = w.json(&["run", "show", &run.to_string()]);
        assert_eq!(detail["artifact_files"].as_array().unwrap().len(), 1);
        w.db.cleanup().await;
    }
}

/// `count` connections that each send half a request head and wait.
fn half_sent_connections(port: u16, count: usize) -> Vec<TcpStream> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            std::thread::spawn(move || {
                let mut open = Vec::new();
                for _ in 0..count.div_ceil(10) {
                    // Past the kernel's queue a connect does not complete at
                    // once (loopback answers at once or not at all): fine.
                    if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200))
                    {
                        let head = format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
                        let _ = s.write_all(head.as_bytes());
                        open.push(s);
                    }
                }
                open
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().expect("a connecting thread"))
        .collect()
}

/// A request that succeeds once the server takes it (it may be queued).
#[track_caller]
fn health_after(server: &Server) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let ok = try_call(server.port, "GET", "/health", &[], b"").map(|r| r.status);
        if ok.as_ref().is_ok_and(|s| *s == 200) {
            return;
        }
        assert!(
            Instant::now() < until,
            "nexml serve no longer answers: {ok:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_idle_connections_do_not_take_serve_down() {
    let w = World::sqlite().await;
    // Capped by its open-file limit (the default), then told to take more
    // connections than it has files for: it runs out of files, and goes on.
    for extra in [&[][..], &["--max-connections", "1000"][..]] {
        let mut server = w.serve_with_few_files(extra);
        let held = half_sent_connections(server.port, 1000);
        eprintln!("{extra:?}: {} of 1000 connections opened", held.len());
        std::thread::sleep(Duration::from_secs(1));
        server.assert_alive();
        assert!(held.len() >= 500, "only {} connections opened", held.len());
        drop(held);
        health_after(&server);
        let runs = server.call("GET", "/api/ml-development/runs?limit=1", &[], b"");
        assert_eq!(runs.status, 200, "{extra:?}: {runs:?}");
        server.assert_alive();
        if !extra.is_empty() {
            let stderr = server.stderr();
            assert!(
                stderr.contains("Too many open files") && stderr.contains("going on"),
                "{stderr}"
            );
        }
    }
    w.db.cleanup().await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread")]
async fn idle_and_half_sent_connections_are_closed() {
    let w = World::sqlite().await;
    let server = w.serve(&["--idle-timeout", "1"]);
    // Half a request head, then nothing: the server hangs up.
    let mut half = half_sent_connections(server.port, 1).remove(0);
    half.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut rest = Vec::new();
    half.read_to_end(&mut rest)
        .expect("the server closes a half-sent request");
    // A whole request kept alive, then idle: answered, then hung up.
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    idle.write_all(
        format!(
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            server.port
        )
        .as_bytes(),
    )
    .unwrap();
    let mut reply = Vec::new();
    idle.read_to_end(&mut reply)
        .expect("the server closes an idle keep-alive connection");
    assert!(
        String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    w.db.cleanup().await;
}
