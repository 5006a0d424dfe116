import { EventEmitter } from "node:events";
import { InvalidInputError } from "../errors";
import type { Feedback } from "../feedback/feedback";
import {
  feedbackFromHaEvent,
  haEventTypes,
  haFeedbackRules,
  type DeepPartial,
  type HaEvent,
  type HaFeedbackRules,
} from "./feedback-events";
import type { HomeAssistantConnection } from "./connection";
import { AutomationWatch } from "./implicit-feedback";

export interface HaFeedbackSourceOptions {
  /** Milliseconds since the epoch; injectable so implicit feedback can be tested without waiting days. */
  clock?: () => number;
  /** How often kept-on automations are checked for approval (default one hour). */
  sweepIntervalMs?: number;
  /** How many recent feedback ids are remembered to drop repeats (default 10,000). */
  dedupCapacity?: number;
}

/**
 * What start() subscribed to. `refused`: the sources Home Assistant refused or failed at once
 * (only known when already connected; e.g. a non-admin token). They stay subscribed and are
 * retried; the connection's status and warnings follow them from then on.
 */
export interface HaSubscriptionReport {
  subscribed: string[];
  refused: { eventType: string; message: string }[];
}

/**
 * Household decisions arriving from Home Assistant, as Feedback. Subscribes to the event types the
 * rules need (several at once) and emits "feedback" (Feedback) once per decision, and "invalid"
 * ({ error, event }) for events that should carry a decision but are malformed.
 */
export class HaFeedbackSource extends EventEmitter {
  readonly rules: HaFeedbackRules;
  private readonly watch: AutomationWatch | undefined;
  private readonly recent = new Set<string>();
  private readonly dedupCapacity: number;
  private readonly sweepIntervalMs: number;
  private unsubscribes: (() => Promise<void>)[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Reads the automations' states on every new connection (they may have changed meanwhile). */
  private readonly seedOnConnect = (): void => {
    // seedAutomations reports its own failures; only a throwing warning listener could get here.
    this.seedAutomations().catch(() => undefined);
  };

  constructor(
    private readonly connection: HomeAssistantConnection,
    rules: DeepPartial<HaFeedbackRules> = {},
    options: HaFeedbackSourceOptions = {},
  ) {
    super();
    this.rules = haFeedbackRules(rules);
    this.dedupCapacity = options.dedupCapacity ?? 10_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60 * 60 * 1000;
    if (this.rules.implicit.enabled) this.watch = new AutomationWatch(this.rules.implicit, options.clock);
  }

  /**
   * Subscribes to every configured source; refused ones are reported (and retried by the
   * connection), the others keep working. With implicit feedback, the automations' states are
   * read now if connected, and on every connection.
   */
  async start(): Promise<HaSubscriptionReport> {
    await this.stop();
    const report: HaSubscriptionReport = { subscribed: [], refused: [] };
    for (const eventType of haEventTypes(this.rules)) {
      this.unsubscribes.push(await this.connection.subscribeEvents(eventType, (event) => this.receive(event)));
      const problem = this.connection.subscriptionProblems.find((p) => p.eventType === eventType);
      if (problem === undefined) report.subscribed.push(eventType);
      else report.refused.push({ eventType, message: problem.error.message });
    }
    if (this.watch !== undefined) {
      this.connection.on("connected", this.seedOnConnect);
      if (this.connection.connected) await this.seedAutomations();
      this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs);
      this.sweepTimer.unref();
    }
    return report;
  }

  /** Unsubscribes from everything. */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.connection.off("connected", this.seedOnConnect);
    const unsubscribes = this.unsubscribes;
    this.unsubscribes = [];
    await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
  }

  /** Emits approvals for automations kept on long enough (runs on a timer; public for tests). */
  sweep(): Feedback[] {
    const approvals = this.watch?.due() ?? [];
    for (const feedback of approvals) this.deliver(feedback);
    return approvals;
  }

  /** Maps one event (any accepted shape) and emits its feedback; exposed for flows that bring their own events. */
  receive(event: HaEvent): Feedback | null {
    let feedback: Feedback | null;
    try {
      feedback = feedbackFromHaEvent(event, this.rules);
      if (feedback === null && this.watch !== undefined) feedback = this.watch.observe(event);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      this.emit("invalid", { error: err, event });
      return null;
    }
    if (feedback === null) return null;
    return this.deliver(feedback) ? feedback : null;
  }

  private deliver(feedback: Feedback): boolean {
    if (this.recent.has(feedback.id)) return false;
    this.recent.add(feedback.id);
    if (this.recent.size > this.dedupCapacity) this.recent.delete(this.recent.values().next().value!);
    this.emit("feedback", feedback);
    return true;
  }

  private async seedAutomations(): Promise<void> {
    try {
      this.watch!.seed(await this.connection.getStates());
    } catch (err) {
      this.emit("warning", `Could not read the automations' states: ${(err as Error).message}`);
    }
  }
}
