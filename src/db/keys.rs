//! API keys: stored only as SHA-256 hashes (keys are 192 random bits, so a fast hash is
//! enough; nothing to brute-force).

use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::schema::api_keys;
use crate::domain::access::Scope;

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
}

/// Hex SHA-256 of a presented key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key; returns the key itself, which is never stored.
pub fn create(conn: &mut SqliteConnection, name: &str, scope: Scope) -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("nd_{}", hex::encode(bytes));
    let taken: i64 = api_keys::table
        .filter(api_keys::name.eq(name))
        .count()
        .get_result(conn)?;
    anyhow::ensure!(taken == 0, "a key named '{name}' already exists");
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::key_hash.eq(hash(&key)),
            api_keys::prefix.eq(&key[..9]),
            api_keys::scope.eq(scope.as_str()),
            api_keys::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(key)
}

/// Every key, newest first.
pub fn list(conn: &mut SqliteConnection) -> QueryResult<Vec<KeyInfo>> {
    api_keys::table
        .order(api_keys::pk.desc())
        .select((
            api_keys::name,
            api_keys::prefix,
            api_keys::scope,
            api_keys::created_at,
            api_keys::last_used_at,
            api_keys::revoked_at,
        ))
        .load(conn)
}

/// Revokes a key by name; false when no active key has that name.
pub fn revoke(conn: &mut SqliteConnection, name: &str) -> QueryResult<bool> {
    let n = diesel::update(
        api_keys::table
            .filter(api_keys::name.eq(name))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(super::now()))
    .execute(conn)?;
    Ok(n > 0)
}

/// The name and scope of an active key, looked up by its hash; notes the use at most
/// once a minute so reads do not become writes.
pub fn authenticate(
    conn: &mut SqliteConnection,
    key: &str,
) -> QueryResult<Option<(String, Scope)>> {
    let found: Option<(i32, String, String, Option<String>)> = api_keys::table
        .filter(api_keys::key_hash.eq(hash(key)))
        .filter(api_keys::revoked_at.is_null())
        .select((
            api_keys::pk,
            api_keys::name,
            api_keys::scope,
            api_keys::last_used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((pk, name, scope, last_used)) = found else {
        return Ok(None);
    };
    let now = super::now();
    if last_used.is_none_or(|t| t[..16] != now[..16]) {
        diesel::update(api_keys::table.find(pk))
            .set(api_keys::last_used_at.eq(&now))
            .execute(conn)?;
    }
    Ok(scope.parse().ok().map(|s| (name, s)))
}
