//! The terminal's lifecycle in one place: raw mode and the alternate screen
//! in, and out again on quit, on error, on panic, on SIGTERM and on Ctrl-Z.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, Write, stdout};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Enters raw mode and the alternate screen; the panic hook restores both,
/// and so does a failure part-way (no terminal to read from, say), so a
/// failed start never leaves the screen switched, the cursor hidden or the
/// mouse captured.
pub fn enter(mouse: bool) -> std::io::Result<Term> {
    install_panic_hook();
    let entered = take_terminal(mouse);
    if entered.is_err() {
        restore();
    }
    entered
}

fn take_terminal(mouse: bool) -> std::io::Result<Term> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, crossterm::cursor::Hide)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    terminal.clear()?;
    Ok(terminal)
}

/// Leaves the terminal as it was; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Ctrl-Z: give the terminal back, stop, and on `fg` take it again.
#[cfg(unix)]
pub fn suspend(terminal: &mut Term, mouse: bool) -> std::io::Result<()> {
    restore();
    // SAFETY: raising SIGTSTP on our own process stops it until SIGCONT; no memory is involved.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, crossterm::cursor::Hide)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    // Repaint everything: the screen was someone else's meanwhile.
    terminal.clear()
}

#[cfg(not(unix))]
pub fn suspend(_terminal: &mut Term, _mouse: bool) -> std::io::Result<()> {
    Ok(())
}

/// Hands the terminal to `$VISUAL` / `$EDITOR` (else `vi`) on a temporary
/// file holding `text`, and returns what the user saved.
pub fn edit_externally(
    terminal: &mut Term,
    mouse: bool,
    text: &str,
    recipe_id: i64,
) -> std::io::Result<String> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!(
        "nexml-recipe-{recipe_id}-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, text)?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    restore();
    // The editor command may carry arguments ("code --wait").
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status();
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, crossterm::cursor::Hide)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    terminal.clear()?;
    let status = status.map_err(|e| {
        std::io::Error::new(e.kind(), format!("starting the editor '{editor}': {e}"))
    })?;
    let edited = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "the editor '{editor}' exited with {status}; nothing changed"
        )));
    }
    edited
}

/// Sends text to the system clipboard through the terminal (OSC 52), which
/// also works over SSH.
pub fn copy_osc52(text: &str) -> std::io::Result<()> {
    let mut out = stdout();
    write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()))?;
    out.flush()
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in cases {
            assert_eq!(super::base64(input.as_bytes()), want);
        }
    }
}
