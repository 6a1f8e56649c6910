#!/usr/bin/env bash
# Build the network map page served by wijknet at / into api/static/map/.
#
#   bash tools/map/build.sh          # npm ci + esbuild bundle into api/static/map/
#   bash tools/map/build.sh --check  # same, into a temp dir; fail if the committed files differ
#
# sigma.js, graphology and graphology-layout-forceatlas2 are pinned in package.json /
# package-lock.json; esbuild bundles them with src/*.js into one minified map.js. The
# built files are committed, so installing wijknet needs no Node.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/api/static/map"

CHECK=0
if [[ "${1:-}" == "--check" ]]; then
  CHECK=1
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi
command -v npm >/dev/null || { echo "build.sh: npm is required" >&2; exit 1; }

cd "$HERE"
npm ci --no-audit --no-fund --loglevel=error

if [[ $CHECK -eq 1 ]]; then
  DEST="$(mktemp -d)"
  trap 'rm -rf "$DEST"' EXIT
else
  DEST="$OUT"
  mkdir -p "$DEST"
fi

node_modules/.bin/esbuild src/main.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=eof --log-level=warning --outfile="$DEST/map.js"
cp src/index.html src/map.css "$DEST/"

ver() { node -p "require('$HERE/node_modules/$1/package.json').version"; }
echo "sigma $(ver sigma), graphology $(ver graphology), graphology-layout-forceatlas2 $(ver graphology-layout-forceatlas2), esbuild $(ver esbuild)"

if [[ $CHECK -eq 1 ]]; then
  status=0
  for name in map.js map.css index.html; do
    if ! cmp -s "$DEST/$name" "$OUT/$name"; then
      echo "build.sh --check: $OUT/$name is missing or differs from a fresh build" >&2
      status=1
    fi
  done
  [[ $status -eq 0 ]] && echo "build.sh --check: api/static/map is up to date"
  exit $status
fi
ls -l "$DEST"
