#!/usr/bin/env bash
# The iamtrim GitHub Action (action.yml only wires its inputs to this script), so that every
# decision it makes can be tested outside GitHub (tests/it/action.rs).
#
#   run.sh install   download the release binary for this runner and verify its SHA-256;
#                    on any failure, output source=true (action.yml then builds from source)
#   run.sh build     cargo install --locked from the action's checkout
#   run.sh check     choose the base, run iamtrim (SARIF, annotations, JSON for the summary)
#
# Inputs come as INPUT_VERSION, INPUT_BASE, INPUT_ARGS, INPUT_FAIL, INPUT_SARIF_FILE,
# INPUT_CATEGORY and INPUT_SUMMARY; the rest is what GitHub sets (GITHUB_EVENT_NAME,
# GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, GITHUB_ACTION_PATH,
# GITHUB_ACTION_REF (or IAMTRIM_ACTION_REF), RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP). IAMTRIM_RELEASES_URL replaces
# `<repository>/releases` (tests point it at a folder with file://).
set -euo pipefail

action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}
action_ref=${IAMTRIM_ACTION_REF:-${GITHUB_ACTION_REF:-}}
zeros=0000000000000000000000000000000000000000
# GitHub shows at most this many annotations of one level (error, warning, notice) per step.
annotation_limit=10
summary_rows=20

output() { # NAME VALUE: a step output
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

escape_data() { # the message of a workflow command
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

command_line() { # LEVEL MESSAGE: ::LEVEL title=iamtrim::MESSAGE
  printf '::%s title=iamtrim::%s\n' "$1" "$(escape_data "$2")"
}

cargo_field() { # the first `KEY = "value"` of the action's Cargo.toml
  sed -n "s/^$1 *= *\"\\(.*\\)\"/\\1/p" "$action_path/Cargo.toml" | head -n 1
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# ---------------------------------------------------------------------------------------------
# install

# The release to install: `source`, `latest`, or a tag `vX.Y.Z`. By default the action's own
# ref when it is a release tag, else the version of the action's checkout (its Cargo.toml), so
# that pinning the action by SHA pins the binary too.
release_tag() {
  local v=${INPUT_VERSION:-}
  case "$v" in
    source | latest) echo "$v" ;;
    v[0-9]*) echo "$v" ;;
    [0-9]*) echo "v$v" ;;
    "")
      case "$action_ref" in
        v[0-9]*) echo "$action_ref" ;;
        *) echo "v$(cargo_field version)" ;;
      esac
      ;;
    *)
      command_line error "version: \`$v\` is not \`latest\`, \`source\` or a version (v1.2.3)" >&2
      exit 2
      ;;
  esac
}

# The release asset's target for this runner, as .github/workflows/release.yml names them.
runner_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-gnu ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

from_source() { # REASON
  if [ "$1" != "" ]; then
    command_line warning "$1: building iamtrim from the action's source instead (slower)"
  fi
  output source true
}

install() {
  local lock_hash
  lock_hash=$(sha256_of "$action_path/Cargo.lock")
  output cache-key "iamtrim-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${action_ref:-noref}-$lock_hash"

  local tag target
  tag=$(release_tag)
  if [ "$tag" = source ]; then
    from_source ""
    return
  fi
  if ! target=$(runner_target); then
    from_source "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"
    return
  fi
  local releases=${IAMTRIM_RELEASES_URL:-$(cargo_field repository)/releases}
  local url
  if [ "$tag" = latest ]; then
    url="$releases/latest/download"
  else
    url="$releases/download/$tag"
  fi
  local ext=tar.gz exe=iamtrim
  case "$target" in *windows*) ext=zip exe=iamtrim.exe ;; esac
  local archive="iamtrim-$target.$ext"
  local dir
  dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/iamtrim-XXXXXX")

  if ! curl -fsSL --retry 3 -o "$dir/$archive" "$url/$archive" ||
    ! curl -fsSL --retry 3 -o "$dir/iamtrim-checksums.txt" "$url/iamtrim-checksums.txt"; then
    from_source "could not download $url/$archive"
    return
  fi
  local expected actual
  expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$dir/iamtrim-checksums.txt")
  actual=$(sha256_of "$dir/$archive")
  if [ -z "$expected" ]; then
    from_source "$archive is not in the release's iamtrim-checksums.txt"
    return
  fi
  if [ "$expected" != "$actual" ]; then
    from_source "$archive: SHA-256 $actual, but iamtrim-checksums.txt says $expected"
    return
  fi
  mkdir -p "$dir/x"
  if [ "$ext" = zip ]; then
    if ! unzip -q "$dir/$archive" -d "$dir/x" 2>/dev/null && ! 7z x -y "-o$dir/x" "$dir/$archive" >/dev/null; then
      from_source "could not unpack $archive"
      return
    fi
  elif ! tar -xzf "$dir/$archive" -C "$dir/x"; then
    from_source "could not unpack $archive"
    return
  fi
  local bin="$dir/x/iamtrim-$target"
  if ! "$bin/$exe" --version >/dev/null 2>&1; then
    from_source "$archive holds no iamtrim that runs"
    return
  fi
  echo "iamtrim: installed $("$bin/$exe" --version) from $url/$archive (SHA-256 $actual)"
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$bin" >>"$GITHUB_PATH"
  fi
  output source false
}

# ---------------------------------------------------------------------------------------------
# build

build() {
  local root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/iamtrim-source"
  # The target folder is the one action.yml caches (~/.cache/iamtrim-action/target).
  cargo install --locked --path "$action_path" --root "$root" \
    --target-dir "$HOME/.cache/iamtrim-action/target"
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$root/bin" >>"$GITHUB_PATH"
  fi
}

# ---------------------------------------------------------------------------------------------
# check

event() { # a jq filter on the event payload, "" when absent
  if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
    jq -r "$1 // empty" "$GITHUB_EVENT_PATH"
  fi
}

is_commit() {
  git cat-file -e "$1^{commit}" 2>/dev/null
}

# Sets base (a commit, or "" for --all) and why.
choose_base() {
  base="" why=""
  if [ -n "${INPUT_BASE:-}" ]; then
    base=$INPUT_BASE why="the base input"
    return
  fi
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target)
      base=$(event .pull_request.base.sha)
      if [ -n "$base" ]; then
        why="the pull request's base"
      else
        why="the pull request event names no base"
      fi
      ;;
    push)
      local before default ref
      before=$(event .before)
      default=$(event .repository.default_branch)
      ref=$(event .ref)
      if [ -n "$before" ] && [ "$before" != "$zeros" ] && is_commit "$before"; then
        base=$before why="the commit before the push"
        return
      fi
      local gone="a new branch"
      if [ -n "$before" ] && [ "$before" != "$zeros" ]; then
        gone="the commit before the push ($before) is not in the fetched history"
      fi
      if [ -z "$default" ] || [ "$ref" = "refs/heads/$default" ]; then
        why="$gone on the default branch: checking everything"
      elif base=$(git merge-base HEAD "refs/remotes/origin/$default" 2>/dev/null); then
        why="$gone: its merge base with origin/$default"
      else
        base=""
        why="$gone, and origin/$default is not fetched: checking everything"
      fi
      ;;
    *)
      why="a ${GITHUB_EVENT_NAME:-run} has no base: checking everything"
      ;;
  esac
}

# A SARIF 2.1.0 log that says the run failed, for when iamtrim could not write one.
failed_sarif() { # EXIT MESSAGE CATEGORY
  jq -n --argjson code "$1" --arg msg "$2" --arg id "$3/" --arg uri "$(cargo_field repository)" '{
    "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {driver: {name: "iamtrim", informationUri: $uri, rules: []}},
      invocations: [{
        executionSuccessful: false,
        exitCode: $code,
        toolExecutionNotifications: [{level: "error", message: {text: $msg}}]
      }],
      automationDetails: {id: $id},
      results: []
    }]
  }'
}

md_cell() { # text for a Markdown table cell
  local s=${1//$'\n'/ }
  s=${s//'|'/'\|'}
  s=${s//'<'/'&lt;'}
  printf '%s' "$s"
}

check() {
  local sarif=${INPUT_SARIF_FILE:-iamtrim.sarif}
  local category=${INPUT_CATEGORY:-iamtrim}
  local fail=${INPUT_FAIL:-true}
  local summary=${INPUT_SUMMARY:-true}
  local -a args=()
  # Split on blanks and newlines, no globbing and no quotes: `args` is a list of plain words.
  read -r -d '' -a args <<<"${INPUT_ARGS:-}" || true

  local base why
  local -a scope=()
  local word explicit=""
  for word in ${args[@]+"${args[@]}"}; do
    case "$word" in --all | --staged | --base | --base=*) explicit=$word ;; esac
  done
  if [ -n "$explicit" ]; then
    base="" why="\`$explicit\` in the args input"
  else
    choose_base
    if [ -n "$base" ]; then
      scope=(--base "$base")
    else
      scope=(--all)
    fi
  fi
  echo "iamtrim: ${scope[*]:-as args say} ($why)"
  output base "${base:-${scope[*]:-}}"

  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    command_line warning "This is a shallow clone: iamtrim needs the history to find the changed files and the actions added after the analysis. Set \`fetch-depth: 0\` on actions/checkout."
  fi

  local work
  work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/iamtrim-check-XXXXXX")
  local -a run=(iamtrim check ${scope[@]+"${scope[@]}"} ${args[@]+"${args[@]}"})

  local code=0 status
  mkdir -p "$(dirname "$sarif")"
  rm -f "$sarif"
  # The category code scanning files the results under: upload-sarif keeps an id already there.
  "${run[@]}" --format sarif --sarif-category "$category" --output-file "$sarif" \
    2>"$work/sarif.err" || code=$?
  status=0
  "${run[@]}" --format github >"$work/github" 2>"$work/github.err" || status=$?
  [ "$status" -gt "$code" ] && code=$status
  status=0
  "${run[@]}" --format json --output-file "$work/json" 2>"$work/json.err" || status=$?
  [ "$status" -gt "$code" ] && code=$status
  output sarif-file "$sarif"
  output exit-code "$code"

  if [ "$code" -ge 2 ]; then
    local err
    cat "$work/sarif.err" >&2
    err=$(sed -e 's/^[[:space:]]*×[[:space:]]*//' -e '/^[[:space:]]*$/d' "$work/sarif.err" | head -n 1)
    [ -n "$err" ] || err="iamtrim exited with $code"
    command_line error "iamtrim failed (exit $code): $err"
    if jq -e '.version == "2.1.0" and (.runs | length > 0)' "$sarif" >/dev/null 2>&1; then
      jq --argjson code "$code" '.runs[0].invocations[0].executionSuccessful = false
        | .runs[0].invocations[0].exitCode //= $code' "$sarif" >"$work/fixed.sarif"
      mv "$work/fixed.sarif" "$sarif"
    else
      failed_sarif "$code" "$err" "$category" >"$sarif"
    fi
    output findings 0
    if [ "$summary" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      printf '## iamtrim\n\niamtrim failed (exit %s): %s\n' "$code" "$(md_cell "$err")" >>"$GITHUB_STEP_SUMMARY"
    fi
    exit "$code"
  fi

  local findings
  findings=$(jq '.summary.findings' "$work/json")
  output findings "$findings"

  # Annotations past the limit are dropped by GitHub: say so first, where it is still shown.
  local level count overflow=""
  for level in error warning notice; do
    count=$(grep -c "^::$level " "$work/github" || true)
    if [ "$count" -gt "$annotation_limit" ]; then
      command_line notice "$count $level findings, GitHub shows $annotation_limit annotations: see the SARIF / summary"
      overflow+="$count $level findings, GitHub shows $annotation_limit annotations: see the SARIF (code scanning) or the table below."$'\n'
    fi
  done
  cat "$work/github"
  # iamtrim's notes (a stale snapshot, say) stay in the log, once.
  cat "$work/github.err" >&2

  if [ "$summary" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    write_summary "$work/json" "$findings" "$overflow" "$why" >>"$GITHUB_STEP_SUMMARY"
  fi

  if [ "$code" -ne 0 ] && [ "$fail" = true ]; then
    exit "$code"
  fi
  exit 0
}

write_summary() { # JSON FINDINGS OVERFLOW WHY
  local json=$1 findings=$2 overflow=$3 why=$4
  local -a fix_cmd=(iamtrim check ${scope[@]+"${scope[@]}"} ${args[@]+"${args[@]}"})
  echo "## iamtrim"
  echo
  jq -r --arg why "$why" '.summary as $s
    | "\($s.findings) finding\(if $s.findings == 1 then "" else "s" end) in \($s.checked) checked file\(if $s.checked == 1 then "" else "s" end): \($s.errors) errors, \($s.warnings) warnings, \($s.infos) info (\($why))."' "$json"
  if [ "$findings" -eq 0 ]; then
    return
  fi
  if [ -n "$overflow" ]; then
    echo
    printf '> %s' "$overflow"
  fi
  echo
  echo "| rule | findings | fixable | with \`--unsafe-fixes\` |"
  echo "| --- | ---: | ---: | ---: |"
  jq -r '[.files[].findings[]] | group_by(.rule)
    | map({rule: .[0].rule, n: length,
           safe: map(select(.fix.applicability? == "safe")) | length,
           unsafe: map(select(.fix.applicability? == "unsafe")) | length})
    | sort_by(-.n, .rule)[]
    | "| `\(.rule)` | \(.n) | \(.safe) | \(.unsafe) |"' "$json"
  echo
  local shown
  shown=$(( findings < summary_rows ? findings : summary_rows ))
  if [ "$findings" -gt "$summary_rows" ]; then
    echo "### The first $shown of $findings findings"
  else
    echo "### Findings"
  fi
  echo
  echo "| file | line | level | rule | message |"
  echo "| --- | ---: | --- | --- | --- |"
  local path line severity rule message
  while IFS=$'\t' read -r path line severity rule message; do
    # shellcheck disable=SC2016 # the backticks are Markdown's
    printf '| `%s` | %s | %s | `%s` | %s |\n' "$(md_cell "$path")" "$line" "$severity" "$rule" "$(md_cell "$message")"
  done < <(jq -r --argjson n "$summary_rows" '[.files[] | .path as $p | .findings[]
      | [$p, (.start.line | tostring), .severity, .rule, (.message | gsub("[\t\n]"; " "))]]
      | .[:$n][] | @tsv' "$json")
  local safe unsafe
  safe=$(jq '[.files[].findings[] | select(.fix.applicability? == "safe")] | length' "$json")
  unsafe=$(jq '[.files[].findings[] | select(.fix.applicability? == "unsafe")] | length' "$json")
  if [ "$safe" -gt 0 ] || [ "$unsafe" -gt 0 ]; then
    echo
    echo "Fix them locally (in a clone with this history):"
    echo
    echo '```sh'
    if [ "$safe" -gt 0 ]; then
      echo "${fix_cmd[*]} --fix"
    fi
    if [ "$unsafe" -gt 0 ]; then
      echo "${fix_cmd[*]} --fix --unsafe-fixes   # $unsafe more, to review"
    fi
    echo '```'
  fi
}

case "${1:-}" in
  install) install ;;
  build) build ;;
  check) check ;;
  *)
    echo "usage: $0 install | build | check" >&2
    exit 2
    ;;
esac
