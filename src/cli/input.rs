//! Files and inline text given as arguments: read within the size limit,
//! JSON errors naming the file and place.

use color_eyre::eyre::{Result, eyre};
use std::path::Path;

/// Reads a file argument; `-` reads standard input. Either stops at
/// `MAX_DOCUMENT_BYTES`; a file must be a regular one (a FIFO or a device
/// is refused, never waited on).
pub fn read_input(path: &Path) -> Result<String> {
    use crate::input_file::{MAX_DOCUMENT_BYTES, read_limited_to_string, read_to_limit};
    if path == Path::new("-") {
        let bytes = read_to_limit("standard input", std::io::stdin(), MAX_DOCUMENT_BYTES)?;
        return String::from_utf8(bytes).map_err(|_| eyre!("standard input: not UTF-8 text"));
    }
    Ok(read_limited_to_string(path, MAX_DOCUMENT_BYTES)?)
}

/// Reads and parses a JSON file argument, naming the file and place on error.
pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = read_input(path)?;
    serde_json::from_str(&text).map_err(|e| {
        eyre!(
            "{}:{}:{}: {}",
            path.display(),
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )
    })
}

/// Parses a JSON argument given inline.
pub fn parse_json_arg(flag: &str, text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| {
        eyre!(
            "{flag}: {}:{}: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
