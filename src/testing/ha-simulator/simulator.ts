import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import type { LogbookEntry } from "../../mining/home-data";
import { actAs, type SimulatedActor } from "./actors";
import type { CommandFault, FaultOptions } from "./faults";
import {
  type FireOptions,
  type RecordedServiceCall,
  type SimulatedEvent,
  SimulatedHome,
  type SimulatedPerson,
  type SimulatedState,
  type SimulatedToken,
  type SimulatorOptions,
} from "./home";
import { handleHttp } from "./http";
import { WebsocketProtocol } from "./protocol";

/**
 * A stand-in for Home Assistant that speaks its websocket protocol (auth phase, commands,
 * results with HA's error codes, event subscriptions with the non-admin allowlist) and a little
 * of its REST API, plus a control surface for tests and demos: fire events, change states, drop
 * connections, revoke tokens, restart, and make commands fail (error, malformed or non-JSON
 * replies, silence). Given a generated home (`options.home`), it serves its registries, users,
 * states and logbook, writes a logbook row for every change with its cause's context keys,
 * keeps and runs automations (REST config API), and has a clock tests can set or advance.
 */

export type { SimulatedActor } from "./actors";
export type { CommandFault, FaultOptions } from "./faults";

export type {
  FireOptions,
  RecordedServiceCall,
  SimulatedContext,
  SimulatedEvent,
  SimulatedPerson,
  SimulatedState,
  SimulatedToken,
  SimulatorOptions,
} from "./home";
export { SUBSCRIBE_ALLOWLIST } from "./protocol";

const WEBSOCKET_PATHS = new Set(["/api/websocket", "/core/websocket"]);

/** A Home Assistant stand-in on 127.0.0.1, faithful to the parts of the protocol this package uses. */
export class HomeAssistantSimulator {
  readonly haVersion: string;
  /** Every service call received, in order. */
  readonly serviceCalls: RecordedServiceCall[];
  /** Websocket connections opened (including refused ones during a restart). */
  connectionAttempts = 0;
  /** Auth messages received, valid or not. */
  authAttempts = 0;

  private readonly home: SimulatedHome;
  private readonly protocol: WebsocketProtocol;
  private refusing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Checks the time triggers every second of real time. */
  private readonly ticker: NodeJS.Timeout;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    options: SimulatorOptions,
  ) {
    this.haVersion = options.haVersion ?? "2026.11.0";
    this.home = new SimulatedHome(options, (event) => this.protocol.deliver(event));
    this.serviceCalls = this.home.serviceCalls;
    this.protocol = new WebsocketProtocol(this.home, this.haVersion, () => this.authAttempts++);
    this.ticker = setInterval(() => this.home.automations.tick(), 1000);
    this.ticker.unref();
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: SimulatorOptions = {}): Promise<HomeAssistantSimulator> {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const simulator = new HomeAssistantSimulator(http, wss, options);
    http.on("request", (req, res) => handleHttp(simulator.home, simulator, req, res));
    http.on("upgrade", (req, socket: Socket, head) => simulator.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        http.off("error", reject);
        resolve();
      });
    });
    return simulator;
  }

  /** Base URL for REST, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const address = this.http.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  /** The websocket endpoint, as Home Assistant serves it. */
  get websocketUrl(): string {
    return `${this.url.replace(/^http/, "ws")}/api/websocket`;
  }

  /** Open, authenticated websocket connections. */
  get connectionCount(): number {
    return [...this.protocol.clients].filter((c) => c.user !== undefined).length;
  }

  /** Subscriptions currently held across connections, per event type. */
  subscriptionCount(eventType: string): number {
    let count = 0;
    for (const client of this.protocol.clients)
      for (const type of client.subscriptions.values()) if (type === eventType) count++;
    return count;
  }

  /** How many commands of this type arrived (e.g. `get_states`), across connections. */
  commandCount(commandType: string): number {
    return this.protocol.commandCounts.get(commandType) ?? 0;
  }

  /** Accepts another token; a string is an admin token. */
  addToken(token: string | SimulatedToken): SimulatedToken {
    return this.home.addToken(token);
  }

  /** Makes a token invalid and closes its connections, as Home Assistant does when a token is deleted. */
  revokeToken(token: string): void {
    this.home.tokens.delete(token);
    for (const client of this.protocol.clients) if (client.user?.token === token) client.socket.close(1000);
  }

  /** Fires an event on the bus: subscribers get it; returns it as sent. */
  fireEvent(eventType: string, data: Record<string, unknown> = {}, options: FireOptions = {}): SimulatedEvent {
    return this.home.fireEvent(eventType, data, options);
  }

  /** Sets an entity's state and fires `state_changed`, as an integration would. */
  setState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown> = {},
    userId: string | null = null,
  ): SimulatedState {
    return this.home.setState(entityId, state, attributes, userId);
  }

  /** Adds a person entity (`person.<id>`, carrying the user id a person logs in with) and fires `state_changed`. */
  addPerson(person: SimulatedPerson): SimulatedState {
    return this.home.addPerson(person);
  }

  /** Deletes an entity: `entity_registry_updated` (action remove) and a `state_changed` to null. */
  removeEntity(entityId: string): void {
    this.home.removeEntity(entityId);
  }

  /** The current state of an entity, if any. */
  getState(entityId: string): SimulatedState | undefined {
    return this.home.states.get(entityId);
  }

  /**
   * Makes commands of this type fail: answered with the fault instead of their result, and not
   * carried out. By default every such command until `clearFaults`; `times` limits it, `where`
   * narrows it to commands with these fields. Faults apply to every connection, now and later.
   * @example
   * sim.injectFault("subscribe_events", { kind: "error", code: "unknown_error" }, {
   *   where: { event_type: "mobile_app_notification_action" },
   * });
   * sim.injectFault("get_states", { kind: "silence" }, { times: 1 });
   * sim.clearFaults(); // Home Assistant heals
   */
  injectFault(commandType: string, fault: CommandFault, options: FaultOptions = {}): void {
    this.protocol.faults.inject(commandType, fault, options);
  }

  /** Removes the injected faults of one command type, or all of them: the commands work again. */
  clearFaults(commandType?: string): void {
    this.protocol.faults.clear(commandType);
  }

  /** Makes the next command of this type fail with this Home Assistant error code. */
  failNextCommand(type: string, code = "home_assistant_error", message = "Simulated failure"): void {
    this.injectFault(type, { kind: "error", code, message }, { times: 1 });
  }

  /** Kills every connection at once, as a network outage would. */
  dropConnections(): void {
    for (const client of this.protocol.clients) client.socket.terminate();
  }

  /** Stops answering on current connections without closing them: a half-open socket. */
  freezeConnections(): void {
    for (const client of this.protocol.clients) client.frozen = true;
  }

  /** Drops every connection and refuses new ones for `downMs`, as a Home Assistant restart does. */
  restart(downMs = 500): Promise<void> {
    this.refusing = true;
    this.dropConnections();
    clearTimeout(this.restartTimer);
    return new Promise((resolve) => {
      this.restartTimer = setTimeout(() => {
        this.refusing = false;
        resolve();
      }, downMs);
    });
  }

  /** The simulated time (real time unless a test set or advanced the clock). */
  now(): Date {
    return new Date(this.home.clock.now());
  }

  /** Moves the simulated clock forward; time-triggered automations whose time it passes run, in order. */
  advanceClock(ms: number): void {
    this.home.clock.advance(ms);
    this.home.automations.tick();
  }

  /** Sets the simulated clock (it runs on from there); moving it forward runs the automations it passes. */
  setClock(date: Date): void {
    this.home.clock.set(date);
    this.home.automations.tick();
  }

  /**
   * Changes a state as a wall switch, a user (a person in the app, an app as the Supervisor),
   * a voice assistant, an automation or a script would: the logbook rows carry that actor's keys.
   * @example
   * sim.actAs({ by: "wall" }, "light.kitchen", "on");
   * sim.actAs({ by: "user", userId: anna.id }, "light.kitchen", "off");
   */
  actAs(actor: SimulatedActor, entityId: string, state: string): SimulatedState {
    return actAs(this.home, actor, entityId, state);
  }

  /** The logbook's entries in a period (epoch seconds, both ends exclusive), optionally for some entities. */
  logbook(startSeconds = 0, endSeconds = Number.POSITIVE_INFINITY, entityIds?: string[]): LogbookEntry[] {
    const filter = entityIds === undefined ? undefined : new Set(entityIds);
    return this.home.logbook.query({ start: startSeconds, end: endSeconds, entityIds: filter });
  }

  /** The automation held under this id, as `GET /api/config/automation/config/<id>` answers; undefined if none. */
  automation(id: string): Record<string, unknown> | undefined {
    return this.home.automations.get(id);
  }

  /** Closes all connections and the server. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    clearTimeout(this.restartTimer);
    this.dropConnections();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.connectionAttempts++;
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (this.refusing || !WEBSOCKET_PATHS.has(path)) {
      socket.end(this.refusing ? "HTTP/1.1 502 Bad Gateway\r\n\r\n" : "HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.protocol.accept(ws));
  }
}
