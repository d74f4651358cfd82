//! Opening a file someone handed us (a data batch, a manifest, an import
//! folder's JSON): only a regular file is read, and never past a size limit.
//!
//! A device (`/dev/zero`, `/dev/urandom`) would be read forever and a FIFO
//! would block the open until a writer came, so the kind is checked before
//! reading: the open itself is non-blocking (a FIFO cannot hang it), and the
//! opened file's own metadata decides. A regular file over the limit is
//! refused by its size before a byte is read (a sparse file too), and the
//! read stops at the limit in case it grows meanwhile.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The largest document file read whole (a manifest, a snapshot, the JSON
/// of an import folder): above the largest manifest limit that can be
/// configured (64 MiB), so that limit's own message is what a big manifest
/// meets.
pub const MAX_DOCUMENT_BYTES: u64 = 128 << 20;

/// Why a file was not read; one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not a regular file ({kind}); only regular files are read")]
    NotRegular { file: String, kind: &'static str },
    /// `size` is None when the file was read until it passed the limit.
    #[error("{file}: {}; at most {} are read", show_size(*size), show_limit(*limit))]
    TooLarge {
        file: String,
        size: Option<u64>,
        limit: u64,
    },
}

impl InputFileError {
    /// The I/O error underneath, if there was one.
    pub fn io_source(&self) -> Option<&std::io::Error> {
        match self {
            InputFileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn show_size(size: Option<u64>) -> String {
    match size {
        Some(size) => format!("{size} bytes"),
        None => "larger than the limit".into(),
    }
}

/// A limit in bytes, in words: `1 GiB (1073741824 bytes)`.
pub fn show_limit(limit: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if limit >= size && limit.is_multiple_of(size) {
            return format!("{} {unit} ({limit} bytes)", limit / size);
        }
    }
    format!("{limit} bytes")
}

/// Opens `path` for reading if it is a regular file of at most `limit`
/// bytes (symbolic links are followed). The file is returned positioned at
/// its start; a reader should still stop at `limit` (see [`read_limited`]).
pub fn open_regular(path: &Path, limit: u64) -> Result<File, InputFileError> {
    let name = path.display().to_string();
    let io = |source| InputFileError::Io {
        file: name.clone(),
        source,
    };
    // Refused by its kind without opening, when it can be told.
    let meta = std::fs::metadata(path).map_err(io)?;
    check(&name, &meta, limit)?;
    // Non-blocking, so a FIFO swapped in since cannot hang the open; the
    // flag changes nothing for a regular file's reads.
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    // What was opened decides, not what the name pointed at before.
    let meta = file.metadata().map_err(io)?;
    check(&name, &meta, limit)?;
    Ok(file)
}

fn check(name: &str, meta: &std::fs::Metadata, limit: u64) -> Result<(), InputFileError> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let kind = if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a folder")
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a file")
    };
    if let Some(kind) = kind {
        return Err(InputFileError::NotRegular {
            file: name.to_string(),
            kind,
        });
    }
    if meta.len() > limit {
        return Err(InputFileError::TooLarge {
            file: name.to_string(),
            size: Some(meta.len()),
            limit,
        });
    }
    Ok(())
}

/// Reads all of a regular file of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, InputFileError> {
    let file = open_regular(path, limit)?;
    let name = path.display().to_string();
    read_to_limit(&name, file, limit)
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text.
pub fn read_limited_to_string(path: &Path, limit: u64) -> Result<String, InputFileError> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|_| InputFileError::Io {
        file: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// Reads `reader` to its end, refusing it once it passes `limit` bytes
/// (standard input, or a file that grew after it was measured).
pub fn read_to_limit(name: &str, reader: impl Read, limit: u64) -> Result<Vec<u8>, InputFileError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| InputFileError::Io {
            file: name.to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(InputFileError::TooLarge {
            file: name.to_string(),
            size: None,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_folders_are_refused_by_kind() {
        let err = read_limited(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero: not a regular file (a character device); only regular files are read"
        );
        let err = read_limited(Path::new("/"), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("(a folder)"), "{err}");
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.csv");
        let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
        // SAFETY: mkfifo reads the NUL-terminated path only.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = open_regular(&fifo, 1 << 20).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("not a regular file (a FIFO); only regular files are read"),
            "{err}"
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let file = File::create(&path).unwrap();
        // Sparse: no byte is written, the size alone refuses it.
        file.set_len(3 << 30).unwrap();
        let err = read_limited(&path, 1 << 30).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: 3221225472 bytes; at most 1 GiB (1073741824 bytes) are read",
                path.display()
            )
        );
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        assert_eq!(read_limited(&path, 8).unwrap(), b"a,b\n1,2\n");
        assert!(read_limited(&path, 7).is_err());
        let err = read_to_limit("stdin", &b"0123456789"[..], 4).unwrap_err();
        assert_eq!(
            err.to_string(),
            "stdin: larger than the limit; at most 4 bytes are read"
        );
    }
}
