//! What a running server holds in memory beside the store: kept responses and list
//! totals (`cache`), buffered view counts (`views`), request quotas per client
//! (`quotas`), request metrics (`metrics`) and the queue of CDN purges (`purger`).
//! Nothing here is durable; the store is.

pub mod cache;
pub mod media_store;
pub mod metrics;
pub mod purger;
pub mod quotas;
pub mod views;
