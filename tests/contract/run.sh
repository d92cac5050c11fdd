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
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# Each run has a demo of its own, started from the same data: a run that
# disables an account or revokes a token must not void the next one (an
# agent's account disabled by the user manager's run left the agent's run
# with no token: every call a 401, every check passed, nothing tested).
data=
port=
start_demo() { # label
  data="$tmp/$1"
  # A port of its own: two runs on one machine must not fuzz each other's demo.
  port=$((20000 + RANDOM % 20000))
  "$vigie" --data-dir "$data" demo --listen "127.0.0.1:$port" >"$tmp/$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do
    if "$vigie" healthcheck --address "127.0.0.1:$port" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  "$vigie" healthcheck --address "127.0.0.1:$port" >/dev/null
  kill -0 "$pid" || { cat "$tmp/$1.log"; exit 1; }
}
stop_demo() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

tenant_token() { # account role
  "$vigie" --data-dir "$data" token create --tenant sidec-jura --for "$1" --role "$2" --name "contrat $2" --days 1
}
provider_token() {
  "$vigie" --data-dir "$data" token provider --for admin@cis-valley.example --name "contrat" --days 1
}

failed=0
# The token still opens the API after a run: one revoked or its account
# disabled by a generated call would turn the rest of the run into 401s,
# which pass every check and test nothing.
opens() { # token path
  python3 - "$1" "http://127.0.0.1:$port$2" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[2], headers={"Authorization": "Bearer " + sys.argv[1]})
try:
    urllib.request.urlopen(req, timeout=10)
except Exception as e:
    sys.exit(f"the run's token does not open {sys.argv[2]} ({e}): what it generated then tested nothing")
PY
}
fuzz() { # label "tenant ACCOUNT ROLE"|provider after|- schemathesis-options...
  local label=$1 who=$2 after=$3 token probe=/api/v1/me
  shift 3
  echo "== contract: $label"
  start_demo "$label"
  if [ "$who" = provider ]; then
    token=$(provider_token)
    probe=/api/v1/provider/tenants
  else
    token=$(tenant_token ${who#tenant })
  fi
  opens "$token" "$probe" || { stop_demo; failed=1; return; }
  # From the temporary folder: schemathesis keeps a cache where it runs.
  if (cd "$tmp" && timeout 600 "$venv/bin/st" --config-file "$here/schemathesis.toml" run \
    "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks all --max-examples "$examples" --seed "$seed" --no-color "$@") >"$tmp/$label.txt" 2>&1; then
    grep -E "generated, " "$tmp/$label.txt" || true
  else
    cat "$tmp/$label.txt"
    echo "== the demo's log, last lines"
    tail -n 40 "$tmp/$label.log"
    failed=1
  fi
  if [ "$after" = after ] && ! opens "$token" "$probe"; then
    failed=1
  fi
  stop_demo
}

# A token revoking itself is an operation of its own, run last (below).
keep=(--exclude-name 'DELETE /api/v1/tokens/{id}' --exclude-name 'DELETE /api/v1/provider/tokens/{id}')
tenant_only=(--exclude-path-regex '^/api/v1/provider/' "${keep[@]}")
fuzz dpo "tenant dpo@cis-valley.example dpo" after "${tenant_only[@]}"
fuzz user_manager "tenant gestion@sidec.example user_manager" after "${tenant_only[@]}"
fuzz agent "tenant agent@sidec.example agent" after "${tenant_only[@]}"
fuzz auditor "tenant auditeur@cis-valley.example auditor" after "${tenant_only[@]}"
fuzz provider provider after --include-path-regex '^/api/v1/provider/' "${keep[@]}"
fuzz revocations "tenant dpo@cis-valley.example dpo" - --include-name 'DELETE /api/v1/tokens/{id}'
fuzz provider_revocations provider - --include-name 'DELETE /api/v1/provider/tokens/{id}'

if [ "$failed" != 0 ]; then
  echo "the API's contract does not hold (above)"
  exit 1
fi
echo "contract holds for every role"
