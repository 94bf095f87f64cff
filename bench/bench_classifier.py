"""Speed and memory of ``bot.classifier`` on one core.

    python -m bench.bench_classifier [--n N] [--seconds S]

Prints load time (import + construction, measured in a fresh interpreter), throughput
in comments per second on a realistic mix of comments of at most 300 characters,
per-comment p50/p99 latency, and the memory taken by the loaded classifier (tracemalloc
and RSS delta).  Prints numbers only; nothing here asserts on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OWN_SET = REPO / "tests" / "data" / "comments.jsonl"
DATA = REPO.parent / "shared" / "data" / "moderation"

_LOAD_SNIPPET = """
import sys, time, tracemalloc, json
trace = sys.argv[1] == "mem"
def rss_kb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0
r0 = rss_kb()
if trace:
    tracemalloc.start()
t0 = time.perf_counter()
from bot.classifier import Classifier
clf = Classifier()
t1 = time.perf_counter()
cur, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
print(json.dumps({"load_s": t1 - t0, "traced_kb": cur / 1024, "traced_peak_kb": peak / 1024,
                  "rss_delta_kb": rss_kb() - r0}))
"""


def corpus(n: int, seed: int = 7) -> list[str]:
    """A mix: the own labelled set plus public comments when available, each cut to 300 chars."""
    texts = [json.loads(x)["text"] for x in OWN_SET.read_text(encoding="utf-8").splitlines() if x.strip()]
    for path in (DATA / "russe-detox-2022" / "dev.tsv",):
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines()[1:]:
                texts.extend(c for c in line.split("\t")[:2] if c.strip())
    spam = DATA / "tg-spam" / "spam-samples.txt"
    if spam.exists():
        texts.extend(x for x in spam.read_text(encoding="utf-8").splitlines()[:60] if x.strip())
    rnd = random.Random(seed)
    return [rnd.choice(texts)[:300] for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_classifier", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="comments per timed pass")
    args = ap.parse_args(argv)

    env = dict(os.environ, PYTHONPATH=str(REPO))

    def run(mode: str) -> dict[str, float]:
        out = subprocess.run([sys.executable, "-c", _LOAD_SNIPPET, mode], capture_output=True, text=True,
                             env=env, cwd=REPO, check=True)
        return json.loads(out.stdout)

    loads = sorted(run("time")["load_s"] for _ in range(5))
    print(f"load (import + Classifier(), fresh interpreter, 5 runs): median {loads[2] * 1000:.1f} ms, "
          f"max {loads[-1] * 1000:.1f} ms")
    best = run("mem")
    print(f"memory of the loaded classifier: tracemalloc {best['traced_kb'] / 1024:.2f} MiB "
          f"(peak {best['traced_peak_kb'] / 1024:.2f} MiB), RSS delta {best['rss_delta_kb'] / 1024:.2f} MiB")

    from bot.classifier import Classifier

    clf = Classifier()
    texts = corpus(args.n)
    avg_len = sum(map(len, texts)) / len(texts)
    print(f"corpus: {len(texts)} comments, mean {avg_len:.0f} chars, max {max(map(len, texts))} chars")

    # Cold pass (caches empty for unseen tokens), then a warm pass over the same texts.
    for name in ("first pass", "second pass"):
        t0 = time.perf_counter()
        for t in texts:
            clf.classify(t)
        dt = time.perf_counter() - t0
        print(f"throughput, {name}: {len(texts) / dt:,.0f} comments/s on one core (rules + trained model)")
    rules = Classifier(use_toxicity=False)
    t0 = time.perf_counter()
    for t in texts:
        rules.classify(t)
    dt = time.perf_counter() - t0
    print(f"throughput, rules only (for comparison): {len(texts) / dt:,.0f} comments/s on one core")

    lat = []
    pc = time.perf_counter_ns
    for t in texts[:10000]:
        t0 = pc()
        clf.classify(t)
        lat.append(pc() - t0)
    lat.sort()
    p50, p99 = lat[len(lat) // 2] / 1000, lat[int(len(lat) * 0.99)] / 1000
    print(f"latency per comment: p50 {p50:.0f} µs, p99 {p99:.0f} µs, max {lat[-1] / 1000:.0f} µs")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for t in texts[:2000]:
        clf.classify(t)
    snap1 = tracemalloc.take_snapshot()
    growth = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    print(f"memory growth over 2,000 more comments (caches): {growth / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
