#!/bin/sh
# The image's install step (the Dockerfile runs it; the app's test runs it outside Docker):
# Node-RED, Dashboard 2 and this package into <target>/node_modules. The package is the tarball
# that scripts/addon-context.js packed into <package folder> when there is one (an app built
# from this repository), else the published version <version> (config.yaml's, as BUILD_VERSION).
#
# Usage: install.sh <target> <package folder> [version]
set -eu

NODE_RED_VERSION=4.1.15
EXPRESS_VERSION=4.22.2
DASHBOARD_VERSION=1.31.0
PACKAGE=node-red-contrib-pattern-quality

target="$1"
packages="$2"
version="${3:-}"

set -- "$packages/$PACKAGE"-*.tgz
if [ "$#" -gt 1 ]; then
  echo "more than one $PACKAGE tarball in $packages: keep one (scripts/addon-context.js does)" >&2
  exit 1
elif [ -f "$1" ]; then
  package="$1"
elif [ -n "$version" ]; then
  package="$PACKAGE@$version"
else
  echo "no $PACKAGE tarball in $packages and no version: run scripts/addon-context.js," \
    "or build with --build-arg BUILD_VERSION=<a published version>" >&2
  exit 1
fi

mkdir -p "$target"
cd "$target"
[ -f package.json ] || printf '{ "name": "pattern-quality-app", "version": "1.0.0", "private": true }\n' >package.json
echo "installing $package with Node-RED $NODE_RED_VERSION and Dashboard 2 $DASHBOARD_VERSION"
npm install --no-audit --no-fund --omit=dev --save-exact \
  "node-red@$NODE_RED_VERSION" \
  "express@$EXPRESS_VERSION" \
  "@flowfuse/node-red-dashboard@$DASHBOARD_VERSION" \
  "$package"
