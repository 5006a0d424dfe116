#!/usr/bin/env bash
# Second test leg: the node tests (test helper) and the end-to-end tests (real red.js) on
# Node-RED 5 running on Node.js 22.
# Node 22 and Node-RED 5 come from the npm registry into a temporary prefix, outside package.json
# and node_modules, so the main install (Node-RED 4 on Node 20) stays as it is.
#
# Usage: test/node-red-5.sh [vitest arguments...]   (default: test/nodes test/e2e and the pack-install-deploy test)
# Environment: NODE_RED_5_PREFIX  reuse this directory for the installs (kept), else a temp dir (removed)
#              NODE_RED_5_VERSION the Node-RED version (default 5), NODE_22_VERSION (default 22)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

if [[ -n "${NODE_RED_5_PREFIX:-}" ]]; then
  prefix="$NODE_RED_5_PREFIX"
  mkdir -p "$prefix"
else
  prefix="$(mktemp -d "${TMPDIR:-/tmp}/pattern-quality-nr5-XXXXXX")"
  trap 'rm -rf "$prefix"' EXIT
fi

if [[ ! -x "$prefix/node22/node_modules/.bin/node" ]]; then
  echo "node-red-5: installing Node.js ${NODE_22_VERSION:-22} into $prefix/node22"
  npm install --prefix "$prefix/node22" --no-audit --no-fund --no-save "node@${NODE_22_VERSION:-22}" >/dev/null
fi
node22="$prefix/node22/node_modules/.bin/node"
echo "node-red-5: $("$node22" --version)"

if [[ ! -f "$prefix/node-red/node_modules/node-red/package.json" ]]; then
  echo "node-red-5: installing node-red@${NODE_RED_5_VERSION:-5} into $prefix/node-red"
  PATH="$(dirname "$node22"):$PATH" npm install --prefix "$prefix/node-red" --no-audit --no-fund --no-save "node-red@${NODE_RED_5_VERSION:-5}" >/dev/null
fi
node_red="$prefix/node-red/node_modules/node-red"
echo "node-red-5: Node-RED $("$node22" -p "require('$node_red/package.json').version")"

# The training worker and the end-to-end tests run the compiled package from dist/.
if [[ ! -f "$root/dist/src/learning/training-worker.js" || ! -f "$root/dist/nodes/pattern-model/pattern-model.js" ]]; then
  npm run build
fi

if [[ $# -eq 0 ]]; then set -- test/nodes test/e2e test/browser/pack-deploy.test.ts; fi
NODE_RED_PATH="$node_red" PATH="$(dirname "$node22"):$PATH" \
  "$node22" "$root/node_modules/vitest/vitest.mjs" run --coverage.enabled=false "$@"
