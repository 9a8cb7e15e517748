#!/usr/bin/env bash
# Puts Zipkin's server (the exec jar from Maven Central, fetched with Maven) into .tools/zipkin for the tracing tests.
# Idempotent: a jar of the pinned version already there is left alone. Needs Java 17+ and Maven (installed with apt-get as root when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
version=3.5.1
dir=.tools/zipkin
jar="$dir/zipkin-server-$version-exec.jar"
if [ -s "$jar" ]; then echo "$jar"; exit 0; fi
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "zipkin: installing Java and Maven (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null
  else
    echo "zipkin: java and mvn are needed (Debian: apt-get install openjdk-17-jre-headless maven)" >&2
    exit 1
  fi
fi
mkdir -p "$dir"
# A lock so test files starting at once fetch the jar once.
exec 9>"$dir/.lock"
flock 9
if [ ! -s "$jar" ]; then
  echo "zipkin: fetching io.zipkin:zipkin-server:$version:exec with Maven" >&2
  mvn -q -B dependency:copy "-Dartifact=io.zipkin:zipkin-server:$version:jar:exec" "-DoutputDirectory=$dir.tmp" >&2
  mv "$dir.tmp/zipkin-server-$version-exec.jar" "$jar"
  rmdir "$dir.tmp" 2>/dev/null || true
fi
echo "$jar"
