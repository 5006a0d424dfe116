import { actionFor, isPassingState } from "./actions";
import { type Cause, CauseRules, isAutomated, isByHand } from "./cause";
import type { HomeRegistry, LogbookEntry } from "./home-data";
import { HomeIndex } from "./home-index";
import { LocalClock } from "./local-time";
import { type MiningOptions, resolveMiningOptions } from "./options";
import { proposePattern } from "./proposal";
import { settle, withIds } from "./settle";
import { ACTIVATED_DOMAINS, type ChangeRecord, changeKey, type ObservedWindow, pushTo } from "./records";
import type { MinedPattern, Routine } from "./routine";
import { findSequenceRoutines } from "./sequence";
import { findTimeOfDayRoutines } from "./time-of-day";

const DAY_MS = 86_400_000;

/** What the miner read and what it set aside, for the status and the CLI. */
export interface MiningStats {
  /** Logbook entries read (within the window or not), and those skipped as malformed. */
  entries: number;
  skipped: number;
  /** Entries that are events (automation_triggered, …), not state changes. */
  events: number;
  /** State changes in the window by who caused them. */
  byCause: Record<Cause, number>;
  /** Entities changing too often with nobody's hand on them (integration chatter), and their changes. */
  chatter: number;
  chatterChanges: number;
  /** Days from the first change in the window to now. */
  historyDays: number;
  /** Routines found but not suggested: already done by an automation or app, stopped, or on a removed entity. */
  alreadyAutomated: number;
  faded: number;
  removed: number;
}

/** Routines found, as routines and as pattern objects, and what was read. */
export interface MiningResult {
  routines: Routine[];
  patterns: MinedPattern[];
  stats: MiningStats;
  /** Why nothing could be suggested yet ("no routines yet: 3 days of history, …"), when so. */
  notice?: string;
}

/**
 * Finds a household's routines in Home Assistant's logbook. Learns entries one at a time (from a
 * day-by-day backfill and then the live stream; an entry seen twice counts once) and mines on
 * request: time-of-day routines and "B after A" sequences of what people did by hand, never what
 * automations, scripts or apps did (see CauseRules).
 */
export class RoutineMiner {
  private readonly records: ChangeRecord[] = [];
  /** Domain of each entity id seen, null for a malformed id: 150 entities, 100,000 entries. */
  private readonly domains = new Map<string, string | null>();
  private sorted = true;
  private entries = 0;
  private skipped = 0;
  private events = 0;
  private home: HomeRegistry;
  private clock: LocalClock;
  private rules: CauseRules;
  readonly options: MiningOptions;

  constructor(home: HomeRegistry, options: Record<string, unknown> = {}) {
    this.options = resolveMiningOptions(options);
    this.home = home;
    this.clock = new LocalClock(home.timeZone);
    this.rules = new CauseRules(home, this.options.excludePeople);
  }

  /** Takes newer registries and users (names, areas, who is a person); the entries stay. */
  updateHome(home: HomeRegistry): void {
    this.home = home;
    this.rules = new CauseRules(home, this.options.excludePeople);
    if (home.timeZone !== this.clock.timeZone) {
      this.clock = new LocalClock(home.timeZone);
      for (const r of this.records) {
        r.day = this.clock.day(r.ms);
        r.minute = this.clock.minuteOfDay(r.ms);
      }
    }
  }

  /** Learns one logbook entry; false when it was malformed (skipped and counted) or seen before. */
  learnEntry(raw: unknown): boolean {
    this.entries++;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return this.skip();
    const entry = raw as LogbookEntry;
    if (typeof entry.when !== "number" || !Number.isFinite(entry.when)) return this.skip();
    if (entry.state === undefined && entry.entity_id === undefined) {
      this.events++;
      return true;
    }
    const domain = typeof entry.entity_id === "string" ? this.domainOf(entry.entity_id) : null;
    if (domain === null) return this.skip();
    if (entry.state === undefined) {
      this.events++;
      return true;
    }
    if (typeof entry.state !== "string") return this.skip();
    if (isPassingState(entry.state)) return true;
    const ms = Math.round(entry.when * 1000);
    const entityId = entry.entity_id as string;
    const to = ACTIVATED_DOMAINS.has(domain) ? "activated" : entry.state;
    if (this.isDuplicate(ms, entityId, to)) return false;
    const last = this.records[this.records.length - 1];
    if (last !== undefined && last.ms > ms) this.sorted = false;
    this.records.push({
      ms,
      entityId,
      to,
      cause: this.rules.cause(entry, domain),
      key: changeKey(entityId, to),
      day: this.clock.day(ms),
      minute: this.clock.minuteOfDay(ms),
    });
    return true;
  }

  /** Learns entries in order. */
  learnEntries(entries: Iterable<unknown>): void {
    for (const entry of entries) this.learnEntry(entry);
  }

  /** Forgets changes before `ms` (older than the lookback): memory stays bounded on a long run. */
  forget(beforeMs: number): void {
    this.sort();
    let cut = 0;
    while (cut < this.records.length && this.records[cut]!.ms < beforeMs) cut++;
    this.records.splice(0, cut);
  }

  /** The latest change learnt (epoch ms), or undefined before any. */
  get latest(): number | undefined {
    this.sort();
    return this.records[this.records.length - 1]?.ms;
  }

  /**
   * Mines the routines of the lookback window ending at `now`. Patterns from an earlier run
   * (`known`) lend their ids to the same routines, so a centre drifting across the hour keeps its id.
   */
  mine(now: Date = new Date(), known: readonly MinedPattern[] = []): MiningResult {
    this.sort();
    const options = this.options;
    const nowMs = now.getTime();
    const startMs = nowMs - options.lookbackDays * DAY_MS;
    const inWindow = this.records.filter((r) => r.ms >= startMs && r.ms <= nowMs);
    const stats = this.emptyStats(inWindow);
    const historyStart = inWindow[0]?.ms ?? nowMs;
    // Rounded: 27.9 days of history read back over a 28-day window are 28 days.
    stats.historyDays = Math.round((nowMs - historyStart) / DAY_MS);
    if (stats.historyDays < options.minHistoryDays) {
      return {
        routines: [],
        patterns: [],
        stats,
        notice:
          `no routines yet: ${stats.historyDays} ${stats.historyDays === 1 ? "day" : "days"} of history, ` +
          `routines need at least ${options.minHistoryDays}`,
      };
    }
    const window: ObservedWindow = {
      firstDay: this.clock.day(historyStart),
      nowDay: this.clock.day(nowMs),
      nowMinute: this.clock.minuteOfDay(nowMs),
      startMs: historyStart,
      nowMs,
    };
    const chatter = this.chatterOf(inWindow, stats.historyDays);
    stats.chatter = chatter.size;
    stats.chatterChanges = inWindow.filter((r) => chatter.has(r.entityId)).length;
    const index = new HomeIndex(this.home);
    const excluded = new Set(options.excludeEntities);
    const included = new Set(options.includeEntities);
    const domains = new Set(options.domains);
    // Asked of every change three times over: worked out once per entity and state.
    const actionable = new Map<string, boolean>();
    const canAct = (r: ChangeRecord) => {
      let can = actionable.get(r.key);
      if (can === undefined) {
        const domain = r.entityId.slice(0, r.entityId.indexOf("."));
        can =
          domains.has(domain) &&
          !excluded.has(r.entityId) &&
          (included.size === 0 || included.has(r.entityId)) &&
          !chatter.has(r.entityId) &&
          actionFor(domain, r.to) !== undefined;
        actionable.set(r.key, can);
      }
      return can;
    };
    const isAction = (r: ChangeRecord) => isByHand(r.cause) && canAct(r);
    const isTrigger = (r: ChangeRecord) => isByHand(r.cause) && !excluded.has(r.entityId);
    const isAutomatedAction = (r: ChangeRecord) => isAutomated(r.cause) && canAct(r);

    const times = this.timeRoutines(inWindow, isAction, isAutomatedAction, window);
    const sequences = findSequenceRoutines(inWindow, isTrigger, isAction, isAutomatedAction, window, {
      minDays: options.minDays,
      sequenceWindowSeconds: options.sequenceWindowSeconds,
      minSequenceConfidence: options.minSequenceConfidence,
    });
    const routines = settle(times, sequences, stats);
    const kept = routines.filter((r) => {
      const entities = r.kind === "sequence" ? [r.trigger.entityId, r.action.entityId] : [r.change.entityId];
      if (entities.every((e) => index.exists(e))) return true;
      stats.removed++;
      return false;
    });
    kept.sort((a, b) => b.confidence - a.confidence);
    const patterns = withIds(kept, known, options.timeWindowMinutes / 2).map(([routine, id]) =>
      proposePattern(routine, id, index, nowMs),
    );
    return { routines: kept, patterns, stats };
  }

  private timeRoutines(
    records: readonly ChangeRecord[],
    isAction: (r: ChangeRecord) => boolean,
    isAutomatedAction: (r: ChangeRecord) => boolean,
    window: ObservedWindow,
  ) {
    const byHand = new Map<string, ChangeRecord[]>();
    const automated = new Map<string, ChangeRecord[]>();
    for (const r of records) {
      const into = isAction(r) ? byHand : isAutomatedAction(r) ? automated : undefined;
      if (into === undefined) continue;
      pushTo(into, r.key, r);
    }
    const settings = this.options;
    return [...byHand].flatMap(([key, list]) =>
      findTimeOfDayRoutines(list, automated.get(key) ?? [], window, settings),
    );
  }

  /** Entities changed more than `chatterPerDay` times a day on average, whoever changed them. */
  private chatterOf(records: readonly ChangeRecord[], historyDays: number): Set<string> {
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r.entityId, (counts.get(r.entityId) ?? 0) + 1);
    const limit = this.options.chatterPerDay * Math.max(historyDays, 1);
    return new Set([...counts].filter(([, n]) => n > limit).map(([entityId]) => entityId));
  }

  private emptyStats(inWindow: readonly ChangeRecord[]): MiningStats {
    const byCause: Record<Cause, number> = {
      person: 0,
      physical: 0,
      automation: 0,
      script: 0,
      system: 0,
      scene: 0,
      integration: 0,
    };
    for (const r of inWindow) byCause[r.cause]++;
    return {
      entries: this.entries,
      skipped: this.skipped,
      events: this.events,
      byCause,
      chatter: 0,
      chatterChanges: 0,
      historyDays: 0,
      alreadyAutomated: 0,
      faded: 0,
      removed: 0,
    };
  }

  private sort(): void {
    if (this.sorted) return;
    this.records.sort((a, b) => a.ms - b.ms);
    this.sorted = true;
  }

  private domainOf(entityId: string): string | null {
    let domain = this.domains.get(entityId);
    if (domain === undefined) {
      domain = /^[a-z0-9_]+\.[a-z0-9_]+$/.test(entityId) ? entityId.slice(0, entityId.indexOf(".")) : null;
      this.domains.set(entityId, domain);
    }
    return domain;
  }

  /**
   * True when this change is already learnt. Entries come in time order, so only a re-read
   * overlap (or a late entry) reaches back past the newest change: the scan stops at once.
   */
  private isDuplicate(ms: number, entityId: string, to: string): boolean {
    this.sort();
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.ms < ms) return false;
      if (r.ms === ms && r.entityId === entityId && r.to === to) return true;
    }
    return false;
  }

  private skip(): boolean {
    this.skipped++;
    return false;
  }
}

/** Mines a whole logbook at once (the CLI, tests, the benchmark). */
export function mineRoutines(
  entries: Iterable<unknown>,
  home: HomeRegistry,
  options: Record<string, unknown> = {},
  now: Date = new Date(),
): MiningResult {
  const miner = new RoutineMiner(home, options);
  miner.learnEntries(entries);
  return miner.mine(now);
}
