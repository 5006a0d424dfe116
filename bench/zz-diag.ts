import { buildLoopHome } from "./loop/household";
import { RANKINGS, runHomeLoop } from "./loop/simulate";
const loopStartMs = Date.UTC(2026, 4, 4);
(async () => {
  const seed = Number(process.env.SEED ?? 6);
  const home = buildLoopHome({ seed, loopStartMs, loopDays: 60, wings: 16, staggerDays: 3, historyDays: 28 });
  const r = await runHomeLoop(home, (process.env.TASTE ?? "scheduled") as any, RANKINGS.filter((x) => x.name === "model10"), { loopStartMs, loopDays: 60, asksPerDay: 3, asks: 100 });
  const a = r.asks.model10!;
  console.log(a.map((x, i) => `${i + 1}:${x.approved ? "Y" : "n"}${x.score === null ? "" : x.score.toFixed(2)}${x.version ? "" : "*"}`).join(" "));
})();
