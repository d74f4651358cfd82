//! The language-model adapter against a stand-in server on 127.0.0.1 that
//! speaks the chat-completions streaming protocol (server-sent events over
//! hand-written HTTP/1.1). No test asserts on time: the bounds below only
//! turn a hang into a failure.

use nexml::llm::*;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PRICING: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/seeds/baselines/pricing/manifest.json"
));
const SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/manifest.schema.json"
));

/// Upper bound on any wait, so a broken adapter fails instead of hanging.
const GUARD: Duration = Duration::from_secs(30);

/// A pause far longer than any test runs: reaching its end means the client
/// never went away.
const FOREVER: Duration = Duration::from_secs(3600);

fn pricing() -> Value {
    serde_json::from_str(PRICING).expect("the pricing baseline is JSON")
}

fn request(message: &str) -> LlmRequest {
    LlmRequest {
        manifest: Some(pricing()),
        schema: SCHEMA.to_string(),
        history: vec![],
        message: message.to_string(),
    }
}

// ---------------------------------------------------------------- server --

/// What the stand-in server does after reading the request.
enum Step {
    Send(String),
    Pause(Duration),
    /// Keep the connection open, answering nothing, until the client leaves.
    Hold,
}

/// What the server saw.
#[derive(Debug)]
struct Served {
    head: String,
    body: Value,
    /// The client closed the connection before the server was through.
    client_left: bool,
}

/// Serves one connection on 127.0.0.1 with `steps`, then closes it.
async fn serve(steps: Vec<Step>) -> (LlmConfig, tokio::task::JoinHandle<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let config = LlmConfig::new(format!("http://127.0.0.1:{port}/v1"), "test-model");
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let (head, body) = read_request(&mut socket).await;
        let mut client_left = false;
        for step in steps {
            let gone = match step {
                Step::Send(text) => {
                    socket.write_all(text.as_bytes()).await.is_err()
                        || socket.flush().await.is_err()
                }
                Step::Pause(d) => wait_for_close(&mut socket, d).await,
                Step::Hold => wait_for_close(&mut socket, FOREVER).await,
            };
            if gone {
                client_left = true;
                break;
            }
        }
        Served {
            head,
            body,
            client_left,
        }
    });
    (config, server)
}

/// Waits `d`, returning early with `true` if the client closes the connection.
async fn wait_for_close(socket: &mut TcpStream, d: Duration) -> bool {
    let mut byte = [0u8; 1];
    tokio::select! {
        read = socket.read(&mut byte) => matches!(read, Ok(0) | Err(_)),
        _ = tokio::time::sleep(d) => false,
    }
}

async fn read_request(socket: &mut TcpStream) -> (String, Value) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut buf).await.expect("read request");
        assert!(n > 0, "client closed before sending a request");
        bytes.extend_from_slice(&buf[..n]);
        if let Some(i) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while bytes.len() < head_end + length {
        let n = socket.read(&mut buf).await.expect("read body");
        assert!(n > 0, "client closed mid-request");
        bytes.extend_from_slice(&buf[..n]);
    }
    let body = serde_json::from_slice(&bytes[head_end..head_end + length]).unwrap_or(Value::Null);
    (head, body)
}

const SSE_CHUNKED: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
/// No length and no chunking: the body ends when the connection closes.
const SSE_UNTIL_CLOSE: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

fn chunked(payload: &str) -> String {
    format!("{:x}\r\n{payload}\r\n", payload.len())
}

fn delta_event(delta: Value, finish_reason: Value) -> String {
    let chunk = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    });
    format!("data: {chunk}\n\n")
}

fn token_event(content: &str) -> String {
    delta_event(json!({"content": content}), Value::Null)
}

fn stop_event(reason: &str) -> String {
    delta_event(json!({}), json!(reason))
}

/// A complete chunked SSE response streaming `tokens`.
fn chunked_stream(tokens: &[String]) -> Vec<Step> {
    let mut steps = vec![Step::Send(SSE_CHUNKED.to_string())];
    steps.push(Step::Send(chunked(&delta_event(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    ))));
    steps.extend(tokens.iter().map(|t| Step::Send(chunked(&token_event(t)))));
    steps.push(Step::Send(chunked(&stop_event("stop"))));
    steps.push(Step::Send(chunked("data: [DONE]\n\n") + "0\r\n\r\n"));
    steps
}

/// A plain HTTP response with a JSON body.
fn status(code: u16, reason: &str, body: &str) -> Vec<Step> {
    vec![Step::Send(format!(
        "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ))]
}

/// `text` cut into pieces of at most `n` characters, as a model streams it.
fn pieces(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n).map(|c| c.iter().collect()).collect()
}

/// An answer in the requested shape, with prose before the fenced JSON.
fn answer_text(explanation: &str, patch: Value) -> String {
    let object = serde_json::to_string_pretty(&json!({"explanation": explanation, "patch": patch}))
        .expect("serialise");
    format!("Sure, here is the change.\n\n```json\n{object}\n```\n")
}

// ---------------------------------------------------------------- client --

/// Every token, then the final event (`None` if the stream ended without one).
async fn collect(mut stream: LlmStream) -> (Vec<String>, Option<LlmEvent>) {
    let mut tokens = Vec::new();
    loop {
        let event = tokio::time::timeout(GUARD, stream.recv())
            .await
            .expect("the adapter hung");
        match event {
            Some(LlmEvent::Token(t)) => tokens.push(t),
            Some(last) => {
                let after = tokio::time::timeout(GUARD, stream.recv())
                    .await
                    .expect("the adapter hung after its last event");
                assert_eq!(after, None, "an event came after {last:?}");
                return (tokens, Some(last));
            }
            None => return (tokens, None),
        }
    }
}

async fn join(server: tokio::task::JoinHandle<Served>) -> Served {
    tokio::time::timeout(GUARD, server)
        .await
        .expect("the server hung")
        .expect("the server panicked")
}

/// The failure a stream ended with; its message must be one line.
fn failure(last: Option<LlmEvent>) -> LlmError {
    match last {
        Some(LlmEvent::Failed(e)) => {
            let text = e.to_string();
            assert!(!text.contains('\n'), "not one line: {text}");
            e
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn done(last: Option<LlmEvent>) -> LlmAnswer {
    match last {
        Some(LlmEvent::Done(answer)) => answer,
        other => panic!("expected an answer, got {other:?}"),
    }
}

// ----------------------------------------------------------------- tests --

#[tokio::test]
async fn a_stream_arrives_token_by_token_and_ends_with_a_validated_patch() {
    let text = answer_text(
        "Tightened the primary MAE threshold from 2.5 to 2.0.",
        json!([{"op": "replace", "path": "/evaluation/metrics/0/threshold", "value": 2.0}]),
    );
    let tokens = pieces(&text, 7);
    assert!(tokens.len() > 20);
    let (config, server) = serve(chunked_stream(&tokens)).await;
    let mut req = request("make the MAE threshold 2.0");
    req.history = vec![
        (Role::User, "what metrics does it use?".to_string()),
        (Role::Assistant, "MAE, RMSE, MAPE.".to_string()),
    ];

    let (got, last) = collect(start(&config, req)).await;

    assert_eq!(got, tokens, "each token is its own event, in order");
    let answer = done(last);
    assert_eq!(
        answer.explanation,
        "Tightened the primary MAE threshold from 2.5 to 2.0."
    );
    assert_eq!(
        answer.summary(),
        ["replace /evaluation/metrics/0/threshold"]
    );
    let after = answer.manifest_after.expect("a patched manifest");
    assert_eq!(after["evaluation"]["metrics"][0]["threshold"], json!(2.0));
    nexml::domain::manifest::validate(&after).expect("the offered manifest is valid");

    let served = join(server).await;
    assert!(
        served
            .head
            .starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{}",
        served.head
    );
    assert!(
        !served.head.to_ascii_lowercase().contains("authorization:"),
        "no key is configured"
    );
    assert_eq!(served.body["model"], "test-model");
    assert_eq!(served.body["stream"], true);
    let messages = served.body["messages"].as_array().expect("messages");
    let roles: Vec<&str> = messages.iter().filter_map(|m| m["role"].as_str()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    let system = messages[0]["content"].as_str().expect("system prompt");
    assert!(
        system.contains("Pricing Optimization Baseline v1"),
        "manifest"
    );
    assert!(system.contains("nexml recipe manifest"), "schema");
    assert!(system.contains("RFC 6902"), "answer format");
    assert_eq!(messages[3]["content"], "make the MAE threshold 2.0");
}

#[tokio::test]
async fn a_plain_answer_is_done_without_a_proposal() {
    // Close-delimited framing: the body ends with the connection.
    let mut steps = vec![Step::Send(SSE_UNTIL_CLOSE.to_string())];
    for t in ["It uses ", "MAE as its ", "primary metric."] {
        steps.push(Step::Send(token_event(t)));
    }
    steps.push(Step::Send("data: [DONE]\n\n".to_string()));
    let (config, server) = serve(steps).await;

    let (tokens, last) = collect(start(&config, request("what is the primary metric?"))).await;

    assert_eq!(tokens.concat(), "It uses MAE as its primary metric.");
    let answer = done(last);
    assert_eq!(answer.explanation, "It uses MAE as its primary metric.");
    assert_eq!(answer.patch, None);
    assert_eq!(answer.manifest_after, None);
    join(server).await;
}

#[tokio::test]
async fn a_chunked_stream_that_closes_mid_answer_is_broken() {
    let mut steps = vec![Step::Send(SSE_CHUNKED.to_string())];
    steps.push(Step::Send(chunked(&token_event("Sure, "))));
    steps.push(Step::Send(chunked(&token_event("here"))));
    let (config, server) = serve(steps).await;

    let (tokens, last) = collect(start(&config, request("change it"))).await;

    assert_eq!(tokens, ["Sure, ", "here"]);
    let e = failure(last);
    assert!(matches!(e, LlmError::BrokenStream(_)), "{e:?}");
    assert!(e.to_string().contains("broke off"), "{e}");
    join(server).await;
}

#[tokio::test]
async fn a_close_delimited_stream_cut_before_done_is_broken() {
    let steps = vec![
        Step::Send(SSE_UNTIL_CLOSE.to_string()),
        Step::Send(token_event("Sure, ")),
        // Half an event, then the connection drops.
        Step::Send("data: {\"choices\": [{\"index\": 0, \"del".to_string()),
    ];
    let (config, server) = serve(steps).await;

    let (tokens, last) = collect(start(&config, request("change it"))).await;

    assert_eq!(tokens, ["Sure, "]);
    let e = failure(last);
    assert!(matches!(e, LlmError::BrokenStream(_)), "{e:?}");
    join(server).await;
}

#[tokio::test]
async fn malformed_json_in_the_stream_is_broken() {
    let mut steps = vec![Step::Send(SSE_CHUNKED.to_string())];
    steps.push(Step::Send(chunked(&token_event("Sure"))));
    steps.push(Step::Send(chunked("data: {\"choices\": [oops]}\n\n")));
    steps.push(Step::Hold);
    let (config, server) = serve(steps).await;

    let (tokens, last) = collect(start(&config, request("change it"))).await;

    assert_eq!(tokens, ["Sure"]);
    let e = failure(last);
    assert!(matches!(e, LlmError::BrokenStream(_)), "{e:?}");
    assert!(e.to_string().contains("malformed JSON"), "{e}");
    assert!(join(server).await.client_left, "the request was dropped");
}

#[tokio::test]
async fn an_error_inside_the_stream_is_reported() {
    let steps = vec![
        Step::Send(SSE_CHUNKED.to_string()),
        Step::Send(chunked(
            "data: {\"error\": {\"message\": \"model ran out of memory\"}}\n\n",
        )),
        Step::Send("0\r\n\r\n".to_string()),
    ];
    let (config, server) = serve(steps).await;

    let (_, last) = collect(start(&config, request("change it"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::Reported { .. }), "{e:?}");
    assert!(e.to_string().contains("model ran out of memory"), "{e}");
    join(server).await;
}

#[tokio::test]
async fn cancelling_a_slow_stream_aborts_it_and_nothing_more_arrives() {
    let mut steps = vec![Step::Send(SSE_CHUNKED.to_string())];
    steps.push(Step::Send(chunked(&token_event("one "))));
    steps.push(Step::Send(chunked(&token_event("two "))));
    steps.push(Step::Pause(FOREVER));
    steps.extend(chunked_stream(&["three".to_string()]).into_iter().skip(1));
    let (config, server) = serve(steps).await;
    let mut stream = start(&config, request("change it"));

    for expected in ["one ", "two "] {
        let event = tokio::time::timeout(GUARD, stream.recv())
            .await
            .expect("hung");
        assert_eq!(event, Some(LlmEvent::Token(expected.to_string())));
    }
    stream.cancel();

    let after = tokio::time::timeout(GUARD, stream.recv())
        .await
        .expect("hung");
    assert_eq!(after, None, "nothing after cancel, and no Done");
    assert!(
        join(server).await.client_left,
        "cancel closed the HTTP connection"
    );
}

#[tokio::test]
async fn dropping_the_stream_aborts_the_request() {
    let mut steps = vec![Step::Send(SSE_CHUNKED.to_string())];
    steps.push(Step::Send(chunked(&token_event("one "))));
    steps.push(Step::Pause(FOREVER));
    let (config, server) = serve(steps).await;
    let mut stream = start(&config, request("change it"));

    let first = tokio::time::timeout(GUARD, stream.recv())
        .await
        .expect("hung");
    assert_eq!(first, Some(LlmEvent::Token("one ".to_string())));
    drop(stream);

    assert!(join(server).await.client_left);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (mut config, server) = serve(vec![Step::Hold]).await;
    config.timeout_secs = 1;

    let (tokens, last) = collect(start(&config, request("change it"))).await;

    assert!(tokens.is_empty());
    let e = failure(last);
    assert!(matches!(e, LlmError::Timeout { secs: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("did not answer within 1 s"), "{e}");
    assert!(join(server).await.client_left, "the request was dropped");
}

#[tokio::test]
async fn a_stream_that_stalls_mid_answer_times_out() {
    let mut steps = vec![Step::Send(SSE_CHUNKED.to_string())];
    steps.push(Step::Send(chunked(&token_event("Sure"))));
    steps.push(Step::Hold);
    let (mut config, server) = serve(steps).await;
    config.timeout_secs = 1;

    let (tokens, last) = collect(start(&config, request("change it"))).await;

    assert_eq!(tokens, ["Sure"]);
    let e = failure(last);
    assert!(matches!(e, LlmError::Timeout { .. }), "{e:?}");
    assert!(join(server).await.client_left);
}

#[tokio::test]
async fn a_patch_that_does_not_apply_fails_and_offers_nothing() {
    let text = answer_text(
        "Added a thing.",
        json!([{"op": "replace", "path": "/requirements/no_such_section/x", "value": 1}]),
    );
    let (config, server) = serve(chunked_stream(&pieces(&text, 16))).await;

    let (_, last) = collect(start(&config, request("add a thing"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::InvalidPatch(_)), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("does not apply"), "{text}");
    assert!(text.contains("/requirements/no_such_section/x"), "{text}");
    join(server).await;
}

#[tokio::test]
async fn a_patch_that_breaks_the_schema_fails_naming_the_problem() {
    let text = answer_text(
        "Made deployment mode a number.",
        json!([{"op": "replace", "path": "/deployment/mode", "value": 42}]),
    );
    let (config, server) = serve(chunked_stream(&pieces(&text, 16))).await;

    let (_, last) = collect(start(&config, request("break it"))).await;

    match failure(last) {
        LlmError::InvalidManifest(problems) => {
            assert!(
                problems.iter().any(|p| p.starts_with("/deployment/mode")),
                "{problems:?}"
            );
        }
        other => panic!("expected InvalidManifest, got {other:?}"),
    }
    join(server).await;
}

#[tokio::test]
async fn a_content_filter_stop_is_a_refusal() {
    let steps = vec![
        Step::Send(SSE_CHUNKED.to_string()),
        Step::Send(chunked(&token_event("I"))),
        Step::Send(chunked(&stop_event("content_filter"))),
        Step::Send(chunked("data: [DONE]\n\n") + "0\r\n\r\n"),
    ];
    let (config, server) = serve(steps).await;

    let (_, last) = collect(start(&config, request("change it"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::Refused(_)), "{e:?}");
    assert!(e.to_string().contains("content filter"), "{e}");
    join(server).await;
}

#[tokio::test]
async fn an_empty_answer_is_a_refusal() {
    let (config, server) = serve(chunked_stream(&[])).await;

    let (tokens, last) = collect(start(&config, request("change it"))).await;

    assert!(tokens.is_empty());
    let e = failure(last);
    assert!(matches!(e, LlmError::Refused(_)), "{e:?}");
    assert!(e.to_string().contains("empty"), "{e}");
    join(server).await;
}

#[tokio::test]
async fn http_401_shows_the_servers_message() {
    let body = r#"{"error": {"message": "Incorrect API key provided: sk-test.", "type": "invalid_request_error", "code": "invalid_api_key"}}"#;
    let (config, server) = serve(status(401, "Unauthorized", body)).await;

    let (_, last) = collect(start(&config, request("hi"))).await;

    let e = failure(last);
    assert!(
        matches!(e, LlmError::Unauthorized { status: 401, .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("HTTP 401"), "{text}");
    assert!(text.contains("Incorrect API key provided"), "{text}");
    assert!(text.contains("api_key_env"), "{text}");
    join(server).await;
}

#[tokio::test]
async fn http_404_names_the_model() {
    let body = r#"{"error": {"message": "model \"test-model\" not found, try pulling it first", "type": "api_error"}}"#;
    let (config, server) = serve(status(404, "Not Found", body)).await;

    let (_, last) = collect(start(&config, request("hi"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::ModelNotFound { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("'test-model'"), "{text}");
    assert!(text.contains("try pulling it first"), "{text}");
    join(server).await;
}

#[tokio::test]
async fn http_429_asks_to_try_later() {
    let body = r#"{"error": {"message": "Rate limit reached for requests"}}"#;
    let (config, server) = serve(status(429, "Too Many Requests", body)).await;

    let (_, last) = collect(start(&config, request("hi"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::RateLimited { .. }), "{e:?}");
    assert!(e.to_string().contains("Rate limit reached"), "{e}");
    join(server).await;
}

#[tokio::test]
async fn http_500_is_a_server_failure() {
    let (config, server) = serve(status(500, "Internal Server Error", "upstream\nexploded")).await;

    let (_, last) = collect(start(&config, request("hi"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::Http { status: 500, .. }), "{e:?}");
    assert!(e.to_string().contains("HTTP 500"), "{e}");
    assert!(e.to_string().contains("upstream exploded"), "{e}");
    join(server).await;
}

#[tokio::test]
async fn an_unreachable_port_is_one_clear_line() {
    // A port that was just free: nothing listens there now.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("address").port()
    };
    let config = LlmConfig::new(format!("http://127.0.0.1:{port}/v1"), "m");

    let (tokens, last) = collect(start(&config, request("hi"))).await;

    assert!(tokens.is_empty());
    let e = failure(last);
    assert!(matches!(e, LlmError::Unreachable { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "the language model at http://127.0.0.1:{port}/v1 is unreachable: connection refused; \
             the offline assistant still works"
        )
    );
}

#[tokio::test]
async fn a_missing_api_key_variable_fails_before_any_request() {
    let mut config = LlmConfig::new("http://127.0.0.1:9/v1", "m");
    config.api_key_env = Some("NEXML_TEST_SURELY_UNSET_API_KEY".to_string());

    let (_, last) = collect(start(&config, request("hi"))).await;

    let e = failure(last);
    assert!(matches!(e, LlmError::Config(_)), "{e:?}");
    assert!(
        e.to_string().contains("NEXML_TEST_SURELY_UNSET_API_KEY"),
        "{e}"
    );
}

#[tokio::test]
async fn the_api_key_is_sent_as_a_bearer_token() {
    // Cargo sets this variable for test runs; the test sets none itself
    // (changing the environment of a threaded process is unsound).
    let key = std::env::var("CARGO_PKG_NAME").expect("cargo (and scripts/test) set CARGO_PKG_NAME");
    let (mut config, server) = serve(chunked_stream(&["ok".to_string()])).await;
    config.api_key_env = Some("CARGO_PKG_NAME".to_string());

    let (_, last) = collect(start(&config, request("hi"))).await;

    done(last);
    let head = join(server).await.head.to_ascii_lowercase();
    assert!(
        head.contains(&format!(
            "authorization: bearer {}\r\n",
            key.to_ascii_lowercase()
        )),
        "{head}"
    );
}

#[tokio::test]
async fn a_server_that_ignores_streaming_still_answers() {
    let body = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "It runs nightly."}, "finish_reason": "stop"}]
    })
    .to_string();
    let (config, server) = serve(status(200, "OK", &body)).await;

    let (tokens, last) = collect(start(&config, request("when does it run?"))).await;

    assert_eq!(tokens, ["It runs nightly."]);
    assert_eq!(done(last).explanation, "It runs nightly.");
    join(server).await;
}

#[test]
fn outside_a_runtime_start_fails_instead_of_panicking() {
    let config = LlmConfig::new("http://127.0.0.1:9/v1", "m");
    let mut stream = start(&config, request("hi"));
    match stream.try_recv() {
        Some(LlmEvent::Failed(LlmError::Config(_))) => {}
        other => panic!("expected a Config failure, got {other:?}"),
    }
}

// ------------------------------------------------------- parse_answer --

#[test]
fn answers_are_found_fenced_bare_or_after_examples() {
    let m = pricing();
    let op = json!([{"op": "replace", "path": "/deployment/schedule", "value": "0 6 * * *"}]);
    let object = json!({"explanation": "Runs at 6am.", "patch": op}).to_string();
    let texts = [
        format!("```json\n{object}\n```"),
        object.clone(),
        format!("An op looks like {{\"op\": \"add\"}}.\nHere it is: {object} Done."),
        format!("Draft: {{\"explanation\": \"x\", \"patch\": []}}\nFinal:\n{object}"),
        format!("<think>maybe {{\"patch\": 3}}</think>{object}"),
    ];
    for text in texts {
        let answer = parse_answer(&text, Some(&m)).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(answer.explanation, "Runs at 6am.", "{text}");
        let after = answer.manifest_after.expect("patched");
        assert_eq!(after["deployment"]["schedule"], "0 6 * * *");
    }
}

#[test]
fn explanation_falls_back_to_the_prose() {
    let text = "The schedule is fine as it is.\n```json\n{\"patch\": []}\n```";
    let answer = parse_answer(text, Some(&pricing())).expect("answer");
    assert_eq!(answer.explanation, "The schedule is fine as it is.");
    assert_eq!(answer.patch, None);
}

#[test]
fn a_patch_that_changes_nothing_is_no_proposal() {
    let text = json!({"explanation": "Already batch.", "patch": [
        {"op": "test", "path": "/deployment/mode", "value": "batch"},
        {"op": "replace", "path": "/deployment/mode", "value": "batch"}
    ]})
    .to_string();
    let answer = parse_answer(&text, Some(&pricing())).expect("answer");
    assert_eq!((answer.patch, answer.manifest_after), (None, None));
}

#[test]
fn a_patch_sent_as_a_json_string_is_accepted() {
    let ops = r#"[{"op": "replace", "path": "/requirements/min_history_days", "value": 400}]"#;
    let text = json!({"explanation": "More history.", "patch": ops}).to_string();
    let answer = parse_answer(&text, Some(&pricing())).expect("answer");
    let after = answer.manifest_after.expect("patched");
    assert_eq!(after["requirements"]["min_history_days"], 400);
}

#[test]
fn unusable_patches_say_what_is_wrong() {
    let m = pricing();
    let cases = [
        (
            json!({"explanation": "x", "patch": [{"op": "frobnicate", "path": "/a"}]}).to_string(),
            "operation 0 is not RFC 6902",
        ),
        (
            json!({"explanation": "x", "patch": [{"op": "add", "path": "/a"}]}).to_string(),
            "operation 0 is not RFC 6902",
        ),
        (
            json!({"explanation": "x", "patch": {"op": "add", "path": "/a", "value": 1}})
                .to_string(),
            "must be an array of operations, not an object",
        ),
        (
            "```json\n{\"explanation\": \"x\", \"patch\": [{\"op\": \"remove\",}]}\n```"
                .to_string(),
            "does not parse",
        ),
        (
            json!({"explanation": "x", "patch": [{"op": "remove", "path": "/metadata/nope"}]})
                .to_string(),
            "does not apply",
        ),
    ];
    for (text, expected) in cases {
        match parse_answer(&text, Some(&m)) {
            Err(e @ LlmError::InvalidPatch(_)) => {
                let shown = e.to_string();
                assert!(shown.contains(expected), "{text}\n=> {shown}");
                assert!(!shown.contains('\n'), "{shown}");
            }
            other => panic!("{text}: expected InvalidPatch, got {other:?}"),
        }
    }
}

#[test]
fn a_patch_without_an_open_recipe_is_refused() {
    let text =
        json!({"explanation": "x", "patch": [{"op": "add", "path": "/a", "value": 1}]}).to_string();
    assert!(matches!(
        parse_answer(&text, None),
        Err(LlmError::InvalidPatch(_))
    ));
    let question = json!({"explanation": "No recipe is open.", "patch": []}).to_string();
    assert_eq!(
        parse_answer(&question, None).expect("answer").explanation,
        "No recipe is open."
    );
}

#[test]
fn schema_problems_are_listed_and_summarised_on_one_line() {
    let text = json!({"explanation": "x", "patch": [
        {"op": "remove", "path": "/metadata/name"},
        {"op": "replace", "path": "/deployment/mode", "value": 1},
        {"op": "replace", "path": "/requirements/min_history_days", "value": -1},
        {"op": "replace", "path": "/evaluation/metrics/0/direction", "value": "sideways"}
    ]})
    .to_string();
    match parse_answer(&text, Some(&pricing())) {
        Err(e @ LlmError::InvalidManifest(_)) => {
            let shown = e.to_string();
            assert!(!shown.contains('\n'), "{shown}");
            let LlmError::InvalidManifest(problems) = e else {
                unreachable!()
            };
            // Every problem is kept; the message shows three and counts the rest.
            assert!(problems.len() >= 4, "{problems:?}");
            let more = format!("; and {} more", problems.len() - 3);
            assert!(shown.ends_with(&more), "{shown}");
            for at in [
                "/metadata",
                "/deployment/mode",
                "/requirements/min_history_days",
            ] {
                assert!(
                    problems.iter().any(|p| p.starts_with(at)),
                    "{at}: {problems:?}"
                );
            }
        }
        other => panic!("expected InvalidManifest, got {other:?}"),
    }
}

// -------------------------------------------------------------- config --

#[test]
fn config_has_defaults_and_rejects_unknown_keys() {
    let config: LlmConfig = toml::from_str(r#"model = "qwen2.5:7b""#).expect("minimal config");
    assert_eq!(config.base_url, DEFAULT_BASE_URL);
    assert_eq!(config.api_key_env, None);
    assert_eq!(config.timeout_secs, DEFAULT_TIMEOUT_SECS);
    assert_eq!(
        config.endpoint(),
        "http://127.0.0.1:11434/v1/chat/completions"
    );

    let full: LlmConfig = toml::from_str(
        r#"
        base_url = "https://api.openai.com/v1/"
        model = "gpt-4o-mini"
        api_key_env = "OPENAI_API_KEY"
        timeout_secs = 30
        "#,
    )
    .expect("full config");
    assert_eq!(
        full.endpoint(),
        "https://api.openai.com/v1/chat/completions"
    );
    assert_eq!(full.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
    assert_eq!(full.timeout_secs, 30);

    let typo = toml::from_str::<LlmConfig>("model = \"m\"\napi_key = \"sk-secret\"");
    assert!(typo.is_err(), "unknown keys are rejected");
}
