#!/usr/bin/env bash
# Copy the web app's pinned front-end library (htmx) into api/static/web/vendor/.
#
#   bash tools/web/vendor.sh          # npm ci + copy
#   bash tools/web/vendor.sh --check  # npm ci; fail if the committed copy differs
#
# htmx.org is pinned in package.json / package-lock.json; the copy is committed, so
# installing wijknet needs no Node. axe-core (a dev dependency) is what the browser
# tests inject to check accessibility.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/api/static/web/vendor"
FILES=("htmx.org/dist/htmx.min.js:htmx.min.js" "htmx.org/LICENSE:htmx.LICENSE.txt")

CHECK=0
if [[ "${1:-}" == "--check" ]]; then
  CHECK=1
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi
command -v npm >/dev/null || { echo "vendor.sh: npm is required" >&2; exit 1; }

cd "$HERE"
npm ci --no-audit --no-fund --loglevel=error
echo "htmx.org $(node -p "require('$HERE/node_modules/htmx.org/package.json').version"), axe-core $(node -p "require('$HERE/node_modules/axe-core/package.json').version")"

status=0
mkdir -p "$OUT"
for pair in "${FILES[@]}"; do
  src="$HERE/node_modules/${pair%%:*}"
  dest="$OUT/${pair##*:}"
  if [[ $CHECK -eq 1 ]]; then
    if ! cmp -s "$src" "$dest"; then
      echo "vendor.sh --check: $dest is missing or differs from $src" >&2
      status=1
    fi
  else
    cp "$src" "$dest"
  fi
done
if [[ $CHECK -eq 1 && $status -eq 0 ]]; then
  echo "vendor.sh --check: api/static/web/vendor is up to date"
fi
exit $status
