DROP TABLE cache_purges;
