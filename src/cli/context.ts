/** What every command of the CLI shares: where it writes, its arguments, the store, and how it prints. */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { PatternQualityError } from "../errors";
import { PatternLearner } from "../learning/learner";
import { compareTrees } from "../learning/tree-diff";
import { storeWriteError } from "../store/files";
import { VersionRegistry } from "../versions/registry";

/** Where the CLI writes; a test passes its own. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A command line that does not fit the usage: exit code 2, with the usage text. */
export class UsageError extends Error {}

/** One command's store, flags, remaining arguments and output. */
export interface Context {
  store: string;
  json: boolean;
  values: Record<string, string | boolean | undefined>;
  args: string[];
  out: CliOutput;
}

function validateModel(json: unknown): void {
  PatternLearner.fromJSON(json);
}

/** Opens the store's registry (read-only unless `write`) for `use`, refusing a directory that is no store. */
export async function withRegistry<T>(
  context: Context,
  write: boolean,
  use: (registry: VersionRegistry) => Promise<T>,
  create = false,
): Promise<T> {
  const options = { validateModel, readOnly: !write, autoPrune: false, ...retention(context) };
  storeMustExist(context);
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

/** StoreMissing when the store directory is not there. */
export function storeMustExist(context: Context): void {
  if (!existsSync(context.store))
    throw new PatternQualityError("store-missing", `there is no store directory ${context.store}`);
}

function retention(context: Context): { retention?: number } {
  const value = context.values.retention;
  return value === undefined ? {} : { retention: whole(value, "--retention", 1) };
}

/** A flag's whole number (≥ `min`), or a UsageError naming the flag. */
export function whole(value: unknown, flag: string, min = 0): number {
  const number = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || number < min) {
    throw new UsageError(`${flag} expects a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** The one argument a command takes (`what` names it in the UsageError). */
export function one(context: Context, what: string): string {
  if (context.args.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return context.args[0]!;
}

/** Prints `json` with --json, else `text`; returns exit code 0. */
export function print(context: Context, json: unknown, text: string): number {
  context.out.stdout(context.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  return 0;
}

/** Writes an export to the --out file (then says so, with `summary`), or to stdout without --out. */
export async function writeExport(context: Context, text: string, summary: Record<string, unknown>): Promise<number> {
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

/** A share as a percentage with one decimal ("-" when unknown). */
export function share(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)} %`;
}
