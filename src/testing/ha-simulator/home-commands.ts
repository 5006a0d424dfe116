import type { LogbookEntry } from "../../mining/home-data";
import { localToEpochMs } from "../simulation/local-time";
import { type Answer, type ClientConnection, type Command, ok, refuse } from "./answers";
import { isContinuous, type SimulatedHome } from "./home";

/**
 * The websocket commands that read the home: the registries, the users, and the logbook
 * (`logbook/get_events`, `logbook/event_stream`), answered as Home Assistant's
 * `components/config/*` and `components/logbook/websocket_api.py` answer them.
 */

/** The subscription type a live logbook stream is kept under (so `unsubscribe_events` ends it). */
export const LOGBOOK_STREAM = "logbook/event_stream";
/** Home Assistant coalesces a live stream's entries for this long. */
const COALESCE_MS = 350;
/** A query without an entity filter longer than this is sent in two parts, the last 24 hours first. */
const BIG_QUERY_HOURS = 25;
const RECENT_HOURS = 24;

const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i;

/** Answers the home's read commands; undefined for a command it does not handle. */
export class HomeCommands {
  /** Stops each live logbook stream, by connection and subscription id. */
  private readonly streams = new Map<ClientConnection, Map<number, () => void>>();

  constructor(
    private readonly home: SimulatedHome,
    private readonly send: (client: ClientConnection, message: unknown) => void,
  ) {}

  /** The answer to a home command, or undefined when the command is not one of them (or not loaded). */
  answer(client: ClientConnection, m: Command): Answer | undefined {
    const admin = client.user?.admin === true;
    switch (m.type) {
      case "config/area_registry/list":
        return ok(this.home.areas);
      case "config/device_registry/list":
        return ok(this.home.devices);
      case "config/entity_registry/list":
        return ok(this.home.entities);
      case "config/auth/list":
        return admin ? ok(this.users()) : refuse("unauthorized", "Unauthorized");
      case "logbook/get_events":
        return this.home.components.has("logbook") ? this.getEvents(m) : undefined;
      case LOGBOOK_STREAM:
        return this.home.components.has("logbook") ? this.eventStream(client, m) : undefined;
      default:
        return undefined;
    }
  }

  /** Ends a connection's live streams (all, or one subscription). */
  stop(client: ClientConnection, id?: number): void {
    const streams = this.streams.get(client);
    if (streams === undefined) return;
    for (const [streamId, stop] of streams) {
      if (id !== undefined && streamId !== id) continue;
      stop();
      streams.delete(streamId);
    }
    if (streams.size === 0) this.streams.delete(client);
  }

  /** The home's users, and the token users it does not know, in `config/auth/list`'s shape. */
  private users(): unknown[] {
    const known = new Set(this.home.users.map((u) => u.id));
    const others = [...this.home.tokens.values()]
      .filter((t) => !known.has(t.userId))
      .map((t) => ({
        id: t.userId,
        username: null,
        name: t.name,
        is_owner: false,
        is_admin: t.admin,
        is_active: true,
        local_only: false,
        system_generated: false,
        group_ids: [t.admin ? "system-admin" : "system-users"],
        credentials: [],
      }));
    return [...this.home.users, ...others];
  }

  private getEvents(m: Command): Answer {
    const invalid = checkFields(m, ["context_id"]);
    if (invalid !== undefined) return invalid;
    const now = this.home.clock.now();
    const start = this.parseTime(m.start_time as string);
    if (start === null) return refuse("invalid_start_time", "Invalid start_time");
    const end = m.end_time ? this.parseTime(m.end_time as string) : now;
    if (end === null) return refuse("invalid_end_time", "Invalid end_time");
    if (start > now) return ok([]);
    const filter = this.filter(m);
    if (filter === "none") return ok([]);
    const contextId = typeof m.context_id === "string" ? m.context_id : undefined;
    return ok(this.home.logbook.query({ start: start / 1000, end: end / 1000, entityIds: filter, contextId }));
  }

  private eventStream(client: ClientConnection, m: Command): Answer {
    const invalid = checkFields(m, []);
    if (invalid !== undefined) return invalid;
    const now = this.home.clock.now();
    const start = this.parseTime(m.start_time as string);
    if (start === null || start > now) return refuse("invalid_start_time", "Invalid start_time");
    const end = m.end_time ? this.parseTime(m.end_time as string) : undefined;
    if (end === null || (end !== undefined && end < start)) return refuse("invalid_end_time", "Invalid end_time");
    const filter = this.filter(m);
    const message = (event: Record<string, unknown>) => ({ id: m.id, type: "event", event });
    const later = (messages: Record<string, unknown>[]) =>
      queueMicrotask(() => {
        for (const event of messages) this.send(client, message(event));
      });
    if (filter === "none") {
      // Everything asked for is kept out of the logbook: one empty answer, and no subscription.
      later([{ events: [], start_time: start / 1000, end_time: (end ?? now) / 1000 }]);
      return ok(null);
    }
    client.subscriptions.set(m.id, LOGBOOK_STREAM);
    if (end !== undefined && end <= now) {
      later(this.history(start, end, filter, false));
      return ok(null);
    }
    const history = this.history(start, now, filter, true);
    const lastSent = history.flatMap((h) => h.events as LogbookEntry[]).reduce((t, e) => Math.max(t, e.when * 1000), 0);
    // After the first pass, HA asks again from the newest entry it sent to catch what the recorder had not written.
    history.push(...this.history(lastSent || start, now, filter, false));
    later(history);
    this.live(client, m.id, filter, end, message);
    return ok(null);
  }

  /** Delivers new entries in batches until unsubscribed, the connection closes, or `end` passes. */
  private live(
    client: ClientConnection,
    id: number,
    filter: ReadonlySet<string> | undefined,
    end: number | undefined,
    message: (event: Record<string, unknown>) => unknown,
  ): void {
    let pending: LogbookEntry[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const events = pending;
      pending = [];
      if (client.subscriptions.get(id) === LOGBOOK_STREAM && events.length > 0) this.send(client, message({ events }));
    };
    const unlisten = this.home.logbook.listen((entry) => {
      if (filter !== undefined && !filter.has(entry.entity_id ?? "")) return;
      pending.push(entry);
      timer ??= setTimeout(flush, COALESCE_MS);
    });
    // Node fires a timer longer than 2^31 - 1 ms at once: an end that far away never comes in a test's life.
    const wait = end === undefined ? Number.POSITIVE_INFINITY : Math.max(0, end - this.home.clock.now());
    const ending = wait < 2 ** 31 - 1 ? setTimeout(() => this.stop(client, id), wait) : undefined;
    const stop = () => {
      unlisten();
      clearTimeout(timer);
      clearTimeout(ending);
    };
    const streams = this.streams.get(client) ?? new Map<number, () => void>();
    this.streams.set(client, streams);
    streams.get(id)?.();
    streams.set(id, stop);
  }

  /** The history messages of a period: one, or for a big unfiltered query the last 24 hours first (partial). */
  private history(
    start: number,
    end: number,
    filter: ReadonlySet<string> | undefined,
    partial: boolean,
  ): Record<string, unknown>[] {
    const chunk = (from: number, to: number, isPartial: boolean): Record<string, unknown> | undefined => {
      const events = this.home.logbook.query({ start: from / 1000, end: to / 1000, entityIds: filter });
      // An empty partial chunk is not sent; the last one always is, so the client knows it was answered.
      if (events.length === 0 && isPartial) return undefined;
      return { events, start_time: from / 1000, end_time: to / 1000, ...(isPartial ? { partial: true } : {}) };
    };
    const big = filter === undefined && end - start > BIG_QUERY_HOURS * 3_600_000;
    const parts = big
      ? [chunk(end - RECENT_HOURS * 3_600_000, end, true), chunk(start, end - RECENT_HOURS * 3_600_000, partial)]
      : [chunk(start, end, partial)];
    return parts.filter((p): p is Record<string, unknown> => p !== undefined);
  }

  /**
   * The entities asked for (`entity_ids` without those kept out of the logbook, plus the
   * entities of `device_ids`); undefined for no filter, "none" when everything was filtered away.
   */
  private filter(m: Command): ReadonlySet<string> | undefined | "none" {
    const entityIds = (m.entity_ids as string[] | undefined) ?? [];
    const deviceIds = (m.device_ids as string[] | undefined) ?? [];
    if (entityIds.length === 0 && deviceIds.length === 0) return undefined;
    const kept = entityIds.filter((id) => !isContinuous(id, this.home.states.get(id)?.attributes ?? {}));
    if (kept.length === 0 && deviceIds.length === 0) return "none";
    const devices = new Set(deviceIds);
    const ofDevices = this.home.entities.filter((e) => e.device_id !== null && devices.has(e.device_id));
    return new Set([...kept, ...ofDevices.map((e) => e.entity_id)]);
  }

  /** Epoch ms of an ISO time as HA's parse_datetime reads it (a time without offset is in the home's zone), or null. */
  private parseTime(text: string): number | null {
    const m = ISO.exec(text.trim());
    if (m === null) return null;
    const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone] = m;
    const minute = Number(h) * 60 + Number(mi) + (Number(s) + Number(fraction || 0)) / 60;
    if (Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
    if (zone === undefined) {
      const day = { year: Number(y), month: Number(mo), day: Number(d), weekday: 0 };
      return localToEpochMs(day, minute, this.home.timeZone);
    }
    const digits = zone.replace(":", "");
    const offset =
      zone.toUpperCase() === "Z"
        ? 0
        : (digits[0] === "-" ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3)));
    return Date.UTC(Number(y), Number(mo) - 1, Number(d)) + (minute - offset) * 60_000;
  }
}

/** Home Assistant's schema check of the logbook commands' fields (voluptuous messages). */
function checkFields(m: Command, texts: string[]): Answer | undefined {
  if (m.start_time === undefined) return refuse("invalid_format", "required key not provided @ data['start_time']");
  for (const key of ["start_time", "end_time", ...texts]) {
    if (m[key] !== undefined && typeof m[key] !== "string")
      return refuse("invalid_format", `expected str for dictionary value @ data['${key}']`);
  }
  for (const key of ["entity_ids", "device_ids"]) {
    const value = m[key];
    if (value === undefined) continue;
    if (!Array.isArray(value)) return refuse("invalid_format", `expected list for dictionary value @ data['${key}']`);
    if (value.some((v) => typeof v !== "string"))
      return refuse(
        "invalid_format",
        `expected str @ data['${key}'][${value.findIndex((v) => typeof v !== "string")}]`,
      );
  }
  return undefined;
}
