#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), one after the other, and prints each
# target's final libFuzzer stats line. Installs cargo-fuzz when it is missing. The corpora
# (fuzz/corpus/, not committed) are seeded from the repository's test data and the committed
# inputs in tests/data/fuzz/; crashes land in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS]        FUZZ_TARGETS="json_parser snapshot" scripts/fuzz.sh 60
#
# A stable toolchain runs cargo-fuzz through RUSTC_BOOTSTRAP=1 (it needs -Z flags). One job,
# one worker: the machine is shared.
set -euo pipefail

seconds=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
targets=${FUZZ_TARGETS:-"json_parser yaml_document terraform_document cfn_json_document snapshot git_index refine_fix"}

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Copies the files under the given folders whose names match the extended regex into the
# target's corpus (small ones only: libFuzzer's input length follows the largest seed).
seed_from() {
    local target=$1 pattern=$2
    shift 2
    local dir=fuzz/corpus/$target
    mkdir -p "$dir"
    find "$@" -type f -size -64k 2>/dev/null | grep -E "$pattern" | while read -r f; do
        cp "$f" "$dir/seed-$(cksum <"$f" | cut -d' ' -f1)"
    done
}

# Index files of small repositories: versions 2, 3 (intent-to-add) and 4, a cache tree, a
# conflict.
seed_git_index() {
    local dir=fuzz/corpus/git_index tmp
    mkdir -p "$dir"
    tmp=$(mktemp -d)
    (
        cd "$tmp"
        git init -q r && cd r
        git config user.email fuzz@example.com && git config user.name fuzz
        mkdir -p a/b && echo 1 >a/b/p.json && echo 2 >top.json && echo 3 >a/q.tf
        git add . && git commit -qm one
        cp .git/index ../index-v2-tree
        echo 4 >new.json && git add -N new.json
        cp .git/index ../index-v3-ita
        git update-index --index-version 4
        cp .git/index ../index-v4
        git reset -q --hard && git checkout -qb side
        echo side >top.json && git commit -qam side
        git checkout -q - && echo main >top.json && git commit -qam main
        git merge -q side >/dev/null 2>&1 || true
        cp .git/index ../index-conflict
    )
    cp "$tmp"/index-* "$dir"/
    rm -rf "$tmp"
}

# Byte strings for the generator of policies and unused sets (a few hundred bytes make a
# policy of several statements and an unused set of dozens of actions).
seed_refine_fix() {
    local dir=fuzz/corpus/refine_fix i
    mkdir -p "$dir"
    for i in $(seq 1 32); do
        head -c 512 /dev/urandom >"$dir/random-$i"
    done
}

data=(tests/data examples ../shared/fixtures)
for t in $targets; do
    case $t in
    json_parser) seed_from "$t" '\.json$' "${data[@]}" ;;
    yaml_document) seed_from "$t" '\.(ya?ml|template)$' "${data[@]}" ;;
    terraform_document) seed_from "$t" '\.(tf|tf\.json|tpl)$' "${data[@]}" ;;
    cfn_json_document) seed_from "$t" '(cfn|templates|cdk|sam).*\.json$|\.template$' "${data[@]}" ;;
    snapshot) seed_from "$t" '(snapshot|aws-cli|recommend|findings|unused|index).*\.json$|/principals/' "${data[@]}" ;;
    git_index) seed_git_index ;;
    refine_fix) seed_refine_fix ;;
    esac
    if [ -d "tests/data/fuzz/$t" ]; then
        cp tests/data/fuzz/"$t"/* "fuzz/corpus/$t/"
    fi
done

for t in $targets; do
    log=$(mktemp)
    echo "== $t (${seconds}s)"
    start=$(date +%s)
    status=0
    cargo fuzz run --debug-assertions "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -jobs=1 -workers=1 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    end=$(date +%s)
    # With -jobs, libFuzzer runs the fuzzer in a child whose output goes to fuzz-0.log.
    for f in fuzz-0.log fuzz/fuzz-0.log; do
        if [ -f "$f" ]; then
            cat "$f" >>"$log" && rm -f "$f"
        fi
    done
    grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)' "$log" | tail -2 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
    echo "wall: $((end - start))s, corpus: $(find "fuzz/corpus/$t" -type f | wc -l) files, exit: $status"
    if [ "$status" -ne 0 ]; then
        tail -40 "$log"
    fi
    rm -f "$log"
done
