import { describeValue, InvalidInputError } from "../errors";
import { checkNumber, checkText, MAX_ID_LENGTH } from "../validate";
import { defaultHaFeedbackRules } from "./feedback-events";
import type { HomeAssistantConnection } from "./connection";

/** Where alerts and questions go, and the answer buttons' prefixes. */
export interface HouseholdNotifierOptions {
  /** Alerts as persistent notifications in Home Assistant's sidebar (default true). */
  persistentNotifications?: boolean;
  /** Also send alerts through this notify service, e.g. "notify.family" or "family". */
  notifyService?: string | null;
  /** Ask questions on this phone: "notify.mobile_app_<device>" or "mobile_app_<device>". */
  questionService?: string | null;
  /** Must match the feedback source's rules so that answers come back as feedback. */
  approvePrefix?: string;
  rejectPrefix?: string;
  /** With a snooze prefix, questions in words get a third button, "Not now" (e.g. PATTERN_SNOOZE_). */
  snoozePrefix?: string | null;
  /** Title of alerts and questions (default "Pattern quality"). */
  title?: string;
  /** At most one alert notification per type in this time (default ALERT_NOTIFICATION_INTERVAL_MS; 0: no limit). */
  minIntervalMs?: number;
}

/**
 * The shortest time between two notifications of one alert type. Each one may buzz a phone;
 * the alerts themselves already come coalesced (identical ones counted), so what still arrives
 * within these minutes is folded into one notification that says how many it stands for.
 */
export const ALERT_NOTIFICATION_INTERVAL_MS = 5 * 60_000;

/** Something the household should know: a drift, a failed update, an accuracy drop. */
export interface HouseholdAlert {
  /** One notification per type: a repeat replaces the previous one instead of piling up. */
  type: string;
  message: string;
  title?: string;
}

/** A pattern the model is unsure about, put to the household as Approve/Reject buttons. */
export interface PatternQuestion {
  patternId: string;
  /** What the suggested automation does, in words (default: its id). */
  description?: string;
  title?: string;
  /**
   * The suggestion as a question ("Turn on Kitchen light at about 06:45 on weekdays"): the
   * notification then reads it with a question mark, the evidence below, and Approve / Reject
   * (/ Not now, with a snooze prefix).
   */
  question?: string;
  /** What the question rests on: "done by hand on 17 of 20 weekdays, last 2 days ago". */
  evidence?: string;
}

/** The notification id an alert type gets in Home Assistant. */
export function alertNotificationId(type: string): string {
  return `pattern_quality_${type
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "")}`;
}

/** The alert of a type waiting for its interval to end, and who waits for its answer. */
interface HeldAlert {
  message: string;
  title: string;
  /** Alerts of the type that arrived while it waited, this one included. */
  count: number;
  timer: NodeJS.Timeout;
  settle: (calls: Promise<string[]>) => void;
}

/**
 * Alerts and questions to the household through Home Assistant services. Alerts of one type
 * are rate-limited (minIntervalMs): the first is shown at once, later ones within the interval
 * wait, and only the latest is shown when the interval is up. Answers to questions come back
 * as `mobile_app_notification_action` events, which the feedback source turns into feedback.
 */
export class HouseholdNotifier {
  private readonly persistent: boolean;
  private readonly notifyService: string | null;
  private readonly questionService: string | null;
  private readonly approvePrefix: string;
  private readonly rejectPrefix: string;
  private readonly snoozePrefix: string | null;
  private readonly title: string;
  private readonly minIntervalMs: number;
  /** When each alert type was last shown (a Map: the type is the caller's text). */
  private readonly lastShown = new Map<string, number>();
  private readonly held = new Map<string, HeldAlert>();
  private closed = false;

  constructor(
    private readonly connection: Pick<HomeAssistantConnection, "callService">,
    options: HouseholdNotifierOptions = {},
  ) {
    this.persistent = options.persistentNotifications ?? true;
    this.notifyService = notifyName(options.notifyService, "notifyService");
    this.questionService = notifyName(options.questionService, "questionService");
    this.approvePrefix = options.approvePrefix ?? defaultHaFeedbackRules.notificationAction.approvePrefix;
    this.rejectPrefix = options.rejectPrefix ?? defaultHaFeedbackRules.notificationAction.rejectPrefix;
    this.snoozePrefix = options.snoozePrefix || null;
    this.title = options.title ?? "Pattern quality";
    this.minIntervalMs = checkNumber(options.minIntervalMs ?? ALERT_NOTIFICATION_INTERVAL_MS, "minIntervalMs", {
      min: 0,
    });
  }

  /** Whether questions can be asked (a question service is configured). */
  get canAsk(): boolean {
    return this.questionService !== null;
  }

  /**
   * Shows an alert; resolves to the services called. Repeats of a type update one notification.
   * Within the interval after one of its type was shown, it waits for the interval to end and
   * resolves then; it resolves to [] when a later alert of its type replaced it, or on close.
   */
  async alert(alert: HouseholdAlert): Promise<string[]> {
    const type = checkText(alert?.type, "alert.type");
    // Shown, not stored: an alert quoting a long error message must still reach the household.
    const message = checkText(alert.message, "alert.message", Number.POSITIVE_INFINITY);
    const title = alert.title ?? this.title;
    if (this.closed) return [];
    const waiting = this.held.get(type);
    if (waiting) {
      // This one replaces the alert waiting: that one will never be shown.
      waiting.settle(Promise.resolve([]));
      waiting.message = message;
      waiting.title = title;
      waiting.count += 1;
      return new Promise((resolve) => {
        waiting.settle = resolve;
      });
    }
    const since = Date.now() - (this.lastShown.get(type) ?? Number.NEGATIVE_INFINITY);
    if (since < this.minIntervalMs) return this.hold(type, message, title, this.minIntervalMs - since);
    return this.show(type, message, title);
  }

  /** Drops the alerts waiting for their interval (they resolve to []) and stops their timers. */
  close(): void {
    this.closed = true;
    for (const waiting of this.held.values()) {
      clearTimeout(waiting.timer);
      waiting.settle(Promise.resolve([]));
    }
    this.held.clear();
  }

  private hold(type: string, message: string, title: string, delayMs: number): Promise<string[]> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const waiting = this.held.get(type) as HeldAlert;
        this.held.delete(type);
        const others = waiting.count - 1;
        const text =
          others === 0
            ? waiting.message
            : `${waiting.message} (and ${others} more ${type} alerts within ${duration(this.minIntervalMs)})`;
        waiting.settle(this.show(type, text, waiting.title));
      }, delayMs);
      // A notification waiting for its turn must not keep Node-RED (or a script) running.
      timer.unref();
      this.held.set(type, { message, title, count: 1, timer, settle: resolve });
    });
  }

  private async show(type: string, message: string, title: string): Promise<string[]> {
    this.lastShown.set(type, Date.now());
    const calls: string[] = [];
    if (this.persistent) {
      await this.connection.callService("persistent_notification", "create", {
        notification_id: alertNotificationId(type),
        title,
        message,
      });
      calls.push("persistent_notification.create");
    }
    if (this.notifyService !== null) {
      // The tag makes the companion app replace the previous alert of this type.
      await this.connection.callService("notify", this.notifyService, {
        title,
        message,
        data: { tag: alertNotificationId(type) },
      });
      calls.push(`notify.${this.notifyService}`);
    }
    return calls;
  }

  /** Removes the persistent notification of an alert type (e.g. once the drift has passed). */
  async dismiss(type: string): Promise<void> {
    await this.connection.callService("persistent_notification", "dismiss", {
      notification_id: alertNotificationId(checkText(type, "type")),
    });
  }

  /** Asks about one pattern with Approve/Reject buttons whose action ids carry the pattern id. */
  async ask(question: PatternQuestion): Promise<void> {
    if (this.questionService === null) {
      throw new InvalidInputError(
        "questionService",
        "no notify service for questions is configured (e.g. mobile_app_<your phone>)",
      );
    }
    // Text only: the id goes into the buttons' action strings as typed.
    const patternId = checkText(question?.patternId, "patternId", MAX_ID_LENGTH);
    const actions = [
      { action: `${this.approvePrefix}${patternId}`, title: "Approve" },
      { action: `${this.rejectPrefix}${patternId}`, title: "Reject" },
    ];
    let message: string;
    if (question.question) {
      message = questionText(question.question, question.evidence);
      // Android shows at most three buttons: Approve, Reject, Not now.
      if (this.snoozePrefix !== null) actions.push({ action: `${this.snoozePrefix}${patternId}`, title: "Not now" });
    } else {
      message = `Keep the suggested automation "${question.description ?? patternId}"?`;
    }
    await this.connection.callService("notify", this.questionService, {
      title: question.title ?? this.title,
      message,
      data: { tag: `pattern_question_${patternId}`, actions },
    });
  }
}

/** "Turn on Kitchen light at about 06:45 on weekdays?" and, on the next line, its evidence capitalised. */
export function questionText(question: string, evidence?: string): string {
  const asked = `${question.trim().replace(/[.?!:]+$/, "")}?`;
  const why = evidence?.trim();
  return why ? `${asked}\n${why.charAt(0).toUpperCase()}${why.slice(1)}.`.replace(/\.\.$/, ".") : asked;
}

function notifyName(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  const name = typeof value === "string" ? value.replace(/^notify\./, "") : value;
  if (typeof name !== "string" || !/^[a-z0-9_]+$/.test(name)) {
    throw new InvalidInputError(
      field,
      `expected a notify service like notify.mobile_app_phone, got ${describeValue(value)}`,
    );
  }
  return name;
}

function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
