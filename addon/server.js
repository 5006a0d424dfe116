// The app's server: Node-RED embedded in an HTTP server that listens on the ingress port and
// accepts connections only from the Supervisor's ingress proxy (172.30.32.2), websockets included.
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const express = require("express");
const RED = require("node-red");
const settings = require("./settings.js");

const PORT = Number(process.env.PATTERN_QUALITY_INGRESS_PORT || 8099);
const INGRESS_PROXY = (process.env.PATTERN_QUALITY_INGRESS_FROM || "172.30.32.2").split(",").map((a) => a.trim());

/** True for the ingress proxy, in IPv4 or IPv4-mapped IPv6 form. */
function fromIngress(address) {
  if (typeof address !== "string") return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return INGRESS_PROXY.includes(plain);
}

/**
 * The household's decisions from Home Assistant into the dashboard's model: a connection in app
 * mode (no URL, no token: the Supervisor's) and a feedback-collector listening to answers of
 * actionable notifications and to the custom pattern_feedback event.
 */
function homeAssistantTab(modelId) {
  const tab = "pq-addon-ha-tab";
  return [
    { id: tab, type: "tab", label: "Home Assistant decisions", disabled: false, info: "" },
    { id: "pq-addon-ha", type: "pattern-quality-ha", name: "Home Assistant (app)", url: "" },
    {
      id: "pq-addon-comment", type: "comment", z: tab, name: "Decisions from Home Assistant → the model",
      info: "Answers to actionable notifications whose action is PATTERN_APPROVE_<pattern id> or PATTERN_REJECT_<pattern id>, and the event pattern_feedback with {pattern_id, decision}, become feedback. Score your patterns (pattern-score, with a patternId) before you suggest them, so an answer carrying only the id is matched to their features.",
      x: 250, y: 40, wires: [],
    },
    {
      id: "pq-addon-feedback", type: "feedback-collector", z: tab, name: "household decisions", model: modelId, ha: "pq-addon-ha",
      notificationAction: true, approvePrefix: "PATTERN_APPROVE_", rejectPrefix: "PATTERN_REJECT_",
      customEvent: true, customEventType: "pattern_feedback", helperEntities: false, entityIds: "",
      patternAttribute: "pattern_id", decisionAttribute: "decision", implicit: false,
      entityTemplate: "automation.pattern_{id}", implicitDays: 7, x: 200, y: 100, wires: [["pq-addon-debug"]],
    },
    { id: "pq-addon-debug", type: "debug", z: tab, name: "stored", active: false, tosidebar: true, console: false, tostatus: false, complete: "payload", targetType: "msg", statusVal: "", statusType: "auto", x: 420, y: 100, wires: [] },
  ];
}

/**
 * The dashboard example without a group of nodes labelled as simulated (a stand-in household
 * that feeds the example's model): here the household's real decisions come from Home Assistant,
 * and invented ones must not reach the same model.
 */
function withoutSimulatedNodes(flows) {
  const simulated = new Set(
    flows.filter((node) => node.type === "group" && /simulated/i.test(node.name || "")).map((node) => node.id),
  );
  return flows.filter((node) => !simulated.has(node.id) && !simulated.has(node.g));
}

/** On the very first start, the example flows: the dashboard (with Rollback buttons), fed from Home Assistant. */
function installExampleFlows() {
  const flowsFile = path.join(settings.userDir, settings.flowFile);
  if (settings.options.install_example_flows === false || fs.existsSync(flowsFile)) return;
  const examples = path.join(path.dirname(require.resolve("node-red-contrib-pattern-quality/package.json")), "examples");
  const dashboard = withoutSimulatedNodes(JSON.parse(fs.readFileSync(path.join(examples, "dashboard.json"), "utf8")));
  const model = dashboard.find((node) => node.type === "pattern-model");
  const flows = model ? [...dashboard, ...homeAssistantTab(model.id)] : dashboard;
  fs.mkdirSync(settings.userDir, { recursive: true });
  fs.writeFileSync(flowsFile, JSON.stringify(flows, null, 2));
}

installExampleFlows();

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
