#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server and stops the server afterwards.
#
#   scripts/with_test_postgres.sh COMMAND [ARGS...]
#
# The server is Debian's PostgreSQL (installed with apt-get when missing),
# created with initdb in a fresh temporary folder (the postgres user must be
# able to reach it, which a checkout under /root is not), run as the postgres
# user, listening on 127.0.0.1 only, on a port of its own (RFM_TEST_PG_PORT, or
# the first free one from 54329), and stopped and removed when the command ends, also on
# failure or Ctrl-C. The command sees PGHOST, PGPORT, PGUSER, PGPASSWORD and
# PGDATABASE, which is all the `postgres` target of profiles.yml reads.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

port="${RFM_TEST_PG_PORT:-54329}"
user="rfm_ci"
database="rfm_lifecycle"
# A throwaway server on the loopback interface; the password only keeps the
# connection path the same as on a real server.
password="rfm_ci_local_only"

find_pg_bin() {
    local candidate
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! pg_bin="$(find_pg_bin)"; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "PostgreSQL is not installed and installing it needs root: apt-get install postgresql" >&2
        exit 1
    fi
    echo "Installing PostgreSQL (Debian package postgresql)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    pg_bin="$(find_pg_bin)"
fi

# initdb and postgres refuse to run as root: run them as the postgres user
# (created by the Debian package) when we are root.
as_postgres() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_is_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
if [[ -z "${RFM_TEST_PG_PORT:-}" ]]; then
    # Several checkouts on one machine may each run a test server: take the next free port.
    while port_is_taken "$port" && [[ "$port" -lt 54399 ]]; do
        port=$((port + 1))
    done
fi
if port_is_taken "$port"; then
    echo "Port $port is taken (another test server?); choose another with RFM_TEST_PG_PORT." >&2
    exit 1
fi

base_dir="$(mktemp -d "${TMPDIR:-/tmp}/rfm_test_postgres.XXXXXX")"
data_dir="$base_dir/data"
socket_dir="$base_dir/socket"
log_file="$base_dir/server.log"
chmod 755 "$base_dir"
mkdir -p "$data_dir" "$socket_dir"
password_file="$base_dir/password"
printf '%s\n' "$password" >"$password_file"
if [[ "$(id -u)" -eq 0 ]]; then
    chown -R postgres:postgres "$base_dir"
fi
chmod 700 "$data_dir"

# The cluster in the C locale; the database in ICU's en-US, as most servers are (text sorts 'c001' before
# 'C001', lower() follows ICU): the project must give the same marts there as on DuckDB and Spark.
as_postgres "$pg_bin/initdb" --pgdata="$data_dir" --username="$user" --pwfile="$password_file" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >"$base_dir/initdb.log" 2>&1 \
    || { cat "$base_dir/initdb.log" >&2; rm -rf "$base_dir"; exit 1; }

stop_server() {
    as_postgres "$pg_bin/pg_ctl" stop --pgdata="$data_dir" --mode=fast --silent >/dev/null 2>&1 || true
    rm -rf "$base_dir"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# A test server: durability settings off, they only cost time here.
as_postgres "$pg_bin/pg_ctl" start --pgdata="$data_dir" --log="$log_file" --wait --silent \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$socket_dir \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    || { cat "$log_file" >&2; exit 1; }

as_postgres "$pg_bin/createdb" --host="$socket_dir" --port="$port" --username="$user" \
    --template=template0 --locale-provider=icu --icu-locale=en-US "$database"

export PGHOST=127.0.0.1 PGPORT="$port" PGUSER="$user" PGPASSWORD="$password" PGDATABASE="$database"
echo "Test PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on $PGHOST:$PGPORT" >&2
status=0
"$@" || status=$?
exit "$status"
