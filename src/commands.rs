//! What each command of the command line does (`cli` declares them): serve, migrate,
//! keys, openapi, backup, export, import, copy, seed-demo, refresh-media; one function
//! each. Every write goes through the store's writer.

use crate::cli::{Command, KeysAction};
use crate::config::Config;
use crate::db;
use crate::domain::access::Scope;
use crate::domain::quota;
use crate::{openapi, serve};

/// Runs `command` to its end.
pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => actix_web::rt::System::new().block_on(serve::run(config)),
        Command::Migrate => {
            let pool = db::open(&config, 1)?;
            eprintln!("applied {} migration(s)", db::migrate(&pool)?);
            Ok(())
        }
        Command::Openapi => {
            print!("{}", openapi::spec_json());
            Ok(())
        }
        Command::Keys { action } => keys(&config, action),
        Command::Backup { path } => backup(&config, &path),
        Command::RefreshMedia => refresh_media(&config),
        Command::Export {
            without_media_bytes,
        } => export(&config, !without_media_bytes),
        Command::Import { file } => import(&config, &file),
        Command::Copy { to } => copy(&config, to),
        Command::SeedDemo { articles, seed } => seed_demo(&config, articles, seed),
    }
}

/// The store `DATABASE_URL` names, brought up to date.
fn migrated(config: &Config) -> anyhow::Result<db::DbPool> {
    let pool = db::open(config, 1)?;
    db::migrate(&pool)?;
    Ok(pool)
}

/// `backup PATH`: a consistent copy of the SQLite store, and the media bytes beside it.
fn backup(config: &Config, path: &str) -> anyhow::Result<()> {
    let pool = migrated(config)?;
    let started = std::time::Instant::now();
    let mut conn = pool.get()?;
    db::portability::backup(&mut conn, path)?;
    // The media bytes beside it: `{path}.media/`, a folder NEWSDESK_MEDIA_STORE can name
    // where the copy is restored.
    let items = db::media::all(&mut conn)?;
    if !items.is_empty() {
        let media = MediaCopies::open(config)?;
        let folder = format!("{path}.media");
        let target = crate::runtime::media_store::MediaStore::open(&folder, "", 0)?;
        let mut copied = 0;
        for f in items.iter().flat_map(db::media::MediaRow::file_list) {
            if let Some(bytes) = media.fetch(&f.name)? {
                media.runtime.block_on(target.put(&f.name, bytes))?;
                copied += 1;
            }
        }
        eprintln!("{copied} media copies written to {folder}/");
    }
    eprintln!(
        "backed up to {path} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `refresh-media`: every live article that uses a media item written again, so its
/// images' URLs follow `NEWSDESK_MEDIA_URL`.
fn refresh_media(config: &Config) -> anyhow::Result<()> {
    let pool = migrated(config)?;
    let (base, language) = (config.media_url.clone(), config.default_language.clone());
    let caller = crate::domain::access::Caller::Key {
        name: "newsdesk refresh-media".into(),
        scope: Scope::Admin,
    };
    let pks = pool.write_blocking(db::media::live_articles_using_media)?;
    let (mut done, mut refused) = (0, 0);
    for pk in pks {
        let (caller, base, language) = (caller.clone(), base.clone(), language.clone());
        let written: Result<_, db::StoreError> = pool.write_blocking(move |conn| {
            crate::handlers::media::resolve_again(
                conn,
                pk,
                &caller,
                &base,
                &language,
                "media refreshed",
            )
        });
        match written {
            Ok(rec) => {
                done += 1;
                eprintln!("{}", rec.row.id);
            }
            Err(e) => {
                refused += 1;
                eprintln!("article {pk}: {e}");
            }
        }
    }
    eprintln!("{done} articles written again under {base}; {refused} refused");
    anyhow::ensure!(
        refused == 0,
        "{refused} article(s) could not be written again"
    );
    Ok(())
}

/// `export`: the store as JSON lines on stdout, media bytes inline unless left out.
fn export(config: &Config, with_media_bytes: bool) -> anyhow::Result<()> {
    let pool = migrated(config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut conn = pool.get()?;
    let media = MediaCopies::open(config)?;
    let fetch = |name: &str| media.fetch(name);
    let lines = db::portability::export(
        &mut conn,
        &mut out,
        with_media_bytes.then_some(&fetch as db::portability::FetchCopy<'_>),
    )?;
    std::io::Write::flush(&mut out)?;
    eprintln!("exported {lines} lines");
    Ok(())
}

/// `import FILE` (`-`: stdin): an export's lines, each checked as the API would.
fn import(config: &Config, file: &str) -> anyhow::Result<()> {
    let pool = migrated(config)?;
    let started = std::time::Instant::now();
    let input: Box<dyn std::io::BufRead> = if file == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(file)?))
    };
    let media = MediaCopies::open(config)?;
    let put = |name: &str, bytes: Vec<u8>| media.put(name, bytes);
    let report = db::portability::import(&pool, input, Some(&put))?;
    for (line, why) in &report.errors {
        eprintln!("line {line}: {why}");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {} lines in {secs:.1} s ({:.0}/s); {} refused",
        report.imported,
        report.imported as f64 / secs,
        report.errors.len()
    );
    anyhow::ensure!(
        report.errors.is_empty(),
        "{} line(s) were not imported",
        report.errors.len()
    );
    Ok(())
}

/// `copy URL`: this store into another, empty one, row for row.
fn copy(config: &Config, to: String) -> anyhow::Result<()> {
    let from = db::open(config, 1)?;
    let target = Config {
        database_url: to,
        ..config.clone()
    };
    let to = db::open(&target, 1)?;
    let started = std::time::Instant::now();
    let report = db::copy::copy(&from, &to)?;
    for (table, rows) in &report.tables {
        eprintln!("{table}: {rows} rows");
    }
    eprintln!("copied in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `seed-demo`: demo articles in both languages.
fn seed_demo(config: &Config, articles: usize, seed: u64) -> anyhow::Result<()> {
    let pool = migrated(config)?;
    let started = std::time::Instant::now();
    let n = crate::seed::seed(&pool, articles, seed)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "created {n} articles in {secs:.1} s ({:.0}/s)",
        n as f64 / secs
    );
    Ok(())
}

/// `keys …`: create, list and revoke API keys.
fn keys(config: &Config, action: KeysAction) -> anyhow::Result<()> {
    let pool = migrated(config)?;
    match action {
        KeysAction::Create {
            name,
            scope,
            rate,
            expires_in,
        } => {
            let scope: Scope = scope.parse().map_err(anyhow::Error::msg)?;
            let rate = rate
                .as_deref()
                .map(quota::parse_rate)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let expires_at = expires_in
                .as_deref()
                .map(quota::parse_duration)
                .transpose()
                .map_err(anyhow::Error::msg)?
                .map(|d| pool.clock().now() + d);
            let options = db::keys::KeyOptions { rate, expires_at };
            let key = {
                let name = name.clone();
                pool.write_blocking(move |conn| {
                    db::keys::create_with(conn, &name, scope, &options)
                })?
            };
            eprintln!(
                "created key '{name}' with scope {scope}, rate {}, expires {}; it is shown only once:",
                rate.map_or_else(|| "default".to_string(), |r| r.to_string()),
                expires_at.map_or_else(|| "never".into(), crate::domain::time::format),
            );
            println!("{key}");
        }
        KeysAction::List => {
            println!(
                "{:<24} {:<10} {:<6} {:<10} {:<28} {:<28} {:<28} revoked",
                "name", "prefix", "scope", "rate", "created", "last used", "expires"
            );
            let mut conn = pool.get()?;
            let listed = db::keys::list(&mut conn)?;
            for k in listed {
                let rate = match (k.rate_limit, k.rate_window_secs) {
                    (Some(l), Some(w)) if l > 0 && w > 0 => quota::Rate {
                        limit: l as u32,
                        window_secs: w as u32,
                    }
                    .to_string(),
                    _ => "default".into(),
                };
                println!(
                    "{:<24} {:<10} {:<6} {:<10} {:<28} {:<28} {:<28} {}",
                    k.name,
                    k.prefix,
                    k.scope,
                    rate,
                    k.created_at,
                    k.last_used_at.unwrap_or_else(|| "-".into()),
                    k.expires_at.unwrap_or_else(|| "never".into()),
                    k.revoked_at.unwrap_or_else(|| "-".into())
                );
            }
        }
        KeysAction::Revoke { name } => {
            anyhow::ensure!(
                {
                    let name = name.clone();
                    pool.write_blocking(move |conn| Ok(db::keys::revoke(conn, &name)?))?
                },
                "no active key is named '{name}'"
            );
            eprintln!("revoked key '{name}'");
        }
    }
    Ok(())
}

/// The media store, for commands: its async calls run on a runtime of their own.
struct MediaCopies {
    store: crate::runtime::media_store::MediaStore,
    runtime: tokio::runtime::Runtime,
}

impl MediaCopies {
    fn open(config: &Config) -> anyhow::Result<Self> {
        Ok(Self {
            store: crate::runtime::media_store::MediaStore::open(
                &config.media_store,
                &config.database_url,
                0,
            )?,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        })
    }

    fn fetch(&self, name: &str) -> anyhow::Result<Option<Vec<u8>>> {
        use crate::runtime::media_store::MediaStoreError;
        match self.runtime.block_on(self.store.get(name, None)) {
            Ok(object) => Ok(Some(object.bytes.to_vec())),
            Err(MediaStoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn put(&self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        Ok(self.runtime.block_on(self.store.put(name, bytes))?)
    }
}
