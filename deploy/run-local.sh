#!/bin/sh
# ravao on this machine's loopback as it runs in production (issue 13 item 6): nginx in front of N app
# servers (`ravao serve`, gunicorn), shared Redis for rate limits and caches, PostgreSQL (and optionally a
# streaming replica: bench/topology/make_replica.sh).
#
#   deploy/run-local.sh start [N]   # N app servers (default 2) on 127.0.0.1:8101.., nginx on :8080
#   deploy/run-local.sh stop
#   deploy/run-local.sh status
#
# Everything it writes is under RUN_DIR (default /tmp/ravao-deploy): nginx's prefix, pid and temp files,
# logs, collected static files and the generated keys (kept across restarts). Settings, all overridable:
#   PYTHON             an interpreter with ravao installed             (python3)
#   DATABASE_URL       PostgreSQL of the run                           (postgres://postgres@127.0.0.1:5432/ravao_deploy)
#   DATABASE_REPLICA_URL  optional replica                             (unset)
#   RAVAO_REDIS_URL    shared by the app servers                       (redis://127.0.0.1:6379/5)
#   NGINX_PORT / APP_PORT  nginx's port / the first app server's port  (8080 / 8101)
#   RAVAO_WORKERS      gunicorn workers per app server                 (2)
set -eu
ACTION=${1:-start}
COUNT=${2:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
RUN_DIR=${RUN_DIR:-/tmp/ravao-deploy}
PYTHON=${PYTHON:-python3}
NGINX=${NGINX:-nginx}
NGINX_PORT=${NGINX_PORT:-8080}
APP_PORT=${APP_PORT:-8101}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ravao_deploy}
export RAVAO_REDIS_URL=${RAVAO_REDIS_URL:-redis://127.0.0.1:6379/5}
export RAVAO_WORKERS=${RAVAO_WORKERS:-2}

production_env() {
    # Keys are made once per run directory, so a restart keeps sessions, device cookies and encrypted data.
    if [ ! -f "$RUN_DIR/keys.env" ]; then
        "$PYTHON" - >"$RUN_DIR/keys.env" <<'PY'
import base64, secrets
b64 = lambda n: base64.urlsafe_b64encode(secrets.token_bytes(n)).decode().rstrip("=")
print(f"RAVAO_SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"RAVAO_DATA_KEYS=k1:{b64(32)}")
print(f"RAVAO_LOOKUP_KEY={b64(32)}")
print(f"RAVAO_QR_SIGNING_KEYS=q1:{b64(32)}")
PY
    fi
    set -a
    # shellcheck disable=SC1091
    . "$RUN_DIR/keys.env"
    set +a
    export RAVAO_DEBUG=0
    export RAVAO_SITE_URL="http://127.0.0.1:$NGINX_PORT"
    export RAVAO_ALLOWED_HOSTS=127.0.0.1,localhost
    # Plain HTTP on loopback; a real deployment terminates TLS in nginx and sets RAVAO_BEHIND_HTTPS_PROXY=1.
    export RAVAO_SECURE_COOKIES=0 RAVAO_HSTS_SECONDS=0
    # One proxy (this nginx) appends to X-Forwarded-For: rate limits and lockouts see the client.
    export RAVAO_PROXY_COUNT=1
    export RAVAO_STATIC_ROOT="$RUN_DIR/static"
    export RAVAO_ACCESS_LOG=${RAVAO_ACCESS_LOG:-0}
}

ravao() { (cd "$ROOT" && "$PYTHON" -m ravao "$@"); }

start() {
    if [ -f "$RUN_DIR/nginx/nginx.pid" ]; then
        echo "already running (deploy/run-local.sh stop first)" >&2
        exit 1
    fi
    mkdir -p "$RUN_DIR/logs" "$RUN_DIR/nginx/tmp" "$RUN_DIR/pids"
    production_env
    db=${DATABASE_URL##*/}
    case "$DATABASE_URL" in
    postgres*) psql "${DATABASE_URL%/*}/postgres" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$db'" |
        grep -q 1 || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$db\"" ;;
    esac
    ravao migrate --noinput -v 0
    # Collected once for every app server and nginx (the same hashed names everywhere).
    ravao collectstatic --noinput -v 0
    upstreams=""
    i=0
    while [ "$i" -lt "$COUNT" ]; do
        port=$((APP_PORT + i))
        # Each app server leads its own process group (setsid), whose id it writes itself: `stop` ends
        # gunicorn and its workers as a whole, and nothing else.
        (cd "$ROOT" && setsid sh -c 'echo $$ >"$0"; exec "$@"' "$RUN_DIR/pids/app-$port.pid" \
            "$PYTHON" -m ravao serve --bind "127.0.0.1:$port" --skip-collectstatic \
            >"$RUN_DIR/logs/app-$port.log" 2>&1 &)
        upstreams="$upstreams        server 127.0.0.1:$port max_fails=3 fail_timeout=10s;\n"
        i=$((i + 1))
    done
    max_body=$(cd "$ROOT" && "$PYTHON" -c "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ravao.settings'); django.setup(); from django.conf import settings; print(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)")
    sed -e "s|@RUN@|$RUN_DIR|g" -e "s|@LISTEN@|127.0.0.1:$NGINX_PORT|g" -e "s|@STATIC@|$RUN_DIR/static|g" \
        -e "s|@MAX_BODY@|$max_body|g" -e "s|^@UPSTREAMS@$|$(printf "$upstreams" | sed 's/$/\\/' | sed '$ s/\\$//')|" \
        "$HERE/nginx.conf.template" >"$RUN_DIR/nginx/nginx.conf"
    "$NGINX" -t -q -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf"
    "$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf"
    i=0
    while [ "$i" -lt "$COUNT" ]; do
        port=$((APP_PORT + i))
        n=0
        until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
            n=$((n + 1))
            if [ "$n" -gt 240 ]; then
                echo "app server :$port did not answer; see $RUN_DIR/logs/app-$port.log" >&2
                exit 1
            fi
            sleep 0.5
        done
        i=$((i + 1))
    done
    echo "ravao: nginx http://127.0.0.1:$NGINX_PORT -> $COUNT app servers from :$APP_PORT ($RUN_DIR)"
    curl -fsS "http://127.0.0.1:$NGINX_PORT/healthz"
    echo
}

stop() {
    if [ -f "$RUN_DIR/nginx/nginx.pid" ]; then
        "$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -s quit || true
    fi
    for pidfile in "$RUN_DIR"/pids/app-*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM "-$pid" 2>/dev/null || true  # the app server's process group (gunicorn + workers)
        n=0
        while kill -0 "-$pid" 2>/dev/null && [ "$n" -lt 60 ]; do sleep 0.5; n=$((n + 1)); done
        kill -KILL "-$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
    n=0
    while [ -f "$RUN_DIR/nginx/nginx.pid" ] && [ "$n" -lt 20 ]; do sleep 0.25; n=$((n + 1)); done
    echo "ravao: stopped ($RUN_DIR kept: logs and keys)"
}

status() {
    for pidfile in "$RUN_DIR"/pids/app-*.pid; do
        [ -f "$pidfile" ] || continue
        port=$(basename "$pidfile" .pid)
        port=${port#app-}
        printf 'app %s: ' "$port"
        curl -fsS "http://127.0.0.1:$port/healthz" || printf 'down'
        echo
    done
    printf 'nginx %s: ' "$NGINX_PORT"
    curl -fsS "http://127.0.0.1:$NGINX_PORT/healthz" || printf 'down'
    echo
}

case "$ACTION" in
start) start ;;
stop) stop ;;
status) status ;;
*)
    echo "usage: $0 start [N]|stop|status" >&2
    exit 2
    ;;
esac
