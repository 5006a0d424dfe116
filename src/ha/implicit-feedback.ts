import type { Feedback } from "../feedback/feedback";
import type { HaContext, HaEvent, HaFeedbackRules } from "./feedback-events";

const DAY_MS = 24 * 60 * 60 * 1000;
/** How soon after an automation's change a person's opposite change undoes it (default). */
export const UNDO_WINDOW_MS = 10 * 60_000;
/** Runs remembered to recognise their changes: a few hundred cover minutes of a busy home. */
const RUNS_KEPT = 500;

/** The last change a watched automation's run made to an entity. */
interface RunChange {
  patternId: string;
  state: string;
  at: number;
}

interface WatchedAutomation {
  patternId: string;
  /** When we first knew it (creation, or its last change when we started watching). */
  since: number;
  on: boolean;
}

/**
 * Implicit feedback: an automation created from a pattern tells what the household thinks of it
 * by how long it survives. Removed or switched off within `days` → reject; kept on for `days`
 * → approve; what one of its runs changed, changed back by a person (a user id) or by hand at
 * the device (a context with no user and no parent: a wall switch) within the undo window →
 * reject. Automations are ours by the entity template, or by `track` (the automation's entity,
 * found in the entity registry by the unique id it was created with). One decision per pattern;
 * its id is `implicit:<patternId>`, so the feedback log stores it once even if a restart makes
 * us reach it again.
 */
export class AutomationWatch {
  private readonly watched = new Map<string, WatchedAutomation>();
  private readonly decided = new Set<string>();
  private readonly matcher: RegExp;
  private readonly periodMs: number;
  private readonly undoMs: number;
  /** Automation entity → pattern id, for automations known by their unique id rather than the template. */
  private readonly tracked = new Map<string, string>();
  /** Context id of a recent run of a watched automation → its pattern id. */
  private readonly runs = new Map<string, string>();
  /** Entity → the last change a watched automation's run made to it. */
  private readonly runChanges = new Map<string, RunChange>();

  constructor(
    rules: HaFeedbackRules["implicit"],
    private readonly clock: () => number = Date.now,
    options: { undoMs?: number } = {},
  ) {
    const [before, after] = rules.entityTemplate.split("{id}") as [string, string];
    this.matcher = new RegExp(`^${escapeRegExp(before)}(.+)${escapeRegExp(after)}$`);
    this.periodMs = rules.days * DAY_MS;
    this.undoMs = options.undoMs ?? UNDO_WINDOW_MS;
  }

  /** The pattern id an automation entity was created from, or null if it is not one of ours. */
  patternIdOf(entityId: unknown): string | null {
    if (typeof entityId !== "string") return null;
    return this.tracked.get(entityId) ?? this.matcher.exec(entityId)?.[1] ?? null;
  }

  /**
   * Watches an automation created from a pattern, known by its entity (found in the entity
   * registry by its unique id), from `since` (its creation) on.
   */
  track(entityId: string, patternId: string, since: number = this.clock()): void {
    this.tracked.set(entityId, patternId);
    if (!this.decided.has(patternId) && !this.watched.has(entityId))
      this.watched.set(entityId, { patternId, since, on: true });
  }

  /** How many automations are watched (decided ones excluded). */
  get size(): number {
    return this.watched.size;
  }

  /** Starts watching the automations that exist now, from their current states. */
  seed(states: readonly { entity_id: string; state: string; last_changed?: string }[]): void {
    for (const state of states) {
      const patternId = this.patternIdOf(state.entity_id);
      if (patternId === null || this.decided.has(patternId) || this.watched.has(state.entity_id)) continue;
      const changed = state.last_changed === undefined ? Number.NaN : Date.parse(state.last_changed);
      this.watched.set(state.entity_id, {
        patternId,
        since: Number.isFinite(changed) ? changed : this.clock(),
        on: state.state === "on",
      });
    }
  }

  /** Reads one `state_changed` or `entity_registry_updated` event; a reject when it is one. */
  observe(event: HaEvent): Feedback | null {
    const entityId = event.data.entity_id;
    const patternId = this.patternIdOf(entityId);
    if (event.event_type === "automation_triggered") {
      if (patternId !== null && !this.decided.has(patternId) && typeof event.context?.id === "string") {
        this.runs.set(event.context.id, patternId);
        if (this.runs.size > RUNS_KEPT) this.runs.delete(this.runs.keys().next().value!);
      }
      return null;
    }
    if (patternId === null && event.event_type === "state_changed") return this.undone(event);
    if (patternId === null || this.decided.has(patternId)) return null;
    const id = entityId as string;
    const now = this.clock();
    const known = this.watched.get(id);
    if (event.event_type === "entity_registry_updated") {
      if (event.data.action === "create") {
        this.watched.set(id, { patternId, since: now, on: true });
        return null;
      }
      if (event.data.action === "remove" && known !== undefined) return this.reject(id, known, event, now);
      return null;
    }
    const next = event.data.new_state as { state?: unknown } | null | undefined;
    // Removal shows up as entity_registry_updated as well; that one decides.
    if (next === null || next === undefined || typeof next !== "object") return null;
    if (known === undefined) {
      this.watched.set(id, { patternId, since: now, on: next.state === "on" });
      return null;
    }
    if (next.state === "off" && known.on) return this.reject(id, known, event, now);
    known.on = next.state === "on";
    return null;
  }

  /** A change to an entity a watched automation's run changed: the run's own, or a person undoing it. */
  private undone(event: HaEvent): Feedback | null {
    const entityId = event.data.entity_id;
    const next = event.data.new_state as { state?: unknown } | null | undefined;
    if (typeof entityId !== "string" || typeof next?.state !== "string") return null;
    const fired = typeof event.time_fired === "string" ? Date.parse(event.time_fired) : Number.NaN;
    const at = Number.isFinite(fired) ? fired : this.clock();
    const context: Partial<HaContext> = event.context ?? {};
    const run = typeof context.id === "string" ? this.runs.get(context.id) : undefined;
    if (run !== undefined) {
      this.runChanges.set(entityId, { patternId: run, state: next.state, at });
      return null;
    }
    const last = this.runChanges.get(entityId);
    if (last === undefined || next.state === last.state) return null;
    this.runChanges.delete(entityId);
    const user = typeof context.user_id === "string" && context.user_id !== "" ? context.user_id : null;
    // A wall switch: a context of its own, started by nobody and by nothing.
    const byHand = user !== null || context.parent_id === null || context.parent_id === undefined;
    if (!byHand || at - last.at > this.undoMs || this.decided.has(last.patternId)) return null;
    for (const [id, automation] of this.watched) if (automation.patternId === last.patternId) this.watched.delete(id);
    this.decided.add(last.patternId);
    const feedback = decision(last.patternId, 0, at);
    if (user !== null) feedback.user = user;
    return feedback;
  }

  /** Approvals for automations kept on for the whole period; call now and then. */
  due(): Feedback[] {
    const now = this.clock();
    const approvals: Feedback[] = [];
    for (const [entityId, automation] of this.watched) {
      if (!automation.on || now - automation.since < this.periodMs) continue;
      this.watched.delete(entityId);
      this.decided.add(automation.patternId);
      approvals.push(decision(automation.patternId, 1, now));
    }
    return approvals;
  }

  private reject(entityId: string, automation: WatchedAutomation, event: HaEvent, now: number): Feedback | null {
    this.watched.delete(entityId);
    // Switched off or removed after the period: it had already earned its approval.
    if (now - automation.since >= this.periodMs) {
      this.decided.add(automation.patternId);
      return decision(automation.patternId, 1, now);
    }
    this.decided.add(automation.patternId);
    const feedback = decision(automation.patternId, 0, now);
    const user = event.context?.user_id;
    if (typeof user === "string" && user !== "") feedback.user = user;
    return feedback;
  }
}

function decision(patternId: string, label: 0 | 1, now: number): Feedback {
  return {
    id: `implicit:${patternId}`,
    patternId,
    label,
    source: "ha:implicit",
    receivedAt: new Date(now).toISOString(),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
