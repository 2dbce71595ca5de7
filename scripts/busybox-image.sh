#!/usr/bin/env bash
# Makes the image the examples run, berth.local/busybox:latest, from the host's busybox-static (no registry,
# no network): a root filesystem with every busybox applet, imported into berth's engine.
set -euo pipefail
cd "$(dirname "$0")/.."
berth=(node -- bin/berth.js)
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc,root,proc,sys,dev,tmp,var/www,usr/bin,usr/sbin,sbin}
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
tar --numeric-owner -C "$rootfs" -cf - . | "${berth[@]}" image import - berth.local/busybox:latest
