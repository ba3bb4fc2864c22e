//! Secrets the server keeps for itself in the database (made once, shared by every
//! process on this database, kept across restarts).

use crate::db::AnyConnection;
use diesel::prelude::*;
use rand::RngCore;

use super::schema::server_secrets;

/// The secret called `name`, made (32 random bytes, hex) the first time it is asked for.
pub fn get_or_create(conn: &mut AnyConnection, name: &str) -> QueryResult<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::db::prepared::raw(
        "INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    )
    .text(name)
    .text(hex::encode(bytes))
    .execute(conn)?;
    server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .first(conn)
}
