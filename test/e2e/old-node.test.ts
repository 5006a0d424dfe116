// The package on a Node.js too old for it, in the real red.js: Node.js 20.12 (whose require()
// cannot load lowdb, which is ESM-only) simulated by a preloaded script, or a real one when
// PATTERN_QUALITY_OLD_NODE names its binary. The flows must still start, say what is missing
// once in the log and on every node, refuse messages, and never touch lowdb or the store.
import { existsSync, readFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually } from "../support/eventually";
import { packageRoot, startNodeRed, type RunningNodeRed } from "../support/node-red";

const example = JSON.parse(readFileSync(path.join(packageRoot, "examples", "learn-and-score.json"), "utf8")) as Array<
  Record<string, any>
>;
const collector = example.find((node) => node.type === "feedback-collector")!;
const decide = example.find((node) => node.name === "household decides")!;
const FLOW_NODE_TYPES = new Set(["feedback-collector", "incremental-update", "model-version", "pattern-score"]);
const NOTICE = "needs Node.js 20.19 or later";

const realOldNode = process.env.PATTERN_QUALITY_OLD_NODE;
const built = existsSync(path.join(packageRoot, "dist", "nodes", "shared", "node-version.js"));

/** The last status of each node, as the editor receives them (Node-RED retains them for new clients). */
async function statuses(red: RunningNodeRed): Promise<Map<string, { fill?: string; text?: string }>> {
  const seen = new Map<string, { fill?: string; text?: string }>();
  const socket = new WebSocket(`ws://127.0.0.1:${red.port}/comms`);
  socket.on("open", () => socket.send(JSON.stringify({ subscribe: "status/#" })));
  socket.on("message", (data) => {
    for (const { topic, data: status } of JSON.parse(String(data)) as { topic: string; data: any }[]) {
      if (topic.startsWith("status/")) seen.set(topic.slice("status/".length), status);
    }
  });
  try {
    const wanted = example.filter((node) => FLOW_NODE_TYPES.has(node.type)).map((node) => node.id);
    return await eventually(
      "every node's status",
      async () => (wanted.every((id) => seen.has(id)) ? seen : undefined),
      15_000,
    );
  } finally {
    socket.close();
  }
}

describe.skipIf(!built && !process.env.CI)(
  `the nodes on Node.js 20.12 (${realOldNode ? "real" : "simulated"}; skipped before \`npm run build\`)`,
  () => {
    let red: RunningNodeRed;

    beforeAll(async () => {
      red = await startNodeRed({
        flows: example,
        ...(realOldNode
          ? { node: realOldNode }
          : { env: { NODE_OPTIONS: `--require ${path.join(__dirname, "old-node-preload.cjs")}` } }),
      });
    }, 120_000);

    afterAll(async () => {
      await red?.stop();
      if (red) await fs.rm(red.userDir, { recursive: true, force: true });
    });

    it("start the flows, with every node type registered", () => {
      expect(red.output()).toContain("Started flows");
      expect(red.output()).not.toMatch(/missing types|Waiting for missing|ERR_REQUIRE_ESM/);
    });

    it("say once in the log what they need and what they run on", () => {
      const notices = red
        .output()
        .split("\n")
        .filter((line) => line.includes(NOTICE));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/\[error\] node-red-contrib-pattern-quality needs .*Node\.js 20\.12\.2/);
    });

    it("show a red ring naming the Node.js they need", async () => {
      for (const [id, status] of await statuses(red)) {
        if (!example.some((node) => node.id === id && FLOW_NODE_TYPES.has(node.type))) continue;
        expect(status, id).toMatchObject({ fill: "red", shape: "ring", text: "needs Node.js ≥20.19" });
      }
    });

    it("refuse a message with that error, and create no store", async () => {
      const res = await fetch(`${red.url}/inject/${decide.id}`, { method: "POST" });
      expect(res.status).toBe(200);
      await red.waitForOutput(
        new RegExp(`\\[error\\] \\[feedback-collector:${collector.name || collector.id}\\] Error: .*${NOTICE}`),
      );
      expect(existsSync(path.join(red.userDir, "pattern-quality"))).toBe(false);
    });
  },
);
