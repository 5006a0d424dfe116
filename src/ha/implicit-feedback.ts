import type { Feedback } from "../feedback/feedback";
import type { HaEvent, HaFeedbackRules } from "./feedback-events";

const DAY_MS = 24 * 60 * 60 * 1000;

interface WatchedAutomation {
  patternId: string;
  /** When we first knew it (creation, or its last change when we started watching). */
  since: number;
  on: boolean;
}

/**
 * Implicit feedback: an automation created from a pattern tells what the household thinks of it
 * by how long it survives. Removed or switched off within `days` → reject; kept on for `days`
 * → approve. One decision per pattern; its id is `implicit:<patternId>`, so the feedback log
 * stores it once even if a restart makes us reach it again.
 */
export class AutomationWatch {
  private readonly watched = new Map<string, WatchedAutomation>();
  private readonly decided = new Set<string>();
  private readonly matcher: RegExp;
  private readonly periodMs: number;

  constructor(
    rules: HaFeedbackRules["implicit"],
    private readonly clock: () => number = Date.now,
  ) {
    const [before, after] = rules.entityTemplate.split("{id}") as [string, string];
    this.matcher = new RegExp(`^${escapeRegExp(before)}(.+)${escapeRegExp(after)}$`);
    this.periodMs = rules.days * DAY_MS;
  }

  /** The pattern id an automation entity was created from, or null if it is not one of ours. */
  patternIdOf(entityId: unknown): string | null {
    if (typeof entityId !== "string") return null;
    return this.matcher.exec(entityId)?.[1] ?? null;
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
