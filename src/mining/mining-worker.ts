/**
 * The mining worker thread's entry: it only wires messages to a RoutineMiner (miner.ts), which
 * holds the logic and is tested in-process.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { MinerRequest, MinerReply } from "./miner-thread";
import { RoutineMiner } from "./miner";

const port = parentPort;
if (port) {
  const miner = new RoutineMiner(workerData.home, workerData.options);
  port.on("message", (request: MinerRequest) => {
    let reply: MinerReply | undefined;
    try {
      switch (request.type) {
        case "learn":
          miner.learnEntries(request.entries);
          break;
        case "home":
          miner.updateHome(request.home);
          break;
        case "forget":
          miner.forget(request.beforeMs);
          break;
        case "mine":
          reply = { id: request.id, ok: true, result: miner.mine(new Date(request.nowMs), request.known) };
          break;
      }
    } catch (error) {
      if (request.type === "mine") reply = { id: request.id, ok: false, message: (error as Error).message };
    }
    if (reply !== undefined) port.postMessage(reply);
  });
}
