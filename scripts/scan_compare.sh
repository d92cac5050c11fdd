#!/usr/bin/env bash
# `vigie scan` end to end beside ripgrep and, when given, a previous
# release, on the same files in one run (issue 19). Prints wall time,
# MB/s, MB/s per core used, cores used and peak memory of each command.
#
#   scripts/scan_compare.sh target/release/vigie [previous/vigie] -- FILE...
#   ROUNDS=6 scripts/scan_compare.sh …   # alternated rounds, median and best
#
# ripgrep (Debian's `rg`) runs twice: three identifier kinds with plain
# ASCII patterns (emails, French phone numbers, IBANs), and patterns
# equivalent to what `vigie scan` looks for — every identifier kind, a
# civility title or one of the lexicon's first names before a capitalised
# word, a surname in capitals before a first name, a house number and a
# street type, a postcode and a town (`rg -c -f`, written to a temporary
# file from crates/scan/data/prenoms.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
new=$1; shift
prev=""
if [ "${1:-}" != "--" ]; then prev=$1; shift; fi
[ "${1:-}" = "--" ] && shift
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
[ -n "${KEEP_PATTERNS:-}" ] && trap - EXIT
# Each first name as prose writes it, capitalised or in capitals: ripgrep
# with `(?i:…)` and Unicode word boundaries over 1,800 names ran at
# 0.09 MB/s, so it gets the fastest form it has, ASCII boundaries.
names=$(grep -v '^#' "$here/crates/scan/data/prenoms.txt" | cut -f1 | grep . |
  python3 -c "import sys; n=[l.strip() for l in sys.stdin]; print('|'.join([x[:1].upper()+x[1:] for x in n]+[x.upper() for x in n]))")
B='(?-u:\b)'
U='A-ZÀ-Þ'
L="a-zà-ÿ${U}'\\-"
cat >"$patterns" <<PAT
[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}
(?:\+33 ?(?:\(0\))?|${B}0)[1-9](?:[ .-]?[0-9]{2}){4}${B}
${B}[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]{4}){3,7}(?: ?[0-9A-Z]{1,3})?${B}
${B}[12] ?[0-9]{2} ?(?:0[1-9]|1[0-2]) ?(?:2[AB]|[0-9]{2}) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}${B}
${B}(?:[0-9]{4}[ -]?){3}[0-9]{1,4}${B}
${B}[0-9]{3} ?[0-9]{3} ?[0-9]{3}(?: ?[0-9]{5})?${B}
${B}(?:[0-9]{1,3}\.){3}[0-9]{1,3}${B}
${B}[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}${B}
${B}(?:M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle|Dr|Docteur|Maître) [${U}][${L}]+
${B}(?:${names}) [${U}][${L}]+
${B}[${U}]{2}[${U}'-]* (?:${names})${B}
${B}[0-9]{1,4}(?: bis| ter)?,? (?:rue|avenue|boulevard|chemin|place|allée|impasse|route|quai|cours|square) [${L} ]+
${B}[0-9]{5} [${U}][${L}]+
PAT
run() { # label, file, command...
  local label=$1 file=$2; shift 2
  local bytes out secs kib cpu
  bytes=$(stat -c %s "$file")
  out=$( { /usr/bin/time -f "%e %M %P" "$@" >/dev/null; } 2>&1 | tail -1)
  read -r secs kib cpu <<<"$out"
  cpu=${cpu%\%}
  awk -v l="$label" -v f="$(basename "$file")" -v b="$bytes" -v s="$secs" -v k="$kib" -v c="$cpu" 'BEGIN {
    cores = c / 100; if (cores < 0.01) cores = 0.01;
    printf "%-22s %-16s %7.2f s %8.0f MB/s %8.0f MB/s/core %5.2f cores %7.0f MiB\n", l, f, s, b / s / 1e6, b / s / 1e6 / cores, cores, k / 1024 }'
}
# ROUNDS=N: every command N times, alternated, median and best
# (scripts/scan_rounds.py), for a machine where single runs vary.
if [ -n "${ROUNDS:-}" ]; then
  python3 "$here/scripts/scan_rounds.py" "$ROUNDS" "$patterns" "$new" "${prev:--}" "$@"
  exit
fi
for f in "$@"; do
  run "vigie scan" "$f" "$new" scan "$f" --format json
  if [ -n "$prev" ]; then run "vigie scan (previous)" "$f" "$prev" scan "$f" --format json; fi
  run "rg, 3 patterns" "$f" rg --count-matches -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' \
    -e '0[1-9]( ?[0-9]{2}){4}' -e 'FR[0-9]{2}( ?[0-9A-Z]{4}){5} ?[0-9A-Z]{3}' "$f"
  run "rg, equivalent" "$f" rg --count-matches -f "$patterns" "$f"
done
