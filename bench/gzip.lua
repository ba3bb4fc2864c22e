-- A client that accepts gzip, as browsers and feed readers do.
wrk.headers["Accept-Encoding"] = "gzip"
