import type { LogbookEntry } from "../../mining/home-data";
import type { SeededRandom } from "./random";

/**
 * Writes a simulated past in Home Assistant's logbook shape (FACTS.md, "Who caused a change"):
 * who did something decides which `context_*` keys its rows carry. Rows are collected in any
 * order, then sorted; a state row that changes nothing is dropped, as Home Assistant never logs
 * one (it is not a state change).
 */

/** How a person did something: the app or UI, a voice assistant through HA Cloud, or a wall switch. */
export type Via = "app" | "voice" | "wall";

/** A logbook row being written, with the context it belongs to (HA sends that only on described events). */
export interface WrittenRow {
  entry: LogbookEntry;
  contextId: string;
  /** False once `finish` found it changed nothing. */
  kept: boolean;
  order: number;
  /** The row this one followed (a sequence's trigger): it counts only if that one was kept too. */
  after?: WrittenRow;
}

/** The past, finished: entries sorted by time and each entry's context id, and the states they leave. */
export interface FinishedLogbook {
  logbook: LogbookEntry[];
  contextIds: string[];
  /** The last state row of each entity. */
  last: Map<string, WrittenRow>;
}

const NO_KEYS: Partial<LogbookEntry> = Object.freeze({});
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PAIRS = Array.from({ length: 1024 }, (_, i) => BASE32[i >> 5]! + BASE32[i & 31]!);

/** Rounds epoch seconds to microseconds, as Home Assistant's timestamps are. */
export function micro(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/** Collects the rows of a simulated past. */
export class LogbookWriter {
  private readonly rows: WrittenRow[] = [];

  constructor(
    private readonly rng: SeededRandom,
    private readonly ids: { cloud: string },
  ) {}

  /** Rows written so far. */
  get size(): number {
    return this.rows.length;
  }

  /** A context id in Home Assistant's shape (a ULID: time, then randomness), from the seeded generator. */
  newContext(when: number): string {
    // Two base-32 characters per lookup: this runs for every row (~100,000), so it stays cheap.
    let ms = Math.floor(when * 1000);
    let time = "";
    for (let i = 0; i < 5; i++) {
      time = PAIRS[ms % 1024]! + time;
      ms = Math.floor(ms / 1024);
    }
    const a = this.rng.nextUint32();
    const b = this.rng.nextUint32();
    return (
      time +
      PAIRS[a & 1023]! +
      PAIRS[(a >>> 10) & 1023]! +
      PAIRS[(a >>> 20) & 1023]! +
      PAIRS[b & 1023]! +
      PAIRS[(b >>> 10) & 1023]! +
      PAIRS[(b >>> 20) & 1023]! +
      PAIRS[(a >>> 30) | ((b >>> 30) << 2)]! +
      PAIRS[(a ^ b) & 1023]!
    );
  }

  /** A state row with these context keys. */
  state(
    when: number,
    entityId: string,
    state: string,
    contextId: string,
    keys: Partial<LogbookEntry> = {},
  ): WrittenRow {
    // Chatter (no keys) is most rows: a plain literal spares the spread.
    const entry: LogbookEntry =
      keys === NO_KEYS
        ? { when: micro(when), state, entity_id: entityId }
        : { when: micro(when), state, entity_id: entityId, ...keys };
    const row = { entry, contextId, kept: true, order: 0 };
    row.order = this.rows.push(row);
    return row;
  }

  /** A change made by a person: at a wall switch (no keys), in the app, or by voice (HA Cloud's user). */
  byPerson(when: number, entityId: string, state: string, via: Via, userId: string, service: string): WrittenRow {
    if (via === "wall") return this.state(when, entityId, state, this.newContext(when));
    return this.byUser(when, entityId, state, via === "voice" ? this.ids.cloud : userId, service);
  }

  /** A change through a service call by this user (a person, HA Cloud, or the Supervisor for an app). */
  byUser(when: number, entityId: string, state: string, userId: string, service: string): WrittenRow {
    return this.state(when, entityId, state, this.newContext(when), callService(userId, entityId, service));
  }

  /**
   * A scene turned on by a person: the scene's row (its state is the time) with the person's keys,
   * and the entities it changed a moment later in the same context (`context_domain: "scene"`).
   */
  scene(when: number, sceneId: string, changes: [string, string][], via: Via, userId: string): WrittenRow {
    const contextId = this.newContext(when);
    const keys = via === "wall" ? {} : callService(via === "voice" ? this.ids.cloud : userId, sceneId, "turn_on");
    const sceneState = new Date(micro(when) * 1000).toISOString();
    const row = this.state(when, sceneId, sceneState, contextId, keys);
    // From a button (no service call), the scene's own row starts the context, and Home Assistant
    // describes the rows after it by that first row: its entity and state.
    const effectKeys: Partial<LogbookEntry> =
      via === "wall" ? { context_entity_id: sceneId, context_state: sceneState } : keys;
    for (const [entityId, state] of changes) this.state(when + 0.05, entityId, state, contextId, effectKeys);
    return row;
  }

  /**
   * An automation's run: its `automation_triggered` row (with its trigger's context keys, if a
   * state change triggered it), then the state rows it caused, carrying the automation's keys.
   */
  automation(
    when: number,
    automation: { entityId: string; alias: string },
    trigger: { entityId: string; state: string } | null,
    changes: [string, string][],
  ): void {
    const source = trigger === null ? "time" : `state of ${trigger.entityId}`;
    const message = `triggered by ${source}`;
    const contextId = this.newContext(when);
    const parentKeys: Partial<LogbookEntry> =
      trigger === null ? {} : { context_entity_id: trigger.entityId, context_state: trigger.state };
    this.described(
      when,
      { name: automation.alias, message, source, entity_id: automation.entityId, domain: "automation" },
      contextId,
      parentKeys,
    );
    const keys = {
      context_event_type: "automation_triggered",
      context_domain: "automation",
      context_entity_id: automation.entityId,
      context_name: automation.alias,
      context_message: message,
      context_source: source,
    };
    for (const [i, [entityId, state]] of changes.entries())
      this.state(when + 0.02 * (i + 1), entityId, state, contextId, keys);
  }

  /** A script's run with a context of its own: `script_started`, then its changes with the script's keys. */
  script(when: number, script: { entityId: string; alias: string }, changes: [string, string][]): void {
    const contextId = this.newContext(when);
    this.described(
      when,
      { name: script.alias, message: "started", entity_id: script.entityId, domain: "script" },
      contextId,
    );
    const keys = {
      context_event_type: "script_started",
      context_domain: "script",
      context_entity_id: script.entityId,
      context_name: script.alias,
      context_message: "started",
    };
    for (const [i, [entityId, state]] of changes.entries())
      this.state(when + 0.02 * (i + 1), entityId, state, contextId, keys);
  }

  /** A described event (`automation_triggered`, `script_started`): it carries its own context id. */
  private described(
    when: number,
    fields: Partial<LogbookEntry>,
    contextId: string,
    keys: Partial<LogbookEntry> = {},
  ): void {
    const row = {
      entry: { when: micro(when), ...fields, context_id: contextId, ...keys },
      contextId,
      kept: true,
      order: 0,
    };
    row.order = this.rows.push(row);
  }

  /** Sorts the rows, drops state rows that change nothing, and gives the states the past ends in. */
  finish(initial: Map<string, string>, end: number): FinishedLogbook {
    const rows = this.rows.every((r) => r.entry.when <= end) ? this.rows : this.rows.filter((r) => r.entry.when <= end);
    rows.sort((a, b) => a.entry.when - b.entry.when || a.order - b.order);
    const current = new Map(initial);
    const last: FinishedLogbook["last"] = new Map();
    const logbook: LogbookEntry[] = [];
    const contextIds: string[] = [];
    for (const row of rows) {
      const { entity_id: entityId, state, domain } = row.entry;
      if (domain === undefined && entityId !== undefined && state !== undefined) {
        if (current.get(entityId) === state) {
          row.kept = false;
          continue;
        }
        current.set(entityId, state);
        last.set(entityId, row);
      }
      logbook.push(row.entry);
      contextIds.push(row.contextId);
    }
    for (const row of this.rows) if (row.entry.when > end) row.kept = false;
    return { logbook, contextIds, last };
  }
}

/** The keys of a change a service call made: the caller's user id and the call's domain and service. */
function callService(userId: string, entityId: string, service: string): Partial<LogbookEntry> {
  return {
    context_user_id: userId,
    context_event_type: "call_service",
    context_domain: entityId.split(".")[0]!,
    context_service: service,
  };
}
