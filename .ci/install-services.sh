#!/usr/bin/env bash
# Installs the real services the tests start by themselves (nothing is started here):
#   OpenStack Swift + s3api and memcached — the S3-compatible server of the storage tests
#   (test/helpers/swift-s3.sh); pebble (+ openssl for its own certificate) — the ACME CA of the
#   HTTPS tests (test/helpers/pebble.ts). Without them those tests skip, saying why.
# Idempotent: does nothing (exit 0) when everything is installed. Debian, as root (or sudo).
set -euo pipefail

PACKAGES=(swift-proxy swift-object swift-container swift-account memcached pebble openssl chromium)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-services: already installed: ${PACKAGES[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-services: need root (or passwordless sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

# apt verifies signatures through /dev/null; on a machine where it was replaced by a regular file,
# every index is refused ("gpgv ... required"), so put the device back first.
if [ ! -c /dev/null ] && [ -z "$SUDO" ]; then
  echo "install-services: /dev/null is not a character device; recreating it"
  mknod -m 666 /dev/null.satchel c 1 3 && mv -f /dev/null.satchel /dev/null
fi

echo "install-services: installing ${missing[*]}"
start=$(date +%s)
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
for p in "${PACKAGES[@]}"; do
  installed "$p" || { echo "install-services: $p is still missing" >&2; exit 1; }
done
echo "install-services: installed ${missing[*]} in $(($(date +%s) - start)) s"
