import type { HomeAssistantSimulator } from "../src/testing/ha-simulator/simulator";
import type { GeneratedHome } from "../src/testing/simulation/home-history";
import { draw } from "./household";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The state a change is put back to later in the day; routines to other states (scenes, heating modes) are left out. */
export const OPPOSITE: Record<string, string> = {
  on: "off",
  off: "on",
  open: "closed",
  closed: "open",
  locked: "unlocked",
  unlocked: "locked",
};

interface Planned {
  at: number;
  entityId: string;
  to: string;
}

/**
 * The household's days after the logbook's four weeks: it goes on living its routines (the
 * planted ones of the generated home) at their times on their days, at the wall switch; what an
 * automation already did it does not do again, and what it turned on it turns off an hour or
 * two later, so tomorrow's run changes something again. A sequence's trigger (a door, a motion
 * sensor) happens once a day at a time of its own, so an automation made from it has something
 * to follow. Deterministic for the seed, so a restarted day is lived the same way.
 */
export class DailyLife {
  private readonly queue: Planned[] = [];

  constructor(
    private readonly simulator: HomeAssistantSimulator,
    private readonly home: GeneratedHome,
    private readonly seed: number,
  ) {}

  /** Plans the UTC day that starts at `dayStart`, from `from` on. */
  planDay(dayStart: number, from: number): void {
    const weekday = new Date(dayStart).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const key = new Date(dayStart).toISOString().slice(0, 10);
    const plan = (at: number, entityId: string, to: string) => {
      if (at >= from) this.queue.push({ at, entityId, to });
    };
    for (const [i, routine] of this.home.planted.entries()) {
      if (draw(this.seed, "done", key, String(i)) > routine.probability) continue;
      const jitter = (draw(this.seed, "jitter", key, String(i)) - 0.5) * 2;
      if (routine.kind === "time_of_day") {
        if (routine.dayClass === "weekdays" && weekend) continue;
        if (routine.dayClass === "weekends" && !weekend) continue;
        const back = OPPOSITE[routine.change.to];
        if (back === undefined) continue;
        const at = dayStart + (routine.minute + jitter * routine.spreadMinutes) * MINUTE_MS;
        plan(at, routine.change.entityId, routine.change.to);
        plan(at + (60 + 60 * Math.abs(jitter)) * MINUTE_MS, routine.change.entityId, back);
      } else {
        const triggerBack = OPPOSITE[routine.trigger.to];
        const actionBack = OPPOSITE[routine.action.to];
        if (triggerBack === undefined || actionBack === undefined) continue;
        const at = dayStart + (7 * 60 + 14 * 60 * draw(this.seed, "when", key, String(i))) * MINUTE_MS;
        plan(at, routine.trigger.entityId, routine.trigger.to);
        plan(at + MINUTE_MS, routine.trigger.entityId, triggerBack);
        plan(at + routine.delaySeconds * 1000, routine.action.entityId, routine.action.to);
        plan(at + (75 + 45 * Math.abs(jitter)) * MINUTE_MS, routine.action.entityId, actionBack);
      }
    }
    this.queue.sort((a, b) => a.at - b.at);
  }

  /** Plans today from now (after a start) and every later day as the clock reaches it. */
  startAt(now: number): void {
    this.planDay(Math.floor(now / DAY_MS) * DAY_MS, now);
  }

  /** Does what was due by `now`; plans the next day when the clock crossed midnight. */
  live(before: number, now: number): void {
    if (Math.floor(now / DAY_MS) > Math.floor(before / DAY_MS)) this.planDay(Math.floor(now / DAY_MS) * DAY_MS, before);
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const next = this.queue.shift()!;
      const current = this.simulator.getState(next.entityId)?.state;
      // Already there (an automation did it, or it was never changed back): nothing to do by hand.
      if (current === undefined || current === next.to) continue;
      this.simulator.actAs({ by: "wall" }, next.entityId, next.to);
    }
  }
}
