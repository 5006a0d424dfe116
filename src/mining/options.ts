import { describeValue, InvalidInputError } from "../errors";
import { type Defaults, defaultsOf, MINING_SPEC, resolveSetting } from "../settings/spec";

/** The miner's settings, resolved: lists as lists. */
export interface MiningOptions
  extends Omit<Defaults<typeof MINING_SPEC>, "domains" | "includeEntities" | "excludeEntities" | "excludePeople"> {
  domains: string[];
  includeEntities: string[];
  excludeEntities: string[];
  excludePeople: string[];
}

const LIST_SETTINGS = ["domains", "includeEntities", "excludeEntities", "excludePeople"] as const;

/**
 * The miner's settings from what a flow, the CLI or a test gives: missing ones take their
 * defaults (MINING_SPEC), lists come as comma-separated text or arrays of text, anything else is
 * an InvalidInputError naming the setting.
 */
export function resolveMiningOptions(given: Record<string, unknown> = {}, field = "mining"): MiningOptions {
  const defaults = defaultsOf(MINING_SPEC);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(MINING_SPEC) as (keyof typeof MINING_SPEC)[]) {
    const value = given[key];
    if ((LIST_SETTINGS as readonly string[]).includes(key)) {
      out[key] = listOf(value ?? defaults[key], `${field}.${key}`);
    } else {
      out[key] = resolveSetting(MINING_SPEC[key], value, `${field}.${key}`);
    }
  }
  const options = out as unknown as MiningOptions;
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(options.dailyAt)) {
    throw new InvalidInputError(
      `${field}.dailyAt`,
      `expected a time like 03:00, got ${describeValue(options.dailyAt)}`,
    );
  }
  return options;
}

function listOf(value: unknown, field: string): string[] {
  const items = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== "string")) {
    throw new InvalidInputError(
      field,
      `expected a comma-separated list or an array of text, got ${describeValue(value)}`,
    );
  }
  return items.map((item: string) => item.trim()).filter((item) => item !== "");
}
