import type { Label } from "../src/feedback/feedback";
import { seaStream } from "../src/testing/simulation/sea";
import { householdStream } from "../src/testing/simulation/household";
import {
  accuracyOf,
  feedProduct,
  grownOnLive,
  liveAfterChange,
  recoveryAfter,
  type ProtocolStream,
} from "./product-run";

async function main() {
  const which = process.argv[2] ?? "sea";
  const seed = Number(process.argv[3] ?? 1);
  const pos = Number(process.argv[4] ?? 600);
  const s =
    which === "sea" ? seaStream({ samples: 6000, seed }) : householdStream({ samples: 3000, seed, changeAt: 1800 });
  const changeAt = s.changes.find((c) => c.kind === "abrupt")?.at ?? null;
  const stream: ProtocolStream = { name: which, schema: s.schema, X: s.X, y: s.y, changeAt, stationary: false };
  const len = pos > 0 ? pos + 600 : s.y.length;
  const dbg = process.env.PQ_DEBUG;
  if (pos > 0) delete process.env.PQ_DEBUG;
  const clean = await feedProduct(stream, s.y, seed, len);
  console.log(
    "clean acc",
    accuracyOf(clean.proba, s.y).toFixed(3),
    "acts",
    clean.activations.map((a) => `${a.version}@${a.at}`).join(" "),
    JSON.stringify(clean.alerts),
  );
  if (changeAt !== null && len > changeAt)
    console.log("change→live", liveAfterChange(clean, changeAt), "recovery", recoveryAfter(clean.proba, s.y, changeAt));
  if (dbg) process.env.PQ_DEBUG = dbg;
  if (pos > 0) {
    const labels = s.y.map((y, i) => (i >= pos && i < pos + 100 ? ((1 - y) as Label) : y));
    const run = await feedProduct(stream, labels, seed, len);
    const loss =
      100 * (accuracyOf(clean.proba, s.y, pos + 100, pos + 600) - accuracyOf(run.proba, s.y, pos + 100, pos + 600));
    console.log(
      "poison live",
      grownOnLive(run, pos + 1, pos + 100),
      "loss",
      loss.toFixed(1),
      "acts",
      run.activations.map((a) => `${a.version}@${a.at}`).join(" "),
      JSON.stringify(run.alerts),
      "setAside",
      run.setAside,
    );
  }
}
main();
