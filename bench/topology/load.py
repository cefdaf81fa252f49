"""A load run through nginx against the deploy/run-local.sh stack (issue 13 item 6).

    deploy/run-local.sh start 2
    python bench/topology/load.py --run-dir /tmp/ravao-deploy [--seconds 15] [--rounds 2]

1. Makes a venue and DEVICES remembered devices with fresh declarations (through `ravao shell`, with the
   stack's own keys), so every check-in is a one-tap JSON check-in (`POST /api/v1/checkins`).
2. wrk, interleaved, each round: /healthz and the check-in, through nginx with both app servers, then with
   nginx reloaded onto the first app server only (the same processes: "1 vs 2 app servers, same run").
3. Which app server answered each request (nginx's `up=` log field): the spread.
4. A burst of POSTs to a poster page from one address: with the rate-limit counters in the shared Redis,
   the stack as a whole allows RAVAO_RATE_LIMIT_CHECKIN of them per window, not that many per process.
Prints a Markdown table and the load average before and after.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SETUP = """
import uuid
from ravao.people.services import device_register
from ravao.places.models import AdminUnit, Venue
from ravao.test import _signed, make_person
district, _ = AdminUnit.objects.get_or_create(
    code="t-276", defaults=dict(name="Huyện Thạch Thất", level="district", path="t/276/"))
commune, _ = AdminUnit.objects.get_or_create(
    code="t-10009",
    defaults=dict(name="Xã Hạ Bằng", level="commune", parent=district, path="t/276/10009/"))
venue, _ = Venue.objects.get_or_create(code="T000001", defaults=dict(
    name="Nhà máy tải thử", kind="factory", commune=commune, address="KCN", phone="0243123456",
    status="active"))
print("CODE=" + venue.qr_code)
for i in range(%(devices)d):
    person = make_person(name=f"Người thử {i}", phone=f"09{uuid.uuid4().int %% 10**8:08d}")
    print("COOKIE=" + _signed(str(device_register(person=person, owner=True).key)))
"""
LUA = """
local cookies = {%(cookies)s}
local n = 0
local id = 0
function setup(thread) thread:set("id", id); id = id + 1 end
function init(args) math.randomseed(os.time() + id) end
request = function()
  n = n + 1
  local cookie = cookies[(n * 7 + id * 13) %% #cookies + 1]
  local client_id = string.format("%%08x-0000-4000-8000-%%012x", id + math.random(0, 65535) * 256, n)
  local body = '{"poster_code": "%(code)s", "client_id": "' .. client_id .. '"}'
  return wrk.format("POST", "/api/v1/checkins", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "ravao_device=" .. cookie .. "; csrftoken=%(csrf)s",
    ["X-CSRFToken"] = "%(csrf)s",
  }, body)
end
local statuses = {}
response = function(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%%.1f\\n", latency:percentile(50) / 1000))
end
"""
CSRF = "a" * 32


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def env_of(run_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for line in (run_dir / "keys.env").read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    env.update(RAVAO_DEBUG="0", RAVAO_STATIC_ROOT=str(run_dir / "static"))
    return env


def wrk(url: str, seconds: int, script: str | None = None, connections: int = 16) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)

    def ms(match: re.Match[str] | None) -> float:
        if match is None:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "non2xx": float(bad.group(1)) if bad else 0.0, "p50": ms(p50), "p99": ms(p99)}


def reload_nginx(run_dir: Path, conf_text: str) -> None:
    (run_dir / "nginx" / "nginx.conf").write_text(conf_text)
    prefix = ["nginx", "-p", str(run_dir / "nginx"), "-c", str(run_dir / "nginx" / "nginx.conf")]
    subprocess.run([*prefix, "-s", "reload"], check=True)
    time.sleep(1.0)  # old workers finish, new ones take the port


def spread(run_dir: Path, since: int, path: str) -> Counter[str]:
    time.sleep(1.5)  # the access log is flushed every second
    with open(run_dir / "logs" / "nginx-access.log", encoding="utf-8") as log:
        log.seek(since)
        return Counter(
            m.group(1) for line in log if f" {path}" in line and (m := re.search(r"up=(\S+)", line))
        )


def log_size(run_dir: Path) -> int:
    path = run_dir / "logs" / "nginx-access.log"
    return path.stat().st_size if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/ravao-deploy"))  # noqa: S108
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--devices", type=int, default=200)
    args = parser.parse_args()
    env = env_of(args.run_dir)
    print(f"load average before: {loadavg()}  ({os.cpu_count()} cores)")
    out = subprocess.run(
        [sys.executable, "-m", "ravao", "shell", "-c", SETUP % {"devices": args.devices}],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    code = re.search(r"CODE=(\S+)", out).group(1)  # type: ignore[union-attr]
    cookies = re.findall(r"COOKIE=(\S+)", out)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"cookies": ",".join(f'"{c}"' for c in cookies), "code": code, "csrf": CSRF})
    conf_path = args.run_dir / "nginx" / "nginx.conf"
    both = conf_path.read_text()
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*;$", both, re.M)
    one = both.replace("\n".join(servers[1:]) + "\n", "") if len(servers) > 1 else both
    rows: list[tuple[str, str, dict[str, float]]] = []
    try:
        for _round in range(args.rounds):
            for label, conf in ((f"{len(servers)} app servers", both), ("1 app server", one)):
                reload_nginx(args.run_dir, conf)
                for path, lua in (("/healthz", None), ("/api/v1/checkins", script.name)):
                    result = wrk(args.base + ("/healthz" if lua is None else "/"), args.seconds, lua)
                    rows.append((label, path, result))
                    print(
                        f"{label:16} {path:18} {result['rps']:8.0f} req/s  p50 {result['p50']:.1f} ms  "
                        f"p99 {result['p99']:.1f} ms  non-2xx {result['non2xx']:.0f}  load {loadavg()}"
                    )
        reload_nginx(args.run_dir, both)
        since = log_size(args.run_dir)
        wrk(args.base + "/healthz", 3)
        print(f"spread of /healthz over the app servers: {dict(spread(args.run_dir, since, '/healthz'))}")
        # The shared rate limit: one address, a burst of posts to a poster page (refused by CSRF when not
        # limited: the counter is taken first).
        window = int(env.get("RAVAO_RATE_LIMIT_WINDOW_SECONDS", "60"))
        while window - time.time() % window < 10:  # the burst stays inside one fixed window
            time.sleep(1)
        since = log_size(args.run_dir)
        config = "".join(f'url = "{args.base}/v/{code}"\noutput = "/dev/null"\n' for _ in range(400))
        burst = subprocess.run(
            ["curl", "-s", "-w", "%{http_code}\\n", "-X", "POST", "-K", "-",
             "--parallel", "--parallel-max", "8"],
            input=config, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        counts = Counter(burst)
        print(
            f"400 posts to a poster page from one address: {dict(counts)} (limit "
            f"{env.get('RAVAO_RATE_LIMIT_CHECKIN', '120')} per {window} s for the whole stack)"
        )
        print(f"spread of those posts: {dict(spread(args.run_dir, since, '/v/'))}")
    finally:
        conf_path.write_text(both)
        subprocess.run(["nginx", "-p", str(args.run_dir / "nginx"), "-c", str(conf_path), "-s", "reload"])
        os.unlink(script.name)
    print(f"load average after: {loadavg()}")
    print("\n| app servers | path | req/s | p50 ms | p99 ms | non-2xx |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, path, r in rows:
        cells = f"{r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['non2xx']:.0f}"
        print(f"| {label} | `{path}` | {cells} |")


if __name__ == "__main__":
    main()
