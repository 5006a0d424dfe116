import type { AreaEntry, DeviceEntry, EntityEntry, HomeRegistry, HomeUser } from "../mining/home-data";
import type { HaCommand } from "./commands";
import { HomeAssistantError } from "./errors";

/** What reads from Home Assistant: the connection (`HomeAssistantConnection.command`). */
export interface CommandSender {
  command(message: HaCommand, what?: string): Promise<unknown>;
}

/** The home as read, and what could not be read (said in the status and the log, never thrown). */
export interface HomeReading {
  home: HomeRegistry;
  problems: string[];
}

/**
 * How much logbook one request asks for. Home Assistant splits longer queries without an entity
 * filter, so a backfill asks for at most a day at a time; two hours keep each answer (~25 KB,
 * ~300 entries in a 150-entity home) quick to parse on Node-RED's event loop: measured in
 * Node-RED at load 1, the lag's p99 while backfilling 28 days was 6.5–7.3 ms with two hours,
 * 6.6–9.9 ms with six, 76 ms with a day (and each frame parsed twice).
 */
const PERIOD_MS = 2 * 3_600_000;

/**
 * Reads what the miner needs besides the logbook: the connection's own user (its actions are
 * never a person's), every user when allowed (to tell system users such as the Supervisor),
 * the time zone, names and device classes from the states, and the three registries. A part
 * Home Assistant refuses (a non-admin token) is left empty and named in `problems`; mining
 * goes on with what could be read.
 */
export async function readHome(ha: CommandSender): Promise<HomeReading> {
  const problems: string[] = [];
  const optional = async <T>(message: HaCommand, what: string, check: (x: unknown) => x is T): Promise<T | null> => {
    try {
      const answer = await ha.command(message, what);
      if (check(answer)) return answer;
      problems.push(`Home Assistant answered ${what} with something unexpected; it was left out.`);
    } catch (error) {
      problems.push(refusal(error, what));
    }
    return null;
  };
  const user = await optional({ type: "auth/current_user" }, "auth/current_user", isUser);
  const config = await optional({ type: "get_config" }, "get_config", isRecordLike);
  const states = await optional({ type: "get_states" }, "get_states", isList);
  const areas = await optional({ type: "config/area_registry/list" }, "the area registry", isList);
  const devices = await optional({ type: "config/device_registry/list" }, "the device registry", isList);
  const entities = await optional({ type: "config/entity_registry/list" }, "the entity registry", isList);
  const users = await optional({ type: "config/auth/list" }, "the list of users", isList);
  const names: Record<string, string> = {};
  const deviceClasses: Record<string, string> = {};
  for (const state of states ?? []) {
    if (!isRecordLike(state) || typeof state.entity_id !== "string") continue;
    const attributes = isRecordLike(state.attributes) ? state.attributes : {};
    if (typeof attributes.friendly_name === "string") names[state.entity_id] = attributes.friendly_name;
    if (typeof attributes.device_class === "string") deviceClasses[state.entity_id] = attributes.device_class;
  }
  const timeZone = typeof config?.time_zone === "string" ? config.time_zone : "UTC";
  return {
    home: {
      areas: (areas ?? []).filter((a): a is AreaEntry => isRecordLike(a) && typeof a.area_id === "string"),
      devices: (devices ?? []).filter((d): d is DeviceEntry => isRecordLike(d) && typeof d.id === "string"),
      entities: (entities ?? []).filter((e): e is EntityEntry => isRecordLike(e) && typeof e.entity_id === "string"),
      names,
      deviceClasses,
      ownUserId: user?.id ?? null,
      users: users === null ? null : users.filter(isUser),
      timeZone,
    },
    problems,
  };
}

/**
 * Reads the logbook from `from` to `to` two hours at a time (PERIOD_MS), handing each
 * period's entries to `learn` before asking for the next; `days` counts the days covered. Throws a HomeAssistantError when
 * Home Assistant has no logbook (`ha-no-logbook`-style message, haCode `unknown_command`) or
 * refuses; entries are not checked here (the miner skips and counts malformed ones).
 */
export async function readLogbook(
  ha: CommandSender,
  from: Date,
  to: Date,
  learn: (entries: unknown[]) => void | Promise<void>,
): Promise<{ days: number; entries: number }> {
  let entries = 0;
  for (let start = from.getTime(); start < to.getTime(); start += PERIOD_MS) {
    const end = Math.min(start + PERIOD_MS, to.getTime());
    const message = {
      type: "logbook/get_events",
      start_time: new Date(start).toISOString(),
      end_time: new Date(end).toISOString(),
    };
    let answer: unknown;
    try {
      answer = await ha.command(message, "logbook/get_events");
    } catch (error) {
      throw noLogbook(error) ?? error;
    }
    if (!Array.isArray(answer)) {
      throw new HomeAssistantError(
        "ha-command-failed",
        "Home Assistant answered logbook/get_events with something other than a list of entries.",
      );
    }
    entries += answer.length;
    await learn(answer);
  }
  return { days: Math.ceil((to.getTime() - from.getTime()) / 86_400_000), entries };
}

/** The clear error for a Home Assistant without the logbook (or the recorder it reads). */
function noLogbook(error: unknown): HomeAssistantError | undefined {
  if (!(error instanceof HomeAssistantError) || error.haCode !== "unknown_command") return undefined;
  return new HomeAssistantError(
    "ha-command-failed",
    "Home Assistant has no logbook: routines are mined from it. Enable the logbook and recorder " +
      "integrations (both are part of default_config) and restart Home Assistant.",
    { haCode: "unknown_command" },
  );
}

function refusal(error: unknown, what: string): string {
  if (error instanceof HomeAssistantError && error.code === "ha-unauthorized") {
    return `Home Assistant refused ${what} (the token's user is not an admin); mining goes on without it.`;
  }
  return `Could not read ${what}: ${error instanceof Error ? error.message : String(error)}`;
}

function isRecordLike(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isList(x: unknown): x is unknown[] {
  return Array.isArray(x);
}

function isUser(x: unknown): x is HomeUser {
  return isRecordLike(x) && typeof x.id === "string" && typeof x.name === "string";
}
