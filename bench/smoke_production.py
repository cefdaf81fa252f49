"""Start the production command on a fresh PostgreSQL database and use it as a visitor would.

    python bench/smoke_production.py --database-url postgres://postgres@127.0.0.1:5432/ravao_smoke

Run by CI (`make smoke`) on a fresh clone: migrations, `ravao serve` (gunicorn, DEBUG off, collected static
files), then over HTTP on loopback: `/healthz` answers ok, a hashed static file comes compressed with a long
cache lifetime, and a first visit to a poster's page records one check-in. Exits non-zero with the reason on
the first failure; always stops the server and drops the database.
"""

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAVAO = [sys.executable, "-m", "ravao"]

SETUP = """
from ravao.places.models import AdminUnit, Venue
district = AdminUnit.objects.create(code="s-276", name="Huyện Thạch Thất", level="district", path="s/276/")
commune = AdminUnit.objects.create(
    code="s-10009", name="Xã Hạ Bằng", level="commune", parent=district, path="s/276/10009/"
)
venue = Venue.objects.create(
    code="S000001", name="Nhà văn hoá thôn 3", kind="public", commune=commune, address="Thôn 3",
    phone="0243123456", status="active",
)
print("CODE=" + venue.qr_code)
"""
COUNT = "from ravao.checkins.models import CheckIn; print('COUNT=%d' % CheckIn.objects.count())"


def fail(message: str) -> None:
    raise SystemExit(f"smoke: FAILED: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def psql(base_url: str, sql: str) -> None:
    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    name = args.database_url.rsplit("/", 1)[1]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "RAVAO_DEBUG": "0",
        "RAVAO_SECRET_KEY": secrets.token_urlsafe(50),
        "RAVAO_DATA_KEYS": "k1:" + secrets.token_urlsafe(32),
        "RAVAO_LOOKUP_KEY": secrets.token_urlsafe(32),
        "RAVAO_SITE_URL": f"http://127.0.0.1:{port}",
        "RAVAO_SECURE_COOKIES": "0",
        "RAVAO_HSTS_SECONDS": "0",
        "RAVAO_STATIC_ROOT": str(ROOT / "var" / "smoke-static"),
    }
    psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')
    psql(args.database_url, f'CREATE DATABASE "{name}"')
    server = None
    try:
        subprocess.run([*RAVAO, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run(
            [*RAVAO, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True, text=True
        ).stdout
        code = re.search(r"CODE=(\S+)", out).group(1)  # type: ignore[union-attr]
        server = subprocess.Popen(
            [*RAVAO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(360):  # checks, collectstatic (seconds of CPU) and gunicorn's start, on a busy machine
            if server.poll() is not None:
                fail(f"the server stopped: {server.stdout.read() if server.stdout else ''}")
            try:
                with opener.open(base + "/healthz", timeout=2) as response:
                    health = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.5)
        else:
            fail("no answer from /healthz in 180 s")
        if health != {"status": "ok", "database": "ok", "cache": "ok"}:
            fail(f"/healthz said {health}")
        print(f"smoke: /healthz {health}")

        with opener.open(base + f"/v/{code}", timeout=10) as response:
            page = response.read().decode()
        css = re.search(r'href="(/static/ravao/app\.[0-9a-f]{12}\.css)"', page)
        if css is None:
            fail("the check-in page does not link a content-hashed stylesheet")
        request = urllib.request.Request(base + css.group(1), headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=10) as response:
            encoding, cache_control = (
                response.headers.get("Content-Encoding"),
                response.headers["Cache-Control"],
            )
        if encoding != "gzip" or "immutable" not in cache_control:
            fail(f"static file served with Content-Encoding={encoding}, Cache-Control={cache_control}")
        print(f"smoke: {css.group(1)} gzip, {cache_control}")
        request = urllib.request.Request(base + f"/v/{code}", headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=10) as response:
            if response.headers.get("Content-Encoding") != "gzip":
                fail("the check-in page is not compressed")
            size = len(response.read())
        print(f"smoke: check-in page {len(page.encode())} bytes, {size} bytes compressed")
        # The first visit's whole weight on the wire: the page and every stylesheet and script it links.
        total_raw, total_wire = len(page.encode()), size
        for asset in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page))):
            plain = urllib.request.Request(base + asset)
            squeezed = urllib.request.Request(base + asset, headers={"Accept-Encoding": "br, gzip"})
            with opener.open(plain, timeout=10) as response:
                total_raw += len(response.read())
            with opener.open(squeezed, timeout=10) as response:
                total_wire += len(response.read())
        print(f"smoke: first visit with its assets {total_raw} bytes, {total_wire} bytes on the wire")

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        client_id = re.search(r'name="client_id" value="([^"]+)"', page)
        if token is None or client_id is None:
            fail("the first-visit form has no CSRF token or client id")
        form = {
            "csrfmiddlewaretoken": token.group(1), "client_id": client_id.group(1),
            "full_name": "Trần Thị Bình", "phone": "0987654321", "year_of_birth": "1985", "sex": "female",
            "nationality": "Việt Nam", "consent": "on",
            **{field: "False" for field in (
                "fever", "cough", "shortness_of_breath", "pneumonia", "sore_throat", "fatigue",
                "contact_case", "contact_abroad", "contact_symptomatic",
            )},
        }  # fmt: skip
        request = urllib.request.Request(
            base + f"/v/{code}", data=urllib.parse.urlencode(form).encode(), headers={"Referer": base + "/"}
        )
        try:
            with opener.open(request, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        if status != 200:
            text = gzip.decompress(body).decode() if body[:2] == b"\x1f\x8b" else body.decode()
            fail(f"first visit answered {status}: {text[:2000]}")
        out = subprocess.run(
            [*RAVAO, "shell", "-c", COUNT], env=env, check=True, cwd=ROOT, capture_output=True, text=True
        ).stdout
        if "COUNT=1" not in out:
            fail(f"expected one check-in in the database, found {out.strip()}")
        print("smoke: a first visit over HTTP recorded one check-in")
        print("smoke: ok")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
