#!/usr/bin/env bash
# The GitHub Action's step (action.yml): validate the CloudFormation templates and Terraform files a pull request
# changes (or those under PATHS), write SARIF for code scanning, and exit as parc validate does.
#
# Environment: PARC (the command, default parc), BASE_REF (a commit or branch to diff against; empty: validate
# PATHS whole), PATHS (default .), PATTERN (an extended regex of file names), FAIL_ON (error|security|warning|
# suggestion), PARAMETERS (a --parameters file), SARIF (the SARIF file to write), GITHUB_OUTPUT (where the step's
# outputs go; optional). Exit: 0 clean, 1 findings at FAIL_ON or above, 2 a template could not be read.
set -euo pipefail

PARC=${PARC:-parc}
PATHS=${PATHS:-.}
PATTERN=${PATTERN:-'(\.ya?ml|\.template|\.template\.json|\.tf)$'}
FAIL_ON=${FAIL_ON:-error}
SARIF=${SARIF:-parc.sarif}
OUT=${GITHUB_OUTPUT:-/dev/null}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=action/common.sh
. "$HERE/common.sh"

list_files() {
  if [ -n "${BASE_REF:-}" ]; then
    # the files the change adds or modifies (deleted files have nothing to check)
    git diff --name-only --diff-filter=ACMR "$(git merge-base "$BASE_REF" HEAD)" HEAD -- ${PATHS}
  else
    git ls-files -- ${PATHS}
  fi
}

files=()
while IFS= read -r f; do
  [ -f "$f" ] || continue
  is_hidden "$f" && continue  # hidden folders (.github ...)
  if printf '%s\n' "$f" | grep -qE "$PATTERN" && is_template "$f"; then
    files+=("$f")
  fi
done < <(list_files)

echo "files=${#files[@]}" >> "$OUT"
if [ ${#files[@]} -eq 0 ]; then
  echo "parc: no CloudFormation or Terraform files to validate"
  # an empty SARIF run, so that an upload step still has a file
  printf '%s\n' '{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "parc", "rules": []}}, "results": []}]}' > "$SARIF"
  echo "exit-code=0" >> "$OUT"
  exit 0
fi

args=(validate --fail-on "$FAIL_ON")
if [ -n "${PARAMETERS:-}" ]; then
  args+=(--parameters "$PARAMETERS")
fi
echo "parc: validating ${#files[@]} file(s): ${files[*]}"
set +e
"$PARC" "${args[@]}" --format sarif --output "$SARIF" "${files[@]}"
code=$?
"$PARC" "${args[@]}" "${files[@]}" >&2  # the readable report in the job's log
set -e
echo "exit-code=$code" >> "$OUT"
exit $code
