import { describeValue, InvalidInputError } from "../errors";
import { commandError, isHaError, type LiveConnection } from "./commands";
import { HomeAssistantError } from "./errors";
import type { HaEvent } from "./feedback-events";
import type { HawsConnection } from "./haws";

interface Subscription {
  eventType: string;
  handler: (event: HaEvent) => void;
  unsubscribe?: () => Promise<void>;
  /** The connection this subscription was last sent on, so that it is never sent twice there. */
  renewedOn?: HawsConnection;
}

/** What the subscriptions tell the connection that owns them. */
export interface SubscriptionReports {
  warning(message: string): void;
  /** Sent (or sent again) on a connection: events of this type flow from now on. */
  subscribed(eventType: string): void;
  /** Home Assistant refused a subscription for lack of rights. */
  unauthorized(error: HomeAssistantError): void;
}

/**
 * The event subscriptions of one Home Assistant connection, kept across reconnects: each is sent
 * again on every new connection, since Home Assistant forgets them with the socket.
 */
export class EventSubscriptions {
  private readonly all = new Set<Subscription>();

  constructor(private readonly reports: SubscriptionReports) {}

  /**
   * Adds a subscription and, when connected, sends it; rejects (keeping nothing) when Home
   * Assistant refuses it. Resolves to a function that unsubscribes.
   */
  async add(
    eventType: string,
    handler: (event: HaEvent) => void,
    live: LiveConnection | undefined,
  ): Promise<() => Promise<void>> {
    if (typeof eventType !== "string" || eventType.trim() === "") {
      throw new InvalidInputError("eventType", `expected an event type, got ${describeValue(eventType)}`);
    }
    if (typeof handler !== "function")
      throw new InvalidInputError("handler", `expected a function, got ${describeValue(handler)}`);
    const subscription: Subscription = { eventType, handler };
    this.all.add(subscription);
    if (live !== undefined) {
      try {
        await this.renew(live, subscription);
      } catch (err) {
        this.all.delete(subscription);
        throw err;
      }
    }
    return async () => {
      this.all.delete(subscription);
      const unsubscribe = subscription.unsubscribe;
      subscription.unsubscribe = undefined;
      // Unsubscribing from a dead connection has nothing left to undo.
      await unsubscribe?.().catch(() => undefined);
    };
  }

  /** Renews every subscription on a new connection; events flow as soon as each is renewed. */
  async renewAll(live: LiveConnection): Promise<void> {
    await Promise.all(
      [...this.all].map(async (subscription) => {
        try {
          await this.renew(live, subscription);
        } catch (err) {
          // A subscription refused now (e.g. the user lost admin rights) is dropped and reported.
          this.all.delete(subscription);
          this.reports.warning((err as Error).message);
        }
      }),
    );
  }

  /** Forgets what was sent on the lost connection, so that the next one gets every subscription. */
  connectionLost(): void {
    for (const subscription of this.all) {
      subscription.unsubscribe = undefined;
      subscription.renewedOn = undefined;
    }
  }

  private async renew(live: LiveConnection, subscription: Subscription): Promise<void> {
    const { connection } = live;
    if (subscription.renewedOn === connection) return;
    subscription.renewedOn = connection;
    const deliver = (event: unknown): void => {
      try {
        subscription.handler(event as HaEvent);
      } catch (err) {
        // A failing handler must not break the socket's message loop (or the process).
        this.reports.warning(`A handler for ${subscription.eventType} failed: ${(err as Error).message}`);
      }
    };
    let unsubscribe: () => Promise<void>;
    try {
      const pending = connection.subscribeMessage(
        deliver,
        { type: "subscribe_events", event_type: subscription.eventType },
        { resubscribe: false },
      );
      unsubscribe = (await Promise.race([pending, live.lost])) as unknown as () => Promise<void>;
    } catch (err) {
      if (isHaError(err) && err.code === "unauthorized") {
        const error = new HomeAssistantError(
          "ha-unauthorized",
          `Home Assistant refused the subscription to ${subscription.eventType}: ` +
            "the token belongs to a non-admin user, and only admins may subscribe to it. " +
            "Use a long-lived access token of an admin user, or run as the Home Assistant add-on.",
          { haCode: err.code },
        );
        this.reports.unauthorized(error);
        throw error;
      }
      // The connection dropped meanwhile: the next connection renews this subscription.
      if (err instanceof HomeAssistantError) return;
      throw commandError(err, `subscribe_events ${subscription.eventType}`);
    }
    if (!this.all.has(subscription)) {
      await unsubscribe().catch(() => undefined);
      return;
    }
    subscription.unsubscribe = unsubscribe;
    this.reports.subscribed(subscription.eventType);
  }
}
