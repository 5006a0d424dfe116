import type { LogbookEntry } from "../../mining/home-data";

/**
 * The home's logbook as the recorder keeps it: entries sorted by time, each with its context id
 * (Home Assistant sends that only on described events, but `logbook/get_events` filters by it),
 * and the listeners a live `logbook/event_stream` registers.
 */

/** Which entries a query wants: a period (both ends exclusive, as HA's SQL is) and optional filters. */
export interface LogbookQuery {
  /** Epoch seconds. */
  start: number;
  end: number;
  entityIds?: ReadonlySet<string>;
  contextId?: string;
}

/** The logbook of the simulated home. */
export class HomeLogbook {
  private readonly entries: LogbookEntry[] = [];
  private readonly contextIds: string[] = [];
  private readonly listeners = new Set<(entry: LogbookEntry) => void>();

  /** Entries written so far. */
  get size(): number {
    return this.entries.length;
  }

  /** Loads a past (already sorted by time). */
  load(entries: readonly LogbookEntry[], contextIds: readonly string[]): void {
    for (let i = 0; i < entries.length; i++) this.insert(entries[i]!, contextIds[i] ?? "");
  }

  /** Writes an entry and tells the live streams. */
  append(entry: LogbookEntry, contextId: string): void {
    this.insert(entry, contextId);
    for (const listener of this.listeners) listener(entry);
  }

  /** The entries of a period, oldest first. */
  query(q: LogbookQuery): LogbookEntry[] {
    const result: LogbookEntry[] = [];
    for (let i = this.firstAfter(q.start); i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.when >= q.end) break;
      if (entry.when <= q.start) continue;
      if (q.entityIds !== undefined && !q.entityIds.has(entry.entity_id ?? "")) continue;
      if (q.contextId !== undefined && this.contextIds[i] !== q.contextId) continue;
      result.push(entry);
    }
    return result;
  }

  /** Calls `listener` with every entry appended from now on; returns the function that stops it. */
  listen(listener: (entry: LogbookEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private insert(entry: LogbookEntry, contextId: string): void {
    let i = this.entries.length;
    if (i === 0 || this.entries[i - 1]!.when <= entry.when) {
      this.entries.push(entry);
      this.contextIds.push(contextId);
      return;
    }
    // A row written "in the past" (a test moved the clock back) goes in its place.
    while (i > 0 && this.entries[i - 1]!.when > entry.when) i--;
    this.entries.splice(i, 0, entry);
    this.contextIds.splice(i, 0, contextId);
  }

  /** Index of the first entry at or after `when` (binary search). */
  private firstAfter(when: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.when < when) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
