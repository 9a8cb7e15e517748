#!/usr/bin/env bash
# Builds the OpenTelemetry Collector the telemetry tests send spans and access logs to: the OTLP
# receiver and the OTLP/HTTP and debug exporters, built with the collector's own builder from the Go
# module proxy into .tools/otelcol/<version>-<manifest hash>/. Idempotent; test/support/otel-collector.ts
# runs it when a test starts; prints the binary's path. Needs Go.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${OTELCOL_VERSION:-0.165.0}"
# The collector's stable modules (confmap providers) are tagged v1.<n> beside v0.<minor>.
providers_version="${OTELCOL_PROVIDERS_VERSION:-v1.71.0}"
manifest="receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v$version
exporters:
  - gomod: go.opentelemetry.io/collector/exporter/otlphttpexporter v$version
  - gomod: go.opentelemetry.io/collector/exporter/debugexporter v$version
providers:
  - gomod: go.opentelemetry.io/collector/confmap/provider/envprovider $providers_version
  - gomod: go.opentelemetry.io/collector/confmap/provider/fileprovider $providers_version
telemetry:
  gomod: go.opentelemetry.io/collector/service v$version
  import: go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
# A changed component list builds a new binary rather than reusing one without it.
dest=".tools/otelcol/v$version-$(printf '%s' "$manifest" | sha256sum | cut -c1-12)"
mkdir -p "$dest"
# Two test files starting at once build once: the second waits here, then finds the binary.
exec 9>"$dest/.build.lock"
flock 9
if [ -x "$dest/otelcol" ]; then
  echo "$dest/otelcol"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "error: go missing; the OpenTelemetry Collector is built from source for the telemetry tests" >&2; exit 1; }

echo "building the OpenTelemetry Collector v$version into $dest (a few minutes, once)" >&2
work="$(mktemp -d "${TMPDIR:-/tmp}/trellis-otelcol-build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cat >"$work/builder.yaml" <<YAML
dist:
  module: trellis.local/otelcol
  name: otelcol
  description: OpenTelemetry Collector for Trellis's telemetry tests
  version: $version
  output_path: $work/dist
$manifest
YAML
GOWORK=off GOFLAGS="-buildvcs=false" go run "go.opentelemetry.io/collector/cmd/builder@v$version" --config "$work/builder.yaml" >&2
mv "$work/dist/otelcol" "$dest/otelcol.partial"
mv "$dest/otelcol.partial" "$dest/otelcol"
echo "$dest/otelcol"
