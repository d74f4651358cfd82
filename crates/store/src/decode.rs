//! Rows as a backend fetched them, and their one decode into records. A
//! record type derives `sqlx::FromRow`, which is generic over the backend's
//! row, so it is read on either backend with no code of its own.

use crate::error::StoreResult;
use sqlx::FromRow;

/// The rows one statement returned, not yet decoded.
pub enum Rows {
    #[cfg(feature = "sqlite")]
    Sqlite(Vec<sqlx::sqlite::SqliteRow>),
    #[cfg(feature = "postgres")]
    Postgres(Vec<sqlx::postgres::PgRow>),
}

impl Rows {
    /// Each row as a `T`, in order.
    pub fn decode<T: Record>(self) -> StoreResult<Vec<T>> {
        match self {
            #[cfg(feature = "sqlite")]
            Rows::Sqlite(rows) => decode_all(&rows),
            #[cfg(feature = "postgres")]
            Rows::Postgres(rows) => decode_all(&rows),
        }
    }
}

fn decode_all<R: sqlx::Row, T>(rows: &[R]) -> StoreResult<Vec<T>>
where
    T: for<'r> FromRow<'r, R>,
{
    Ok(rows.iter().map(T::from_row).collect::<Result<_, _>>()?)
}

/// What a statement's rows can be read as: anything that decodes from a row
/// of every backend built in (the record types, and tuples of columns).
pub trait Record: Sized + FromSqliteRow + FromPgRow {}

impl<T: Sized + FromSqliteRow + FromPgRow> Record for T {}

// One bound per backend, empty when its feature is off, so `Record` names
// only the backends this build has.

#[cfg(feature = "sqlite")]
pub trait FromSqliteRow: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> {}
#[cfg(feature = "sqlite")]
impl<T: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>> FromSqliteRow for T {}
#[cfg(not(feature = "sqlite"))]
pub trait FromSqliteRow {}
#[cfg(not(feature = "sqlite"))]
impl<T> FromSqliteRow for T {}

#[cfg(feature = "postgres")]
pub trait FromPgRow: for<'r> FromRow<'r, sqlx::postgres::PgRow> {}
#[cfg(feature = "postgres")]
impl<T: for<'r> FromRow<'r, sqlx::postgres::PgRow>> FromPgRow for T {}
#[cfg(not(feature = "postgres"))]
pub trait FromPgRow {}
#[cfg(not(feature = "postgres"))]
impl<T> FromPgRow for T {}
