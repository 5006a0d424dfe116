import type { NodeDefinition, NodeRedApi, NodeStatus, RuntimeNode } from "./red";

// lowdb 7 (the version registry's file) is ESM-only and the nodes load it with require(), which
// Node.js does without a flag from 20.19 in the 20 line, from 22.12 in the 22 line, and from 23 on.
// Node-RED 4 itself runs on older releases, where the require fails deep inside the package.
const REQUIRE_ESM_FROM: Readonly<Record<20 | 22, number>> = { 20: 19, 22: 12 };
const FIRST_MAJOR_WITH_REQUIRE_ESM = 23;

/** "20.19": the first release of a line whose require() loads ES modules. */
const firstOfLine = (line: 20 | 22) => `${line}.${REQUIRE_ESM_FROM[line]}`;

/**
 * The Node.js release this package needs on the given one ("20.19", "22.12"), or null when the
 * given version (e.g. `process.versions.node`, with or without a leading "v") can run it.
 */
export function requiredNodeVersion(version: string): string | null {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) return firstOfLine(20);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major >= FIRST_MAJOR_WITH_REQUIRE_ESM) return null;
  // Node.js 21 never gained it: the nearest release that has it is 22.12.
  const line = major >= 21 ? 22 : 20;
  if (major === line && minor >= REQUIRE_ESM_FROM[line]) return null;
  return firstOfLine(line);
}

/** What the log says, and the error every message gets, on a Node.js this package cannot run on. */
export function nodeVersionMessage(version: string): string {
  return (
    `node-red-contrib-pattern-quality needs Node.js ${firstOfLine(20)} or later (${firstOfLine(22)} or later ` +
    `in the 22 line), whose require() loads ES modules; this Node-RED runs on Node.js ${version.replace(/^v/, "")}. ` +
    "Its nodes are inactive and refuse every message: upgrade Node.js and restart Node-RED."
  );
}

// One line in the log per Node-RED process, however many node types and nodes are registered.
let logged = false;

/**
 * Registers a node type, or — on a Node.js too old for this package — a node of the same type
 * that shows a red "needs Node.js ≥…" ring and ends every message with done(err), so that the
 * flows still start and say what is missing. The real constructor is then never called: a node
 * file that loads the core only from its constructor never loads lowdb there.
 */
export function registerWithNodeCheck(
  RED: NodeRedApi,
  type: string,
  nodeConstructor: Parameters<NodeRedApi["nodes"]["registerType"]>[1],
): void {
  const version = process.versions.node;
  const required = requiredNodeVersion(version);
  if (required === null) {
    RED.nodes.registerType(type, nodeConstructor);
    return;
  }
  const message = nodeVersionMessage(version);
  if (!logged) {
    logged = true;
    RED.log.error(message);
  }
  // 20 characters: what a status shows unclipped.
  const status: NodeStatus = { fill: "red", shape: "ring", text: `needs Node.js ≥${required}` };
  function Inactive(this: RuntimeNode, definition: NodeDefinition) {
    RED.nodes.createNode(this, definition);
    this.status(status);
    this.on("input", (_msg, _send, done) => done(new Error(message)));
  }
  RED.nodes.registerType(type, Inactive);
}
