#!/usr/bin/env bash
# Install the real tools the tests run, from Debian's packages, when any is missing.
# promtool (prometheus), amtool (prometheus-alertmanager), blackbox exporter, mtail,
# postgres_exporter and PostgreSQL (the collection tests run the generated queries on it).
set -euo pipefail
declare -A package=(
  [promtool]=prometheus
  [prometheus]=prometheus
  [amtool]=prometheus-alertmanager
  [prometheus-alertmanager]=prometheus-alertmanager
  [prometheus-blackbox-exporter]=prometheus-blackbox-exporter
  [mtail]=mtail
  [prometheus-postgres-exporter]=prometheus-postgres-exporter
  [psql]=postgresql
  [systemd-analyze]=systemd
)
missing=()
for tool in "${!package[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package[$tool]}")
done
# PostgreSQL's server is not on PATH in Debian.
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "missing tools; install as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "(tests that need them are skipped unless MONPLAN_REQUIRE_TOOLS=1)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# The Debian packages start their daemons; the tests start their own on other ports.
for service in prometheus prometheus-alertmanager prometheus-blackbox-exporter mtail prometheus-node-exporter \
    prometheus-postgres-exporter postgresql; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$service" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
done
