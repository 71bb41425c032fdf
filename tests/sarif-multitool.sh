#!/bin/sh
# Validates iamtrim's SARIF with Microsoft's SARIF multitool (the validator GitHub's docs point
# at), on the AWS example, a template with logical locations, a run with zero findings, and runs
# that end with a fatal error (a broken iamtrim.toml, a corrupt snapshot). Fails on any error or
# warning the multitool reports; its notes (recommendations, listed at the end) do not fail it.
#
# The multitool (npm @microsoft/sarif-multitool, a self-contained .NET binary per platform: no
# .NET install needed) is installed once into a cache folder outside the repository:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/iamtrim-test/sarif-multitool
# Needs node and npm; the registry only for that first install.
#
#   tests/sarif-multitool.sh            # builds iamtrim (debug) and validates
#   IAMTRIM=path/to/iamtrim tests/sarif-multitool.sh
set -eu

version=5.7.0
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/iamtrim-test/sarif-multitool

if [ ! -d "$cache/node_modules/@microsoft/sarif-multitool" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --no-save \
        "@microsoft/sarif-multitool@$version" >&2
fi
# The package's own bin.js runs the binary through a shell, which splits `--level "a;b"` at the
# semicolons: the native binary is called directly.
multitool=$(cd "$cache" && node -p "require('@microsoft/sarif-multitool')")
# Its postinstall script (chmod u+x) may not have run (npm's install-script policy).
[ -x "$multitool" ] || chmod u+x "$multitool"

if [ -z "${IAMTRIM:-}" ]; then
    (cd "$root" && cargo build --quiet)
    IAMTRIM=${CARGO_TARGET_DIR:-$root/target}/debug/iamtrim
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# iamtrim check in a copy of a test folder; $1: a name for the log, $2: the folder, the rest:
# check's arguments. The exit code is 0, 1 (findings) or 2 (fatal error): the log is written in
# each case.
sarif() {
    name=$1
    from=$2
    shift 2
    mkdir -p "$work/$name"
    cp -R "$from/." "$work/$name/"
    status=0
    (cd "$work/$name" && "$IAMTRIM" check --format sarif "$@" >"$work/$name.sarif" 2>/dev/null) ||
        status=$?
    if [ "$status" -gt 2 ]; then
        echo "iamtrim check exited $status for $name" >&2
        exit 1
    fi
    echo "$name: iamtrim exited $status"
}

example=$root/examples/aws-blog
sarif example "$example" --config iamtrim.toml --catalog catalog policy.json
sarif template "$root/tests/data/cfn/aws-blog" --config iamtrim.toml --catalog catalog template.json
sarif zero-findings "$example" --config iamtrim.toml --catalog catalog expected-fixed.json \
    --select unused-action,overbroad-wildcard
mkdir -p "$work/broken-config-src"
cp -R "$example/." "$work/broken-config-src/"
printf 'snapshot = "snapshot"\nmax-snapshot-age = 3650\n' >"$work/broken-config-src/iamtrim.toml"
sarif broken-config "$work/broken-config-src" --config iamtrim.toml --catalog catalog policy.json
mkdir -p "$work/broken-snapshot-src"
cp -R "$example/." "$work/broken-snapshot-src/"
for f in "$work/broken-snapshot-src/snapshot/"*; do printf '{"broken' >"$f"; done
sarif broken-snapshot "$work/broken-snapshot-src" --config iamtrim.toml --catalog catalog policy.json

failed=0
for log in "$work"/*.sarif; do
    out=${log%.sarif}.validation.json
    # (Its --quiet is refused: "Option 'q, quiet' is defined with a bad format", in 5.7.0.)
    "$multitool" validate --level "Error;Warning;Note" --log ForceOverwrite \
        --output "$out" "$log" >"$out.console" 2>&1 || {
        cat "$out.console" >&2
        echo "the multitool failed on $(basename "$log")" >&2
        failed=1
        continue
    }
    node - "$out" "$(basename "$log")" <<'EOF' || failed=1
const [out, name] = process.argv.slice(2);
const results = JSON.parse(require('fs').readFileSync(out, 'utf8')).runs[0].results || [];
// SARIF's default level is `warning`.
const bad = results.filter(r => (r.level || 'warning') !== 'note' && r.level !== 'none');
const notes = {};
for (const r of results.filter(r => r.level === 'note')) notes[r.ruleId] = (notes[r.ruleId] || 0) + 1;
for (const r of bad) console.log(`${name}: ${r.level || 'warning'} ${r.ruleId}: ${r.message.text || JSON.stringify(r.message)}`);
console.log(`${name}: ${bad.length} errors or warnings; notes: ${JSON.stringify(notes)}`);
process.exit(bad.length ? 1 : 0);
EOF
done
exit "$failed"
