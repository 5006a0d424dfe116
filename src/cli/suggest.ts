/**
 * `pattern-quality suggest`: what the household's logbook would suggest, before anything is
 * wired: connects to Home Assistant, mines the lookback's days and prints the routines.
 */
import { parseArgs } from "node:util";
import { InvalidInputError } from "../errors";
import { HomeAssistantConnection } from "../ha/connection";
import { type FinderRun, RoutineFinder } from "../ha/routine-finder";

/** The usage lines of the command, for the CLI's help. */
export const SUGGEST_USAGE = `  suggest --ha-url URL [--token TOKEN] [--days N] [--min-days N] [--domains LIST]
                                                       routines mined from Home Assistant's logbook
                                                       (token: --token, else $HA_TOKEN; inside the app
                                                       neither is needed)`;

/** Where the command writes. */
export interface SuggestOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Runs `suggest`; resolves with the exit code (0 ok, 1 Home Assistant failed). Bad options
 * throw (InvalidInputError or parseArgs' error), for the CLI to print with the usage.
 */
export async function suggest(argv: string[], out: SuggestOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "ha-url": { type: "string" },
      token: { type: "string" },
      days: { type: "string" },
      "min-days": { type: "string" },
      domains: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const url = values["ha-url"] ?? env.HA_URL;
  const token = values.token ?? env.HA_TOKEN;
  const inApp = url === undefined && env.SUPERVISOR_TOKEN !== undefined;
  if (url === undefined && !inApp) {
    throw new InvalidInputError(
      "--ha-url",
      "missing: give Home Assistant's address, e.g. http://homeassistant.local:8123",
    );
  }
  if (!inApp && (token === undefined || token === "")) {
    throw new InvalidInputError("--token", "missing: give a long-lived access token (an admin's) or set HA_TOKEN");
  }
  const settings: Record<string, unknown> = {};
  if (values.days !== undefined) settings.lookbackDays = Number(values.days);
  if (values["min-days"] !== undefined) settings.minDays = Number(values["min-days"]);
  if (values.domains !== undefined) settings.domains = values.domains;
  const connection = inApp
    ? new HomeAssistantConnection({ addon: true, env, reconnectDelayMs: 60_000 })
    : new HomeAssistantConnection({ url, token, reconnectDelayMs: 60_000 });
  const finder = new RoutineFinder(connection, settings);
  try {
    await connection.connect();
    const run = await finder.run();
    out.stdout(values.json ? `${JSON.stringify(asJson(run), null, 2)}\n` : report(run, connection.url));
    return 0;
  } finally {
    await finder.close();
    await connection.close();
  }
}

function asJson(run: FinderRun) {
  return {
    routines: run.patterns,
    notice: run.notice ?? null,
    stats: run.stats,
    daysRead: run.daysRead,
    entriesRead: run.entriesRead,
    problems: run.problems,
  };
}

/** The routines in words, most confident first, then what was left out and why. */
function report(run: FinderRun, url: string): string {
  const lines: string[] = [];
  const count = (n: number) => n.toLocaleString("en-US");
  lines.push(`Read ${run.daysRead} days of logbook (${count(run.entriesRead)} entries) from ${url}.`);
  for (const problem of run.problems) lines.push(`note: ${problem}`);
  if (run.notice !== undefined) {
    lines.push(`${run.notice.charAt(0).toUpperCase()}${run.notice.slice(1)}.`);
  } else if (run.patterns.length === 0) {
    lines.push(
      "No routines found: nothing people did by hand happened at a consistent time or after the same trigger.",
    );
  } else {
    lines.push(`${run.patterns.length} ${run.patterns.length === 1 ? "routine" : "routines"}, most confident first:`);
    run.patterns.forEach((pattern, i) => {
      lines.push(`${String(i + 1).padStart(3)}. ${pattern.description}`);
      lines.push(`     confidence ${pattern.confidence.toFixed(2)} · ${pattern.id}`);
    });
  }
  const { byCause, chatter, chatterChanges, alreadyAutomated, faded, skipped } = run.stats;
  const automated = byCause.automation + byCause.script + byCause.system;
  lines.push(
    `Mined the changes people made: ${count(byCause.person)} from the app or by voice, ` +
      `${count(Math.max(0, byCause.physical - chatterChanges))} at a switch. Left out ${count(automated)} made by ` +
      `automations, scripts or apps, ${count(chatterChanges)} by ${chatter} ${chatter === 1 ? "entity" : "entities"} ` +
      `that change by themselves, ${count(byCause.scene + byCause.integration)} caused by scenes or integrations; ` +
      `${alreadyAutomated} ${alreadyAutomated === 1 ? "routine" : "routines"} already automated, ${faded} stopped` +
      (skipped > 0 ? `, ${count(skipped)} malformed entries skipped` : "") +
      ".",
  );
  return `${lines.join("\n")}\n`;
}
