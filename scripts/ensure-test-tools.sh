#!/usr/bin/env bash
# Installs the system tools the integration tests drive (HAProxy for the
# load-balancer end-to-end test, nc and curl for README lines, systemd-analyze
# for the systemd unit,
# PostgreSQL 15 for @pkgindex/store-postgres, whose tests initdb a throwaway
# cluster, promtool for the alert rules) when missing. Part of `pnpm test`, so the
# README's one test command works on a fresh machine. Debian/apt only; on a
# machine without apt or root it says what is missing and the test that
# needs the tool fails with that message.
set -euo pipefail
missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# The README's quick-start line is tested as written, through nc.
command -v nc >/dev/null 2>&1 || missing+=(netcat-openbsd)
# The docker README's readiness line is tested as written, through curl.
command -v curl >/dev/null 2>&1 || missing+=(curl)
# deploy/pkgindex.service is checked with systemd-analyze verify.
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# The server binaries, not only the client: Debian's postgresql-15 puts them
# here (and creates the postgres user the tests run initdb as).
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
# The TLS tests make a throwaway CA and certificates with the openssl command.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# promtool checks and unit-tests docker/prometheus-alerts.yml (and lints a real scrape).
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: installing ${missing[*]}"
  apt-get update -qq >/dev/null
  # The tests make their own clusters; keep Debian's package from creating
  # and starting a default one (a stray server on :5432 using memory).
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "ensure-test-tools: please install: ${missing[*]} (tests that need them will fail)" >&2
fi
