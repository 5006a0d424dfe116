/**
 * `npm start`: Node-RED with this package, Dashboard 2 and the demo flows, a Home Assistant
 * (the embedded simulator unless HA_URL and HA_TOKEN are set) and a simulated household that
 * answers suggested patterns. Prints the URLs and one line per model version; Ctrl-C stops all.
 */
import path from "node:path";
import { DEMO_MODEL_ID } from "./flows";
import { DemoHousehold } from "./household";
import { startNodeRed, type RunningNodeRed } from "./node-red";
import { demoOptions, type DemoOptions } from "./options";
import { prepareUserDir } from "./user-dir";
import { eventLine, fetchEvents, fetchVersions, standingLine } from "./progress";
import { startHomeAssistant } from "./home-assistant";
import { HouseholdLoop } from "./loop";

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
  const ha = await startHomeAssistant(options);
  let red: RunningNodeRed | undefined;
  let loop: HouseholdLoop | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (code: number) => {
    stopping ??= (async () => {
      say(
        `\nStopping: the household, Node-RED (it flushes the model store)${options.homeAssistant ? "" : ", the Home Assistant simulator"}…`,
      );
      await loop?.stop();
      await red?.stop();
      await ha.stop();
      say("Stopped. `npm start` again continues from the stored model.");
      process.exitCode = code;
    })();
    return stopping;
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));

  try {
    const settingsFile = await prepareUserDir(options, ha.token);
    red = await startNodeRed({
      dir: options.dir,
      settingsFile,
      env: { PATTERN_QUALITY_HA_URL: ha.url },
    });
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
    say(
      options.answers === 0
        ? "Household:         silent (DEMO_ANSWERS=0)"
        : `Household:         answers ${options.rate} suggestions/s; its taste changes after ${options.tasteChangeAfter} answers`,
    );
    say("Press Ctrl-C to stop.\n");

    say(
      standingLine(
        await untilAnswered(
          () => fetchVersions(red!.url, DEMO_MODEL_ID),
          60_000,
          () => stopping !== undefined,
        ),
      ),
    );
    const household = new DemoHousehold(options.tasteChangeAfter, options.rate);
    loop = new HouseholdLoop({ household, ha, nodeRedUrl: red.url, rate: options.rate, answers: options.answers, say });
    if (options.answers > 0) {
      // Answers fired before the flow listens in Home Assistant would be lost: wait for it.
      if (!(await ha.listening(30_000)))
        say("Home Assistant: the flow is not subscribed to the answers yet; answering anyway");
      loop.start();
    }

    let after = 0;
    while (!stopping) {
      try {
        for (const event of await fetchEvents(red.url, after)) {
          say(eventLine(event));
          after = event.seq;
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
