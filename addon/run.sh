#!/bin/sh
# Entry point of the app's container: Node-RED keeps its user directory (flows, credentials and
# the model stores) on the persistent /data volume, so updates and restarts keep what was learned.
set -eu
mkdir -p /data/node-red
exec node /opt/pattern-quality/server.js
