/**
 * The training worker thread's entry: it only wires messages to TreeGrower (training-job.ts),
 * which holds the logic and is tested in-process.
 */
import { parentPort } from "node:worker_threads";
import { TreeGrower, warmUp, type TrainingRequest } from "./training-job";

const grower = new TreeGrower();
const port = parentPort;
if (port) {
  port.on("message", (request: TrainingRequest) => {
    const { reply, transfer } = grower.handle(request);
    port.postMessage(reply, transfer);
  });
  warmUp();
}
