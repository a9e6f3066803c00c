#!/usr/bin/env bash
# Copies htmx from the npm package into static/vendor at a pinned version.
# Run it only to change the version; the copied file is committed and nothing is fetched at run time.
set -euo pipefail
VERSION="${1:-2.0.11}"
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "htmx.org@${VERSION}" --silent >/dev/null && tar xzf htmx.org-*.tgz)
cp "$work/package/dist/htmx.min.js" static/vendor/htmx.min.js
echo "$VERSION" > static/vendor/htmx.VERSION
echo "htmx ${VERSION} copied to static/vendor/htmx.min.js"
