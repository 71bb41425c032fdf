#!/usr/bin/env bash
# The ways iamtrim installs, tried for real, with one release build of iamtrim shared by all
# (CARGO_TARGET_DIR; `.ci/run` runs this):
#   1. the wheel (maturin, pyproject.toml) built from a clean copy of this work tree;
#   2. `pip install .` of that copy in a fresh venv gives a working `iamtrim`;
#   3. the built wheel installs offline (no index) into another venv and works;
#   4. `pre-commit try-repo` against a mirror repository (scripts/mirror.sh) whose hooks install
#      that wheel, offline: the check hook fails on a policy with unused actions and on a
#      CloudFormation template, the fix hook fixes both byte for byte, the check hook then passes;
#   5. the `language: python` hook of this repository itself (builds from source): fails on the
#      policy with unused actions; with IAMTRIM_TRY_CARGO_HOOK=1 the `language: rust` hook
#      `iamtrim-cargo` too (pre-commit gives it its own CARGO_HOME, so nothing is shared: a whole
#      cold build, 4-5 minutes on 2 cores, kept out of `.ci/run`).
# Install times are printed. Needs PyPI (pre-commit, maturin, setuptools) and crates.io.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -1)
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

python3 -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet "pre-commit==4.*"
export PRE_COMMIT_HOME="$work/cache"

# A clean copy of this work tree (tracked and untracked-but-not-ignored files), as a git
# repository: what a clone would hold.
src="$work/iamtrim"
(cd "$here" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar cf - --null -T -) | (mkdir -p "$src" && cd "$src" && tar xf -)
git -C "$src" init -q -b main
git -C "$src" add -A
git -C "$src" -c user.name=t -c user.email=t@t commit -q -m snapshot

# The repository the hooks and the installed commands run on.
sample="$work/sample"
mkdir -p "$sample/policies" "$sample/snapshot"
cp "$here/examples/aws-blog/snapshot/get-finding-v2.MyRole.json" "$sample/snapshot/MyRole.json"
cp "$here/examples/aws-blog/policy.json" "$sample/policies/role.json"
cp -r "$here/examples/aws-blog/catalog" "$sample/catalog"
cat > "$sample/iamtrim.toml" <<'TOML'
snapshot = "snapshot"
catalog = "catalog"
max-snapshot-age = "36500d"
exclude = ["snapshot/**", "catalog/**"]

[[bind]]
files = ["policies/*.json"]
principals = ["MyRole"]
TOML
echo '{"name": "not a policy"}' > "$sample/package.json"
# A CloudFormation template in JSON, named .template, bound by its role's RoleName (MyRole).
mkdir -p "$sample/cfn"
cp "$here/tests/data/cfn/aws-blog/template.json" "$sample/cfn/stack.template"
git -C "$sample" init -q -b main
git -C "$sample" add -A

# An installed iamtrim must find the unused actions in the sample (exit 1, unused-action).
works() {
  local bin=$1 out
  "$bin" --version | grep -qx "iamtrim $version" || fail "$bin --version is not iamtrim $version"
  set +e; out=$(cd "$sample" && "$bin" check --all --color never 2>&1); local code=$?; set -e
  [ "$code" = 1 ] || { echo "$out"; fail "$bin check: exit $code, not 1"; }
  grep -q "unused-action" <<<"$out" || { echo "$out"; fail "$bin check: no unused-action"; }
}

# 1. The wheel, built once.
t=$(now)
"$work/tools/bin/pip" wheel --quiet --no-deps -w "$work/wheels" "$src"
wheel=$(ls "$work/wheels"/iamtrim-"$version"-*.whl)
echo "ok: built $(basename "$wheel") in $(since "$t")"

# 2. pip install . in a fresh venv (the build is the one above, reused).
python3 -m venv "$work/venv-a"
t=$(now)
"$work/venv-a/bin/pip" install --quiet "$src"
works "$work/venv-a/bin/iamtrim"
echo "ok: pip install . gives a working iamtrim ($(since "$t"))"

# 3. The wheel, offline, into another venv.
python3 -m venv "$work/venv-b"
t=$(now)
PIP_NO_INDEX=1 "$work/venv-b/bin/pip" install --quiet --find-links "$work/wheels" iamtrim=="$version"
works "$work/venv-b/bin/iamtrim"
echo "ok: the wheel installs offline and works ($(since "$t"))"

# 4. The mirror repository, its hooks installing the wheel offline (its package's build backend,
# setuptools, is fetched now so that the hook install needs no index).
"$work/tools/bin/pip" download --quiet --no-deps -d "$work/wheels" "setuptools>=61"
mirror="$work/mirror"
"$here/scripts/mirror.sh" "$version" "$mirror"
git -C "$mirror" init -q -b main
git -C "$mirror" add -A
git -C "$mirror" -c user.name=t -c user.email=t@t commit -q -m "iamtrim $version"

try() { # try REPO HOOK OUTFILE [env...]
  local repo=$1 hook=$2 out=$3; shift 3
  (cd "$sample" && env "$@" "$work/tools/bin/pre-commit" try-repo "$repo" "$hook" --all-files --verbose) > "$out" 2>&1
}
offline=(PIP_NO_INDEX=1 "PIP_FIND_LINKS=$work/wheels")

t=$(now)
if try "$mirror" iamtrim "$work/out1" "${offline[@]}"; then
  cat "$work/out1"; fail "the mirror's iamtrim hook passed on a policy with unused actions"
fi
mirror_time=$(since "$t")
grep -q "unused-action" "$work/out1" || { cat "$work/out1"; fail "no unused-action in the hook output"; }
grep -q "cfn/stack.template" "$work/out1" || { cat "$work/out1"; fail "the hook did not check the .template file"; }
echo "ok: mirror hook iamtrim (installed from the wheel in $mirror_time, run included) fails on unused actions (policy and template)"

if try "$mirror" iamtrim-fix "$work/out2" "${offline[@]}"; then
  cat "$work/out2"; fail "the fix hook should fail when it changes files"
fi
cmp "$sample/policies/role.json" "$here/examples/aws-blog/expected-fixed.json" || fail "policy not fixed as expected"
cmp "$sample/cfn/stack.template" "$here/tests/data/cfn/aws-blog/expected-fixed.json" || fail "template not fixed as expected"
echo "ok: mirror hook iamtrim-fix fixes the policy and the template"

git -C "$sample" add -A
try "$mirror" iamtrim "$work/out3" "${offline[@]}" || { cat "$work/out3"; fail "the hook fails on a clean policy"; }
echo "ok: mirror hook iamtrim passes on the fixed policy"

# 5. This repository's own hooks: python (built from source by pip and maturin: the iamtrim
# crate is built once more, since pre-commit clones the repository to a new path; its
# dependencies come from the shared target folder), and on request cargo.
cp "$here/examples/aws-blog/policy.json" "$sample/policies/role.json"
git -C "$sample" add -A
hooks=(iamtrim)
[ "${IAMTRIM_TRY_CARGO_HOOK:-}" = 1 ] && hooks+=(iamtrim-cargo)
for hook in "${hooks[@]}"; do
  t=$(now)
  if try "$src" "$hook" "$work/out-$hook"; then
    cat "$work/out-$hook"; fail "hook $hook passed on a policy with unused actions"
  fi
  grep -q "unused-action" "$work/out-$hook" || { cat "$work/out-$hook"; fail "no unused-action in the $hook output"; }
  echo "ok: hook $hook of this repository (built from source in $(since "$t"), run included) fails on unused actions"
done
echo "pre-commit try-repo: every install route behaved"
