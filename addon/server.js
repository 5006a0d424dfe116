// The app's server: Node-RED embedded in an HTTP server that listens on the ingress port and
// accepts connections only from the Supervisor's ingress proxy (172.30.32.2), websockets included.
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const express = require("express");
const RED = require("node-red");
const settings = require("./settings.js");
const { applyOptions, appliedOptions, householdFlow } = require("./household.js");

const PORT = Number(process.env.PATTERN_QUALITY_INGRESS_PORT || 8099);
const INGRESS_PROXY = (process.env.PATTERN_QUALITY_INGRESS_FROM || "172.30.32.2").split(",").map((a) => a.trim());

/** True for the ingress proxy, in IPv4 or IPv4-mapped IPv6 form. */
function fromIngress(address) {
  if (typeof address !== "string") return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return INGRESS_PROXY.includes(plain);
}

/** Where the options last applied to the flow are kept, to apply only those changed since. */
const appliedFile = path.join(settings.userDir, ".applied-options.json");

function readApplied() {
  try {
    return JSON.parse(fs.readFileSync(appliedFile, "utf8"));
  } catch {
    return null;
  }
}

/**
 * The flows file: on the very first start (no flows yet) the household flow; on every start the
 * app's options changed since the last start applied to it (mining, questions on the phone,
 * creating automations).
 */
function prepareFlows() {
  const flowsFile = path.join(settings.userDir, settings.flowFile);
  let flows;
  if (fs.existsSync(flowsFile)) {
    try {
      flows = JSON.parse(fs.readFileSync(flowsFile, "utf8"));
    } catch (error) {
      // Node-RED reports an unreadable flows file itself; the options wait for a good one.
      console.warn(`[pattern-quality] flows.json is not readable JSON, options not applied: ${error.message}`);
      return;
    }
  } else if (settings.options.household_flow === false) {
    return;
  } else {
    flows = householdFlow();
    console.log("[pattern-quality] first start: the household flow is deployed");
  }
  if (!Array.isArray(flows)) return;
  const firstStart = !fs.existsSync(flowsFile);
  const { changes, problems } = applyOptions(flows, settings.options, firstStart ? null : readApplied());
  for (const problem of problems) console.warn(`[pattern-quality] ${problem}`);
  fs.mkdirSync(settings.userDir, { recursive: true });
  if (changes.length > 0 || firstStart) {
    fs.writeFileSync(flowsFile, JSON.stringify(flows, null, 2));
    if (changes.length > 0) console.log(`[pattern-quality] options applied: ${changes.join(", ")}`);
  }
  fs.writeFileSync(appliedFile, JSON.stringify(appliedOptions(settings.options)));
}

prepareFlows();

const app = express();
const server = http.createServer(app);
server.on("connection", (socket) => {
  if (!fromIngress(socket.remoteAddress)) socket.destroy();
});

RED.init(server, settings);
app.use(settings.httpAdminRoot, RED.httpAdmin);
app.use(settings.httpNodeRoot, RED.httpNode);

server.listen(PORT, "0.0.0.0", () => {
  RED.start().catch((error) => {
    console.error(`Node-RED could not start: ${error && error.message}`);
    process.exit(1);
  });
});

function stop() {
  RED.stop()
    .catch(() => undefined)
    .finally(() => server.close(() => process.exit(0)));
  // The Supervisor waits a while before it kills; make sure we are gone before that.
  setTimeout(() => process.exit(0), 15000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
