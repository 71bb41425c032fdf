#!/usr/bin/env bash
# Writes the pre-commit mirror repository's files (mirror/, see mirror/README.md) into DIR for
# iamtrim VERSION: the hooks as they are, the package pinned to that version.
#
#   scripts/mirror.sh VERSION DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/mirror.sh VERSION DIR" >&2; exit 2; }
version=$1 dir=$2
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-.+a-zA-Z0-9]*)$ ]] || { echo "not a version: $version" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
cp "$root/mirror/.pre-commit-hooks.yaml" "$root/mirror/README.md" "$dir/"
sed -e "s/^version = \".*\"/version = \"$version\"/" \
    -e "s/\"iamtrim==[^\"]*\"/\"iamtrim==$version\"/" \
    "$root/mirror/pyproject.toml" > "$dir/pyproject.toml"
grep -q "\"iamtrim==$version\"" "$dir/pyproject.toml" || { echo "mirror/pyproject.toml: no iamtrim pin" >&2; exit 1; }
