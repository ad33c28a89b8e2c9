#!/usr/bin/env bash
# Install the real tools the tests run, from Debian's packages, when any is missing.
# promtool (prometheus), amtool (prometheus-alertmanager), blackbox exporter, mtail,
# postgres_exporter and PostgreSQL (the collection tests run the generated queries on it),
# Gnumeric's ssconvert (tests/hardening/test_injection_csv.py opens `list --format csv` with it),
# node and npm, then Mozilla's ical.js from npm into tests/calendars/js (its lock file):
# tests/calendars read the generated calendars with it, as Thunderbird does; and Grafana
# 12.2's panel types (@grafana/schema) with typescript into tests/dashboards/js, which
# tests/dashboards/test_grafana_types.py type-checks every generated panel against.
set -euo pipefail
cd "$(dirname "$0")/.."

calendar_parser() {
  if [ -f tests/calendars/js/node_modules/ical.js/package.json ] || ! command -v npm >/dev/null 2>&1; then
    return 0
  fi
  (cd tests/calendars/js && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "npm could not install ical.js into tests/calendars/js; its tests fail in CI, skip elsewhere" >&2
}

grafana_types() {
  if [ -f tests/dashboards/js/node_modules/typescript/package.json ] || ! command -v npm >/dev/null 2>&1; then
    return 0
  fi
  (cd tests/dashboards/js && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "npm could not install @grafana/schema into tests/dashboards/js; its tests fail in CI, skip elsewhere" >&2
}

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
  [ssconvert]=gnumeric
  [node]=nodejs
  [npm]=npm
)
missing=()
for tool in "${!package[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package[$tool]}")
done
# PostgreSQL's server is not on PATH in Debian.
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  calendar_parser
  grafana_types
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "missing tools; install as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "(tests that need them are skipped unless MONPLAN_REQUIRE_TOOLS=1)" >&2
  calendar_parser
  grafana_types
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
calendar_parser
grafana_types
