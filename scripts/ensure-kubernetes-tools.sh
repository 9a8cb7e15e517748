#!/usr/bin/env bash
# Installs what the Kubernetes tests run: etcd (Debian's etcd-server), and kube-apiserver and
# kube-controller-manager (EndpointSlices, ReplicaSets) built from the Kubernetes Go modules into
# .tools/kubernetes/<version>/. Idempotent; test/support/kubernetes.ts runs it
# when a Kubernetes test starts and a tool is missing. Needs Go and, for etcd, root with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${KUBERNETES_VERSION:-1.34.0}"
# The staging modules (k8s.io/api, ...) are tagged v0.<minor>.<patch> for Kubernetes v1.<minor>.<patch>.
staging_version="v0.${version#1.}"
dest=".tools/kubernetes/v$version"

if ! command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing etcd-server for the Kubernetes tests (apt-get)" >&2
    if ! apt-cache policy etcd-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then apt-get update -qq; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  else
    echo "error: etcd missing; the Kubernetes tests need it (Debian: apt-get install etcd-server, as root)" >&2
    exit 1
  fi
fi

mkdir -p "$dest"
# Two test files starting at once build once: the second waits here, then finds the binary.
exec 9>"$dest/.build.lock"
flock 9
binaries="kube-apiserver kube-controller-manager"
missing=""
for binary in $binaries; do [ -x "$dest/$binary" ] || missing="$missing $binary"; done
if [ -z "$missing" ]; then
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "error: go missing;$missing built from source for the Kubernetes tests" >&2; exit 1; }

echo "building$missing v$version into $dest (a few minutes each, once)" >&2
module_dir() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
work="$(mktemp -d "${TMPDIR:-/tmp}/trellis-kube-build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
src="$(module_dir "k8s.io/kubernetes@v$version")"
[ -n "$src" ] || { echo "error: could not download k8s.io/kubernetes@v$version" >&2; exit 1; }
cp -r "$src" "$work/kubernetes"
chmod -R u+w "$work/kubernetes"
# The go.mod replaces every k8s.io staging module with ./staging/src/<path>; the published module zips leave staging out.
staging_modules=$(sed -n '/^replace (/,/^)/s/^[[:space:]]*\(k8s\.io\/[^ ]*\) => \.\/staging\/src\/.*/\1/p' "$work/kubernetes/go.mod")
for module in $staging_modules; do
  target="$work/kubernetes/staging/src/$module"
  if [ "$module" = k8s.io/sample-cli-plugin ]; then continue; fi
  rm -rf "$target"
  mkdir -p "$(dirname "$target")"
  cp -r "$(module_dir "$module@$staging_version")" "$target"
  chmod -R u+w "$target"
done
# Without git metadata the binary would report v0.0.0-master: stamp the release as Kubernetes release builds do.
minor="${version#*.}"; minor="${minor%%.*}"
ldflags="-s -X k8s.io/component-base/version.gitVersion=v$version -X k8s.io/component-base/version.gitMajor=${version%%.*} -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=v$version -X k8s.io/client-go/pkg/version.gitMajor=${version%%.*} -X k8s.io/client-go/pkg/version.gitMinor=$minor"
for binary in $missing; do
  (cd "$work/kubernetes" && GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -ldflags="$ldflags" -o "$OLDPWD/$dest/$binary.partial" "./cmd/$binary")
  mv "$dest/$binary.partial" "$dest/$binary"
done
