import type { Alert, AlertType } from "./alerts";

/**
 * How long identical alerts are held back after one went out. A failing disk or a stream of bad
 * posts raises the same alert for every request (90 alerts were seen for 40 refused posts, and
 * two drift alerts within one second): a minute turns such a burst into two alerts, the first at
 * once and one that counts the rest.
 */
export const ALERT_WINDOW_MS = 60_000;

/** An alert as the gate lets it out: `repeats` counts the identical alerts it stands for. */
export type GatedAlert = Alert & { repeats?: number };

/**
 * The details that make two alerts of a type the same alert. A type not listed here is the
 * same alert when its message is the same.
 */
const KEY_DETAILS: Partial<Record<AlertType, readonly string[]>> = {
  "slow-update": ["budgetMs"],
  "accuracy-drop": ["version", "metric"],
  drift: ["version"],
  "guardrail-rejected": ["version"],
  "store-error": ["action", "code", "file", "kind"],
  "update-failed": ["mode", "code"],
  "feedback-parked": ["patternId"],
};

/** One key's window: alerts held back since the last one went out, and the latest of them. */
interface Window {
  timer: NodeJS.Timeout;
  held: number;
  latest: Alert;
}

/**
 * Coalesces identical alerts (same type and same key details) within a window: the first goes
 * out at once; identical ones within ALERT_WINDOW_MS are held back and counted, and when the
 * window ends the latest of them goes out once, with `repeats` and a message that says so (a
 * new window then starts, so a steady stream gives one alert per window). Its timers never
 * keep the process alive; `close()` lets out what is held and stops them.
 */
export class AlertGate {
  private readonly windows = new Map<string, Window>();
  private closed = false;

  constructor(
    private readonly send: (alert: GatedAlert) => void,
    private readonly windowMs = ALERT_WINDOW_MS,
  ) {}

  /** Sends the alert now, or holds it back when an identical one went out within the window. */
  offer(alert: Alert): void {
    if (this.closed) {
      this.send(alert);
      return;
    }
    const key = alertKey(alert);
    const window = this.windows.get(key);
    if (window) {
      window.held += 1;
      window.latest = alert;
      return;
    }
    this.open(key, alert);
    this.send(alert);
  }

  /** Sends what is held back and stops every timer; later alerts go out at once. */
  close(): void {
    this.closed = true;
    for (const [key, window] of [...this.windows]) {
      clearTimeout(window.timer);
      this.windows.delete(key);
      if (window.held > 0) this.send(repeated(window.latest, window.held, this.windowMs));
    }
  }

  private open(key: string, latest: Alert): void {
    const timer = setTimeout(() => this.windowEnded(key), this.windowMs);
    timer.unref();
    this.windows.set(key, { timer, held: 0, latest });
  }

  private windowEnded(key: string): void {
    const window = this.windows.get(key);
    if (!window) return;
    this.windows.delete(key);
    if (window.held === 0) return;
    this.open(key, window.latest);
    this.send(repeated(window.latest, window.held, this.windowMs));
  }
}

/** What makes alerts identical: their type and key details (or message), as one string. */
export function alertKey(alert: Alert): string {
  const names = KEY_DETAILS[alert.type];
  const parts = names ? names.map((name) => alert.details?.[name] ?? null) : [alert.message];
  return JSON.stringify([alert.type, ...parts]);
}

function repeated(alert: Alert, repeats: number, windowMs: number): GatedAlert {
  const times = repeats === 1 ? "once more" : `${repeats} more times`;
  return { ...alert, message: `${alert.message} (${times} within ${seconds(windowMs)})`, repeats };
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
