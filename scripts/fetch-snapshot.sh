#!/usr/bin/env bash
# Fetches IAM Access Analyzer's unused-access evidence and imports it into an iamtrim snapshot.
#
#   scripts/fetch-snapshot.sh --analyzer ARN [--region R] [--out DIR] [--parallel N]
#       [--max-attempts N] [--iamtrim BIN] [--account-profile ACCOUNT=PROFILE]...
#
# Needs the AWS CLI v2 and jq. Lists the ACTIVE UnusedPermission and UnusedIAMRole findings
# (every page), fetches each UnusedPermission finding's details (every page) and its
# recommendation, writes the analyzed-principals file (the roles of the credentials' account, and
# of each --account-profile account, that existed when the analyzer last analyzed, plus every
# principal with a finding), all into a temporary staging folder, then runs
# `iamtrim snapshot import STAGING/*.json -o DIR/` (default DIR: snapshot/).
#
# Retries: the CLI's own retries are turned down to one attempt (AWS_RETRY_MODE=standard,
# AWS_MAX_ATTEMPTS=1), so that this script's backoff is the one that runs, and is the one tested:
# a throttling error (ThrottlingException, TooManyRequestsException, RequestLimitExceeded, "Rate
# exceeded") is retried after 1, 2, 4... seconds (IAMTRIM_FETCH_BACKOFF seconds, doubled each
# time) up to --max-attempts (default 5) attempts in all. A recommendation still IN_PROGRESS is
# asked again every IAMTRIM_FETCH_POLL seconds (default 2), at most IAMTRIM_FETCH_POLLS times
# (default 60).
#
# A download that fails (after its retries) is reported on stderr; the others are still
# imported (a finding without details then reads "details missing": no evidence), and the exit
# code is 1. A failed import exits with iamtrim's code.
set -euo pipefail

usage() {
    sed -n '4,5p' "$0" | sed 's/^# *//' >&2
    exit 2
}

analyzer="" region="" out="snapshot/" parallel=4 max_attempts=5 iamtrim="iamtrim"
profiles=()
while [ $# -gt 0 ]; do
    case "$1" in
        --analyzer) analyzer="${2:?--analyzer needs an ARN}"; shift 2 ;;
        --region) region="${2:?--region needs a region}"; shift 2 ;;
        --out) out="${2:?--out needs a folder}"; shift 2 ;;
        --parallel) parallel="${2:?--parallel needs a number}"; shift 2 ;;
        --max-attempts) max_attempts="${2:?--max-attempts needs a number}"; shift 2 ;;
        --iamtrim) iamtrim="${2:?--iamtrim needs a path}"; shift 2 ;;
        --account-profile) profiles+=("${2:?--account-profile needs ACCOUNT=PROFILE}"); shift 2 ;;
        -h | --help) usage ;;
        *) echo "fetch-snapshot: unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$analyzer" ] || { echo "fetch-snapshot: --analyzer ARN is required" >&2; usage; }
case "$parallel$max_attempts" in *[!0-9]*) echo "fetch-snapshot: --parallel and --max-attempts take numbers" >&2; exit 2 ;; esac
if [ "$parallel" -lt 1 ] || [ "$max_attempts" -lt 1 ]; then
    echo "fetch-snapshot: --parallel and --max-attempts must be at least 1" >&2
    exit 2
fi
for p in "${profiles[@]+"${profiles[@]}"}"; do
    case "$p" in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]=?*) ;;
        *) echo "fetch-snapshot: --account-profile takes ACCOUNT=PROFILE (a 12-digit account): $p" >&2; exit 2 ;;
    esac
done
command -v jq >/dev/null || { echo "fetch-snapshot: jq is needed (https://jqlang.github.io/jq/)" >&2; exit 2; }
command -v aws >/dev/null || { echo "fetch-snapshot: the AWS CLI v2 is needed" >&2; exit 2; }

export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1 AWS_PAGER=""
export FETCH_REGION="$region" FETCH_ANALYZER="$analyzer" FETCH_MAX_ATTEMPTS="$max_attempts"
export FETCH_BACKOFF="${IAMTRIM_FETCH_BACKOFF:-1}" FETCH_POLL="${IAMTRIM_FETCH_POLL:-2}"
export FETCH_POLLS="${IAMTRIM_FETCH_POLLS:-60}"

# The staging folder: a temporary folder, removed on exit whatever happens.
staging="$(mktemp -d "${TMPDIR:-/tmp}/iamtrim-fetch.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/raw" "$staging/failed" "$staging/work"
export FETCH_STAGING="$staging"

# aws_call OUT_FILE WHAT ARGS...: runs `aws ARGS... --output json` into OUT_FILE, retrying
# throttling errors with exponential backoff. WHAT names the call in messages.
aws_call() {
    local file="$1" what="$2" attempt=1 delay="$FETCH_BACKOFF" err rc
    shift 2
    local region_args=()
    [ -n "$FETCH_REGION" ] && region_args=(--region "$FETCH_REGION")
    err="$(mktemp "$FETCH_STAGING/work/err.XXXXXX")"
    while :; do
        rc=0
        aws "$@" "${region_args[@]+"${region_args[@]}"}" --output json >"$file" 2>"$err" || rc=$?
        if [ "$rc" -eq 0 ]; then
            rm -f "$err"
            return 0
        fi
        if grep -qE 'ThrottlingException|TooManyRequestsException|RequestLimitExceeded|Rate exceeded' "$err" &&
            [ "$attempt" -lt "$FETCH_MAX_ATTEMPTS" ]; then
            echo "fetch-snapshot: $what: throttled (attempt $attempt of $FETCH_MAX_ATTEMPTS), retrying in ${delay}s" >&2
            sleep "$delay"
            attempt=$((attempt + 1))
            delay=$((delay * 2))
            continue
        fi
        echo "fetch-snapshot: $what failed after $attempt attempt(s) (exit $rc): $(tr '\n' ' ' <"$err" | sed 's/^ *//; s/ *$//')" >&2
        rm -f "$err" "$file"
        return 1
    done
}

# paged OUT_FILE WHAT MERGE_FIELD ARGS...: every page of a call (`--no-paginate`, an explicit
# `--next-token` loop, empty pages included), merged into one document whose MERGE_FIELD array
# holds every page's entries.
paged() {
    local file="$1" what="$2" field="$3" token="" n=0 page
    shift 3
    local pages=()
    while :; do
        n=$((n + 1))
        page="$FETCH_STAGING/work/${file##*/}.page$n"
        if [ -n "$token" ]; then
            aws_call "$page" "$what (page $n)" "$@" --no-paginate --next-token "$token" || return 1
        else
            aws_call "$page" "$what (page $n)" "$@" --no-paginate || return 1
        fi
        pages+=("$page")
        token="$(jq -r '.nextToken // empty' "$page")"
        [ -n "$token" ] || break
    done
    jq -s --arg f "$field" '.[0] + {($f): (map(.[$f] // []) | add)} | del(.nextToken)' \
        "${pages[@]}" >"$file"
    rm -f "${pages[@]}"
}

# fetch_finding ID: one UnusedPermission finding's details and its recommendation.
fetch_finding() {
    local id="$1" raw="$FETCH_STAGING/raw" status polls=0 ok=1
    if ! paged "$raw/get-finding-v2.$id.json" "get-finding-v2 $id" findingDetails \
        accessanalyzer get-finding-v2 --analyzer-arn "$FETCH_ANALYZER" --id "$id"; then
        : >"$FETCH_STAGING/failed/get-finding-v2.$id"
        return 0
    fi
    if ! aws_call "$FETCH_STAGING/work/generate.$id.json" "generate-finding-recommendation $id" \
        accessanalyzer generate-finding-recommendation --analyzer-arn "$FETCH_ANALYZER" --id "$id"; then
        : >"$FETCH_STAGING/failed/generate-finding-recommendation.$id"
        return 0
    fi
    local rec="$FETCH_STAGING/work/get-finding-recommendation.$id.json"
    while :; do
        if ! paged "$rec" "get-finding-recommendation $id" recommendedSteps \
            accessanalyzer get-finding-recommendation --analyzer-arn "$FETCH_ANALYZER" --id "$id"; then
            ok=0
            break
        fi
        status="$(jq -r '.status // empty' "$rec")"
        [ "$status" = "IN_PROGRESS" ] || break
        polls=$((polls + 1))
        if [ "$polls" -ge "$FETCH_POLLS" ]; then
            echo "fetch-snapshot: get-finding-recommendation $id: still IN_PROGRESS after $polls polls" >&2
            ok=0
            break
        fi
        sleep "$FETCH_POLL"
    done
    if [ "$ok" -eq 1 ]; then
        [ "$status" = "FAILED" ] && echo "fetch-snapshot: get-finding-recommendation $id: FAILED (left out)" >&2
        mv "$rec" "$raw/get-finding-recommendation.$id.json"
    else
        : >"$FETCH_STAGING/failed/get-finding-recommendation.$id"
    fi
}
export -f aws_call paged fetch_finding

failed=0

# The analyzer, and when it last analyzed: roles made after that have not been analyzed.
name="${analyzer##*analyzer/}"
aws_call "$staging/work/analyzer.json" "get-analyzer $name" \
    accessanalyzer get-analyzer --analyzer-name "$name" || exit 1
analyzed_at="$(jq -r '.analyzer.lastResourceAnalyzedAt // empty' "$staging/work/analyzer.json")"
[ -n "$analyzed_at" ] || { echo "fetch-snapshot: the analyzer has no lastResourceAnalyzedAt: has it analyzed anything yet?" >&2; exit 1; }

# Every ACTIVE finding of both types, page by page (each page is imported as it is).
for type in UnusedPermission UnusedIAMRole; do
    filter="$(jq -cn --arg t "$type" '{status: {eq: ["ACTIVE"]}, findingType: {eq: [$t]}}')"
    token="" n=0
    while :; do
        n=$((n + 1))
        page="$staging/raw/list-findings-v2.$type.$(printf %03d "$n").json"
        args=(accessanalyzer list-findings-v2 --analyzer-arn "$analyzer" --filter "$filter" --no-paginate)
        [ -n "$token" ] && args+=(--next-token "$token")
        aws_call "$page" "list-findings-v2 $type (page $n)" "${args[@]}" || exit 1
        token="$(jq -r '.nextToken // empty' "$page")"
        [ -n "$token" ] || break
    done
done
jq -s '[.[].findings[]]' "$staging"/raw/list-findings-v2.*.json >"$staging/work/findings.json"

# Details and recommendations, a bounded number of findings at a time.
jq -r '.[] | select(.findingType == "UnusedPermission") | .id' "$staging/work/findings.json" \
    >"$staging/work/ids"
if [ -s "$staging/work/ids" ]; then
    # shellcheck disable=SC2016 # $1 is the child shell's
    xargs -n 1 -P "$parallel" bash -c 'fetch_finding "$1"' _ <"$staging/work/ids"
fi

# The analyzed principals: the roles listed in each account we can list, made before the
# analysis, plus every principal with a finding.
role_list() { # OUT_FILE ACCOUNT [PROFILE]
    local file="$1" account="$2" profile="${3:-}" marker="" n=0 page
    local base=()
    [ -n "$profile" ] && base=(--profile "$profile")
    local pages=()
    while :; do
        n=$((n + 1))
        page="$FETCH_STAGING/work/${file##*/}.page$n"
        local args=("${base[@]+"${base[@]}"}" iam list-roles --no-paginate)
        [ -n "$marker" ] && args+=(--marker "$marker")
        aws_call "$page" "iam list-roles for $account (page $n)" "${args[@]}" || return 1
        pages+=("$page")
        marker="$(jq -r 'if .IsTruncated then .Marker // empty else empty end' "$page")"
        [ -n "$marker" ] || break
    done
    jq -s 'map(.Roles // []) | add' "${pages[@]}" >"$file"
}
aws_call "$staging/work/identity.json" "sts get-caller-identity" sts get-caller-identity || exit 1
own="$(jq -r .Account "$staging/work/identity.json")"
listed=" " # the accounts whose roles were listed (no associative arrays: macOS has bash 3.2)
roles=()
if role_list "$staging/work/roles.$own.json" "$own"; then
    listed="$listed$own " roles+=("$staging/work/roles.$own.json")
else
    failed=1
fi
for p in "${profiles[@]+"${profiles[@]}"}"; do
    acct="${p%%=*}" prof="${p#*=}"
    case "$listed" in *" $acct "*) continue ;; esac
    if role_list "$staging/work/roles.$acct.json" "$acct" "$prof"; then
        listed="$listed$acct " roles+=("$staging/work/roles.$acct.json")
    else
        failed=1
    fi
done
for acct in $(jq -r '.[].resourceOwnerAccount // empty' "$staging/work/findings.json" | sort -u); do
    case "$listed" in
        *" $acct "*) ;;
        *) echo "fetch-snapshot: account $acct: no role listing (pass --account-profile $acct=PROFILE): only its principals with findings count as analyzed" >&2 ;;
    esac
done
# AWS writes UTC times (+00:00 or Z, maybe with fractions of a second).
jq -n --arg analyzer "$analyzer" --arg at "$analyzed_at" \
    --slurpfile findings "$staging/work/findings.json" '
    def epoch: sub("\\.[0-9]+"; "") | sub("(\\+00:00|Z)$"; "Z") | fromdate;
    ([inputs[] | select((.CreateDate | epoch) <= ($at | epoch)) | .Arn]
     + [$findings[0][].resource]) as $all
    | {analyzer: $analyzer, analyzedAt: $at, principals: ($all | unique)}' \
    "${roles[@]+"${roles[@]}"}" </dev/null >"$staging/raw/analyzed-principals.json"

for f in "$staging"/failed/*; do
    [ -e "$f" ] || continue
    echo "fetch-snapshot: not downloaded: ${f##*/}" >&2
    failed=1
done

rc=0
"$iamtrim" snapshot import "$staging"/raw/*.json -o "${out%/}/" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
[ "$failed" -eq 0 ] || exit 1
