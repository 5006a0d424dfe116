// Run by lock-race.test.ts against the compiled package: on "acquire <dir> <at>" it waits until
// the time `at` (ms since the epoch, so that both contenders start together), tries to take the
// store lock and answers "won" or "lost <code>"; on "release" it gives a lock it won back.
"use strict";
const path = require("node:path");
const readline = require("node:readline");
const dist = process.env.PATTERN_QUALITY_DIST ?? path.resolve(__dirname, "../../dist/src");
const { StoreLock } = require(path.join(dist, "store/lock.js"));

const say = (line) => process.stdout.write(`${line}\n`);
let held = null;

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const [command, dir, at] = line.split(" ");
  if (command === "acquire") {
    while (performance.timeOrigin + performance.now() < Number(at)) {
      // Spin rather than sleep: a timer would start each contender up to a millisecond late.
    }
    try {
      held = await StoreLock.acquire(dir, "race");
      say("won");
    } catch (error) {
      say(`lost ${error.code ?? error.message}`);
    }
  } else if (command === "release") {
    await held?.release();
    held = null;
    say("released");
  }
});
say("ready");
