#!/usr/bin/env bash
# `vigie scan` end to end beside ripgrep and, when given, a previous
# release, on the same files in one run (issue 19). Prints wall time,
# MB/s, MB/s per core used, cores used and peak memory of each command.
#
#   scripts/scan_compare.sh target/release/vigie [previous/vigie] -- FILE...
#
# ripgrep (Debian's `rg`) counts three identifier kinds with plain ASCII
# patterns: emails, French phone numbers, IBANs.
set -euo pipefail
new=$1; shift
prev=""
if [ "${1:-}" != "--" ]; then prev=$1; shift; fi
[ "${1:-}" = "--" ] && shift
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
for f in "$@"; do
  run "vigie scan" "$f" "$new" scan "$f" --format json
  if [ -n "$prev" ]; then run "vigie scan (previous)" "$f" "$prev" scan "$f" --format json; fi
  run "rg, 3 patterns" "$f" rg -c -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' \
    -e '0[1-9]( ?[0-9]{2}){4}' -e 'FR[0-9]{2}( ?[0-9A-Z]{4}){5} ?[0-9A-Z]{3}' "$f"
done
