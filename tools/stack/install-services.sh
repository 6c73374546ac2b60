#!/usr/bin/env bash
# PostgreSQL and Redis for the queue-mode suites and `npm start -- --queue`, nginx and HAProxy for the routing
# suite (docs/QUEUE-MODE.md's recipe), and the sqlite3 shell the trigger suite uses to make one execution fail
# to start, from Debian's packages, only when missing (the way .ci/run installs Chromium). They run as plain
# local processes started by tools/stack/queue.js and tools/stack/balancers.js; no system service is enabled
# or started here.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-client)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
if [ ${#need[@]} -eq 0 ]; then
	echo "PostgreSQL, Redis, nginx, HAProxy and sqlite3: installed already"
	exit 0
fi
echo "installing ${need[*]} from Debian's packages"
# root here; through sudo where the runner is a plain user with sudo (GitHub's ubuntu-latest)
as_root=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then as_root=(sudo); fi
"${as_root[@]}" apt-get update -qq
# policy-rc.d 101: the packages must not start system services of their own
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null && "${as_root[@]}" chmod +x "$policy" && created_policy=1
fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if [ "$created_policy" = 1 ]; then "${as_root[@]}" rm -f "$policy"; fi
