//! What a running server holds beside the store: kept responses (`cache`), buffered
//! view counts (`views`), request quotas per client (`quotas`), request metrics
//! (`metrics`), the queue of CDN purges (`purger`), and where media bytes live
//! (`media_store`: a folder or S3). Nothing in memory here is durable; the store and
//! the media store are. (List totals and each tag's newest articles are kept by the
//! store itself, `db::articles`, valid at a version `cache` gives.)

pub mod cache;
pub mod media_store;
pub mod metrics;
pub mod purger;
pub mod quotas;
pub mod views;
