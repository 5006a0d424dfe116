import { InvalidInputError } from "../../src/errors";
import {
  HomeAssistantConnection,
  type HaConnectionStatus,
  type HomeAssistantConnectionOptions,
} from "../../src/ha/connection";
import type { NodeDefinition, NodeRedApi, RuntimeNode } from "../shared/red";
import { notifyServicesRoute } from "./notify-services";

interface HaConnectionDefinition extends NodeDefinition {
  url?: string;
}

/** What other nodes get from `RED.nodes.getNode(id)` for a `pattern-quality-ha` node. */
export interface HaConnectionNode extends RuntimeNode {
  /** The shared connection; null when the configuration is incomplete (see configError). */
  connection: HomeAssistantConnection | null;
  /** Why there is no connection, naming the field to fix. */
  configError: Error | null;
  /** A node starts using the connection; the first user makes it connect. */
  register(user: { id: string }): void;
  /** A node stops using it. */
  deregister(user: { id: string }): void;
  /** Node ids currently using the connection. */
  readonly users: ReadonlySet<string>;
}

/** Node-RED must see close() finish within 15 s; leave margin. */
const CLOSE_LIMIT_MS = 10_000;

/**
 * Registers `pattern-quality-ha`: one Home Assistant connection shared by the nodes that use it.
 * Add-on mode (the Supervisor's websocket and SUPERVISOR_TOKEN) when no URL is set and
 * SUPERVISOR_TOKEN exists; otherwise the URL and a long-lived access token.
 */
export default function register(RED: NodeRedApi, options: Partial<HomeAssistantConnectionOptions> = {}): void {
  function PatternQualityHa(
    this: HaConnectionNode & { credentials?: { token?: string } },
    definition: HaConnectionDefinition,
  ) {
    RED.nodes.createNode(this, definition);
    const users = new Set<string>();
    this.connection = null;
    this.configError = null;
    Object.defineProperty(this, "users", { get: () => users });

    const url = typeof definition.url === "string" ? definition.url.trim() : "";
    const token = this.credentials?.token;
    try {
      if (url === "" && !process.env.SUPERVISOR_TOKEN) {
        throw new InvalidInputError(
          "url",
          "empty, and this Node-RED does not run as the Home Assistant app (no SUPERVISOR_TOKEN): " +
            "enter Home Assistant's address, e.g. http://homeassistant.local:8123, and a long-lived access token",
        );
      }
      this.connection =
        url === ""
          ? new HomeAssistantConnection({ ...options, addon: true })
          : new HomeAssistantConnection({ ...options, url, token: token ?? "" });
    } catch (error) {
      this.configError = error as Error;
      // Said here once; the nodes using this connection show it in their status.
      this.error(`Home Assistant connection not configured: ${(error as Error).message}`);
    }

    const connection = this.connection;
    let lastState: HaConnectionStatus["state"] | undefined;
    let wasConnected = false;
    connection?.on("status", (status: HaConnectionStatus) => {
      // Log changes only: a Home Assistant that stays down must not flood the log.
      if (status.state === "connecting" || status.state === lastState) return;
      lastState = status.state;
      const reconnected = connection.connected && !wasConnected;
      wasConnected = connection.connected;
      if (status.state === "connected") this.log(status.message);
      // On a live connection each failing subscription came as its own warning; the status sums them up.
      else if (!connection.connected || reconnected) this.warn(status.message);
    });
    connection?.on("warning", (message: string) => this.warn(message));

    this.register = (user) => {
      users.add(user.id);
      // Failures are reported through the status events; connect keeps retrying by itself.
      if (users.size === 1) connection?.connect().catch(() => undefined);
    };
    this.deregister = (user) => {
      users.delete(user.id);
    };

    this.on("close", (_removed: boolean, done: () => void) => {
      if (connection === null) return done();
      const timer = setTimeout(done, CLOSE_LIMIT_MS);
      void connection.close().finally(() => {
        clearTimeout(timer);
        done();
      });
    });
  }

  RED.nodes.registerType("pattern-quality-ha", PatternQualityHa, { credentials: { token: { type: "password" } } });
  notifyServicesRoute(RED);
}
