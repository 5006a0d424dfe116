/**
 * `npm start`: the household loop of the Home Assistant app in Node-RED, against the embedded
 * simulator's generated home (four weeks of logbook) and a simulated household living there a
 * simulated day a minute (or against a real Home Assistant, HA_URL and HA_TOKEN, where you answer
 * on the dashboard). Prints the URLs and what happens; Ctrl-C stops all and keeps the state.
 */
import path from "node:path";
import { DEMO_MODEL_ID } from "./flows";
import { startHomeAssistant } from "./home-assistant";
import { TASTE_WORDS } from "./household";
import { HouseholdLife } from "./life";
import { type RunningNodeRed, startNodeRed } from "./node-red";
import { type DemoOptions, demoOptions } from "./options";
import { eventLine, fetchEvents, fetchVersions, readRegistry, standingLine, trialLine } from "./progress";
import { loadState, newState, saveState } from "./state";
import { prepareUserDir } from "./user-dir";

const root = path.resolve(__dirname, "..", "..");

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Retries `probe` while Node-RED starts its flows (the admin API answers 404 until then). */
async function untilAnswered<T>(probe: () => Promise<T>, timeoutMs: number, stopped: () => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline || stopped()) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = demoOptions(process.env, root);
  } catch (error) {
    say(`The demo cannot start: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  await import("node:fs").then((fs) => fs.promises.mkdir(options.dir, { recursive: true }));
  const kept = await loadState(options.dir);
  const state = kept ?? newState(options.seed ?? 1 + Math.floor(Math.random() * 1_000_000), new Date());
  if (!kept) await saveState(options.dir, state);
  const ha = await startHomeAssistant(options, state);
  let red: RunningNodeRed | undefined;
  let life: HouseholdLife | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (code: number) => {
    stopping ??= (async () => {
      say(
        `\nStopping: ${life ? "the household (its state kept), " : ""}Node-RED (it flushes the model store)${ha.simulated ? ", the Home Assistant simulator" : ""}…`,
      );
      await life?.stop();
      await red?.stop();
      await ha.stop();
      say("Stopped. `npm start` again continues from the stored model and the household's state.");
      process.exitCode = code;
    })();
    return stopping;
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));

  try {
    const settingsFile = await prepareUserDir(options, ha.token, {
      simulated: ha.simulated !== undefined,
      daySeconds: options.daySeconds,
    });
    red = await startNodeRed({ dir: options.dir, settingsFile, env: { PATTERN_QUALITY_HA_URL: ha.url } });
    red.exited.then((code) => {
      if (!stopping) {
        say(`Node-RED stopped unexpectedly (exit code ${code}); its log is ${red!.logFile}`);
        void stop(1);
      }
    });
    say(`Node-RED editor:   ${red.url}/`);
    say(`Dashboard:         ${red.url}/dashboard`);
    say(`Home Assistant:    ${ha.description}`);
    say(`Demo directory:    ${options.dir} (Node-RED log: ${path.relative(process.cwd(), red.logFile)})`);
    if (!ha.simulated) say("Household:         you: answer on the dashboard (questions are not sent to a phone)");
    else {
      const silent = options.householdAnswers
        ? "answers on its phone"
        : "silent (DEMO_ANSWERS=0): answer on the dashboard";
      say(
        `Household:         ${silent}; hidden taste: it ${TASTE_WORDS[state.taste]}` +
          `${state.answers > 0 ? ` (${state.answers} answers so far)` : ""}`,
      );
      const where = kept
        ? `continuing at simulated day ${state.day + 1}`
        : "starting where the home's 4 weeks of logbook end";
      say(
        options.householdAnswers
          ? `Time:              a simulated day every ${options.daySeconds} s (DEMO_DAY_SECONDS), faster than real time; mining each simulated day; ${where}`
          : `Time:              stopped at simulated day ${state.day + 1} while the household is silent`,
      );
    }
    say("Press Ctrl-C to stop.\n");

    say(
      standingLine(
        await untilAnswered(
          () => fetchVersions(red!.url, DEMO_MODEL_ID),
          60_000,
          () => !!stopping,
        ),
      ),
    );
    if (ha.simulated && options.householdAnswers) {
      life = new HouseholdLife({
        ...ha.simulated,
        state,
        dir: options.dir,
        haUrl: ha.url,
        haToken: ha.token,
        nodeRedUrl: red.url,
        daySeconds: options.daySeconds,
        tasteChangeAfter: options.tasteChangeAfter,
        say,
      });
      life.start();
    }
    const names = life?.names ?? new Map<string, string>();
    // Suggestions seen before a restart are named by their automations' aliases.
    const titles = new Map<string, string>(
      state.automations.map((a) => [a.id.replace(/^pattern_quality_/, ""), String(a.config.alias ?? a.id)]),
    );
    const prefix = () => (life ? `${life.when()}  ` : `${new Date().toTimeString().slice(0, 5)}  `);
    // Trials decided before this start were printed then.
    const storeDir = path.join(options.dir, "pattern-quality", "household");
    const trials = new Set((await readRegistry(storeDir)).versions.filter((v) => v.evaluation).map((v) => v.id));
    let after = 0;
    let polls = 0;
    while (!stopping) {
      try {
        for (const event of await fetchEvents(red.url, after)) {
          after = event.seq;
          const line = eventLine(event, names, titles);
          if (line) for (const part of line.split("\n")) say(`${prefix()}${part}`);
        }
        // A version's trial is printed once decided (the registry records its evaluation then).
        if (polls++ % 3 === 0) {
          const registry = await readRegistry(storeDir);
          for (const row of registry.versions) {
            const line = trialLine(row, registry.activeId);
            if (line && !trials.has(row.id)) {
              trials.add(row.id);
              say(`${prefix()}${line}`);
            }
          }
        }
      } catch {
        // Node-RED may be busy starting or stopping the flows; the next poll tells.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await stopping;
  } catch (error) {
    if (!stopping) {
      const message = (error as Error).message;
      say(`The demo could not start: ${message}`);
      if (/port in use/i.test(message))
        say(`Port ${options.port} is taken: start with another, e.g. PORT=${options.port + 1} npm start`);
    }
    await stop(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
