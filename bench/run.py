"""Run every workload of issue 13 and print one table; `--record LABEL` commits the figures.

    python bench/run.py [--only intake,imports,...] [--record LABEL]

Workloads run one after another, each in a process of its own (see bench/README.md
for what each figure means). With --record, bench/results/<date>-<LABEL>.json and
.md are written, with the machine, the commit and the load average of each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BENCH, RESULT_MARK, ROOT, SMOKE  # noqa: E402

WORKLOADS = ["intake", "pipeline", "imports", "lookups", "natlog_lookup", "pages", "reeval", "evidence"]


def run(name: str) -> tuple[list[dict], float, str]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / f"{name}.py")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    results, tail = [], []
    for line in proc.stdout:
        if line.startswith(RESULT_MARK):
            results.append(json.loads(line[len(RESULT_MARK) :]))
        else:
            print(line, end="", flush=True)
            tail = (tail + [line])[-20:]
    proc.wait()
    error = "" if proc.returncode == 0 else f"exit {proc.returncode}: {''.join(tail[-3:]).strip()}"
    return results, time.perf_counter() - t0, error


def _f(value, digits=1) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(results: list[dict]) -> list[str]:
    """Markdown rows: workload, what, figure, ratio or target, load."""
    rows = ["| workload | what | figures | ratio / target | load |", "|---|---|---|---|---|"]
    by = {(r["workload"], r["name"]): r for r in results}
    bare = by.get(("intake", "bare DRF"))
    for r in results:
        w, n = r["workload"], r["name"]
        if w == "intake":
            figures = (
                f"{_f(r['req_s'])} req/s, p50 {_f(r['p50_ms'])} ms, p95 {_f(r['p95_ms'])} ms, "
                f"{_f(r['app_cpu_ms'])}+{_f(r['db_cpu_ms'])} CPU ms/req (app+db), {_f(r['sql_per_req'])} SQL, "
                f"{_f(r['xact_per_req'])} xact, rows checked {_f(r['rows_ok'])}, wrk {_f(r['wrk_cpu_ms'], 2)} CPU ms/req"
            )
            ratio = ""
            if bare and n != "bare DRF":
                ratio = (
                    f"{r['req_s'] / bare['req_s']:.0%} of bare req/s (target ≥50%), "
                    f"{r['app_cpu_ms'] / bare['app_cpu_ms']:.1f}x its CPU (target ≤2x)"
                )
        elif w == "pipeline":
            figures = (
                f"{_f(r['reports_s'])} reports/s ({_f(r.get('sustained_s'))}/s first to last attributed), "
                f"report-to-attributed p50 {_f(r['p50_s'])} s, p95 {_f(r['p95_s'])} s "
                f"(p50 first tenth {_f(r.get('p50_first_tenth_s'))} s, last tenth {_f(r.get('p50_last_tenth_s'))} s)"
            )
            ratio = "target ≥100 reports/s, p95 < 5 s"
        elif w == "imports":
            figures = (
                f"{_f(r['rate'], 0)} {r['unit']} vs COPY {_f(r['copy_rate'], 0)} ({_f(r['done'])} of "
                f"{_f(r.get('expected', r['lines']))}{', partial: deadline' if r['partial'] else ''})"
            )
            if "rss_big_mib" in r:
                figures += f"; RSS {_f(r['rss_small_mib'], 0)} MiB at {r['small_lines']:,} lines, {_f(r['rss_big_mib'], 0)} MiB at {r['lines']:,}"
                if r.get("rss_reader_mib"):
                    figures += f" (reader process {_f(r['rss_reader_mib'], 0)} MiB)"
            target = "≥10%" if n == "import_mailbox" else "≥25%"
            ratio = f"{r['ratio']:.1%} of COPY (target {target})"
        elif w == "lookups":
            figures = (
                f"p50 {_f(r['p50_ms'], 2)} ms, p95 {_f(r['p95_ms'], 2)} ms, p99 {_f(r['p99_ms'], 2)} ms at "
                f"{r['rows']:,} rows; index probe {_f(r['index_probe'])}"
            )
            ratio = "target p99 ≤ 2 ms"
        elif w == "natlog_lookup":
            figures = (
                f"p50 {_f(r['p50_ms'], 2)} ms, p95 {_f(r['p95_ms'], 2)} ms, p99 {_f(r['p99_ms'], 2)} ms at "
                f"{r['rows']:,} port blocks (in PostgreSQL p99 {_f(r['db_p99_ms'], 3)} ms); "
                f"index probe {_f(r['index_probe'])}"
            )
            ratio = "target p99 ≤ 2 ms"
        elif w == "pages":
            figures = f"p50 {_f(r['p50_ms'])} ms, p95 {_f(r['p95_ms'])} ms, {r['sql']} SQL ({r['runs']} runs)"
            ratio = "target p95 ≤ 500 ms" if n.startswith("dashboard") else "target p95 ≤ 150 ms"
        elif w == "evidence":
            figures = f"worker path {_f(r['worker_rate'], 0)}/s, plain dnspython {_f(r['plain_rate'], 0)}/s ({r['lookups']} lookups)"
            ratio = f"{r['ratio']:.0%} (target ≥70%)"
        elif w == "reeval":
            figures = f"{_f(r['cases_s'])} cases/s ({r['done']:,} of {r['open_cases']:,} open{', partial: deadline' if r['partial'] else ''})"
            ratio = "target ≥2,000 cases/s"
        else:
            figures, ratio = json.dumps(r), ""
        rows.append(f"| {w} | {n} | {figures} | {ratio} | {_f(float(r.get('load', 0)), 2)} |")  # fmt: skip
    return rows


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), ""
    )
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem / 2**20, 1), "os": platform.platform(),
            "python": platform.python_version(), "postgresql_client": pg}  # fmt: skip


def record(label: str, note: str, started: datetime, minutes: float, results: list[dict], timings: dict,
           errors: dict, unfinished: list[str]) -> Path:  # fmt: skip
    """Write bench/results/<date>-LABEL.json and .md with the figures so far (after every
    workload, so a run stopped or failed half-way keeps what it measured)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    data = {
        "label": label, "note": note, "started": started.isoformat(timespec="seconds"),
        "minutes": round(minutes, 1), "commit": commit.stdout.strip() or os.environ.get("BENCH_COMMIT", ""), "smoke": SMOKE, "machine": machine(),
        "seconds_per_workload": timings, "errors": errors, "unfinished": unfinished, "results": results,
    }  # fmt: skip
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    stem = out / f"{started:%Y-%m-%d}-{label}"
    stem.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
    m = data["machine"]
    per = ", ".join(f"{name} {seconds / 60:.1f}" for name, seconds in timings.items())
    header = [
        f"# Benchmark {label}: {started:%Y-%m-%d %H:%M} UTC, commit {data['commit']}",
        "",
        note,
        "",
        f"Machine: {m['cpus']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}, Python {m['python']}, "
        f"{m['postgresql_client']}; shared with other users (the load column is the 1-minute load average "
        f"when each figure was taken). {data['minutes']} min in all (minutes per workload: {per})."
        + (f" Not run yet when this was written: {', '.join(unfinished)}." if unfinished else ""),
        "",
    ]
    footer = [""] + [f"FAILED {name}: {error}" for name, error in errors.items()] if errors else []
    stem.with_suffix(".md").write_text("\n".join(header + table(results) + footer) + "\n")
    return stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(WORKLOADS)}")
    parser.add_argument("--record", metavar="LABEL", help="write bench/results/<date>-LABEL.json and .md")
    parser.add_argument("--note", default="", help="a line for the results file (what was measured)")
    args = parser.parse_args()
    chosen = [w for w in WORKLOADS if not args.only or w in args.only.split(",")]
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results, timings, errors = [], {}, {}
    stem = None
    for i, name in enumerate(chosen):
        print(f"== {name}", flush=True)
        found, seconds, error = run(name)
        results += found
        timings[name] = round(seconds, 1)
        if error:
            errors[name] = error
        if args.record:
            minutes = (time.perf_counter() - t0) / 60
            stem = record(args.record, args.note, started, minutes, results, timings, errors, chosen[i + 1 :])
    total = time.perf_counter() - t0
    lines = table(results)
    print("\n" + "\n".join(lines))
    print(f"\n{len(chosen)} workloads in {total / 60:.1f} min" + (" (smoke sizes)" if SMOKE else ""))
    for name, error in errors.items():
        print(f"FAILED {name}: {error}")
    if stem is not None:
        print(f"recorded {stem}.json and .md")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
