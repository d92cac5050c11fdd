#!/usr/bin/env bash
# The API's contract (issue 20): schemathesis (PyPI) against a running
# `vigie demo`, once with a token of each tenant role and once with a
# provider token, every check on, bounded in time. Any failure fails.
#   tests/contract/run.sh path/to/vigie
# CONTRACT_EXAMPLES (default 10) and CONTRACT_SEED (default 1; not VIGIE_…:
# the binary reads those as settings)
# change how much and what is generated.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigie=$(realpath "${1:?the vigie binary}")
examples="${CONTRACT_EXAMPLES:-10}"
seed="${CONTRACT_SEED:-1}"

# schemathesis in a virtual environment kept outside the clone.
venv="${VIGIE_CI_CACHE:-$HOME/.cache/vigie-ci}/schemathesis-4.32.5"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis==4.32.5
fi

tmp=$(mktemp -d)
# A port of its own: two runs on one machine must not fuzz each other's demo.
port=$((20000 + RANDOM % 20000))
"$vigie" --data-dir "$tmp/data" demo --listen "127.0.0.1:$port" >"$tmp/demo.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 60); do
  if "$vigie" healthcheck --address "127.0.0.1:$port" >/dev/null 2>&1; then break; fi
  sleep 1
done
"$vigie" healthcheck --address "127.0.0.1:$port" >/dev/null
kill -0 "$pid" || { cat "$tmp/demo.log"; exit 1; }

tenant_token() { # account role
  "$vigie" --data-dir "$tmp/data" token create --tenant sidec-jura --for "$1" --role "$2" --name "contrat $2" --days 1 2>/dev/null
}

failed=0
fuzz() { # label token schemathesis-options...
  local label=$1 token=$2
  shift 2
  echo "== contract: $label"
  # From the temporary folder: schemathesis keeps a cache where it runs.
  if (cd "$tmp" && timeout 600 "$venv/bin/st" --config-file "$here/schemathesis.toml" run \
    "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks all --max-examples "$examples" --seed "$seed" --no-color "$@") >"$tmp/$label.txt" 2>&1; then
    grep -E "generated, " "$tmp/$label.txt" || true
  else
    cat "$tmp/$label.txt"
    failed=1
  fi
}

tenant_only=(--exclude-path-regex '^/api/v1/provider/')
fuzz dpo "$(tenant_token dpo@cis-valley.example dpo)" "${tenant_only[@]}"
fuzz user_manager "$(tenant_token gestion@sidec.example user_manager)" "${tenant_only[@]}"
fuzz agent "$(tenant_token agent@sidec.example agent)" "${tenant_only[@]}"
fuzz auditor "$(tenant_token auditeur@cis-valley.example auditor)" "${tenant_only[@]}"
provider=$("$vigie" --data-dir "$tmp/data" token provider --for admin@cis-valley.example --name "contrat" --days 1 2>/dev/null)
fuzz provider "$provider" --include-path-regex '^/api/v1/provider/'

if [ "$failed" != 0 ]; then
  echo "== the demo's log, last lines"
  tail -n 40 "$tmp/demo.log"
  echo "the API's contract does not hold (above)"
  exit 1
fi
echo "contract holds for every role"
