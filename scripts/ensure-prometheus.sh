#!/usr/bin/env bash
# Installs Debian's prometheus package (prometheus and promtool) into .tools/prometheus/<version>/ without root:
# `apt-get download` and `dpkg-deb -x`. Idempotent; test/support/prometheus.ts runs it when the binaries are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${PROMETHEUS_DEB_VERSION:-2.42.0+ds-5+deb12u1}"
dest=".tools/prometheus/${version%%+*}"
mkdir -p "$dest"
# Two test files starting at once install once: the second waits here, then finds the binaries.
exec 9>"$dest/.install.lock"
flock 9
if [ -x "$dest/prometheus" ] && [ -x "$dest/promtool" ]; then
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool missing; the Prometheus tests install Debian's prometheus package with it" >&2; exit 1; }
done
work="$(mktemp -d "${TMPDIR:-/tmp}/trellis-prometheus.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "installing Debian's prometheus $version into $dest (once)" >&2
if ! (cd "$work" && apt-get download -qq "prometheus=$version" >/dev/null 2>&1); then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq; fi
  (cd "$work" && apt-get download -qq "prometheus=$version") || { echo "error: apt-get download prometheus=$version failed (as root, apt-get update first)" >&2; exit 1; }
fi
dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
install -m 0755 "$work/root/usr/bin/prometheus" "$dest/prometheus.partial"
install -m 0755 "$work/root/usr/bin/promtool" "$dest/promtool.partial"
mv "$dest/prometheus.partial" "$dest/prometheus"
mv "$dest/promtool.partial" "$dest/promtool"
"$dest/prometheus" --version 2>&1 | head -1 >&2
