/**
 * Node-RED's event-loop lag while the pattern-detect node backfills a home's logbook from the
 * simulator (in a child process) and mines it, loaded in this process by node-red-node-test-helper
 * as the nodes section does. Measured from the end of the flow's deploy to the node's first output:
 * the run after deploy connects, reads the whole lookback a day at a time, and mines in a worker thread.
 */
import patternDetect from "../../nodes/pattern-detect/pattern-detect";
import patternQualityHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import { eventLoopLag, type LagFigures, SimChild } from "./speed";

/** Longer than any backfill and mining of one home on a busy 2-core machine. */
const TIMEOUT_MS = 120_000;

interface HelperNode {
  on(event: string, listener: (msg: Record<string, unknown>) => void): void;
}

/** Lag figures in Node-RED while the node backfills `seed`'s home (its past ending now) and mines it. */
export async function nodeRedLag(seed: number): Promise<LagFigures & { routines: number; entriesRead: number }> {
  // A development dependency, only needed here and in the tests.
  const helper = require("node-red-node-test-helper");
  helper.init(require.resolve("node-red"));
  const token = "bench-token";
  // The node mines up to the real now: the home's past must end now, not at the section's fixed instant.
  const sim = await SimChild.start(seed, new Date(), token);
  let output: Record<string, unknown> | undefined;
  try {
    // Node-RED starts (module loading, flows) before the histogram does: only the node's run is measured.
    await helper.load(
      [patternQualityHa, patternDetect],
      [
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        { id: "detect", type: "pattern-detect", ha: "ha", wires: [["out"]] },
        { id: "out", type: "helper" },
      ],
      { ha: { token } },
    );
    // The run after deploy waits for the connection, so its output cannot come before this listener.
    // A run that fails (no logbook, a refused token) says so through node.error; a hung one times out.
    let timer: NodeJS.Timeout | undefined;
    const first = new Promise<Record<string, unknown>>((resolve, reject) => {
      (helper.getNode("out") as HelperNode).on("input", resolve);
      (helper.getNode("detect") as HelperNode).on("call:error", (call) => {
        const args = (call as { args?: unknown[] }).args ?? [];
        reject(new Error(`pattern-detect: ${String(args[0])}`));
      });
      timer = setTimeout(() => reject(new Error(`pattern-detect sent nothing in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    }).finally(() => clearTimeout(timer));
    const lag = await eventLoopLag(async () => {
      output = await first;
    });
    const mining = (output?.mining ?? {}) as { entriesRead?: number };
    return {
      ...lag,
      routines: Array.isArray(output?.payload) ? output.payload.length : 0,
      entriesRead: mining.entriesRead ?? 0,
    };
  } finally {
    await helper.unload();
    await sim.stop();
  }
}
