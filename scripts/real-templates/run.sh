#!/bin/sh
# Runs iamtrim over the real CloudFormation templates of cfn-lint's test suite (the PyPI sdist,
# downloaded here, never committed): every template bound to one role whose finding leaves half of
# each mentioned service unused; `check --fix` and `--fix --unsafe-fixes` on copies; then
# verify.py checks that every fixed file still loads as YAML/JSON and that nothing but `Action`,
# `NotAction` and statement lists changed. Needs pip and PyYAML. Usage: scripts/real-templates/run.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --manifest-path "$root/Cargo.toml" -q
bin="$root/target/release/iamtrim"
(cd "$work" && pip download -q --no-deps --no-binary :all: cfn-lint && tar xzf cfn_lint-*.tar.gz)
mkdir "$work/orig"
find "$work"/cfn_lint-*/test/fixtures/templates \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) |
while read -r f; do
    cp "$f" "$work/orig/$(echo "${f#"$work"/}" | tr '/' '_')"
done
python3 "$here/findings.py" "$work/orig" "$bin"
printf 'snapshot = "snapshot"\nmax-snapshot-age = "36500d"\n\n[[bind]]\nfiles = ["*"]\nprincipals = ["MyRole"]\n' > "$work/orig/iamtrim.toml"
for mode in safe unsafe; do
    rm -rf "$work/$mode" && cp -r "$work/orig" "$work/$mode"
    flags="--fix"
    [ "$mode" = unsafe ] && flags="--fix --unsafe-fixes"
    # Exit 1 (findings left) is expected; 2 or a crash is not.
    (cd "$work/$mode" && "$bin" check --config iamtrim.toml . $flags > "$work/$mode.out" 2>&1) || [ $? -eq 1 ]
    tail -2 "$work/$mode.out"
    if grep -qi 'internal error\|panicked' "$work/$mode.out"; then
        grep -i 'internal error\|panicked' "$work/$mode.out"
        exit 1
    fi
    python3 "$here/verify.py" "$work/orig" "$work/$mode"
done
