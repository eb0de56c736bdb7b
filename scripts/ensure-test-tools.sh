#!/usr/bin/env bash
# Installs the system tools the integration tests drive (HAProxy for the
# load-balancer end-to-end test, nc for the README's quick-start line) when missing. Part of `pnpm test`, so the
# README's one test command works on a fresh machine. Debian/apt only; on a
# machine without apt or root it says what is missing and the test that
# needs the tool fails with that message.
set -euo pipefail
missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# The README's quick-start line is tested as written, through nc.
command -v nc >/dev/null 2>&1 || missing+=(netcat-openbsd)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "ensure-test-tools: please install: ${missing[*]} (tests that need them will fail)" >&2
fi
