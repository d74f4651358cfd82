//! Which database a URL names, however it is spelled, for what is kept per
//! database on this machine (editor drafts, run folders).
//!
//! A SQLite file is named by its canonical absolute path: `sqlite:nexml.db`
//! is the file in the current folder, as SQLite opens it, and
//! `sqlite:/x/../x/nexml.db` or a symbolic link is the file it leads to. A
//! PostgreSQL database is its server, port and database: who connects, the
//! password and the options do not change which database it is.

use std::path::{Component, Path, PathBuf};

/// The identity of the database `url` names: `sqlite:/abs/path` or
/// `postgres://host:port/database` (other text is kept as it is).
pub fn database_identity(url: &str) -> String {
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() || path == ":memory:" {
            return "sqlite::memory:".into();
        }
        return format!(
            "sqlite:{}",
            canonical_file(&percent_decoded(path)).display()
        );
    }
    for scheme in ["postgres://", "postgresql://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            return postgres_identity(rest);
        }
    }
    url.split('?').next().unwrap_or(url).to_string()
}

/// `path` as an absolute path without `.`, `..` or symbolic links: the
/// file itself when it exists, else its folder's canonical path and its
/// name (a database not created yet), else the path made absolute and
/// cleaned of `.` and `..` by its text alone.
fn canonical_file(path: &str) -> PathBuf {
    let given = Path::new(path);
    let absolute = match given.is_absolute() {
        true => given.to_path_buf(),
        false => std::env::current_dir()
            .map(|d| d.join(given))
            .unwrap_or_else(|_| given.to_path_buf()),
    };
    if let Ok(real) = std::fs::canonicalize(&absolute) {
        return real;
    }
    let clean = lexically_clean(&absolute);
    match (clean.parent(), clean.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(clean.clone()),
        _ => clean,
    }
}

/// Removes `.` and resolves `..` by the text of the path.
fn lexically_clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `%xx` decoded, as SQLite URLs are (a `?` or `#` in a file name).
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `postgres://host:port/database` from what follows the scheme:
/// `[user[:password]@][host][:port][/database][?options]`. The options
/// `host`, `port` and `dbname` name the database too; the defaults are
/// libpq's (localhost, 5432, the user's name).
fn postgres_identity(rest: &str) -> String {
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (user, server_and_db) = match main.rsplit_once('@') {
        Some((credentials, after)) => (credentials.split(':').next().unwrap_or(""), after),
        None => ("", main),
    };
    let (server, database) = server_and_db.split_once('/').unwrap_or((server_and_db, ""));
    let (mut host, mut port) = split_host_port(server);
    let mut database = database.to_string();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("host", h)) => host = h.to_string(),
            Some(("port", p)) => port = p.to_string(),
            Some(("dbname", d)) => database = d.to_string(),
            _ => {}
        }
    }
    let host = match host.is_empty() {
        true => "localhost".to_string(),
        false => host.to_ascii_lowercase(),
    };
    let port = match port.is_empty() {
        true => "5432".to_string(),
        false => port,
    };
    let database = match database.is_empty() {
        true => percent_decoded(user),
        false => percent_decoded(&database),
    };
    format!("postgres://{host}:{port}/{database}")
}

/// `host:port`, `[::1]:port` or a host alone.
fn split_host_port(server: &str) -> (String, String) {
    if let Some(v6) = server.strip_prefix('[')
        && let Some((host, after)) = v6.split_once(']')
    {
        let port = after.strip_prefix(':').unwrap_or("");
        return (format!("[{host}]"), port.to_string());
    }
    match server.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.to_string()),
        None => (server.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_sqlite_file_are_one_database() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(real.join("x")).unwrap();
        std::fs::write(real.join("x/nexml.db"), b"").unwrap();
        std::os::unix::fs::symlink(real.join("x"), real.join("link")).unwrap();
        let want = format!("sqlite:{}", real.join("x/nexml.db").display());
        let r = real.display();
        for url in [
            format!("sqlite:{r}/x/nexml.db"),
            format!("sqlite://{r}/x/nexml.db"),
            format!("sqlite://{r}/x/nexml.db?mode=rwc"),
            format!("sqlite:{r}/x/../x/nexml.db"),
            format!("sqlite:{r}/./x/nexml.db"),
            format!("sqlite:{r}/link/nexml.db"),
            format!("sqlite:{r}/x/nexml%2Edb"),
        ] {
            assert_eq!(database_identity(&url), want, "{url}");
        }
        // A file not created yet: its folder's real path and its name.
        assert_eq!(
            database_identity(&format!("sqlite:{r}/link/../x/new.db")),
            format!("sqlite:{}", real.join("x/new.db").display())
        );
    }

    #[test]
    fn a_relative_sqlite_path_is_the_file_in_the_current_folder() {
        let here = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        let want = format!("sqlite:{}", here.join("nexml.db").display());
        assert_eq!(database_identity("sqlite:nexml.db"), want);
        assert_eq!(database_identity("sqlite://nexml.db"), want);
        assert_eq!(database_identity("sqlite:./nexml.db"), want);
    }

    #[test]
    fn two_sqlite_files_are_two_databases() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path().display();
        assert_ne!(
            database_identity(&format!("sqlite:{r}/a/nexml.db")),
            database_identity(&format!("sqlite:{r}/b/nexml.db"))
        );
        assert_ne!(
            database_identity(&format!("sqlite:{r}/nexml.db")),
            database_identity(&format!("sqlite:{r}/nexml.db2"))
        );
    }

    #[test]
    fn a_postgres_database_is_its_server_port_and_name() {
        let want = "postgres://db.internal:5432/nexml";
        for url in [
            "postgres://alice:secret@db.internal:5432/nexml",
            "postgresql://bob@DB.internal/nexml?sslmode=require",
            "postgres://db.internal/nexml",
            "postgres://carol@/ignored?host=db.internal&dbname=nexml",
        ] {
            assert_eq!(database_identity(url), want, "{url}");
        }
        assert_eq!(
            database_identity("postgres://nexml@localhost"),
            "postgres://localhost:5432/nexml"
        );
        for other in [
            "postgres://alice@db.internal:5432/other",
            "postgres://alice@db.internal:5433/nexml",
            "postgres://alice@db2.internal:5432/nexml",
            "postgres://alice@[::1]:5432/nexml",
        ] {
            assert_ne!(database_identity(other), want, "{other}");
        }
        assert_eq!(
            database_identity("postgres://a@[::1]:6000/x"),
            "postgres://[::1]:6000/x"
        );
    }
}
