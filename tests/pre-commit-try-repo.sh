#!/usr/bin/env bash
# Runs the real pre-commit framework (PyPI `pre-commit`) against this repository's hooks with
# `pre-commit try-repo`, in throwaway git repositories: the check hook fails on a policy with unused
# actions and passes on a clean one; the fix hook fixes. Needs PyPI and crates.io (pre-commit
# builds iamtrim with cargo); `.ci/run` runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "pre-commit==4.*"
export PATH="$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="$work/cache"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

# try-repo needs the hooks in a git repository: snapshot this work tree into one.
src="$work/iamtrim"
(cd "$here" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar cf - --null -T -) | (mkdir -p "$src" && cd "$src" && tar xf -)
git -C "$src" init -q -b main
git -C "$src" add -A
git -C "$src" -c user.name=t -c user.email=t@t commit -q -m snapshot

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

run() { (cd "$sample" && pre-commit try-repo "$src" "$@" --all-files --verbose); }

if run iamtrim > "$work/out1" 2>&1; then
  cat "$work/out1"; echo "FAIL: the iamtrim hook passed on a policy with unused actions" >&2; exit 1
fi
grep -q "unused-action" "$work/out1" || { cat "$work/out1"; echo "FAIL: no unused-action in the hook output" >&2; exit 1; }
grep -q "cfn/stack.template" "$work/out1" || { cat "$work/out1"; echo "FAIL: the hook did not check the .template file" >&2; exit 1; }
echo "ok: iamtrim hook fails on unused actions (policy and template)"

if run iamtrim-fix > "$work/out2" 2>&1; then
  cat "$work/out2"; echo "FAIL: the fix hook should fail when it changes files" >&2; exit 1
fi
cmp "$sample/policies/role.json" "$here/examples/aws-blog/expected-fixed.json" || { echo "FAIL: not fixed as expected" >&2; exit 1; }
cmp "$sample/cfn/stack.template" "$here/tests/data/cfn/aws-blog/expected-fixed.json" || { echo "FAIL: template not fixed as expected" >&2; exit 1; }
echo "ok: iamtrim-fix hook fixes the policy and the template"

git -C "$sample" add -A
run iamtrim > "$work/out3" 2>&1 || { cat "$work/out3"; echo "FAIL: the hook fails on a clean policy" >&2; exit 1; }
echo "ok: iamtrim hook passes on the fixed policy"
echo "pre-commit try-repo: all three cases behaved"
