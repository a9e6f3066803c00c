#!/usr/bin/env bash
# Copies the icons the portal uses from the npm package lucide-static (ISC licence, kept next to
# them) into static/vendor/lucide at a pinned version. Run it only to change the version or the
# set; the copied files are committed and nothing is fetched at run time. portal/icons.py reads
# every SVG in that directory.
set -euo pipefail
VERSION="${1:-1.62.0}"
ICONS=(
  # badges (Manage → Levels & badges offers each one)
  award badge-check book-open crown flame gem graduation-cap handshake heart lightbulb medal
  megaphone mic party-popper rocket sparkles star target thumbs-up trophy users-round zap
  # challenge types
  share-2 message-square-text circle-help image calendar user-plus circle-play download pencil-line
  # reward kinds
  package gift key-round hand-heart ticket
  # the demo rewards' pictures (scripts/render_reward_images.py)
  sticker shirt credit-card sprout
)
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "lucide-static@${VERSION}" --silent >/dev/null && tar xzf lucide-static-*.tgz)
rm -rf static/vendor/lucide
mkdir -p static/vendor/lucide
for name in "${ICONS[@]}"; do
  cp "$work/package/icons/${name}.svg" "static/vendor/lucide/${name}.svg"
done
cp "$work/package/LICENSE" static/vendor/lucide/LICENSE
echo "$VERSION" > static/vendor/lucide/VERSION
echo "lucide-static ${VERSION}: ${#ICONS[@]} icons copied to static/vendor/lucide"
