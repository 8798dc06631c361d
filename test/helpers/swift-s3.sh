#!/bin/bash
# swift-s3.sh — a real S3 API (OpenStack Swift + s3api, Debian packages) on 127.0.0.1, all state under $SW.
# From ../shared/TEST-INFRA.md §2, with one port per server overridable (the tests pick free ports).
#
#   SW=dir S3_PORT=18080 bash swift-s3.sh start    # prints the endpoint once it answers
#   SW=dir bash swift-s3.sh stop                   # kills the servers by their PID files
#
# Ports: S3_PORT (proxy, default 18080); OBJECT_PORT, CONTAINER_PORT, ACCOUNT_PORT (default
# SWIFT_BASE_PORT+2..4, base 16010); MEMCACHE_PORT (default 16011).
# Credentials: region us-east-1, access key test:tester, secret testing, path-style only.
set -euo pipefail
SW=${SW:?set SW to a scratch dir}
S3_PORT=${S3_PORT:-18080}
BASE=${SWIFT_BASE_PORT:-16010}
MC=${MEMCACHE_PORT:-16011}
OBJECT_PORT=${OBJECT_PORT:-$((BASE + 2))}
CONTAINER_PORT=${CONTAINER_PORT:-$((BASE + 3))}
ACCOUNT_PORT=${ACCOUNT_PORT:-$((BASE + 4))}

if [ "${1:-}" = stop ]; then
  for n in proxy object container account memcached; do
    [ -f "$SW/run/$n.pid" ] && kill "$(cat "$SW/run/$n.pid")" 2>/dev/null || true
  done
  exit 0
fi
[ "${1:-}" = start ] || { echo "usage: SW=dir [S3_PORT=n] bash $0 start|stop" >&2; exit 2; }

rm -rf "$SW"
mkdir -p "$SW/etc" "$SW/srv/d1" "$SW/cache" "$SW/run"
printf '[swift-hash]\nswift_hash_path_suffix = ci\nswift_hash_path_prefix = ci\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' >"$SW/etc/swift.conf"
for pair in "object:$OBJECT_PORT" "container:$CONTAINER_PORT" "account:$ACCOUNT_PORT"; do
  n=${pair%%:*}
  p=${pair##*:}
  printf '[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = %s\nworkers = 0\ndevices = %s\nmount_check = false\nswift_dir = %s\nrecon_cache_path = %s\nlog_level = WARNING\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n' \
    "$p" "$SW/srv" "$SW/etc" "$SW/cache" "$n" "$n" "$n" >"$SW/etc/$n-server.conf"
  (cd "$SW/etc" && swift-ring-builder "$n.builder" create 6 1 1 >/dev/null &&
    swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 100 >/dev/null &&
    swift-ring-builder "$n.builder" rebalance >/dev/null)
done
cat >"$SW/etc/proxy-server.conf" <<EOC
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $S3_PORT
workers = 0
swift_dir = $SW/etc
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
EOC
# -u root: CI runs as root, and memcached refuses to run as root without it
memcached -l 127.0.0.1 -p "$MC" -U 0 -m 64 -u root </dev/null >"$SW/run/memcached.log" 2>&1 &
echo $! >"$SW/run/memcached.pid"
for n in account container object proxy; do
  # workers = 0: one process per server, so each PID file holds the server itself
  /usr/bin/swift-$n-server "$SW/etc/$n-server.conf" -v </dev/null >"$SW/run/$n.log" 2>&1 &
  echo $! >"$SW/run/$n.pid"
done
ready() {
  if command -v curl >/dev/null; then
    curl -sf "http://127.0.0.1:$S3_PORT/healthcheck" >/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null
  fi
}
for _ in $(seq 1 150); do ready && break; sleep 0.1; done
ready || { echo "swift s3api did not start; see $SW/run/*.log" >&2; exit 1; }
echo "S3 endpoint http://127.0.0.1:$S3_PORT  region us-east-1  accessKeyId test:tester  secret testing  (path-style)"
