#!/usr/bin/env bash
# Makes a Node 20 base image without a registry: a minimal Debian bookworm (debootstrap) with this
# machine's Node.js and npm, a `node` user (uid 1000) and the layout of the official node:20-slim
# image (/usr/local/bin/node). For machines that reach Debian's packages and the npm registry but
# no image registry; elsewhere use node:20-slim itself.
#
#   deploy/image/make-base-image.sh OUT.tar      # then: podman import OUT.tar localhost/node:20-slim
#
# Needs root (debootstrap), debootstrap and a Node 20 on this machine. DEBIAN_MIRROR overrides
# the mirror (default http://deb.debian.org/debian).
set -euo pipefail

out=${1:?usage: make-base-image.sh OUT.tar}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
node_bin=$(command -v node)
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || { echo "make-base-image: expected Node 20 on this machine, got $("$node_bin" --version)" >&2; exit 1; }
npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
[ -f "$npm_dir/package.json" ] || { echo "make-base-image: expected npm's folder beside $(command -v npm), got none" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null

# What a runtime does not need: downloaded packages, package lists, documentation, translations.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
  "$root"/var/log/*.log

install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$(readlink -f "$npm_dir")" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

echo 'node:x:1000:' >>"$root/etc/group"
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$root/etc/passwd"
echo 'node:*:19000:0:99999:7:::' >>"$root/etc/shadow"
install -d -o 1000 -g 1000 "$root/home/node"

tar --numeric-owner -C "$root" -cf "$out" .
