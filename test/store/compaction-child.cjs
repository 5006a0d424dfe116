// Run by crash.test.ts against the compiled package: appends feedback to a log with a small
// retention as fast as it can, so that the log compacts itself again and again, printing each
// acknowledgement, until it is SIGKILLed.
"use strict";
const path = require("node:path");
const dist = process.env.PATTERN_QUALITY_DIST ?? path.resolve(__dirname, "../../dist/src");
const { FeedbackLog } = require(path.join(dist, "feedback/log.js"));

const [dir, run, retention] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${line}\n`);
// About 1.5 kB a record, so that a compaction writes megabytes and a kill can land inside it.
const features = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`feature${i}`, i / 7]));

(async () => {
  const log = await FeedbackLog.open(dir, { retention: Number(retention) });
  say("ready");
  for (let n = 0; ; n += 1) {
    if (log.lastCompactionError) throw log.lastCompactionError;
    const ids = [0, 1, 2].map((k) => `${run}-${n}-${k}`);
    await Promise.all(
      ids.map((id) =>
        log
          .append([
            {
              id,
              patternId: `p${n % 17}`,
              label: n % 2,
              features,
              source: "crash",
              receivedAt: new Date().toISOString(),
            },
          ])
          .then((result) => say(`ack ${id} ${result.added[0].seq}`)),
      ),
    );
  }
})().catch((error) => {
  say(`error ${error.stack}`);
  process.exit(3);
});
