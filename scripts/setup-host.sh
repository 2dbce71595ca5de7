#!/usr/bin/env bash
# Installs what berth and its tests need on a Debian 12 machine (as root), then the npm dependencies,
# then builds the CLI. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_major=20
have_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have_major" -lt "$need_major" ]; then
  echo "berth needs Node.js >= $need_major (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

packages=(runc conmon busybox-static iptables iproute2 tini docker-registry mmdebstrap skopeo zstd bzip2 xz-utils python3 ca-certificates curl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `npm ci` refuses a lock file that lacks other platforms' optional packages, and the package registry these
# machines use serves only this platform's; `npm install` installs the locked versions all the same.
npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
npm run build --silent
