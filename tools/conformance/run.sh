#!/usr/bin/env bash
# External conformance against a live wijknet: graphql-http's server audits (Node,
# graphql-http with graphql@16, pinned in package-lock.json) and schemathesis in GraphQL
# mode (>= 1,000 generated operations, no server error). Prints the counts of both.
#
#   bash tools/conformance/run.sh            (PYTHON=.venv/bin/python to choose Python)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
HERE="$ROOT/tools/conformance"
ART="$ROOT/test-artifacts/conformance"
mkdir -p "$ART"

if [ ! -d "$HERE/node_modules/graphql-http" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --silent)
fi

PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
STORE="$ART/conformance.db"
rm -f "$STORE" "$STORE"-* "$ART/identity.db"
# the per-minute budgets are lifted: a fuzzer sends thousands of requests from one address
WIJKNET_SEED_ACTORS=200 WIJKNET_IDENTITY_DB="$ART/identity.db" \
WIJKNET_COST_BUDGET=1000000000 WIJKNET_MUTATION_BUDGET=1000000 WIJKNET_EXPENSIVE_BUDGET=1000000 \
    "$PY" -m api.cli serve --store "$STORE" --port "$PORT" --log-level warning \
    >"$ART/server.log" 2>&1 &
SERVER=$!
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap stop EXIT
URL="http://127.0.0.1:$PORT/graphql"
for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER" 2>/dev/null; then cat "$ART/server.log"; exit 1; fi
    sleep 0.2
done

echo "== graphql-http server audits against $URL"
node "$HERE/audit.mjs" "$URL"

echo "== schemathesis (GraphQL) against $URL"
set +e
"$PY" -m schemathesis.cli run "$URL" --checks not_a_server_error --max-examples 40 \
    --workers 2 --generation-deterministic --report junit \
    --report-junit-path "$ART/schemathesis.xml" >"$ART/schemathesis.txt" 2>&1
status=$?
set -e
tail -n 30 "$ART/schemathesis.txt"
generated="$(grep -Eo '[0-9]+ generated' "$ART/schemathesis.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)"
echo "schemathesis: $generated operations generated, exit status $status"
if [ "$status" -ne 0 ] || [ "$generated" -lt 1000 ]; then
    echo "conformance: schemathesis found server errors or generated fewer than 1,000 operations" >&2
    exit 1
fi
if grep -q "Traceback" "$ART/server.log"; then
    echo "conformance: the server logged a traceback (see $ART/server.log)" >&2
    exit 1
fi
