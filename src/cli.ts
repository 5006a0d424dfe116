#!/usr/bin/env node
/**
 * `pattern-quality`: inspect and manage a store directory from a shell (also inside the Home
 * Assistant add-on): model versions, the feedback log, and the benchmark.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { InvalidInputError, PatternQualityError } from "./errors";
import { FeedbackLog } from "./feedback/log";
import { PatternLearner } from "./learning/learner";
import { compareTrees } from "./learning/tree-diff";
import { storeWriteError } from "./store/files";
import { SUGGEST_USAGE, suggest } from "./suggest-command";
import { checkKind } from "./versions/entry";
import { VersionRegistry, type VersionEntry } from "./versions/registry";

export const USAGE = `usage: pattern-quality <command> [options]

commands:
  versions list [--kind KIND] [--pinned] [--limit N]   list model versions (* = active)
  versions show <id>                                   one version in full
  versions rollback [<id>|previous] [--reason TEXT]    activate an earlier version (holds automatic activation)
  versions resume                                      end the hold: new versions go live again when judged so
  versions pin <id> | versions unpin <id>              protect a version from prune/delete
  versions prune [--retention N]                       delete versions beyond the newest N
  versions export <id> [--out FILE]                    one version as a JSON file (default: stdout)
  versions import <file>                               add an exported version under a new id
  feedback stats                                       counts of the feedback log
  feedback export [--from SEQ] [--out FILE]            the feedback log as JSON lines
  bench [--quick] [--section NAME]                     run the benchmark (npm run bench)
${SUGGEST_USAGE}

options:
  --store DIR   the store directory (default: $PATTERN_QUALITY_STORE)
  --json        machine-readable output (errors too, with a stable code)
  -h, --help    this text

Commands that change the store need it to be free: stop Node-RED first (or use the
model-version node). Exit codes: 0 ok, 1 error, 2 usage.`;

/** Where the CLI writes; a test passes its own. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

/** Runs one command; resolves with the exit code (0 ok, 1 error, 2 usage). Never rejects. */
export async function main(argv: string[], out: CliOutput = processOutput, env = process.env): Promise<number> {
  try {
    if (argv[0] === "bench") return await runBench(argv.slice(1), out);
    if (argv[0] === "suggest") return await suggest(argv.slice(1), out, env);
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        store: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        kind: { type: "string" },
        pinned: { type: "boolean" },
        limit: { type: "string" },
        reason: { type: "string" },
        by: { type: "string" },
        out: { type: "string" },
        from: { type: "string" },
        retention: { type: "string" },
      },
    });
    if (values.help) {
      out.stdout(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError("no command");
    const store = values.store ?? env.PATTERN_QUALITY_STORE;
    if (!store) throw new UsageError("no store directory: pass --store DIR or set PATTERN_QUALITY_STORE");
    const [group, command, ...rest] = positionals;
    const context: Context = { store, json: values.json, values, args: rest, out };
    if (group === "versions") return await versions(command, context);
    if (group === "feedback") return await feedback(command, context);
    throw new UsageError(`unknown command ${JSON.stringify(group)}`);
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      out.stderr(`pattern-quality: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const message = error instanceof PatternQualityError ? error.message : String((error as Error)?.message ?? error);
    const code = error instanceof PatternQualityError ? error.code : "error";
    // Scripts asking for --json get the error as JSON too, with the stable code to branch on.
    out.stderr(
      argv.includes("--json") ? `${JSON.stringify({ error: { code, message } })}\n` : `pattern-quality: ${message}\n`,
    );
    return 1;
  }
}

interface Context {
  store: string;
  json: boolean;
  values: Record<string, string | boolean | undefined>;
  args: string[];
  out: CliOutput;
}

function validateModel(json: unknown): void {
  PatternLearner.fromJSON(json);
}

async function withRegistry<T>(
  context: Context,
  write: boolean,
  use: (registry: VersionRegistry) => Promise<T>,
  create = false,
): Promise<T> {
  const options = { validateModel, readOnly: !write, autoPrune: false, ...retention(context) };
  if (!existsSync(context.store))
    throw new PatternQualityError("store-missing", `there is no store directory ${context.store}`);
  // A mistyped --store must not turn some other directory into a store.
  const isStore = ["versions.json", "models", "feedback.jsonl"].some((name) =>
    existsSync(path.join(context.store, name)),
  );
  if (!isStore && !create) {
    throw new PatternQualityError(
      "store-missing",
      `${context.store} is not a pattern-quality store (no versions.json, models/ or feedback.jsonl)`,
    );
  }
  const registry = await VersionRegistry.open(context.store, { ...options, compareModels: compareTrees });
  try {
    for (const problem of registry.problems) context.out.stderr(`warning: ${problem.message}\n`);
    return await use(registry);
  } finally {
    await registry.close();
  }
}

function retention(context: Context): { retention?: number } {
  const value = context.values.retention;
  return value === undefined ? {} : { retention: whole(value, "--retention", 1) };
}

function whole(value: unknown, flag: string, min = 0): number {
  const number = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || number < min) {
    throw new UsageError(`${flag} expects a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return number;
}

function one(context: Context, what: string): string {
  if (context.args.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return context.args[0]!;
}

function print(context: Context, json: unknown, text: string): number {
  context.out.stdout(context.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  return 0;
}

/** Writes an export to the --out file (then says so, with `summary`), or to stdout without --out. */
async function writeExport(context: Context, text: string, summary: Record<string, unknown>): Promise<number> {
  const target = context.values.out;
  if (typeof target !== "string") {
    context.out.stdout(text);
    return 0;
  }
  await writeFile(target, text).catch((error: unknown) => {
    throw storeWriteError(target, "write", error);
  });
  return print(context, { file: target, ...summary }, `wrote ${target}`);
}

async function versions(command: string | undefined, context: Context): Promise<number> {
  const by = typeof context.values.by === "string" ? context.values.by : `cli:${currentUser()}`;
  switch (command) {
    case "list": {
      const filter: Parameters<VersionRegistry["list"]>[0] = {};
      if (context.values.kind !== undefined) filter.kind = checkKind(context.values.kind, "--kind");
      if (context.values.pinned) filter.pinned = true;
      if (context.values.limit !== undefined) filter.limit = whole(context.values.limit, "--limit");
      return withRegistry(context, false, async (registry) => {
        const list = registry.list(filter);
        const hold = registry.hold;
        const table = versionTable(list, registry.activeId, hold?.version ?? null);
        const text = hold
          ? `${table}\nheld at ${hold.version} by ${hold.by} since ${hold.since} (${hold.reason})`
          : table;
        return print(context, { activeId: registry.activeId, hold, versions: list }, text);
      });
    }
    case "show": {
      const id = one(context, "version id");
      return withRegistry(context, false, async (registry) => {
        const entry = registry.get(id);
        const activations = registry.activations().filter((record) => record.to === entry.id);
        return print(
          context,
          { ...entry, active: registry.activeId === entry.id, activations },
          [
            `${entry.id}${registry.activeId === entry.id ? " (active)" : ""}${entry.pinned ? " (pinned)" : ""}`,
            `  kind:        ${entry.kind}`,
            `  created:     ${entry.createdAt}`,
            `  parent:      ${entry.parentId ?? "-"}`,
            `  trained on:  ${entry.trainedOn.samples} samples, feedback up to #${entry.trainedOn.feedbackWatermark}`,
            `  metrics:     ${
              Object.entries(entry.metrics)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ") || "-"
            }`,
            `  evaluation:  ${
              entry.evaluation
                ? `${share(entry.evaluation.accuracy)} on ${entry.evaluation.samples} new feedback, ` +
                  `beside ${entry.evaluation.against ?? "none"} (${share(entry.evaluation.againstAccuracy)}): ` +
                  `${entry.evaluation.outcome}; kappa ${entry.evaluation.kappa.toFixed(3)}, ` +
                  `Brier ${entry.evaluation.brier.toFixed(3)}, log-loss ${entry.evaluation.logLoss.toFixed(3)}`
                : "not judged yet"
            }`,
            `  live:        ${
              entry.live
                ? `${share(entry.live.accuracy)} on ${entry.live.samples} feedback while active, ` +
                  `${entry.live.firstActiveAt ?? "-"} to ${entry.live.lastActiveAt ?? "-"}`
                : "never active"
            }`,
            `  size:        ${entry.sizeBytes} bytes, sha256 ${entry.sha256}`,
            `  note:        ${entry.note ?? "-"}`,
            `  activated:   ${activations.map((r) => `${r.at} by ${r.by} (${r.reason})`).join("; ") || "never"}`,
          ].join("\n"),
        );
      });
    }
    case "rollback": {
      if (context.args.length > 1) throw new UsageError("expected one version id or previous");
      const to = context.args[0] ?? "previous";
      return withRegistry(context, true, async (registry) => {
        const from = registry.activeId;
        const reason =
          typeof context.values.reason === "string" ? context.values.reason : "rollback from the command line";
        const entry = await registry.rollback(to, { reason, by }, { hold: true });
        return print(
          context,
          { from, to: entry.id, hold: registry.hold },
          `active: ${entry.id} (was ${from ?? "none"}); automatic activation held (versions resume ends it)`,
        );
      });
    }
    case "resume":
      return withRegistry(context, true, async (registry) => {
        const hold = registry.hold;
        if (!(await registry.clearHold())) {
          throw new InvalidInputError("hold", "nothing is held: automatic activation is already on");
        }
        return print(
          context,
          { resumed: hold },
          `resumed: automatic activation is on again (was held at ${hold?.version})`,
        );
      });
    case "pin":
    case "unpin": {
      const id = one(context, "version id");
      return withRegistry(context, true, async (registry) => {
        const entry = command === "pin" ? await registry.pin(id) : await registry.unpin(id);
        return print(context, entry, `${entry.id} ${entry.pinned ? "pinned" : "unpinned"}`);
      });
    }
    case "prune":
      return withRegistry(context, true, async (registry) => {
        const result = await registry.prune();
        return print(
          context,
          result,
          result.deleted.length ? `deleted ${result.deleted.join(", ")}` : "nothing to prune",
        );
      });
    case "export": {
      const id = one(context, "version id");
      return withRegistry(context, false, async (registry) => {
        const text = await registry.export(id);
        return writeExport(context, text, { bytes: Buffer.byteLength(text) });
      });
    }
    case "import": {
      const file = one(context, "file");
      return withRegistry(
        context,
        true,
        async (registry) => {
          const text = await readFile(file, "utf8").catch((error: unknown) => {
            throw storeWriteError(file, "read", error);
          });
          const entry = await registry.import(text);
          return print(context, entry, `imported as ${entry.id} (${entry.note})`);
        },
        true,
      );
    }
    default:
      throw new UsageError(`unknown versions command ${JSON.stringify(command ?? "")}`);
  }
}

async function feedback(command: string | undefined, context: Context): Promise<number> {
  if (command !== "stats" && command !== "export")
    throw new UsageError(`unknown feedback command ${JSON.stringify(command ?? "")}`);
  if (!existsSync(context.store))
    throw new PatternQualityError("store-missing", `there is no store directory ${context.store}`);
  const log = await FeedbackLog.open(context.store, { readOnly: true });
  try {
    for (const problem of log.problems) context.out.stderr(`warning: ${problem.message}\n`);
    if (command === "stats") {
      const stats = log.stats();
      const sources = Object.entries(stats.bySource)
        .map(([source, n]) => `${source}: ${n}`)
        .join(", ");
      return print(
        context,
        stats,
        [
          `records:          ${stats.records} (approved ${stats.approved}, rejected ${stats.rejected})`,
          `seq:              ${stats.firstSeq ?? "-"} … ${stats.watermark}`,
          `received:         ${stats.firstReceivedAt ?? "-"} … ${stats.lastReceivedAt ?? "-"}`,
          `without features: ${stats.withoutFeatures}`,
          `sources:          ${sources || "-"}`,
          `damaged lines:    ${stats.problems}`,
        ].join("\n"),
      );
    }
    const from = context.values.from === undefined ? 0 : whole(context.values.from, "--from");
    const text = [...log.entries(from)].map((record) => `${JSON.stringify(record)}\n`).join("");
    return await writeExport(context, text, { records: log.size });
  } finally {
    await log.close();
  }
}

function versionTable(list: VersionEntry[], activeId: string | null, heldId: string | null): string {
  if (list.length === 0) return "no versions";
  // Each version's own figures: from its trial on feedback it had not learned, and while active.
  const rows = [["", "id", "kind", "created", "samples", "evaluated", "live", "pinned", "note"]];
  for (const entry of [...list].reverse()) {
    rows.push([
      entry.id === heldId ? "*H" : entry.id === activeId ? "*" : "",
      entry.id,
      entry.kind,
      entry.createdAt.slice(0, 19).replace("T", " "),
      String(entry.trainedOn.samples),
      entry.evaluation ? `${share(entry.evaluation.accuracy)} (${entry.evaluation.samples})` : "-",
      entry.live && entry.live.samples > 0 ? `${share(entry.live.accuracy)} (${entry.live.samples})` : "-",
      entry.pinned ? "yes" : "",
      entry.note ?? "",
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** The package root: the nearest folder above this file with our package.json. */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "node-red-contrib-pattern-quality")
      return dir;
    if (path.dirname(dir) === dir) throw new PatternQualityError("package-missing", "cannot find the package root");
  }
}

async function runBench(args: string[], out: CliOutput): Promise<number> {
  const script = path.join(packageRoot(), "dist", "bench", "run.js");
  if (!existsSync(script))
    throw new PatternQualityError(
      "bench-missing",
      "the benchmark is not part of the installed package: it runs from a clone of the repository " +
        `(npm ci && npm run bench); not found: ${script}`,
    );
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (chunk: Buffer) => out.stdout(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => out.stderr(chunk.toString()));
  return new Promise<number>((resolve) => {
    child.on("error", (error) => {
      out.stderr(`pattern-quality: cannot start the benchmark: ${error.message}\n`);
      resolve(1);
    });
    child.on("close", (code) => resolve(code === 0 ? 0 : 1));
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

/** A share as a percentage with one decimal ("-" when unknown). */
function share(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)} %`;
}
