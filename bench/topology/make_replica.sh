#!/bin/sh
# A PostgreSQL streaming replica of the local cluster (15/main on 127.0.0.1:5432), for the replica tests and
# the deploy/ example (issue 13 item 5). Debian's cluster tools; run as root (or a user allowed to sudo).
#
#   bench/topology/make_replica.sh up   [PORT]   # pg_basebackup of 5432 into cluster 15/ravao_replica_PORT
#   bench/topology/make_replica.sh down [PORT]   # stop and drop that cluster
#   bench/topology/make_replica.sh status [PORT]
#
# PORT defaults to 5433. The replica is a physical copy of the WHOLE cluster (every database), kept up to
# date by streaming replication with no replication slot, so dropping it leaves nothing behind on the
# primary. The primary must accept replication connections from 127.0.0.1: a trust line marked
# "ravao-make-replica" is added to its pg_hba.conf if none exists (and removed by `down`).
set -eu
ACTION=${1:-up}
PORT=${2:-5433}
VERSION=${PG_VERSION:-15}
PRIMARY_CLUSTER=${PRIMARY_CLUSTER:-main}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
NAME="ravao_replica_$PORT"
DATA="/var/lib/postgresql/$VERSION/$NAME"
HBA="/etc/postgresql/$VERSION/$PRIMARY_CLUSTER/pg_hba.conf"
MARK="ravao-make-replica"

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

exists() { pg_lsclusters -h | awk '{print $1 "/" $2}' | grep -qx "$VERSION/$NAME"; }

case "$ACTION" in
up)
    if exists; then
        echo "cluster $VERSION/$NAME exists already (run: $0 down $PORT)" >&2
        exit 1
    fi
    if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]' "$HBA"; then
        printf 'host replication all 127.0.0.1/32 trust  # %s\n' "$MARK" >>"$HBA"
        pg_ctlcluster "$VERSION" "$PRIMARY_CLUSTER" reload
    fi
    # A cluster entry of Debian's tools (configuration, log, port) whose data directory is then replaced.
    pg_createcluster "$VERSION" "$NAME" -p "$PORT" >/dev/null
    find "$DATA" -mindepth 1 -delete  # keep the (postgres-owned) directory itself
    start=$(date +%s)
    # -R writes standby.signal and primary_conninfo; -X stream copies the WAL made during the copy.
    as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
    conf="/etc/postgresql/$VERSION/$NAME/conf.d/ravao-replica.conf"
    mkdir -p "$(dirname "$conf")"
    cat >"$conf" <<CONF
# Written by bench/topology/make_replica.sh
listen_addresses = '127.0.0.1'
hot_standby = on
# Long reads on the replica are not cancelled by the primary's vacuum (they hold its horizon back instead).
hot_standby_feedback = on
max_standby_streaming_delay = 30s
CONF
    # The same clients as the primary (the tests and app servers connect as on :$PRIMARY_PORT).
    cp "$HBA" "/etc/postgresql/$VERSION/$NAME/pg_hba.conf"
    chown -R postgres:postgres "/etc/postgresql/$VERSION/$NAME"
    pg_ctlcluster "$VERSION" "$NAME" start
    for _ in $(seq 1 30); do
        if as_postgres psql -h 127.0.0.1 -p "$PORT" -Atc "SELECT pg_is_in_recovery()" </dev/null 2>/dev/null | grep -q t; then
            echo "replica $VERSION/$NAME on 127.0.0.1:$PORT streaming from :$PRIMARY_PORT ($(($(date +%s) - start)) s)"
            exit 0
        fi
        sleep 1
    done
    echo "replica did not come up: see /var/log/postgresql/postgresql-$VERSION-$NAME.log" >&2
    exit 1
    ;;
down)
    if exists; then
        pg_dropcluster "$VERSION" "$NAME" --stop
        echo "replica $VERSION/$NAME dropped"
    fi
    # Another replica of ours still up keeps the pg_hba line.
    if grep -q "$MARK" "$HBA" && ! pg_lsclusters -h | awk '{print $2}' | grep -q '^ravao_replica_'; then
        sed -i "/$MARK/d" "$HBA"
        pg_ctlcluster "$VERSION" "$PRIMARY_CLUSTER" reload
    fi
    ;;
status)
    pg_lsclusters
    as_postgres psql -h 127.0.0.1 -p "$PRIMARY_PORT" </dev/null -c \
        "SELECT client_addr, state, sent_lsn, replay_lsn, replay_lag FROM pg_stat_replication"
    ;;
*)
    echo "usage: $0 up|down|status [PORT]" >&2
    exit 2
    ;;
esac
