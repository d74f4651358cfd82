//! A job's process: started in a process group of its own (so a cancel
//! stops everything it started), its output read line by line, stopped
//! with SIGTERM to the group and SIGKILL after a grace period.

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How long a job has between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);
/// A line longer than this is cut (a progress bar without newlines).
const MAX_LINE_BYTES: usize = 64 * 1024;

/// A line of output, from stdout or stderr.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub stderr: bool,
}

pub struct Job {
    child: Child,
    pid: i32,
}

impl Job {
    /// Starts `argv` with `env` added; its lines go to `lines`.
    pub fn start(
        argv: &[String],
        env: &[(String, String)],
        dir: &std::path::Path,
        lines: mpsc::UnboundedSender<Line>,
    ) -> std::io::Result<Job> {
        let (program, args) = argv.split_first().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "an empty command")
        })?;
        let mut command = Command::new(program);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let pid = child.id().map(|p| p as i32).unwrap_or_default();
        if let Some(out) = child.stdout.take() {
            tokio::spawn(pump(out, false, lines.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(pump(err, true, lines));
        }
        Ok(Job { child, pid })
    }

    /// Waits for the job to end: its exit code, or the signal that ended it.
    pub async fn wait(&mut self) -> std::io::Result<Exit> {
        let status = self.child.wait().await?;
        use std::os::unix::process::ExitStatusExt;
        Ok(match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Code(-1),
        })
    }

    /// SIGTERM to the whole group, then SIGKILL if it outlives `grace`.
    pub async fn stop(&mut self, grace: Duration) -> std::io::Result<Exit> {
        signal_group(self.pid, libc::SIGTERM);
        match tokio::time::timeout(grace, self.wait()).await {
            Ok(exit) => {
                // Children that ignored the group's SIGTERM go too.
                signal_group(self.pid, libc::SIGKILL);
                exit
            }
            Err(_) => {
                signal_group(self.pid, libc::SIGKILL);
                self.wait().await
            }
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

fn signal_group(pid: i32, signal: i32) {
    if pid > 0 {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // job leads (it was started with process_group(0)); no memory is shared.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
}

async fn pump(stream: impl AsyncRead + Unpin, stderr: bool, lines: mpsc::UnboundedSender<Line>) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match read_line_capped(&mut reader, &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf)
                    .trim_end_matches(['\n', '\r'])
                    .to_string();
                if lines.send(Line { text, stderr }).is_err() {
                    return;
                }
            }
        }
    }
}

/// Reads up to a newline or `MAX_LINE_BYTES`, whichever comes first.
async fn read_line_capped(
    reader: &mut BufReader<impl AsyncRead + Unpin>,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(total);
        }
        let room = MAX_LINE_BYTES - buf.len();
        let (take, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) if i < room => (i + 1, true),
            _ if available.len() >= room => (room, true),
            _ => (available.len(), false),
        };
        buf.extend_from_slice(&available[..take]);
        reader.consume(take);
        total += take;
        if done {
            return Ok(total);
        }
    }
}

/// Whether the executor "host:pid" is a process of this machine that is gone.
pub fn executor_is_dead(executor: &str) -> bool {
    let Some((host, pid)) = executor.rsplit_once(':') else {
        return false;
    };
    if host != this_host() {
        return false;
    }
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    // SAFETY: kill(pid, 0) only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    !alive
}

/// This machine's name, as executors are named.
pub fn this_host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    if !ok {
        return "localhost".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
