#!/usr/bin/env bash
# Copies axe-core (the accessibility engine the browser tests run) from the npm package into
# tests/browser/vendor at a pinned version, with its licences.
# Run it only to change the version; the copied files are committed and nothing is fetched at test time.
set -euo pipefail
VERSION="${1:-4.14.1}"
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "axe-core@${VERSION}" --silent >/dev/null && tar xzf axe-core-*.tgz)
mkdir -p tests/browser/vendor
cp "$work/package/axe.min.js" tests/browser/vendor/axe.min.js
cp "$work/package/LICENSE" tests/browser/vendor/axe-core.LICENSE
cp "$work/package/LICENSE-3RD-PARTY.txt" tests/browser/vendor/axe-core.LICENSE-3RD-PARTY.txt
echo "$VERSION" > tests/browser/vendor/axe-core.VERSION
echo "axe-core ${VERSION} copied to tests/browser/vendor/axe.min.js"
