import { describeValue, InvalidInputError } from "../errors";
import { answerOf, isConnectionGone, type LiveConnection } from "./commands";
import { backoffDelay, type ConnectionTimings, seconds } from "./connection-settings";
import { HomeAssistantError } from "./errors";
import type { HaEvent } from "./feedback-events";
import type { HawsConnection } from "./haws";

interface Subscription {
  eventType: string;
  handler: (event: HaEvent) => void;
  unsubscribe?: () => Promise<void>;
  /** The connection this subscription was last sent on, so that it is never sent twice there. */
  sentOn?: HawsConnection;
  /** Requests sent so far; only the latest one's answer and events count. */
  requests: number;
  /** Why the latest request failed, until one succeeds. */
  problem?: HomeAssistantError;
  /** Failed requests in a row, for the backoff. */
  failures: number;
  retryTimer?: NodeJS.Timeout;
}

/** A subscription Home Assistant does not hold at the moment, and why (it is being retried). */
export interface SubscriptionProblem {
  eventType: string;
  /** `ha-unauthorized` (needs an admin token), `ha-command-failed` or `ha-timeout`. */
  error: HomeAssistantError;
}

/** What the subscriptions tell the connection that owns them. */
export interface SubscriptionReports {
  warning(message: string): void;
  /** Sent (or sent again) on a connection: events of this type flow from now on. */
  subscribed(eventType: string): void;
  /** A subscription started failing, failed for another reason, or holds again: the problems changed. */
  problemsChanged(): void;
}

/**
 * The event subscriptions of one Home Assistant connection, kept until their owner unsubscribes:
 * each is sent again on every new connection, since Home Assistant forgets them with the socket,
 * and one that Home Assistant refuses, answers oddly or not at all is sent again after a delay
 * (growing; slow when refused for lack of rights, which only a person can fix).
 */
export class EventSubscriptions {
  private readonly all = new Set<Subscription>();

  constructor(
    private readonly reports: SubscriptionReports,
    private readonly timings: ConnectionTimings,
    /** The connection in use, if any. */
    private readonly live: () => LiveConnection | undefined,
  ) {}

  /**
   * Adds a subscription and, when connected, sends it and waits for the answer; a refusal or a
   * failure is reported and retried, not thrown. Resolves to a function that unsubscribes.
   */
  async add(eventType: string, handler: (event: HaEvent) => void): Promise<() => Promise<void>> {
    if (typeof eventType !== "string" || eventType.trim() === "") {
      throw new InvalidInputError("eventType", `expected an event type, got ${describeValue(eventType)}`);
    }
    if (typeof handler !== "function")
      throw new InvalidInputError("handler", `expected a function, got ${describeValue(handler)}`);
    const subscription: Subscription = { eventType, handler, requests: 0, failures: 0 };
    this.all.add(subscription);
    const live = this.live();
    if (live !== undefined) await this.send(live, subscription);
    return async () => {
      if (!this.all.delete(subscription)) return;
      clearTimeout(subscription.retryTimer);
      if (subscription.problem !== undefined) this.reports.problemsChanged();
      const unsubscribe = subscription.unsubscribe;
      subscription.unsubscribe = undefined;
      // Unsubscribing from a dead connection has nothing left to undo.
      await unsubscribe?.().catch(() => undefined);
    };
  }

  /** The subscriptions Home Assistant does not hold now, with the reason, in the order they were made. */
  problems(): SubscriptionProblem[] {
    return [...this.all]
      .filter((subscription) => subscription.problem !== undefined)
      .map((subscription) => ({ eventType: subscription.eventType, error: subscription.problem! }));
  }

  /** Renews every subscription on a new connection, failing ones included; events flow as soon as each is renewed. */
  async renewAll(live: LiveConnection): Promise<void> {
    await Promise.all([...this.all].map((subscription) => this.send(live, subscription)));
  }

  /** Forgets what was sent on the lost connection, so that the next one gets every subscription. */
  connectionLost(): void {
    for (const subscription of this.all) {
      clearTimeout(subscription.retryTimer);
      subscription.unsubscribe = undefined;
      subscription.sentOn = undefined;
    }
  }

  /** Stops the retries for good (the connection is closed). */
  close(): void {
    for (const subscription of this.all) clearTimeout(subscription.retryTimer);
  }

  /** Sends one subscription on this connection; never rejects, since retries run on timers. */
  private async send(live: LiveConnection, subscription: Subscription): Promise<void> {
    try {
      await this.request(live, subscription);
    } catch (err) {
      this.reports.warning(`Sending the subscription to ${subscription.eventType} failed: ${(err as Error).message}`);
    }
  }

  private async request(live: LiveConnection, subscription: Subscription): Promise<void> {
    const { connection } = live;
    if (subscription.sentOn === connection) return;
    subscription.sentOn = connection;
    clearTimeout(subscription.retryTimer);
    const request = ++subscription.requests;
    const isLatest = () => subscription.requests === request && this.all.has(subscription);
    const deliver = (event: unknown): void => {
      // A request given up on may still be answered, and its events must not arrive twice.
      if (!isLatest()) return;
      try {
        subscription.handler(event as HaEvent);
      } catch (err) {
        // A failing handler must not break the socket's message loop (or the process).
        this.reports.warning(`A handler for ${subscription.eventType} failed: ${(err as Error).message}`);
      }
    };
    const pending = connection.subscribeMessage(
      deliver,
      { type: "subscribe_events", event_type: subscription.eventType },
      { resubscribe: false },
    ) as unknown as Promise<() => Promise<void>>;
    let unsubscribe: () => Promise<void>;
    try {
      unsubscribe = await answerOf(
        live,
        pending,
        `subscribe_events ${subscription.eventType}`,
        this.timings.commandTimeoutMs,
      );
    } catch (err) {
      // The connection dropped meanwhile: the next connection renews this subscription.
      if (isConnectionGone(err)) return;
      // Home Assistant may still carry out a request it did not answer in time: then undo it.
      pending.then(
        (late) => late().catch(() => undefined),
        () => undefined,
      );
      if (isLatest()) this.failed(subscription, subscriptionError(err as HomeAssistantError, subscription.eventType));
      return;
    }
    if (!isLatest()) {
      await unsubscribe().catch(() => undefined);
      return;
    }
    subscription.unsubscribe = unsubscribe;
    const healed = subscription.problem !== undefined;
    subscription.problem = undefined;
    subscription.failures = 0;
    this.reports.subscribed(subscription.eventType);
    if (healed) this.reports.problemsChanged();
  }

  /** Keeps a subscription that failed and sends it again later; says so once per reason, not per retry. */
  private failed(subscription: Subscription, error: HomeAssistantError): void {
    const news = subscription.problem?.message !== error.message;
    subscription.problem = error;
    subscription.failures++;
    subscription.sentOn = undefined;
    const unauthorized = error.code === "ha-unauthorized";
    const delay = unauthorized ? this.timings.authRetryMs : backoffDelay(this.timings, subscription.failures);
    subscription.retryTimer = setTimeout(() => {
      const live = this.live();
      if (live !== undefined) void this.send(live, subscription);
    }, delay);
    if (!news) return;
    this.reports.warning(
      unauthorized
        ? `${error.message} Trying again every ${seconds(delay)} and on every reconnect.`
        : `${error.message} The subscription is kept and sent again in ${seconds(delay)}, then less and less often.`,
    );
    this.reports.problemsChanged();
  }
}

/**
 * The refusal of subscriptions for lack of rights, saying what to do. The event types are shown
 * as given; the message is the one the README's troubleshooting quotes.
 */
export function refusedSubscriptionsMessage(eventTypes: readonly string[]): string {
  const [subject, them] = eventTypes.length === 1 ? ["the subscription", "it"] : ["the subscriptions", "them"];
  return (
    `Home Assistant refused ${subject} to ${eventTypes.join(", ")}: ` +
    `the token belongs to a non-admin user, and only admins may subscribe to ${them}. ` +
    "Use a long-lived access token of an admin user, or run as the Home Assistant add-on."
  );
}

function subscriptionError(error: HomeAssistantError, eventType: string): HomeAssistantError {
  if (error.code !== "ha-unauthorized") return error;
  return new HomeAssistantError("ha-unauthorized", refusedSubscriptionsMessage([eventType]), {
    haCode: error.haCode ?? "unauthorized",
  });
}
