//! The real binary in a real terminal (tmux), driven by keys as a person
//! would, on a database of the test's choosing.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
    pub dir: std::sync::Arc<tempfile::TempDir>,
    pub url: String,
    name: String,
}

/// tmux is needed; on a machine without it the test says so and passes,
/// except in CI, where it must run.
pub fn tmux_available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("tmux is required in CI for the end-to-end tests");
        }
        eprintln!("notice: skipping the tmux end-to-end tests: tmux is not installed");
    }
    ok
}

/// Seeds the database at `url` with the baselines and the demo.
fn seed_demo(url: &str, home: &std::path::Path) {
    let seeded = Command::new(env!("CARGO_BIN_EXE_nexml"))
        .args(["--database-url", url, "--seed", "--demo"])
        .env("HOME", home)
        .env_remove("XDG_STATE_HOME")
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
}

/// A SQLite demo database seeded once for the test process: its file and
/// its write-ahead log (which may be empty), to copy.
fn demo_template() -> Vec<std::path::PathBuf> {
    static TEMPLATE: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    let (_, file) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("template.db");
        seed_demo(&format!("sqlite://{}", file.display()), dir.path());
        (dir, file)
    });
    let wal = std::path::PathBuf::from(format!("{}-wal", file.display()));
    if !wal.exists() {
        std::fs::write(&wal, b"").unwrap();
    }
    vec![file.clone(), wal]
}

impl Tmux {
    /// Seeds a database (with demo content) and starts nexml on it.
    pub fn start(name: &str, width: u16, height: u16) -> Tmux {
        Tmux::start_seeded(name, width, height, None)
    }

    /// Seeds the database at `url` (a new SQLite file when `None`) with demo
    /// content and starts nexml on it.
    pub fn start_seeded(name: &str, width: u16, height: u16, url: Option<&str>) -> Tmux {
        let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
        let url = match url {
            Some(url) => {
                seed_demo(url, dir.path());
                url.to_string()
            }
            None => {
                // Seeded once per test process, then copied: the demo
                // measures 90 days of batches per model.
                let file = dir.path().join("e2e.db");
                for (from, to) in demo_template().iter().zip(["", "-wal"]) {
                    let mut target = file.clone().into_os_string();
                    target.push(to);
                    std::fs::copy(from, target).unwrap();
                }
                format!("sqlite://{}", file.display())
            }
        };
        Tmux::launch(name, width, height, dir, url)
    }

    /// Starts nexml again on the same database and home (state, drafts).
    pub fn restart(&self, name: &str) -> Tmux {
        Tmux::launch(name, 100, 30, self.dir.clone(), self.url.clone())
    }

    /// nexml's CLI on this test's database.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_nexml"))
            .args(["--database-url", &self.url])
            .args(args)
            .env("HOME", self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn launch(
        name: &str,
        width: u16,
        height: u16,
        dir: std::sync::Arc<tempfile::TempDir>,
        url: String,
    ) -> Tmux {
        Tmux::launch_with(name, width, height, dir, url, "")
    }

    /// `env` is put before the command, e.g. `EDITOR='sed -i s/a/b/'`.
    pub fn launch_with(
        name: &str,
        width: u16,
        height: u16,
        dir: std::sync::Arc<tempfile::TempDir>,
        url: String,
        env: &str,
    ) -> Tmux {
        let bin = env!("CARGO_BIN_EXE_nexml");
        let socket = format!("nexml-e2e-{}-{name}", std::process::id());
        let pidfile = dir.path().join(format!("pid-{name}"));
        // After nexml exits, show its exit status and whether the terminal is
        // back in canonical (cooked) mode, then wait to be read.
        let script = format!(
            "echo $$ > {pid}; unset XDG_STATE_HOME XDG_DATA_HOME XDG_CONFIG_HOME; HOME={home} NEXML_USER=e2e {env} {bin} --database-url '{url}'; rc=$?; \
             echo \"[exited rc=$rc]\"; stty -a | grep -o -- '-\\?icanon' | sed 's/^/[mode /;s/$/]/'; sleep 60",
            pid = pidfile.display(),
            home = dir.path().display(),
        );
        let (w, h) = (width.to_string(), height.to_string());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                &w,
                "-y",
                &h,
                "sh",
                "-c",
                &script,
            ])
            .status()
            .unwrap();
        assert!(status.success());
        let t = Tmux {
            socket,
            dir,
            url,
            name: name.to_string(),
        };
        t.wait_for("Recipes");
        t
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let status = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", k])
                .status()
                .unwrap();
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    pub fn text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(200));
    }

    /// Waits until `text` is on screen; panics with the screen after 10 s.
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("'{text}' never appeared; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Answers the dialog on screen as a person would: waits for its key
    /// line ("KEY LABEL · ..."), reads the key given for `label` and presses
    /// it. Panics when the dialog offers no such key.
    pub fn answer_dialog(&self, label: &str) {
        let screen = self.wait_for(&format!(" {label}"));
        self.press_shown(&screen, label);
    }

    /// Presses the key the screen shows for `label` in a key list
    /// ("[proposed: a apply · r reject]", "y confirm · any other key ..."),
    /// as a person reads it. Panics when the screen shows no such key.
    pub fn press_shown(&self, screen: &str, label: &str) {
        let key = screen
            .lines()
            .flat_map(|l| l.split(['│', '·', '[', ']', ':']))
            .map(str::trim)
            .find_map(|part| {
                part.strip_suffix(label)
                    .map(str::trim)
                    .filter(|k| !k.is_empty() && !k.contains(' '))
            })
            .unwrap_or_else(|| panic!("no key shown for '{label}':\n{screen}"));
        let tmux_key = match key {
            "enter" => "Enter",
            "esc" => "Escape",
            other => other,
        };
        self.keys(&[tmux_key]);
    }

    /// Waits until an editor draft under this session's home holds `text`:
    /// the app writes each change as it comes, and this is the moment it
    /// is on disk. Panics after 10 s.
    pub fn wait_for_draft(&self, text: &str) {
        let start = Instant::now();
        loop {
            if drafts_under(self.dir.path())
                .iter()
                .any(|d| d.contains(text))
            {
                return;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("no editor draft ever held '{text}'");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_gone(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("'{text}' stayed on screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn shell_pid(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("pid-{}", self.name)))
            .unwrap()
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The child process of the wrapper shell: nexml itself.
pub fn nexml_pid(shell: &str) -> String {
    let out = Command::new("pgrep").args(["-P", shell]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

pub fn assert_restored(screen: &str) {
    assert!(screen.contains("[exited rc=0]"), "{screen}");
    assert!(
        screen.contains("[mode icanon]"),
        "terminal left in raw mode:\n{screen}"
    );
    assert!(
        !screen.contains("1 Recipes"),
        "alternate screen not left:\n{screen}"
    );
}

/// The text of every editor draft under `dir` (`.../drafts/<database>/*.json`).
fn drafts_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "json")
                && path.iter().any(|part| part == "drafts")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push(text);
            }
        }
    }
    out
}
