// Loads this package's nodes into Node-RED through node-red-node-test-helper. The Node-RED used
// is the one installed here, or the one named by NODE_RED_PATH (the Node-RED 5 leg).
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { afterAll } from "vitest";
import helperModule from "node-red-node-test-helper";
import patternModel from "../../nodes/pattern-model/pattern-model";
import feedbackCollector from "../../nodes/feedback-collector/feedback-collector";
import incrementalUpdate from "../../nodes/incremental-update/incremental-update";
import modelVersion from "../../nodes/model-version/model-version";
import patternScore from "../../nodes/pattern-score/pattern-score";

const require = createRequire(import.meta.url);

export const helper = helperModule as unknown as {
  init(path: string, settings?: object): void;
  settings(settings: object): object;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  setFlows(flow: object[], type?: string): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  request(): any;
  /** Node-RED's log as a sinon spy, with its level numbers. */
  log(): { getCalls(): { args: any[] }[]; ERROR: number; [level: string]: any };
};

export interface TestNode {
  id: string;
  receive(msg: object): void;
  on(event: string, listener: (...args: any[]) => void): void;
  once(event: string, listener: (...args: any[]) => void): void;
  /** A sinon spy the helper puts on every node's status. */
  status: ((...args: unknown[]) => void) & { getCalls(): { args: any[]; thisValue: unknown }[] };
  [key: string]: any;
}

export const allNodes = [patternModel, feedbackCollector, incrementalUpdate, modelVersion, patternScore];

/** Points the test helper at Node-RED (the installed 4.x, or NODE_RED_PATH). */
export function initNodeRed(): void {
  const redPath = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve("node-red");
  helper.init(redPath);
}

const created: string[] = [];
// Removed once the test file is done (after its last helper.unload closed the stores).
afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary directory for one test's store, removed after the test file. */
export async function tempDir(prefix = "pattern-quality-nodes-"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** The next message a helper node receives. */
export function nextMessage(node: TestNode): Promise<any> {
  return new Promise((resolve) => node.once("input", (msg: any) => resolve(msg)));
}

/** The next n messages a helper node receives, in order. */
export function messages(node: TestNode, n: number): Promise<any[]> {
  return new Promise((resolve) => {
    const received: any[] = [];
    const listener = (msg: any) => {
      received.push(msg);
      if (received.length === n) {
        node.removeListener("input", listener);
        resolve(received);
      }
    };
    node.on("input", listener);
  });
}

/** The error a node reports through done(err) / node.error for the next message. */
export function nextError(node: TestNode): Promise<Error> {
  return new Promise((resolve) => {
    node.once("call:error", (call: { args: unknown[] }) => resolve(call.args[0] as Error));
  });
}

/** A node's status as it sets it. */
type ShownStatus = { fill?: string; shape?: string; text?: string };

/** The status a node shows next with the given fill (skipping intermediate ones). */
export function statusWith(node: TestNode, predicate: (status: ShownStatus) => boolean): Promise<ShownStatus> {
  return new Promise((resolve) => {
    const listener = (call: { args: [ShownStatus] }) => {
      if (predicate(call.args[0])) {
        node.removeListener("call:status", listener);
        resolve(call.args[0]);
      }
    };
    node.on("call:status", listener);
  });
}

/** The pattern-model configuration node of a flow, for settings used across tests. */
export function modelConfig(
  id: string,
  storeDir: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    type: "pattern-model",
    name: "test model",
    storeDir,
    schemaKind: "names",
    featureNames: "hour, devices, confidence",
    trees: 10,
    maxDepth: 6,
    incrementalTrees: 3,
    seed: 1,
    updateThreshold: 1000,
    minSamples: 10,
    autoUpdate: false,
    // A new version goes live after a short trial that never finds it worse (the guardrail is tested in the core).
    guardrailSamples: TRIAL_SAMPLES,
    guardrailDropPoints: 100,
    ...extra,
  };
}

/** Feedback a new version answers on trial before it goes live, in node tests (see modelConfig). */
export const TRIAL_SAMPLES = 5;

/** Feeds a trial's feedback to `model` and waits until the version on trial, `version`, is live. */
export async function promote(
  model: {
    addFeedback(batch: unknown[]): Promise<unknown>;
    readonly activeVersion: string | null;
    settled(): Promise<void>;
  },
  version: string,
): Promise<void> {
  await model.addFeedback(feedbackBatch(TRIAL_SAMPLES));
  const deadline = Date.now() + 10_000;
  while (model.activeVersion !== version) {
    if (Date.now() > deadline) throw new Error(`${version} was not promoted`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The promotion's last writes (the outgoing version's figures) are done before the test reads the registry.
  await model.settled();
}

let counter = 0;
/** Feedback with features from a rule the model can learn: evening patterns with few devices are approved. */
export function feedbackBatch(
  n: number,
  prefix = `f${++counter}`,
): Array<{ patternId: string; label: string; features: Record<string, number>; id: string }> {
  const batch = [];
  for (let i = 0; i < n; i++) {
    const hour = (i * 7) % 24;
    const devices = 1 + ((i * 5) % 6);
    const confidence = ((i * 37) % 100) / 100;
    const likes = hour >= 17 && devices <= 3;
    batch.push({
      id: `${prefix}-${i}`,
      patternId: `${prefix}-p${i}`,
      label: likes ? "approve" : "reject",
      features: { hour, devices, confidence },
    });
  }
  return batch;
}
