/**
 * `npm start`: Node-RED with this package, Dashboard 2 and the demo flows, a Home Assistant
 * (the embedded simulator unless HA_URL and HA_TOKEN are set) and a simulated household that
 * answers suggested patterns. Prints the URLs and one line per model version; Ctrl-C stops all.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { demoFlows, DEMO_MODEL_ID, DEMO_HA_ID } from "./flows";
import { DemoHousehold } from "./household";
import { credentialSecret, encryptCredentials, settingsSource, startNodeRed, type RunningNodeRed } from "./node-red";
import { demoOptions, type DemoOptions } from "./options";
import { eventLine, fetchEvents, fetchVersions, standingLine } from "./progress";
import { startHomeAssistant, type DemoHomeAssistant } from "./home-assistant";
import { HouseholdLoop } from "./loop";

const root = path.resolve(__dirname, "..", "..");

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function prepare(options: DemoOptions, ha: DemoHomeAssistant): Promise<string> {
  // The model's store directory (the pattern-model node's default place) is made up front.
  await fs.mkdir(path.join(options.dir, "pattern-quality", DEMO_MODEL_ID), { recursive: true });
  const secret = await credentialSecret(options.dir, options.credentialSecret);
  const settingsFile = path.join(options.dir, "settings.js");
  await fs.writeFile(settingsFile, settingsSource({ root: options.root, port: options.port, credentialSecret: secret }));

  // The flows are written once, so a person's edits in the editor survive the next start.
  const flowsFile = path.join(options.dir, "flows.json");
  const flowsExist = await fs.access(flowsFile).then(
    () => true,
    () => false,
  );
  if (!flowsExist) {
    const flows = await demoFlows(options.root);
    await fs.writeFile(flowsFile, `${JSON.stringify(flows, null, 2)}\n`);
  }
  // The token is written on every start (it changes with the simulator, or with HA_TOKEN), only
  // ever into the encrypted credentials file, never into flows.json.
  const credentials = encryptCredentials(secret, { [DEMO_HA_ID]: { token: ha.token } });
  await fs.writeFile(path.join(options.dir, "flows_cred.json"), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return settingsFile;
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
  const options = demoOptions(process.env, root);
  const ha = await startHomeAssistant(options);
  let red: RunningNodeRed | undefined;
  let loop: HouseholdLoop | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (code: number) => {
    stopping ??= (async () => {
      say("\nStopping: household, Node-RED (flushing the model store), Home Assistant simulator…");
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
    const settingsFile = await prepare(options, ha);
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

    say(standingLine(await untilAnswered(() => fetchVersions(red!.url, DEMO_MODEL_ID), 60_000, () => stopping !== undefined)));
    const household = new DemoHousehold(options.tasteChangeAfter, options.rate);
    loop = new HouseholdLoop({ household, ha, nodeRedUrl: red.url, rate: options.rate, answers: options.answers, answerThrough: "flow", say });
    if (options.answers > 0) loop.start();

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
    if (!stopping) say(`The demo could not start: ${(error as Error).message}`);
    await stop(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
