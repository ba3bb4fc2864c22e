//! Where media bytes live: a folder on this machine or S3-compatible object storage, both
//! through `object_store`. Names are content addresses (`{sha256}.{ext}`), so a name's
//! bytes never change: writing one twice is harmless and any instance may serve it.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Why the media store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum MediaStoreError {
    /// No object has that name.
    #[error("no such object")]
    NotFound,
    /// The store is unreachable or failed.
    #[error("media store: {0}")]
    Failed(String),
}

impl From<object_store::Error> for MediaStoreError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => Self::NotFound,
            other => Self::Failed(other.to_string()),
        }
    }
}

/// An object's bytes (all, or the range asked for) and its full size.
pub struct Object {
    pub bytes: Bytes,
    pub size: u64,
}

/// Copies larger than this are not kept in memory (full-size originals).
const MAX_KEPT: usize = 2 << 20;

/// The media store.
#[derive(Clone)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// Recently served copies, by name, within a byte budget. A name's bytes never
    /// change, so a kept copy is never stale; a deletion forgets it.
    kept: moka::sync::Cache<String, Bytes>,
    /// What it is, for logs and `/readyz`-style messages (no secrets).
    pub describe: String,
}

impl MediaStore {
    /// Opens the store `location` names (see `Config::media_store`); an empty one is the
    /// folder `media` next to the SQLite file `database_url`, or `./data/media`.
    pub fn open(location: &str, database_url: &str, memory: u64) -> anyhow::Result<Self> {
        let mut store = Self::open_store(location, database_url)?;
        store.kept = moka::sync::Cache::builder()
            .max_capacity(memory)
            // A deletion on another instance: its copies here go within the hour.
            .time_to_live(std::time::Duration::from_secs(3600))
            .weigher(|k: &String, v: &Bytes| {
                u32::try_from(k.len() + v.len() + 64).unwrap_or(u32::MAX)
            })
            .build();
        Ok(store)
    }

    fn open_store(location: &str, database_url: &str) -> anyhow::Result<Self> {
        let location = location.trim();
        if location.starts_with("s3://") || location.starts_with("file://") {
            let mut url = url::Url::parse(location)
                .map_err(|e| anyhow::anyhow!("NEWSDESK_MEDIA_STORE: '{location}': {e}"))?;
            let mut options: Vec<(String, String)> = std::env::vars()
                .filter(|(k, _)| k.starts_with("AWS_"))
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            options.extend(
                url.query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
            url.set_query(None);
            let describe = url.to_string();
            if url.scheme() == "file" {
                let dir = url.to_file_path().map_err(|()| {
                    anyhow::anyhow!("NEWSDESK_MEDIA_STORE: '{location}' is not a folder")
                })?;
                return Self::folder(&dir);
            }
            let (store, prefix) = object_store::parse_url_opts(&url, options)
                .map_err(|e| anyhow::anyhow!("NEWSDESK_MEDIA_STORE: {e}"))?;
            return Ok(Self {
                store: Arc::from(store),
                prefix,
                describe,
                kept: moka::sync::Cache::new(0),
            });
        }
        let dir = if location.is_empty() {
            default_folder(database_url)
        } else {
            std::path::PathBuf::from(location)
        };
        Self::folder(&dir)
    }

    fn folder(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("media folder {}: {e}", dir.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| anyhow::anyhow!("media folder {}: {e}", dir.display()))?
            .with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::default(),
            describe: dir.display().to_string(),
            kept: moka::sync::Cache::new(0),
        })
    }

    fn path(&self, name: &str) -> Path {
        self.prefix.clone().join(name)
    }

    /// Stores `bytes` as `name`.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), MediaStoreError> {
        self.store
            .put(&self.path(name), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The size of `name`.
    pub async fn size(&self, name: &str) -> Result<u64, MediaStoreError> {
        if let Some(kept) = self.kept.get(name) {
            return Ok(kept.len() as u64);
        }
        Ok(self.store.head(&self.path(name)).await?.size)
    }

    /// The bytes of `name`, or of `range` within it.
    pub async fn get(
        &self,
        name: &str,
        range: Option<Range<u64>>,
    ) -> Result<Object, MediaStoreError> {
        if let Some(kept) = self.kept.get(name) {
            let size = kept.len() as u64;
            let bytes = match range {
                Some(r) => {
                    let end = r.end.min(size);
                    let start = r.start.min(end);
                    kept.slice(
                        usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0),
                    )
                }
                None => kept,
            };
            return Ok(Object { bytes, size });
        }
        let whole = range.is_none();
        let options = object_store::GetOptions {
            range: range.map(object_store::GetRange::Bounded),
            ..Default::default()
        };
        let got = self.store.get_opts(&self.path(name), options).await?;
        let size = got.meta.size;
        let bytes = got.bytes().await?;
        if whole && bytes.len() <= MAX_KEPT {
            self.kept.insert(name.to_string(), bytes.clone());
        }
        Ok(Object { bytes, size })
    }

    /// Removes `name` (already gone is fine).
    pub async fn delete(&self, name: &str) -> Result<(), MediaStoreError> {
        self.kept.invalidate(name);
        match self.store.delete(&self.path(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// `media/` beside an SQLite file; `./data/media` for a database server.
fn default_folder(database_url: &str) -> std::path::PathBuf {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return std::path::PathBuf::from("./data/media");
    }
    let file = database_url
        .strip_prefix("sqlite://")
        .unwrap_or(database_url);
    let parent = std::path::Path::new(file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    parent.join("media")
}
