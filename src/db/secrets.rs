//! Secrets the server keeps for itself in the database (made once, shared by every
//! process on this database, kept across restarts).

use diesel::prelude::*;
use rand::RngCore;

use super::schema::server_secrets;

/// The secret called `name`, made (32 random bytes, hex) the first time it is asked for.
pub fn get_or_create(conn: &mut SqliteConnection, name: &str) -> QueryResult<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    diesel::insert_into(server_secrets::table)
        .values((
            server_secrets::name.eq(name),
            server_secrets::value.eq(hex::encode(bytes)),
        ))
        .on_conflict(server_secrets::name)
        .do_nothing()
        .execute(conn)?;
    server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .first(conn)
}
