# Varnish in front of newsdesk, purged by cache tag.
#
# newsdesk names what each public response shows in `Surrogate-Key` (e.g.
# "article:0193… tag:standwithukraine articles all"); this VCL stores those names as
# xkey keys. With NEWSDESK_PURGE_URL=http://VARNISH-HOST:PORT/ newsdesk sends, after
# every commit, `PURGE /` with the touched tags in an `xkey` header: exactly the objects
# carrying one of them go; the rest stay cached.
#
# Needs Varnish 7 and the xkey module (Debian: varnish, varnish-modules).
# Start: varnishd -a 127.0.0.1:6081 -f /path/to/default.vcl -s malloc,256m
vcl 4.1;

import xkey;

# newsdesk itself (`NEWSDESK_BIND`).
backend default {
    .host = "127.0.0.1";
    .port = "8080";
}

# Who may purge: newsdesk's hosts.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "An xkey header names the tags to purge"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    # Keyed reads are private (drafts, counts of everything): never shared. Varnish's
    # built-in rules pass them too; this says so.
    if (req.http.Authorization) {
        return (pass);
    }
}

sub vcl_backend_response {
    # newsdesk's tags become xkey keys.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
}

sub vcl_deliver {
    # For people (and tests) looking: was it served from the cache?
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
}
