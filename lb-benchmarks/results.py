#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json, with -prof gc) into lb-benchmarks/RESULTS.md (stdout).

Used by run.sh. Standard library only. Ratios compare each row with lbkit's row of the same
scenario, parameters and thread count (for StickySelect and CookieCodec: the default cookie mode,
siphash), so every ratio comes from one run on one machine.
"""
import argparse
import datetime
import json
import math
import os
import platform

PACKAGE = "io.lbkit.benchmarks."
SCENARIO_ORDER = ["RoundRobinSelect", "LeastConnSelect", "StickySelect", "StickTableSelect", "SpringChoose",
                  "SpringStickyChoose", "CookieCodec", "SnapshotRebuild"]
IMPL_ORDER = ["lbkit", "lbkitSelect", "siphash", "hmac", "haproxy", "stickTable", "routeSuffix", "armeria", "springCloud", "ribbon", "split"]
BASELINE = {"RoundRobinSelect": "lbkit", "LeastConnSelect": "lbkit", "StickySelect": "siphash", "CookieCodec": "siphash",
            "SnapshotRebuild": "lbkit", "StickTableSelect": "stickTable", "SpringChoose": "lbkit",
            "SpringStickyChoose": "lbkit"}
LABEL = {
    ("RoundRobinSelect", "lbkit"): "lbkit",
    ("RoundRobinSelect", "armeria"): "Armeria roundRobin()",
    ("RoundRobinSelect", "springCloud"): "Spring Cloud RoundRobinLoadBalancer (blocked)",
    ("RoundRobinSelect", "ribbon"): "Ribbon RoundRobinRule",
    ("LeastConnSelect", "lbkit"): "lbkit leastconn",
    ("LeastConnSelect", "ribbon"): "Ribbon BestAvailableRule",
    ("StickySelect", "siphash"): "lbkit, cookie-mode siphash",
    ("StickySelect", "hmac"): "lbkit, cookie-mode hmac",
    ("StickySelect", "haproxy"): "lbkit, cookie-mode haproxy",
    ("StickySelect", "split"): "naive split() + HashMap (reference)",
    ("CookieCodec", "siphash"): "siphash (SipHash-2-4)",
    ("CookieCodec", "hmac"): "hmac (HMAC-SHA256)",
    ("CookieCodec", "haproxy"): "haproxy (XXH64)",
    ("SnapshotRebuild", "lbkit"): "lbkit (sticky + round robin attached)",
    ("StickTableSelect", "stickTable"): "lbkit stick-on JSESSIONID (100k sessions)",
    ("StickTableSelect", "routeSuffix"): "lbkit route-suffix (jvmRoute)",
    ("SpringChoose", "lbkit"): "lb-spring choose() (lbkit round robin)",
    ("SpringChoose", "lbkitSelect"): "lbkit RoundRobinBalancer.select underneath",
    ("SpringChoose", "springCloud"): "Spring Cloud RoundRobinLoadBalancer.choose()",
    ("SpringStickyChoose", "lbkit"): "lb-spring choose() (lbkit cookie SRVID)",
    ("SpringStickyChoose", "lbkitSelect"): "lbkit StickyCookieBalancer.select underneath",
    ("SpringStickyChoose", "springCloud"): "Spring Cloud RequestBasedStickySession + RoundRobin choose()",
}
ZERO_ALLOC = 0.1  # B/op: JMH reports ~0.001-0.01 for an allocation-free loop (its own bookkeeping)


def load(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                scenario, impl = r["benchmark"][len(PACKAGE):].split(".", 1)
                alloc = r["secondaryMetrics"].get("gc.alloc.rate.norm", {})
                raw = [x for fork in r["primaryMetric"].get("rawData", []) for x in fork]
                rows.append({
                    "scenario": scenario, "impl": impl, "params": r.get("params", {}),
                    "threads": r["threads"], "score": r["primaryMetric"]["score"],
                    "error": num(r["primaryMetric"]["scoreError"]), "unit": r["primaryMetric"]["scoreUnit"],
                    "alloc": num(alloc.get("score")), "raw": r, "best": min(raw) if raw else math.nan,
                })
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def params_text(p):
    return ", ".join(f"{k}={int(v):,}" if v.isdigit() else f"{k}={v}" for k, v in sorted(p.items())) or "-"


def key(r):
    return (r["scenario"], tuple(sorted(r["params"].items())), r["threads"])


def fmt_ns(score, error):
    def f(x):
        if math.isnan(x):
            return "?"
        return f"{x:,.2f}" if x < 100 else f"{x:,.0f}"
    return f(score) + ("" if math.isnan(error) else " ± " + f(error))


def fmt_alloc(b):
    if math.isnan(b):
        return "?"
    if b < ZERO_ALLOC:
        return "0"
    return f"{b:,.1f}" if b < 100 else f"{b:,.0f}"


def sort_key(r):
    p = tuple(int(v) if v.isdigit() else v for _, v in sorted(r["params"].items()))
    return (SCENARIO_ORDER.index(r["scenario"]) if r["scenario"] in SCENARIO_ORDER else 99, p, r["threads"],
            IMPL_ORDER.index(r["impl"]) if r["impl"] in IMPL_ORDER else 99)


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            models = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        return f"{models[0]} x {len(models)} (from /proc/cpuinfo)" if models else platform.processor()
    except OSError:
        return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--load-before", default="unknown")
    ap.add_argument("--load-after", default="unknown")
    ap.add_argument("--minutes", default="?")
    ap.add_argument("--settings", default="")
    ap.add_argument("--notes")
    ap.add_argument("--proxy", help="proxy-results.md from proxy-bench.sh, kept at the end")
    ap.add_argument("--ws", nargs="*", default=[],
                    help="ws-results.md (ws-bench.sh), ws-many-results.md (ws-many.sh), kept after the proxy table")
    ap.add_argument("--reliability", help="reliability-results.md (fuzzing and soak runs, by hand), kept after it")
    ap.add_argument("--peers", help="peers-results.md (PeersLookup, PeersPropagation), kept at the very end")
    ap.add_argument("--before", nargs="*", help="JMH JSON of the same benchmarks against an earlier lb-core")
    a = ap.parse_args()

    rows = sorted(load(a.files), key=sort_key)
    base = {key(r): r for r in rows if r["impl"] == BASELINE.get(r["scenario"])}
    first = rows[0]["raw"]
    out = []
    w = out.append
    w("# lbkit benchmark results\n")
    w("Generated by `lb-benchmarks/run.sh` (JMH JSON → `results.py`); do not edit by hand, except the"
      " notes at the end, which come from `results-notes.md`.\n")
    ran = datetime.datetime.fromtimestamp(max(os.path.getmtime(f) for f in a.files), datetime.timezone.utc)
    w(f"- Date: {ran:%Y-%m-%d %H:%M} UTC (end of the run), {a.minutes} min")
    w(f"- JDK: {first['jdkVersion']}, {first['vmName']} {first['vmVersion']}")
    w(f"- CPU: {cpu()}; OS: {platform.system()} {platform.release()}")
    w(f"- Load average (1/5/15 min) before: {a.load_before}; after: {a.load_after}")
    w(f"- JMH {first['jmhVersion']}, mode average time; settings: `{a.settings} -prof gc`"
      f" ({first['forks']} fork(s), {first['warmupIterations']} x {first['warmupTime']} warmup,"
      f" {first['measurementIterations']} x {first['measurementTime']} measurement)")
    w("- ns/op: per operation per thread; ± is JMH's 99.9% confidence half-width over all"
      " measurement iterations of all forks. B/op: `gc.alloc.rate.norm`, bytes allocated per"
      f" operation; below {ZERO_ALLOC} B/op is shown as 0 (JMH's own bookkeeping). Ratio: this row's"
      " ns/op divided by lbkit's (same scenario, parameters and threads; siphash for StickySelect"
      " and CookieCodec); above 1 means slower than lbkit. Best: the fastest single measurement"
      " iteration, the least disturbed by other processes; compare it with the mean when ± is large.\n")

    w("| scenario | implementation | params | threads | ns/op ± error | B/op | ratio to lbkit | best ns/op |")
    w("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        b = base.get(key(r))
        ratio = f"{r['score'] / b['score']:.2f}" if b else "-"
        w(f"| {r['scenario']} | {LABEL.get((r['scenario'], r['impl']), r['impl'])} | {params_text(r['params'])}"
          f" | {r['threads']} | {fmt_ns(r['score'], r['error'])} | {fmt_alloc(r['alloc'])} | {ratio}"
          f" | {fmt_ns(r['best'], math.nan)} |")
    w("")
    w("## Targets\n")
    w("| target | measured | verdict |")
    w("| --- | --- | --- |")
    for line in targets(rows):
        w(line)
    w("")
    if a.before:
        w("## Before/after (same run)\n")
        w("The same benchmarks against an earlier lb-core (`BEFORE_JAR`), run right after the main run"
          " with the same settings.\n")
        w("| scenario | implementation | params | threads | before ns/op ± error | after ns/op ± error | before best | after best | B/op before → after |")
        w("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        after = {(r["scenario"], r["impl"], tuple(sorted(r["params"].items())), r["threads"]): r for r in rows}
        for b in sorted(load(a.before), key=sort_key):
            r = after.get((b["scenario"], b["impl"], tuple(sorted(b["params"].items())), b["threads"]))
            if r:
                w(f"| {b['scenario']} | {LABEL.get((b['scenario'], b['impl']), b['impl'])} | {params_text(b['params'])}"
                  f" | {b['threads']} | {fmt_ns(b['score'], b['error'])} | {fmt_ns(r['score'], r['error'])}"
                  f" | {fmt_ns(b['best'], math.nan)} | {fmt_ns(r['best'], math.nan)}"
                  f" | {fmt_alloc(b['alloc'])} → {fmt_alloc(r['alloc'])} |")
        w("")
    if a.notes and os.path.exists(a.notes):
        with open(a.notes) as f:
            w(f.read().rstrip() + "\n")
    if a.proxy and os.path.exists(a.proxy):
        with open(a.proxy) as f:
            w(f.read().rstrip() + "\n")
    for ws in a.ws:
        if os.path.exists(ws):
            with open(ws) as f:
                w(f.read().rstrip() + "\n")
    if a.reliability and os.path.exists(a.reliability):
        with open(a.reliability) as f:
            w(f.read().rstrip() + "\n")
    if a.peers and os.path.exists(a.peers):
        with open(a.peers) as f:
            w(f.read().rstrip() + "\n")
    print("\n".join(out))


def find(rows, scenario, impl, threads=1, **params):
    for r in rows:
        if (r["scenario"], r["impl"], r["threads"]) == (scenario, impl, threads) and all(
                r["params"].get(k) == str(v) for k, v in params.items()):
            return r
    return None


def targets(rows):
    lines = []

    def verdict(ok):
        return "met" if ok else "**missed**"

    servers = sorted({int(r["params"]["servers"]) for r in rows if r["scenario"] == "RoundRobinSelect"})
    for t in (1, 2):
        for n in servers:
            lb = find(rows, "RoundRobinSelect", "lbkit", t, servers=n)
            if not lb:
                continue
            for peer, want in (("armeria", 3), ("springCloud", 10)):
                p = find(rows, "RoundRobinSelect", peer, t, servers=n)
                if p:
                    ratio = p["score"] / lb["score"]
                    lines.append(f"| round robin ≥ {want}× faster than {peer}, {n} servers, {t} thread(s)"
                                 f" | {ratio:.2f}× | {verdict(ratio >= want)} |")
            lines.append(f"| round robin 0 B/op, {n} servers, {t} thread(s) | {fmt_alloc(lb['alloc'])} B/op"
                         f" | {verdict(lb['alloc'] < ZERO_ALLOC)} |")
    for n in servers:
        one, two = find(rows, "RoundRobinSelect", "lbkit", 1, servers=n), find(rows, "RoundRobinSelect", "lbkit", 2, servers=n)
        if one and two:
            ok = two["score"] <= one["score"]
            within = two["score"] - one["score"] <= nz(one["error"]) + nz(two["error"])
            lines.append(f"| round robin at 2 threads no slower per op than at 1, {n} servers"
                         f" | {fmt_ns(two['score'], two['error'])} vs {fmt_ns(one['score'], one['error'])} ns"
                         f" | {'met' if ok else ('within error' if within else '**missed**')} |")
    for mode in ("siphash", "hmac", "haproxy"):
        s = find(rows, "StickySelect", mode)
        if s:
            lines.append(f"| sticky select from the raw header ≤ 50 ns and 0 B/op ({mode})"
                         f" | {fmt_ns(s['score'], s['error'])} ns, {fmt_alloc(s['alloc'])} B/op"
                         f" | {verdict(s['score'] <= 50 and s['alloc'] < ZERO_ALLOC)} |")
    for scenario, what in (("SpringChoose", "round robin"), ("SpringStickyChoose", "sticky")):
        lb, peer = find(rows, scenario, "lbkit"), find(rows, scenario, "springCloud")
        if lb and peer:
            lines.append(f"| lb-spring choose() allocates less per pick than Spring Cloud's ({what})"
                         f" | {fmt_alloc(lb['alloc'])} vs {fmt_alloc(peer['alloc'])} B/op"
                         f" | {verdict(lb['alloc'] < peer['alloc'])} |")
    r = find(rows, "SnapshotRebuild", "lbkit", servers=10000)
    if r:
        lines.append(f"| 10,000-server snapshot rebuild < 10 ms | {r['score'] / 1e6:.2f} ± {nz(r['error']) / 1e6:.2f} ms"
                     f" | {verdict(r['score'] < 10e6)} |")
    return lines


def nz(x):
    return 0.0 if math.isnan(x) else x


def splice(results, section_file):
    """Replaces the section of RESULTS.md that section_file starts with (its first "## " line), or appends it."""
    with open(section_file) as f:
        section = f.read().rstrip() + "\n"
    title = section.split("\n", 1)[0]
    text = open(results).read() if os.path.exists(results) else ""
    start = text.find(title)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    with open(results, "w") as f:
        f.write(text)


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--splice":  # ws-bench.sh, ws-many.sh: their section into RESULTS.md
        splice("RESULTS.md", sys.argv[2])
    else:
        main()
