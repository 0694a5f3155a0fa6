#!/usr/bin/env bash
# The GitHub Action's diff step (action.yml): for each CloudFormation template or Terraform file a pull request
# adds, modifies or renames, `parc diff` its base-branch version against the head's, resource by resource; write one
# SARIF file of the requests the change newly allows (at the head template's lines) for code scanning.
#
# Environment: PARC (the command, default parc), PYTHON (merges the SARIF files, default python3), BASE_REF (the
# pull request's base, a commit or branch; empty: nothing to compare), PATHS (default .), PATTERN (an extended regex
# of file names), PARAMETERS (a --parameters file), TIMEOUT (solver seconds per template, default 30), DIFF_SARIF
# (the SARIF file to write, default parc-diff.sarif), GITHUB_OUTPUT (the step's outputs; optional).
# Outputs: diff-files, new-access (templates whose change adds access), unknown (templates parc could not prove),
# diff-exit-code. Exit: 0 no template adds access, 1 some template adds access, 2 none does but some could not be
# proved (or read). A template the pull request deletes is not compared (its resources are gone).
set -euo pipefail

PARC=${PARC:-parc}
PYTHON=${PYTHON:-python3}
PATHS=${PATHS:-.}
PATTERN=${PATTERN:-'(\.ya?ml|\.template|\.template\.json|\.json|\.tf)$'}
TIMEOUT=${TIMEOUT:-30}
SARIF=${DIFF_SARIF:-parc-diff.sarif}
OUT=${GITHUB_OUTPUT:-/dev/null}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=action/common.sh
. "$HERE/common.sh"

empty_sarif() {
  printf '%s\n' '{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "parc", "rules": []}}, "results": []}]}' > "$SARIF"
}

if [ -z "${BASE_REF:-}" ]; then
  echo "parc diff: no base-ref, nothing to compare"
  empty_sarif
  { echo "diff-files=0"; echo "new-access=0"; echo "unknown=0"; echo "diff-exit-code=0"; } >> "$OUT"
  exit 0
fi

base=$(git merge-base "$BASE_REF" HEAD)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0; new_access=0; unknown=0
# The changes: status, old path, new path. A change to a Terraform module's .tf or .tfvars file can change what any
# .tf file of the module allows (a variable's default): every .tf file of that folder is compared too.
changes=$(git diff --name-status -M --diff-filter=ACMR "$base" HEAD -- ${PATHS} |
  awk -F'\t' '{ if ($1 ~ /^R/) print $1 "\t" $2 "\t" $3; else print $1 "\t" $2 "\t" $2 }')
modules=$(printf '%s\n' "$changes" | awk -F'\t' '$3 ~ /\.(tf|tfvars)$/ { n = split($3, p, "/"); d = (n > 1) ? substr($3, 1, length($3) - length(p[n]) - 1) : "."; print d }' | sort -u)
for dir in $modules; do
  for tf in $(git ls-files -- "$dir/*.tf"); do
    [ "$(dirname "$tf")" = "$dir" ] || continue
    printf '%s\n' "$changes" | awk -F'\t' -v f="$tf" '$3 == f { found = 1 } END { exit !found }' && continue
    changes=$(printf '%s\n%s\t%s\t%s' "$changes" "M" "$tf" "$tf")
  done
done
while IFS=$'\t' read -r status old f; do
  [ -n "${status:-}" ] || continue
  [ -f "$f" ] || continue
  is_hidden "$f" && continue
  printf '%s\n' "$f" | grep -qE "$PATTERN" || continue
  is_template "$f" || continue
  n=$((n + 1))
  mkdir "$work/$n"
  before="$work/$n/$(basename "$f")"
  kind=$(template_kind "$f")
  if git cat-file -e "$base:$old" 2>/dev/null; then
    git show "$base:$old" > "$before"
    case "$old" in
      *.tf)  # the module's other files: its variables' defaults and .tfvars, as the base had them
        dir=$(dirname "$old")
        git ls-tree --name-only "$base" -- "$dir/" | while IFS= read -r sib; do
          case "$sib" in
            "$old") ;;
            *.tf|*.tfvars) git show "$base:$sib" > "$work/$n/$(basename "$sib")" ;;
          esac
        done
        ;;
    esac
  else  # a template the pull request adds: compared with an empty one, all of its access is new
    empty_template "$kind" "$f" > "$before"
  fi
  args=(diff --type "$kind" --timeout "$TIMEOUT" --format sarif --output "$work/$n.sarif")
  if [ -n "${PARAMETERS:-}" ]; then
    args+=(--parameters "$PARAMETERS")
  fi
  set +e
  "$PARC" "${args[@]}" "$before" "$f"
  code=$?
  set -e
  echo "parc diff $f (base $old at ${base:0:12}): exit $code"
  case $code in
    0) ;;
    1) new_access=$((new_access + 1)) ;;
    *) unknown=$((unknown + 1)) ;;
  esac
  [ -f "$work/$n.sarif" ] || empty_sarif_at "$work/$n.sarif"
done <<< "$changes"

if [ "$n" -eq 0 ]; then
  echo "parc diff: no CloudFormation or Terraform file changed"
  empty_sarif
else
  # one run of all results: code scanning takes one run per tool and category
  "$PYTHON" - "$SARIF" "$work"/*.sarif <<'PY'
import json, sys
out, *parts = sys.argv[1:]
docs = [json.load(open(p, encoding="utf-8")) for p in parts]
merged = docs[0]
run = merged["runs"][0]
for d in docs[1:]:
    run["results"].extend(d["runs"][0]["results"])
with open(out, "w", encoding="utf-8") as fh:
    json.dump(merged, fh, indent=2)
PY
fi

code=0
if [ "$new_access" -gt 0 ]; then
  code=1
elif [ "$unknown" -gt 0 ]; then
  code=2
fi
{ echo "diff-files=$n"; echo "new-access=$new_access"; echo "unknown=$unknown"; echo "diff-exit-code=$code"; } >> "$OUT"
exit $code
