#!/usr/bin/env bash
# Runs a command with MOTCUA_TEST_PG pointing at a PostgreSQL server. When
# it is already set, the command runs as it is; otherwise a throwaway
# cluster is made in a temporary directory, started on a free loopback
# port for the command, then stopped and removed. PostgreSQL's tools
# refuse to run as root: as root, the cluster is the postgres user's.
set -euo pipefail
if [[ -n "${MOTCUA_TEST_PG:-}" ]]; then
	exec "$@"
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
	echo "with-pg: PostgreSQL is not installed (make deps installs Debian's postgresql)" >&2
	exit 1
fi
dir=$(mktemp -d /tmp/motcua-pg.XXXXXX)
chmod 755 "$dir"
as=()
if [[ $(id -u) == 0 ]]; then
	chown postgres "$dir"
	as=(runuser -u postgres --)
fi
stop() {
	"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }
# a throwaway cluster: no fsync (nothing here outlives the run), unless
# MOTCUA_PG_DURABLE=1 (the load test measures durable commits)
settings="-k $dir -c listen_addresses=127.0.0.1 -c max_connections=300"
[[ "${MOTCUA_PG_DURABLE:-}" == 1 ]] || settings+=" -c fsync=off"
# more server settings for a measurement, e.g. pg_stat_statements
settings+=" ${MOTCUA_PG_SETTINGS:-}"
# a free loopback port below the kernel's ephemeral range (ports in use by
# outgoing connections cannot be listened on); another if it is taken
started=
for _ in $(seq 10); do
	port=$((15000 + RANDOM % 15000))
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
	if "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "-p $port $settings" start >/dev/null; then
		started=1
		break
	fi
done
[[ -n "$started" ]] || { cat "$dir/server.log" >&2; exit 1; }
export MOTCUA_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-pg: throwaway PostgreSQL on 127.0.0.1:$port" >&2
"$@"
