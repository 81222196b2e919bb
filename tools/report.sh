#!/usr/bin/env bash
# `make report`'s recipe: check data/, then render with Quarto when it is on PATH
# (OFFLINE=1 forces the offline renderer). The make variables arrive here through
# the environment, never pasted into shell text, and each word is checked against
# a strict pattern before it is used (issue 26: `PARAMS='r=0.3;id>x;true'` ran `id`).
#   BIN     the venv's bin folder (from the Makefile)
#   OUT     the output folder (from the Makefile)
#   PARAMS  "name=value name=value": the report's parameters (report.qmd's `parameters` cell)
#   PAPER   a4 or us-letter (default: the documents' own, A4)
#   OFFLINE non-empty: the offline renderer even when quarto is on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.venv/bin}"
OUT="${OUT:-_output}"
PARAMS="${PARAMS:-}"
PAPER="${PAPER:-}"
OFFLINE="${OFFLINE:-}"

fail() { echo "make report: $*" >&2; exit 2; }

# Quarto renders into a staging folder beside $OUT (its --output-dir), and only a
# render that succeeded is published into $OUT, all files at once (python -m
# render.outputs, as the offline renderer publishes): a failed or stopped render
# leaves $OUT as it was. The staging folder goes on every exit, SIGTERM included.
# Quarto renders each document beside itself and moves the result into the output
# folder when the whole project is done; a stopped render leaves those files (a.html,
# a_files/) in the project folder, so the ones that were not there before go too.
stage=""
litter=()
cleanup() {
  if [ -n "$stage" ]; then rm -rf "$stage"; stage=""; fi
  for x in ${litter[@]+"${litter[@]}"}; do rm -rf -- "$x"; done
  litter=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
quarto_stage() {
  mkdir -p "$(dirname "$OUT")"
  stage="$(mktemp -d "$(dirname "$OUT")/.$(basename "$OUT").quarto-XXXXXX")"
  local f s x
  for f in *.qmd; do
    s="${f%.qmd}"
    for x in "$s.html" "$s.pdf" "$s.ipynb" "$s.typ" "${s}_files" "$s.quarto_ipynb" \
             "$stem.html" "$stem.pdf" "$stem.ipynb"; do
      if [ ! -e "$x" ]; then litter+=("$x"); fi
    done
  done
}
publish() {
  "$BIN/python" -m render.outputs "$stage" "$OUT" || exit 1
  cleanup
}

render_args=()
case "$PAPER" in
  "") ;;
  a4|us-letter) render_args=(-M "papersize:$PAPER") ;;
  *) fail "PAPER='$PAPER' is not a paper size this project renders; use PAPER=a4 or PAPER=us-letter" ;;
esac

# PARAMS: names are Python identifiers, values plain numbers or words (the analysis
# checks each name and range again; this only keeps the shell and file names safe).
p_args=()
stem="report"
name_re='^[A-Za-z_][A-Za-z0-9_]{0,39}$'
value_re='^[A-Za-z0-9._+-]{1,40}$'
read -r -a words <<< "$PARAMS"
for w in "${words[@]}"; do
  [[ "$w" == *=* ]] || fail "PARAMS word '$w' is not name=value (example: PARAMS=\"r=0.3 paired_test=exact\")"
  name="${w%%=*}" value="${w#*=}"
  [[ "$name" =~ $name_re ]] || fail "PARAMS name '$name' is not a parameter name (letters, digits, _)"
  [[ "$value" =~ $value_re ]] || fail "PARAMS value '$value' for '$name' may hold only letters, digits and . _ + - (at most 40)"
  p_args+=(-P "$name:$value")
  stem="$stem-$name$value"
done

echo "== checking data/"
"$BIN/python" -m analysis check

use_quarto=""
if command -v quarto >/dev/null 2>&1 && [ -z "$OFFLINE" ]; then use_quarto=1; fi
start=$(date +%s)
if [ "${#p_args[@]}" -gt 0 ]; then
  if [ -n "$use_quarto" ]; then
    echo "== renderer: Quarto $(quarto --version); report.qmd with ${p_args[*]} -> $OUT/$stem.*"
    quarto_stage
    for f in html:html typst:pdf ipynb:ipynb; do
      QUARTO_PYTHON="$BIN/python" quarto render report.qmd --to "${f%%:*}" "${p_args[@]}" \
        ${render_args[@]+"${render_args[@]}"} --output "$stem.${f##*:}" --output-dir "$stage"
    done
    publish
  else
    echo "== renderer: offline; report.qmd with ${p_args[*]}"
    "$BIN/python" -m render report.qmd "${p_args[@]}" ${render_args[@]+"${render_args[@]}"}
  fi
elif [ -n "$use_quarto" ]; then
  echo "== renderer: Quarto $(quarto --version) (python: $BIN/python)"
  quarto_stage
  QUARTO_PYTHON="$BIN/python" quarto render ${render_args[@]+"${render_args[@]}"} --output-dir "$stage"
  publish
  echo "== rendered in $(( $(date +%s) - start )) s"
else
  echo "== renderer: offline (pandoc + Jupyter + typst); quarto is not on PATH"
  "$BIN/python" -m render ${render_args[@]+"${render_args[@]}"}
fi
ls -l "$OUT"
