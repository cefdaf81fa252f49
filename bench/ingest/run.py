"""Ingest benchmark (issue 13, items 1 and 2): the production server under wrk, every check-in path
interleaved with the same stack's trivial view in one run.

    .venv/bin/python -m bench.ingest.run      # database ravao_ingest (dropped and re-created)
    options: --database-url postgres://postgres@127.0.0.1:5432/NAME, --duration 10 (s per phase),
             --rounds 2, --connections 8, --threads 2, --persons 30000, --devices 4000, --workers 2

What it does (about 5 minutes on 2 cores with the defaults):
1. a fresh PostgreSQL database, `ravao migrate`, the data of `bench/ingest/world.py` (200 venues, 20 factory
   gates, 30,000 persons with a fresh declaration, 4,000 remembered phones, one gate guard);
2. `ravao serve` (gunicorn, 2 sync workers, DEBUG off, collected static files) with the bench-only
   endpoints on (`RAVAO_BENCH_ENDPOINTS`, `/_bench/ok` and `/_bench/insert`; refused off loopback), rate
   limits and the gates' scan budgets raised out of the way (still checked: their cost is in the figures;
   local-memory cache, no Redis) and
   persistent database connections (`RAVAO_DB_CONN_MAX_AGE=600`, so each worker keeps its backend);
3. the page weight of a first visit: the poster's page as a phone with no cookie fetches it, every stylesheet
   and script it links, the form's POST (the first check-in) and any new asset of the confirmation, with
   `Accept-Encoding: br, gzip`: bytes on the wire (headers included), compression and cache headers checked;
4. wrk (`bench/ingest/paths.lua`) for --duration seconds per phase, in the order trivial, raw INSERT,
   trivial, one-tap JSON, trivial, landing GET, trivial, one-tap HTML POST, trivial, gate sync (200 scans a
   request), --rounds times. Each phase reports req/s, p50/p99 (wrk --latency), the CPU time per request of
   the gunicorn workers and of their PostgreSQL backends (/proc/<pid>/stat before and after) and the ratio
   to the trivial phase just before it. After each writing phase the new rows are counted: every acknowledged
   check-in (201 JSON, 200 HTML confirmation, "checked_in" in a gate answer, 201 of the raw INSERT) must be
   in the database (rows ≥ acknowledged; a few more are requests in flight when wrk stopped, which wrk never
   counts) and no client_id twice;
5. the 1-minute load average at the start and the end. The table is printed and written to
   `bench/ingest/results-<UTC date and time>.md`. The server is always stopped; the database is kept.
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RAVAO = [sys.executable, "-m", "ravao"]
TICK = os.sysconf("SC_CLK_TCK")
PATHS = ["insert", "api", "landing", "html", "gate"]
LABELS = {
    "trivial": "trivial view (`/_bench/ok`)",
    "insert": "one raw INSERT (`/_bench/insert`)",
    "api": "one-tap JSON `POST /api/v1/checkins`",
    "landing": "landing page `GET /v/<code>` (known phone)",
    "html": "one-tap HTML `POST /v/<code>`",
    "gate": "gate sync, 200 scans a request",
}
GATE_BUDGETS = (
    "SCANS_PER_STAFF_HOUR",
    "SCANS_PER_VENUE_HOUR",
    "UNKNOWN_PER_STAFF_HOUR",
    "UNKNOWN_PER_VENUE_HOUR",
)
METHOD = {"insert": "bench", "api": "self", "html": "self", "gate": "gate"}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ravao_ingest")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--persons", type=int, default=30000)
    parser.add_argument("--devices", type=int, default=4000)
    parser.add_argument(
        "--plain", action="store_true", help="check-ins in a plain table (migrated back to checkins 0006), "
        "to compare with the table partitioned by day",
    )  # fmt: skip
    return parser.parse_args()


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pids: list[int]) -> dict[tuple[int, int], float]:
    """utime + stime of each process still there, keyed by (pid, start time): a worker recycled by gunicorn
    (max_requests) is a new process, even if its pid comes back."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def used(before: dict[tuple[int, int], float], after: dict[tuple[int, int], float]) -> float:
    """CPU seconds between two snapshots; a process born in between counts whole."""
    return sum(cpu - before.get(key, 0.0) for key, cpu in after.items())


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.name = url.rsplit("/", 1)[1]
        self.admin = url.rsplit("/", 1)[0] + "/postgres"

    def recreate(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]

    def backends(self) -> list[int]:
        rows = self.query(
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.name}' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in rows]

    def counts(self) -> dict[str, int]:
        rows = self.query("SELECT method, count(*) FROM checkins_checkin GROUP BY method")
        counts = {method: count for method, count in rows}
        counts["_scans"] = self.query("SELECT count(*) FROM checkins_gatescan")[0][0]
        return counts

    def duplicates(self) -> tuple[int, int, int]:
        """(client_ids seen twice, check-in rows, client keys): keys equal rows on a partitioned table."""
        sql = "SELECT count(*) - count(DISTINCT client_id), count(*) FROM checkins_checkin"
        dup, rows = self.query(sql)[0]
        keys = self.query("SELECT count(*) FROM checkins_client_key")[0][0]
        return dup, rows, keys


def server_env(args: argparse.Namespace, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "RAVAO_DEBUG": "0",
        "RAVAO_SECRET_KEY": secrets.token_urlsafe(50),
        "RAVAO_DATA_KEYS": "k1:" + secrets.token_urlsafe(32),
        "RAVAO_LOOKUP_KEY": secrets.token_urlsafe(32),
        "RAVAO_SITE_URL": f"http://127.0.0.1:{port}",
        "RAVAO_SECURE_COOKIES": "0",
        "RAVAO_HSTS_SECONDS": "0",
        "RAVAO_STATIC_ROOT": str(ROOT / "var" / "ingest-static"),
        "RAVAO_BENCH_ENDPOINTS": "1",
        "PYTHONPATH": str(ROOT),  # this checkout's ravao, not an installed one
        "RAVAO_DB_CONN_MAX_AGE": "600",
        **{f"RAVAO_RATE_LIMIT_{name}": "1000000000" for name in ("CHECKIN", "API", "LOGIN", "LOOKUP")},
        **{f"RAVAO_GATE_{name}": "1000000000" for name in GATE_BUDGETS},
    }


def write_lua_data(world: dict[str, Any], csrf: str, path: Path) -> None:
    def lua_value(item: Any) -> str:
        if isinstance(item, list):  # [gate, kind, payload]: no brackets inside the strings
            return json.dumps(item, ensure_ascii=False).replace("[", "{").replace("]", "}")
        return json.dumps(item)

    def lua_list(items: list[Any]) -> str:
        return "{" + ",".join(lua_value(item) for item in items) + "}"

    path.write_text(
        "D = {\n"
        f"cookies = {lua_list(world['device_cookies'])},\n"
        f"codes = {lua_list(world['venue_codes'])},\n"
        f"gates = {lua_list(world['gate_ids'])},\n"
        f"scans = {lua_list(world['scans'])},\n"
        f"session = {json.dumps(world['session'])},\n"
        f"csrf = {json.dumps(csrf)},\n"
        "}\n",
        encoding="utf-8",
    )


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[str]:
    # The server's log goes to a file: a pipe nobody reads fills up and blocks the workers.
    with log.open("w") as out:
        server = subprocess.Popen(
            [*RAVAO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"ingest: the server stopped: {log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("ingest: no answer from /healthz in 300 s")


def exchange(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, Any, bytes, int]:
    """One request; returns (status, headers, body as received, bytes on the wire both ways)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    request_bytes = len(f"{method} {path} HTTP/1.1\r\n") + sum(
        len(f"{k}: {v}\r\n") for k, v in headers.items()
    )
    request_bytes += 2 + len(body) + len("Host: 127.0.0.1:00000\r\nAccept-Encoding: identity\r\n")
    response_bytes = len("HTTP/1.1 200 OK\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders())
    conn.close()
    return response.status, response.headers, raw, request_bytes + response_bytes + 2 + len(raw)


def page_weight(port: int, code: str) -> dict[str, Any]:
    """A phone's first visit and first check-in: every request, compressed as a browser asks for it."""
    accept = {"Accept-Encoding": "br, gzip", "User-Agent": "Mozilla/5.0 (Linux; Android 12) ravao-bench"}
    status, headers, body, wire = exchange(port, "GET", f"/v/{code}", accept)
    assert status == 200, status
    report: dict[str, Any] = {"page_encoding": headers.get("Content-Encoding"), "requests": 1}
    cookies = {}
    for name, value in headers.items():
        if name.lower() == "set-cookie":
            cookie = value.split(";", 1)[0]
            cookies[cookie.split("=", 1)[0]] = cookie.split("=", 1)[1]
    page = plain(body, headers)
    total = wire
    fetched: set[str] = set()

    def assets(html: str) -> int:
        nonlocal fetched
        size = 0
        for asset in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)) - fetched):
            a_status, a_headers, _raw, a_wire = exchange(port, "GET", asset, accept)
            assert a_status == 200, (asset, a_status)
            fetched.add(asset)
            report["requests"] += 1
            report.setdefault("asset_cache", set()).add(a_headers.get("Cache-Control"))
            report.setdefault("asset_encoding", set()).add(a_headers.get("Content-Encoding"))
            size += a_wire
        return size

    total += assets(page)
    report["first_page_bytes"] = total
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    client_id = re.search(r'name="client_id" value="([^"]+)"', page)
    assert token and client_id, "the first-visit form has no CSRF token or client id"
    form = {
        "csrfmiddlewaretoken": token.group(1), "client_id": client_id.group(1),
        "full_name": "Trần Thị Bình", "phone": "0987654321", "year_of_birth": "1985", "sex": "female",
        "nationality": "Việt Nam", "consent": "on",
        **{field: "False" for field in (
            "fever", "cough", "shortness_of_breath", "pneumonia", "sore_throat", "fatigue",
            "contact_case", "contact_abroad", "contact_symptomatic",
        )},
    }  # fmt: skip
    post_headers = {
        **accept, "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    }  # fmt: skip
    status, headers, body, wire = exchange(
        port, "POST", f"/v/{code}", post_headers, urllib.parse.urlencode(form).encode()
    )
    assert status == 200, (status, plain(body, headers)[:500])
    report["requests"] += 1
    total += wire + assets(plain(body, headers))
    report["first_checkin_bytes"] = total
    report["asset_cache"] = sorted(str(v) for v in report.get("asset_cache", ()))
    report["asset_encoding"] = sorted(str(v) for v in report.get("asset_encoding", ()))
    return report


def plain(body: bytes, headers: Any) -> str:
    encoding = headers.get("Content-Encoding")
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body).decode()
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return str(brotli.decompress(body).decode())
    return body.decode()


def wrk(kind: str, port: int, args: argparse.Namespace, data: Path) -> dict[str, Any]:
    env = {**os.environ, "PATH_KIND": kind, "BENCH_DATA": str(data), "WRK_THREADS": str(args.threads)}
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
        "--timeout", "20s",
        "-s", str(HERE / "paths.lua"), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    out = done.stdout
    if done.returncode != 0:
        raise SystemExit(f"ingest: wrk failed ({kind}): {done.stdout}\n{done.stderr}")
    line = next((line for line in out.splitlines() if line.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"ingest: wrk said nothing usable:\n{out}")
    result: dict[str, Any] = json.loads(line[len("WRKJSON ") :])
    result["ok"] = sum(n for code, n in result["statuses"].items() if 200 <= int(code) < 300)
    result["rps"] = result["ok"] / (result["duration_us"] / 1e6)
    return result


def phase(
    kind: str, port: int, args: argparse.Namespace, data: Path, db: Database, master: int
) -> dict[str, Any]:
    before_counts = db.counts() if kind in METHOD else {}
    workers_before, backends_before = cpu_seconds(children(master)), cpu_seconds(db.backends())
    result = wrk(kind, port, args, data)
    workers_after, backends_after = cpu_seconds(children(master)), cpu_seconds(db.backends())
    ok = max(result["ok"], 1)
    result["worker_ms"] = 1000 * used(workers_before, workers_after) / ok
    result["pg_ms"] = 1000 * used(backends_before, backends_after) / ok
    if kind == "gate":
        result["rps_scans"] = result["rps"] * 200
    if kind in METHOD:
        time.sleep(1)  # the requests wrk left in flight finish
        after = db.counts()
        method = METHOD[kind]
        rows = after.get(method, 0) - before_counts.get(method, 0)
        slack = args.connections * (200 if kind == "gate" else 1)
        result["rows"], result["acked"] = rows, result["acked"]
        result["durable"] = result["acked"] <= rows <= result["acked"] + slack
        if kind == "gate":
            result["scans_stored"] = after["_scans"] - before_counts["_scans"]
            outcomes = db.query(
                "SELECT outcome, count(*) FROM checkins_gatescan GROUP BY outcome ORDER BY 2 DESC"
            )
            result["outcomes"] = dict(outcomes)
    return result


def main() -> None:
    args = parse()
    load_start = load()
    started = datetime.now(UTC)
    db = Database(args.database_url)
    port = free_port()
    env = server_env(args, port)
    db.recreate()
    subprocess.run([*RAVAO, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    if args.plain:
        subprocess.run([*RAVAO, "migrate", "checkins", "0006", "-v", "0"], env=env, check=True, cwd=ROOT)
    scratch = Path(tempfile.mkdtemp(prefix="ravao-ingest-"))
    world_path = scratch / "world.json"
    subprocess.run(
        [*RAVAO, "shell", "-c", "import bench.ingest.world as w; w.main()"],
        env={**env, "BENCH_WORLD_OUT": str(world_path), "BENCH_PERSONS": str(args.persons),
             "BENCH_DEVICES": str(args.devices)},
        check=True, cwd=ROOT,
    )  # fmt: skip
    world = json.loads(world_path.read_text())
    data = scratch / "data.lua"
    write_lua_data(world, secrets.token_hex(16), data)
    server_log = scratch / "server.log"
    server = start_server(env, port, args.workers, server_log)
    print(f"ingest: server log in {server_log}")
    results: list[tuple[str, int, dict[str, Any]]] = []
    try:
        weight = page_weight(port, world["first_visit_code"])
        print(f"ingest: page weight {weight}")
        master = server.pid
        for round_ in range(1, args.rounds + 1):
            for kind in PATHS:
                for k in ("trivial", kind):
                    result = phase(k, port, args, data, db, master)
                    results.append((k, round_, result))
                    print(f"ingest: round {round_} {k}: {summary(result)}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    dup, rows, keys = db.duplicates()
    load_end = load()
    text = report(args, started, load_start, load_end, weight, results, dup, rows, keys)
    print(text)
    out = HERE / f"results-{started:%Y-%m-%d-%H%M}.md"
    out.write_text(text, encoding="utf-8")
    print(f"ingest: written to {out.relative_to(ROOT)}")
    if dup or (rows != keys and not args.plain) or not all(r.get("durable", True) for _k, _r, r in results):
        raise SystemExit("ingest: FAILED: an acknowledged check-in is missing or a client_id is stored twice")


def summary(result: dict[str, Any]) -> str:
    text = (
        f"{result['rps']:.0f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, "
        f"p99 {result['p99_us'] / 1000:.1f} ms, worker {result['worker_ms']:.2f} ms, "
        f"PG {result['pg_ms']:.2f} ms CPU/req, statuses {result['statuses']}"
    )
    if "rows" in result:
        text += f", acked {result['acked']} rows {result['rows']} durable={result['durable']}"
    return text


def report(
    args: argparse.Namespace, started: datetime, load_start: float, load_end: float, weight: dict[str, Any],
    results: list[tuple[str, int, dict[str, Any]]], dup: int, rows: int, keys: int,
) -> str:  # fmt: skip
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "?",
    )  # fmt: skip
    pg = Database(args.database_url).query("SHOW server_version")[0][0]
    lines = [
        f"# Ingest benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Commit {commit.stdout.strip()}; {os.cpu_count()} cores ({cpu}); "
        f"Python {platform.python_version()}; "
        f"PostgreSQL {pg}; `ravao serve` with {args.workers} sync workers, DEBUG off; wrk -t{args.threads} "
        f"-c{args.connections}, {args.duration} s a phase, {args.rounds} rounds; {args.persons} persons, "
        f"{args.devices} phones; check-ins {'in a plain table' if args.plain else 'partitioned by day'}. "
        f"**Load average (1 min): {load_start:.2f} at the start, {load_end:.2f} at the end.**",
        "",
        "| round | path | req/s | p50 / p99 ms | worker CPU ms/req | PostgreSQL CPU ms/req | × trivial "
        "| answers | durable |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    trivial = 0.0
    for kind, round_, r in results:
        if kind == "trivial":
            trivial = r["rps"]
        rate = f"{r['rps']:,.0f}" + (f" ({r['rps_scans']:,.0f} scans/s)" if "rps_scans" in r else "")
        ratio = "1" if kind == "trivial" else f"{r['rps'] / trivial:.3f}" if trivial else "?"
        durable = ""
        if "rows" in r:
            durable = f"{'yes' if r['durable'] else '**NO**'}: {r['acked']:,} acked, {r['rows']:,} rows"
        answers = ", ".join(f"{code}: {n:,}" for code, n in sorted(r["statuses"].items()))
        lines.append(
            f"| {round_} | {LABELS[kind]} | {rate} | {r['p50_us'] / 1000:.1f} / {r['p99_us'] / 1000:.1f} | "
            f"{r['worker_ms']:.2f} | {r['pg_ms']:.2f} | {ratio} | {answers} | {durable} |"
        )
    lines += ["", "Summary (range over the rounds; ratio to the trivial phase run just before):", ""]
    lines += [
        "| path | req/s | × trivial | p50 ms | CPU ms/req (workers + PostgreSQL) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind in ["trivial", *PATHS]:
        rows_of = [(i, r) for i, (k, _n, r) in enumerate(results) if k == kind]
        rates = [r["rps"] for _i, r in rows_of]
        ratios = [r["rps"] / results[i - 1][2]["rps"] for i, r in rows_of if kind != "trivial"]
        cpu_ms = [r["worker_ms"] + r["pg_ms"] for _i, r in rows_of]
        p50 = [r["p50_us"] / 1000 for _i, r in rows_of]
        unit = ""
        if kind == "gate":
            unit = f" ({min(rates) * 200:,.0f}–{max(rates) * 200:,.0f} scans/s)"
        lines.append(
            f"| {LABELS[kind]} | {min(rates):,.0f}–{max(rates):,.0f}{unit} | "
            f"{(f'{min(ratios):.3f}–{max(ratios):.3f}' if ratios else '1')} | "
            f"{min(p50):.1f}–{max(p50):.1f} | "
            f"{min(cpu_ms):.2f}–{max(cpu_ms):.2f} |"
        )
    gate = [r for k, _n, r in results if k == "gate"]
    if gate:
        lines += ["", f"Gate scan outcomes at the end: {gate[-1].get('outcomes')}."]
    lines += [
        "",
        f"Durability: no client_id twice ({dup} duplicates); {rows:,} check-in rows, {keys:,} client keys "
        + (
            "(plain table: the unique index guards client_id)." if args.plain else "(equal, as they must be)."
        ),
        "",
        f"Page weight of a first visit (poster page, its stylesheets and scripts, the form's POST and the "
        f"confirmation's new assets; {weight['requests']} requests, headers included): "
        f"**{weight['first_checkin_bytes']:,} bytes on the wire** (the page with its assets alone: "
        f"{weight['first_page_bytes']:,}); page `Content-Encoding: {weight['page_encoding']}`, assets "
        f"{', '.join(weight['asset_encoding'])}, `Cache-Control: {', '.join(weight['asset_cache'])}`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
