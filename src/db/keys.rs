//! API keys: stored only as SHA-256 hashes (keys are 192 random bits, so a fast hash is
//! enough; nothing to brute-force).

use crate::db::AnyConnection;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::StoreError;
use super::schema::api_keys;
use crate::domain::access::Scope;
use crate::domain::quota::Rate;

/// A key as `keys list` shows it.
#[derive(Debug, Clone, Queryable)]
pub struct KeyInfo {
    /// Unique name.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// Stored scope.
    pub scope: String,
    /// Creation time.
    pub created_at: String,
    /// Last authenticated use (to the minute).
    pub last_used_at: Option<String>,
    /// When revoked, if it was.
    pub revoked_at: Option<String>,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// Its own request rate (else the default for keys).
    pub rate_limit: Option<i32>,
    /// The rate's window, seconds.
    pub rate_window_secs: Option<i32>,
}

/// What a new key may do and for how long.
#[derive(Debug, Clone, Default)]
pub struct KeyOptions {
    /// Its own request rate; `None`: `NEWSDESK_KEY_RATE`.
    pub rate: Option<Rate>,
    /// When it expires; `None`: never.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An authenticated key.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    /// Its name.
    pub name: String,
    /// Its scope.
    pub scope: Scope,
    /// Its own request rate, if it has one.
    pub rate: Option<Rate>,
}

/// Hex SHA-256 of a presented key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key that never expires, at the default rate; returns the key itself.
pub fn create(conn: &mut AnyConnection, name: &str, scope: Scope) -> Result<String, StoreError> {
    create_with(conn, name, scope, &KeyOptions::default())
}

/// Creates a key; returns the key itself, which is never stored.
pub fn create_with(
    conn: &mut AnyConnection,
    name: &str,
    scope: Scope,
    options: &KeyOptions,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("nd_{}", hex::encode(bytes));
    let taken: i64 = api_keys::table
        .filter(api_keys::name.eq(name))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(StoreError::taken(
            "name",
            format!("a key named '{name}' already exists"),
        ));
    }
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::key_hash.eq(hash(&key)),
            api_keys::prefix.eq(&key[..9]),
            api_keys::scope.eq(scope.as_str()),
            api_keys::created_at.eq(super::now()),
            api_keys::expires_at.eq(options.expires_at.map(crate::domain::time::format)),
            api_keys::rate_limit.eq(options.rate.map(|r| r.limit as i32)),
            api_keys::rate_window_secs.eq(options.rate.map(|r| r.window_secs as i32)),
        ))
        .execute(conn)?;
    Ok(key)
}

/// Every key, newest first.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<KeyInfo>> {
    api_keys::table
        .order(api_keys::pk.desc())
        .select((
            api_keys::name,
            api_keys::prefix,
            api_keys::scope,
            api_keys::created_at,
            api_keys::last_used_at,
            api_keys::revoked_at,
            api_keys::expires_at,
            api_keys::rate_limit,
            api_keys::rate_window_secs,
        ))
        .load(conn)
}

/// Revokes a key by name; false when no active key has that name.
pub fn revoke(conn: &mut AnyConnection, name: &str) -> QueryResult<bool> {
    let n = diesel::update(
        api_keys::table
            .filter(api_keys::name.eq(name))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(super::now()))
    .execute(conn)?;
    Ok(n > 0)
}

/// An active key (not revoked, not expired), looked up by its hash, and whether its use
/// is due to be noted ([`note_use`], through the writer: at most once a minute, so
/// reads do not become writes). The hash lookup goes through the unique index: the
/// presented key is never compared byte by byte.
pub fn authenticate(
    conn: &mut AnyConnection,
    key: &str,
) -> QueryResult<Option<(KeyAuth, Option<i32>)>> {
    let now = super::now();
    type Row = (
        i32,
        String,
        String,
        Option<String>,
        Option<i32>,
        Option<i32>,
    );
    let found: Option<Row> = api_keys::table
        .filter(api_keys::key_hash.eq(hash(key)))
        .filter(api_keys::revoked_at.is_null())
        .filter(
            api_keys::expires_at
                .is_null()
                .or(api_keys::expires_at.gt(&now)),
        )
        .select((
            api_keys::pk,
            api_keys::name,
            api_keys::scope,
            api_keys::last_used_at,
            api_keys::rate_limit,
            api_keys::rate_window_secs,
        ))
        .first(conn)
        .optional()?;
    let Some((pk, name, scope, last_used, limit, window)) = found else {
        return Ok(None);
    };
    let note = last_used
        .is_none_or(|t| t.get(..16) != now.get(..16))
        .then_some(pk);
    let rate = match (limit, window) {
        (Some(l), Some(w)) if l > 0 && w > 0 => Some(Rate {
            limit: l as u32,
            window_secs: w as u32,
        }),
        _ => None,
    };
    Ok(scope
        .parse()
        .ok()
        .map(|scope| (KeyAuth { name, scope, rate }, note)))
}

/// Notes that key `pk` was used now.
pub fn note_use(conn: &mut AnyConnection, pk: i32) -> QueryResult<()> {
    diesel::update(api_keys::table.find(pk))
        .set(api_keys::last_used_at.eq(super::now()))
        .execute(conn)?;
    Ok(())
}
