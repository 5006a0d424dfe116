// Run by crash.test.ts against the compiled package: appends feedback and saves/activates
// versions as fast as it can, printing each acknowledgement, until it is SIGKILLed.
"use strict";
const path = require("node:path");
const dist = process.env.PATTERN_QUALITY_DIST ?? path.resolve(__dirname, "../../dist/src");
const { FeedbackLog } = require(path.join(dist, "feedback/log.js"));
const { VersionRegistry } = require(path.join(dist, "versions/registry.js"));

const [dir, run, retention] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${line}\n`);

function model(i) {
  // About 100 kB, so that kills land inside model writes too.
  const trees = Array.from({ length: 40 }, (_, t) => ({
    t,
    i,
    splits: Array.from({ length: 120 }, (_, s) => (s * 7919 + i * 31 + t) % 1000),
  }));
  return { format: "crash-test", trees };
}

async function appendForever(log) {
  for (let n = 0; ; n += 1) {
    const ids = [0, 1, 2].map((k) => `${run}-${n}-${k}`);
    await Promise.all(
      ids.map((id) =>
        log
          .append([
            {
              id,
              patternId: `p${n % 17}`,
              label: n % 2,
              features: { a: n, b: 1 },
              source: "crash",
              receivedAt: new Date().toISOString(),
            },
          ])
          .then((result) => say(`ack ${id} ${result.added[0].seq}`)),
      ),
    );
  }
}

async function versionForever(registry) {
  for (let i = 0; ; i += 1) {
    const entry = await registry.save({
      model: model(i),
      kind: "incremental",
      trainedOn: { samples: i, feedbackWatermark: i },
      metrics: { i },
    });
    say(`saved ${entry.id}`);
    const reason = `loop ${run}-${i}`;
    if (i % 4 === 3 && registry.activations().length > 0) {
      await registry
        .rollback("previous", { reason, by: "crash-test" })
        .catch(() => registry.activate(entry.id, { reason, by: "crash-test" }));
    } else {
      await registry.activate(entry.id, { reason, by: "crash-test" });
    }
    say(`active ${reason}`);
  }
}

(async () => {
  const log = await FeedbackLog.open(dir, { retention: Number(retention) });
  const registry = await VersionRegistry.open(dir, { retention: 5 });
  say("ready");
  await Promise.all([appendForever(log), versionForever(registry)]);
})().catch((error) => {
  say(`error ${error.stack}`);
  process.exit(3);
});
