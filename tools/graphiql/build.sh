#!/usr/bin/env bash
# Build the offline GraphiQL assets served by wijknet at /static/graphiql/.
#
#   bash tools/graphiql/build.sh          # npm ci + copy vendor files into api/static/graphiql/
#   bash tools/graphiql/build.sh --check  # same, into a temp dir; fail if the committed files differ
#
# The versions are pinned in package.json / package-lock.json and match the
# ones strawberry-graphql's own graphiql.html template loads from a CDN
# (graphiql 3.x UMD build, react/react-dom 18 UMD, @graphiql/plugin-explorer 1.x).
# The copied files are byte-identical to those (same SHA-384 as strawberry's
# SRI hashes). When bumping versions, update api/static/graphiql/LICENSES.md.
#
# Only the vendor files below are written; index.html and LICENSES.md in the
# output directory are hand-maintained and left untouched.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/api/static/graphiql"

CHECK=0
if [[ "${1:-}" == "--check" ]]; then
  CHECK=1
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi

command -v npm >/dev/null || { echo "build.sh: npm is required" >&2; exit 1; }

cd "$HERE"
# .npmrc here sets legacy-peer-deps (plugin-explorer 1.0.2 declares an old
# @graphiql/react peer range; only its standalone UMD file is used) and keeps
# registry URLs out of the lockfile.
npm ci --no-audit --no-fund --loglevel=error

NM="$HERE/node_modules"
# source (relative to node_modules)  ->  destination file name
FILES=(
  "react/umd/react.production.min.js:react.production.min.js"
  "react-dom/umd/react-dom.production.min.js:react-dom.production.min.js"
  "graphiql/graphiql.min.js:graphiql.min.js"
  "graphiql/graphiql.min.css:graphiql.min.css"
  "@graphiql/plugin-explorer/dist/index.umd.js:plugin-explorer.umd.js"
  "@graphiql/plugin-explorer/dist/style.css:plugin-explorer.css"
)

if [[ $CHECK -eq 1 ]]; then
  DEST="$(mktemp -d)"
  trap 'rm -rf "$DEST"' EXIT
else
  DEST="$OUT"
  mkdir -p "$DEST"
fi

for entry in "${FILES[@]}"; do
  src="$NM/${entry%%:*}"
  dst="$DEST/${entry##*:}"
  [[ -f "$src" ]] || { echo "build.sh: missing $src" >&2; exit 1; }
  cp "$src" "$dst"
done

ver() { node -p "require('$NM/$1/package.json').version"; }
echo "graphiql $(ver graphiql), react $(ver react), react-dom $(ver react-dom), @graphiql/plugin-explorer $(ver @graphiql/plugin-explorer)"

status=0
for entry in "${FILES[@]}"; do
  name="${entry##*:}"
  size=$(wc -c <"$DEST/$name")
  sri="sha384-$(openssl dgst -sha384 -binary "$DEST/$name" | base64 | tr -d '\n')"
  printf '%-30s %9s bytes  %s\n' "$name" "$size" "$sri"
  if [[ $CHECK -eq 1 ]] && ! cmp -s "$DEST/$name" "$OUT/$name"; then
    echo "build.sh --check: $OUT/$name is missing or differs from the pinned build" >&2
    status=1
  fi
done

if [[ $CHECK -eq 1 ]]; then
  [[ $status -eq 0 ]] && echo "build.sh --check: api/static/graphiql is up to date"
  exit $status
fi
echo "wrote vendor files to $OUT"
