// What a dashboard shows of a model besides its present state: the alerts it raised (kept, with
// how often each came) and its recent accuracy over the feedback, with version switches and drifts
// marked. The model tells these only as events, so the feed keeps a bounded record of them; the
// model keeps it in its store (see feed-file.ts), so a restart starts where it left off.
import type { EventEmitter } from "node:events";
import { alertKey } from "./alert-gate";
import type { ActivationEvent } from "./activation";
import type { Alert } from "./alerts";
import type { ModelMetrics } from "./results";

/** One alert as the dashboard lists it: identical alerts (by the model's alert gate's key) merged. */
export interface FeedAlert {
  type: string;
  severity: string;
  /** The latest message (a coalesced one says how often it came within its window). */
  message: string;
  /** Times raised: an alert counts once, a coalesced one as the repeats it stands for. */
  count: number;
  firstAt: string;
  lastAt: string;
}

/** The model's recent (fading) accuracy after `samples` answered feedback. */
export interface AccuracyPoint {
  samples: number;
  accuracy: number;
}

/** A moment on the accuracy chart: the live version switched, or the drift detector fired. */
export interface AccuracyMark {
  samples: number;
  kind: "version" | "drift";
  /** The version switched to, or the version that was live at the drift. */
  label: string;
  at: string;
}

/** What the feed holds: alerts newest first, the chart oldest first (as drawn). */
export interface FeedView {
  /** Since when the feed follows the model: nothing before it is in the alerts or the chart. */
  since: string;
  alerts: FeedAlert[];
  accuracy: { points: AccuracyPoint[]; marks: AccuracyMark[] };
}

/** How much the feed keeps: enough for a phone's screen and a readable chart, bounded whatever runs. */
export const FEED_LIMITS = { alerts: 50, points: 400, marks: 60 } as const;

/**
 * Answers before the chart starts: over the first few the recent accuracy swings between 0 and
 * 100 % and would set the chart's scale for good.
 */
export const CHART_FROM_SAMPLES = 10;

/** The part of a PatternModel the feed follows. */
export interface FollowedModel extends Pick<EventEmitter, "on" | "off"> {
  metrics(): ModelMetrics;
}

type Listener = Parameters<EventEmitter["on"]>[1];

interface AlertEntry extends FeedAlert {
  key: string;
  /** The message it was first raised with: a coalesced repeat extends it. */
  firstMessage: string;
}

/** A feed as the store keeps it. */
export interface FeedJSON {
  format: "pattern-quality-feed";
  since: string;
  alerts: Array<FeedAlert & { key: string; firstMessage: string }>;
  points: AccuracyPoint[];
  marks: AccuracyMark[];
}

/** A bounded record of a model's alerts and accuracy, built from its events. */
export class DashboardFeed {
  private alerts: AlertEntry[] = [];
  private points: AccuracyPoint[] = [];
  private marks: AccuracyMark[] = [];
  private since: string;

  constructor(private readonly now: () => Date = () => new Date()) {
    this.since = now().toISOString();
  }

  /** A feed from what the store kept (see toJSON); a malformed one throws. */
  static fromJSON(json: unknown, now: () => Date = () => new Date()): DashboardFeed {
    const kept = json as Partial<FeedJSON> | null;
    const text = (v: unknown) => typeof v === "string";
    const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    const share = (v: unknown) => typeof v === "number" && v >= 0 && v <= 1;
    if (kept === null || typeof kept !== "object" || kept.format !== "pattern-quality-feed" || !text(kept.since)) {
      throw new Error("not a dashboard feed");
    }
    const alerts = Array.isArray(kept.alerts) ? kept.alerts : null;
    const points = Array.isArray(kept.points) ? kept.points : null;
    const marks = Array.isArray(kept.marks) ? kept.marks : null;
    const alertsOk = alerts?.every(
      (a) => [a.type, a.severity, a.message, a.firstAt, a.lastAt, a.key, a.firstMessage].every(text) && count(a.count),
    );
    const pointsOk = points?.every((p) => count(p.samples) && share(p.accuracy));
    const marksOk = marks?.every(
      (m) => count(m.samples) && (m.kind === "version" || m.kind === "drift") && text(m.label) && text(m.at),
    );
    if (!alertsOk || !pointsOk || !marksOk) throw new Error("its alerts, points or marks are malformed");
    const feed = new DashboardFeed(now);
    feed.since = kept.since as string;
    feed.alerts = (alerts as AlertEntry[]).slice(0, FEED_LIMITS.alerts).map((a) => ({ ...a }));
    feed.points = (points as AccuracyPoint[]).slice(-FEED_LIMITS.points).map((p) => ({ ...p }));
    feed.marks = (marks as AccuracyMark[]).slice(-FEED_LIMITS.marks).map((m) => ({ ...m }));
    return feed;
  }

  /** What the store keeps of the feed. */
  toJSON(): FeedJSON {
    return {
      format: "pattern-quality-feed",
      since: this.since,
      alerts: this.alerts.map((a) => ({ ...a })),
      points: this.points.map((p) => ({ ...p })),
      marks: this.marks.map((m) => ({ ...m })),
    };
  }

  /**
   * Follows a model's events ("alert", "activated", "metrics") from now on,
   * starting the chart at its present accuracy. Returns the function that stops following.
   */
  follow(model: FollowedModel): () => void {
    const samples = () => model.metrics().monitor.samples;
    const listeners: Record<string, Listener> = {
      alert: (alert: Alert & { repeats?: number }) => this.alert(alert, samples()),
      activated: (event: ActivationEvent) => this.activated(event, samples()),
      metrics: (metrics: ModelMetrics) => this.metrics(metrics),
    };
    for (const [event, listener] of Object.entries(listeners)) model.on(event, listener);
    this.metrics(model.metrics());
    return () => {
      for (const [event, listener] of Object.entries(listeners)) model.off(event, listener);
    };
  }

  /** Lists an alert, merging it into an identical one already listed (which moves to the top). */
  alert(alert: Alert & { repeats?: number }, samples: number): void {
    const at = this.now().toISOString();
    const key = alertKey(alert);
    // A coalesced alert of a type the gate tells apart by message says how often it came: its
    // message extends the one it repeats.
    const repeats = (entry: AlertEntry) => alert.repeats !== undefined && alert.message.startsWith(entry.firstMessage);
    const index = this.alerts.findIndex((entry) => entry.type === alert.type && (entry.key === key || repeats(entry)));
    // A coalesced alert stands for the identical ones the gate held back, itself the latest of them.
    const times = Number.isInteger(alert.repeats) && (alert.repeats as number) > 0 ? (alert.repeats as number) : 1;
    if (index >= 0) {
      const [entry] = this.alerts.splice(index, 1) as [AlertEntry];
      entry.count += times;
      Object.assign(entry, { message: alert.message, severity: alert.severity, lastAt: at });
      this.alerts.unshift(entry);
    } else {
      const { type, severity, message } = alert;
      this.alerts.unshift({
        type,
        severity,
        message,
        count: times,
        firstAt: at,
        lastAt: at,
        key,
        firstMessage: message,
      });
      this.alerts.length = Math.min(this.alerts.length, FEED_LIMITS.alerts);
    }
    if (alert.type === "drift") {
      const driftAt = typeof alert.details?.samples === "number" ? alert.details.samples : samples;
      const version = typeof alert.details?.version === "string" ? alert.details.version : "";
      this.mark({ samples: driftAt, kind: "drift", label: version, at });
    }
  }

  /** Marks a switch of the live version on the chart. */
  activated(event: ActivationEvent, samples: number): void {
    this.mark({ samples, kind: "version", label: event.to, at: this.now().toISOString() });
  }

  /** Adds a chart point when more feedback has been answered since the last one. */
  metrics(metrics: ModelMetrics): void {
    const { samples, fadingAccuracy } = metrics.monitor;
    if (!Number.isFinite(fadingAccuracy) || samples < CHART_FROM_SAMPLES) return;
    const last = this.points.at(-1);
    if (last && samples === last.samples) return;
    // Fewer samples than before: the model's figures started afresh (a damaged monitor file).
    if (last && samples < last.samples) this.points = [];
    this.points.push({ samples, accuracy: fadingAccuracy });
    if (this.points.length > FEED_LIMITS.points) {
      // Half the resolution over the whole span, the latest point kept: the chart keeps its start.
      this.points = this.points.filter((_, i, all) => i % 2 === 0 || i === all.length - 1);
    }
  }

  /** A copy of what the feed holds, ready to be sent as JSON. */
  view(): FeedView {
    return {
      since: this.since,
      alerts: this.alerts.map(({ key: _key, firstMessage: _first, ...alert }) => alert),
      accuracy: { points: this.points.map((p) => ({ ...p })), marks: this.marks.map((m) => ({ ...m })) },
    };
  }

  private mark(mark: AccuracyMark): void {
    this.marks.push(mark);
    if (this.marks.length > FEED_LIMITS.marks) this.marks.shift();
  }
}
