#!/usr/bin/env bash
# Validates docker/haproxy.cfg with this machine's HAProxy (`haproxy -c`):
#  1. with the environment docker/compose.yaml gives the haproxy service,
#  2. with loopback values, as the integration test runs it,
#  3. and makes sure it is refused when a variable is missing.
# Needs haproxy on PATH (Debian: apt-get install haproxy). Exit 0 when all pass.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cfg="$here/haproxy.cfg"
compose="$here/compose.yaml"
vars=(HAPROXY_BIND_ADDR HAPROXY_BIND_PORT PKGINDEX_BACKEND_ADDR PKGINDEX_BACKEND_PORT PKGINDEX_ADMIN_PORT)

if ! command -v haproxy >/dev/null 2>&1; then
  echo "check-haproxy-config: haproxy not found (apt-get install haproxy)" >&2
  exit 1
fi

# The haproxy service's `environment:` map in compose.yaml, as KEY=value
# lines (plain `KEY: "value"` entries, which is how that file writes them).
compose_env() {
  awk '
    /^  [A-Za-z0-9_-]+:/ { in_haproxy = ($1 == "haproxy:"); in_env = 0; next }
    in_haproxy && /^    environment:/ { in_env = 1; next }
    in_haproxy && in_env && /^      [A-Z0-9_]+:/ {
      key = $1; sub(/:$/, "", key)
      value = $0; sub(/^[^:]*:[ ]*/, "", value); gsub(/^"|"$/, "", value)
      print key "=" value
      next
    }
    in_haproxy && in_env && /^    [^ ]/ { in_env = 0 }
  ' "$compose"
}

# Runs `haproxy -c` on the file with exactly the given variables set
# (none of the five inherited from the caller's environment).
# Arguments: KEY=value pairs, then optional extra haproxy flags.
check() {
  local assignments=() flags=()
  for a in "$@"; do
    if [[ $a == *=* ]]; then assignments+=("$a"); else flags+=("$a"); fi
  done
  env -u HAPROXY_BIND_ADDR -u HAPROXY_BIND_PORT -u PKGINDEX_BACKEND_ADDR -u PKGINDEX_BACKEND_PORT -u PKGINDEX_ADMIN_PORT \
    "${assignments[@]}" haproxy -c "${flags[@]}" -f "$cfg"
}

mapfile -t from_compose < <(compose_env)
for v in "${vars[@]}"; do
  if ! printf '%s\n' "${from_compose[@]}" | grep -q "^$v="; then
    echo "check-haproxy-config: $compose does not set $v for the haproxy service" >&2
    exit 1
  fi
done

# Outside compose the service name does not resolve: HAProxy warns and,
# thanks to init-addr none, starts anyway. Any other warning is a failure.
echo "== compose values: ${from_compose[*]}"
out="$(check "${from_compose[@]}" 2>&1)" || { echo "$out" >&2; exit 1; }
echo "$out"
if echo "$out" | grep '\[WARNING\]' | grep -v "could not resolve address" | grep -q .; then
  echo "check-haproxy-config: warnings with the compose values" >&2
  exit 1
fi

# Loopback, as the integration test runs it: -dW turns any warning into an error.
loopback=(HAPROXY_BIND_ADDR=127.0.0.1 HAPROXY_BIND_PORT=18080 PKGINDEX_BACKEND_ADDR=127.0.0.1 PKGINDEX_BACKEND_PORT=18081 PKGINDEX_ADMIN_PORT=19090)
echo "== loopback values: ${loopback[*]}"
check "${loopback[@]}" -dW 2>&1

for missing in "${vars[@]}"; do
  partial=()
  for kv in "${loopback[@]}"; do [[ $kv == "$missing="* ]] || partial+=("$kv"); done
  if check "${partial[@]}" >/dev/null 2>&1; then
    echo "check-haproxy-config: the configuration was accepted without $missing" >&2
    exit 1
  fi
done
echo "== refused with any one of ${vars[*]} missing, as it should be"
echo "check-haproxy-config: ok"
