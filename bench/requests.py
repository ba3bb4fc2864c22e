"""Request lists for the realistic workloads of bench/run.sh (R1–R3), from the seeded
database (read-only), deterministic (seeded random):

  python3 bench/requests.py SEEDED.db OUT_DIR

R1 (news-site mix, reads only), per 100 requests:
  70 article reads, Zipf (s = 1) by recency over every public article: rank 1 is the
     newest; about 60 % of reads fall on the newest 1,000, about 20 % beyond the
     newest 10,000 (the archive's long tail)
   8 home page (newest 20)              6 tag pages (top 30 tags, Zipf)
   5 related of an article (Zipf)       3 searches (40 words, Zipf)
   3 most read (24h / 7d)             3 page N of the newest (N = 2..50, Zipf)
   2 RSS
R2: R1's requests, each article read followed by its view beacon (POST …/views, as an
    article page sends), and one edit (PATCH of a title, Zipf by recency) per 500.
R3: every public article once, in random order (cold reads over the whole archive).
Lines are `METHOD PATH [BODY]`; bench/news.lua replays them.
"""
import bisect
import random
import sqlite3
import sys

seeded, out = sys.argv[1], sys.argv[2]
db = sqlite3.connect(f"file:{seeded}?mode=ro", uri=True)
articles = db.execute(
    "SELECT slug, id FROM articles WHERE status = 'published' AND deleted_at IS NULL "
    "AND sort_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ORDER BY sort_at DESC, pk DESC"
).fetchall()
tags = [
    r[0]
    for r in db.execute(
        "SELECT t.slug FROM tags t JOIN article_tags a ON a.tag_pk = t.pk "
        "GROUP BY t.slug ORDER BY count(*) DESC LIMIT 30"
    )
]
words = (
    "community ukraine diaspora culture language school festival concert volunteers "
    "aid youth music history church kyiv lviv london berlin toronto warsaw art "
    "exhibition film book poetry football children heritage independence holiday "
    "congress students charity refugees energy economy media health sport education"
).split()


def zipf(n, s=1.0):
    """A sampler of ranks 0..n-1 with P(r) ∝ 1 / (r + 1)^s."""
    cum, total = [], 0.0
    for r in range(n):
        total += 1.0 / (r + 1) ** s
        cum.append(total)

    def draw(rng):
        return min(bisect.bisect_left(cum, rng.random() * total), n - 1)

    return draw


rng = random.Random(20261129)
article = zipf(len(articles))
tag = zipf(len(tags))
word = zipf(len(words))
page = zipf(49)
mix = (
    [("article", 70), ("home", 8), ("tag", 6), ("related", 5), ("search", 3)]
    + [("popular", 3), ("page", 3), ("rss", 2)]
)
kinds = [k for k, n in mix for _ in range(n)]


def one(rng):
    kind = rng.choice(kinds)
    if kind == "article":
        slug, aid = articles[article(rng)]
        return kind, f"GET /v1/articles/{slug}", slug
    if kind == "home":
        return kind, "GET /v1/articles?limit=20", None
    if kind == "tag":
        return kind, f"GET /v1/articles?tag={tags[tag(rng)]}&limit=20", None
    if kind == "related":
        return kind, f"GET /v1/articles/{articles[article(rng)][0]}/related", None
    if kind == "search":
        return kind, f"GET /v1/articles?q={words[word(rng)]}&limit=20", None
    if kind == "popular":
        return kind, f"GET /v1/articles/popular?window={rng.choice(['24h', '7d'])}", None
    if kind == "page":
        return kind, f"GET /v1/articles?limit=20&page={page(rng) + 2}", None
    return kind, "GET /v1/feeds/rss", None


N = 200_000
with open(f"{out}/r1.txt", "w") as r1, open(f"{out}/r2.txt", "w") as r2:
    edits = 0
    for i in range(N):
        kind, line, slug = one(rng)
        r1.write(line + "\n")
        r2.write(line + "\n")
        if slug:
            r2.write(f"POST /v1/articles/{slug}/views\n")
        if i % 500 == 499:
            edits += 1
            _, aid = articles[article(rng)]
            r2.write(f'PATCH /v1/articles/{aid} {{"title":"Edited in the benchmark {edits}"}}\n')
order = list(range(len(articles)))
rng.shuffle(order)
with open(f"{out}/r3.txt", "w") as r3:
    for i in order:
        r3.write(f"GET /v1/articles/{articles[i][0]}\n")
