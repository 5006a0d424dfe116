import type { WebSocket } from "ws";
import { type Answer, type ClientConnection, type Command, ok, refuse } from "./answers";
import { type CommandFault, CommandFaults } from "./faults";
import { HomeCommands } from "./home-commands";
import {
  isRecord,
  newContextId,
  type RecordedServiceCall,
  type SimulatedEvent,
  type SimulatedHome,
  type SimulatedUser,
} from "./home";

export type { ClientConnection } from "./answers";

/**
 * Events a non-admin user may subscribe to: Home Assistant's SUBSCRIBE_ALLOWLIST
 * (homeassistant/auth/permissions/events.py).
 */
export const SUBSCRIBE_ALLOWLIST: ReadonlySet<string> = new Set([
  "area_registry_updated",
  "component_loaded",
  "core_config_updated",
  "device_registry_updated",
  "entity_registry_updated",
  "repairs_issue_registry_updated",
  "lovelace_updated",
  "panels_updated",
  "recorder_5min_statistics_generated",
  "recorder_hourly_statistics_generated",
  "service_registered",
  "service_removed",
  "shopping_list_updated",
  "state_changed",
  "themes_updated",
]);

const MATCH_ALL = "*";

/**
 * Home Assistant's websocket API over the simulated home: the auth phase, the commands this
 * package and home-assistant-js-websocket send, with HA's error codes and messages, event
 * delivery to subscribers, and message coalescing.
 */
export class WebsocketProtocol {
  /** Open websocket connections, authenticated or not. */
  readonly clients = new Set<ClientConnection>();
  /** Faults injected by tests: what to send instead of some commands' answers. */
  readonly faults = new CommandFaults();
  /** Commands received from authenticated clients, by type (well-formed ones, faulted or not). */
  readonly commandCounts = new Map<string, number>();

  private readonly homeCommands: HomeCommands;

  constructor(
    private readonly home: SimulatedHome,
    private readonly haVersion: string,
    private readonly authAttempted: () => void,
  ) {
    this.homeCommands = new HomeCommands(home, (client, message) => this.send(client, message));
  }

  /** Takes a new websocket through the auth phase and then answers its commands. */
  accept(socket: WebSocket): void {
    const client: ClientConnection = {
      socket,
      lastId: 0,
      coalesce: false,
      subscriptions: new Map(),
      outbox: [],
      frozen: false,
    };
    this.clients.add(client);
    socket.on("close", () => {
      this.clients.delete(client);
      this.homeCommands.stop(client);
    });
    socket.on("error", () => socket.terminate());
    socket.on("message", (raw, isBinary) => {
      if (client.frozen) return;
      let message: unknown;
      try {
        message = JSON.parse(isBinary ? "" : raw.toString());
      } catch {
        // Home Assistant disconnects a client that sends something other than JSON.
        socket.close(1003);
        return;
      }
      if (client.user === undefined) this.authenticate(client, message);
      else this.handleCommand(client, message);
    });
    socket.send(JSON.stringify({ type: "auth_required", ha_version: this.haVersion }));
  }

  /** Sends an event to every subscription of its type (or of all events). */
  deliver(event: SimulatedEvent): void {
    for (const client of this.clients) {
      for (const [id, type] of client.subscriptions) {
        if (type === event.event_type || type === MATCH_ALL) this.send(client, { id, type: "event", event });
      }
    }
  }

  private authenticate(client: ClientConnection, message: unknown): void {
    this.authAttempted();
    const m = message as { type?: unknown; access_token?: unknown };
    if (!isRecord(message) || m.type !== "auth" || typeof m.access_token !== "string") {
      client.socket.send(
        JSON.stringify({
          type: "auth_invalid",
          message: "Auth message incorrectly formatted: expected type auth with access_token",
        }),
      );
      client.socket.close();
      return;
    }
    const user = this.home.tokens.get(m.access_token);
    if (user === undefined) {
      client.socket.send(JSON.stringify({ type: "auth_invalid", message: "Invalid access token or password" }));
      client.socket.close();
      return;
    }
    client.user = user;
    client.socket.send(JSON.stringify({ type: "auth_ok", ha_version: this.haVersion }));
  }

  private handleCommand(client: ClientConnection, message: unknown): void {
    const m = message as Record<string, unknown>;
    if (!isRecord(message) || typeof m.id !== "number" || !Number.isInteger(m.id) || typeof m.type !== "string") {
      const id = isRecord(message) && typeof m.id === "number" ? m.id : null;
      this.send(client, { id, ...refuse("invalid_format", "Message incorrectly formatted.") });
      return;
    }
    const id = m.id;
    if (id <= client.lastId) {
      this.send(client, { id, ...refuse("id_reuse", "Identifier values have to increase.") });
      return;
    }
    client.lastId = id;
    this.commandCounts.set(m.type, (this.commandCounts.get(m.type) ?? 0) + 1);
    const fault = this.faults.take(m as Command);
    if (fault === undefined) this.send(client, { id, ...this.answer(client, m as Command) });
    else this.sendFault(client, id, fault);
  }

  /** What a faulty Home Assistant sends instead of the answer; the command itself is not carried out. */
  private sendFault(client: ClientConnection, id: number, fault: CommandFault): void {
    switch (fault.kind) {
      case "error":
        this.send(client, {
          id,
          ...refuse(fault.code ?? "unknown_error", fault.message ?? "Unknown error"),
        });
        return;
      case "malformed":
        this.send(client, { id, type: "result" });
        return;
      case "not-json":
        if (!client.frozen) client.socket.send("<html><body>502 Bad Gateway</body></html>");
        return;
      case "silence":
        return;
    }
  }

  private answer(client: ClientConnection, m: Command): Answer {
    const user = client.user!;
    switch (m.type) {
      case "supported_features":
        client.coalesce = isRecord(m.features) && m.features.coalesce_messages === 1;
        return ok(null);
      case "ping":
        return { type: "pong" };
      case "subscribe_events": {
        const eventType = m.event_type ?? MATCH_ALL;
        if (typeof eventType !== "string")
          return refuse("invalid_format", "expected str for dictionary value @ data['event_type']");
        if (!user.admin && !SUBSCRIBE_ALLOWLIST.has(eventType)) return refuse("unauthorized", "Unauthorized");
        client.subscriptions.set(m.id, eventType);
        return ok(null);
      }
      case "unsubscribe_events": {
        const subscription = m.subscription;
        if (typeof subscription !== "number")
          return refuse("invalid_format", "required key not provided @ data['subscription']");
        if (!client.subscriptions.delete(subscription)) return refuse("not_found", "Subscription not found.");
        this.homeCommands.stop(client, subscription);
        return ok(null);
      }
      case "fire_event": {
        if (!user.admin) return refuse("unauthorized", "Unauthorized");
        if (typeof m.event_type !== "string")
          return refuse("invalid_format", "required key not provided @ data['event_type']");
        const data = isRecord(m.event_data) ? m.event_data : {};
        const event = this.home.fireEvent(m.event_type, data, { userId: user.userId });
        return ok({ context: event.context });
      }
      case "call_service":
        return this.callService(user, m);
      case "get_states":
        return ok([...this.home.states.values()]);
      case "get_config":
        return ok({
          version: this.haVersion,
          location_name: "Simulated Home",
          time_zone: this.home.timeZone,
          unit_system: { length: "km", mass: "g", temperature: "°C", volume: "L" },
          components: [...this.home.components],
          state: "RUNNING",
          safe_mode: false,
          recovery_mode: false,
        });
      case "get_services": {
        const services: Record<string, Record<string, { name: string; description: string; fields: object }>> = {};
        for (const [domain, names] of this.home.services) {
          services[domain] = Object.fromEntries(
            [...names].map((name) => [name, { name, description: "", fields: {} }]),
          );
        }
        return ok(services);
      }
      case "auth/current_user":
        return ok({
          id: user.userId,
          name: user.name,
          is_owner: this.home.users.some((u) => u.id === user.userId && u.is_owner === true),
          is_admin: user.admin,
          credentials: [],
          mfa_modules: [],
        });
      default:
        return this.homeCommands.answer(client, m) ?? refuse("unknown_command", "Unknown command.");
    }
  }

  private callService(user: SimulatedUser, m: Command): Answer {
    const { domain, service } = m;
    if (typeof domain !== "string" || typeof service !== "string") {
      return refuse("invalid_format", "required key not provided @ data['domain']");
    }
    if (m.service_data !== undefined && !isRecord(m.service_data)) {
      return refuse("invalid_format", "expected dict for dictionary value @ data['service_data']");
    }
    if (!this.home.services.get(domain)?.has(service)) {
      return refuse("not_found", `Action ${domain}.${service} not found.`);
    }
    const serviceData = (m.service_data as Record<string, unknown> | undefined) ?? {};
    const call: RecordedServiceCall = {
      domain,
      service,
      serviceData,
      userId: user.userId,
      time: this.home.clock.iso(),
    };
    if (isRecord(m.target)) call.target = m.target;
    if (domain === "persistent_notification" && service === "create" && typeof serviceData.message !== "string") {
      return refuse("invalid_format", "required key not provided @ data['message']");
    }
    if (domain === "notify" && typeof serviceData.message !== "string") {
      return refuse("invalid_format", "required key not provided @ data['message']");
    }
    this.home.callService(call);
    return ok({ context: { id: newContextId(), parent_id: null, user_id: user.userId }, response: null });
  }

  /**
   * Queues a message; with coalescing on, messages queued in one turn of the event loop go out
   * as one JSON array, as Home Assistant does under load.
   */
  private send(client: ClientConnection, message: unknown): void {
    if (client.frozen) return;
    if (!client.coalesce) {
      client.socket.send(JSON.stringify(message));
      return;
    }
    client.outbox.push(message);
    if (client.outbox.length === 1) {
      setImmediate(() => {
        const batch = client.outbox;
        client.outbox = [];
        if (client.frozen) return;
        client.socket.send(JSON.stringify(batch.length === 1 ? batch[0] : batch));
      });
    }
  }
}
