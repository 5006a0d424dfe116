import * as path from "node:path";
import { trimmedText } from "../../src/validate";
import type { NodeRedApi } from "../shared/red";

/** The Node-RED plugin id of this package's Dashboard 2 hooks. */
export const PLUGIN_ID = "pattern-quality-dashboard";

/** A socket.io connection, as far as the hooks read it. */
interface DashboardConnection {
  handshake?: { headers?: Record<string, string | string[] | undefined> };
}

/**
 * Where the dashboard page finds Node-RED's admin root, as a path relative to the page's own
 * script (`<node root><dashboard path>/assets/…`). Dashboard 2 (1.31) loads a third-party
 * widget's bundle from `<admin root>/resources/…`, an absolute path: behind a proxy that adds a
 * prefix (Home Assistant's ingress: `/api/hassio_ingress/<token>/…`) that path leaves the prefix
 * and the widget never loads. Relative to the script, the browser keeps whatever prefix it came
 * through.
 */
export function relativeAdminRoot(settings: Record<string, unknown>, dashboardPath: string): string {
  const adminRoot = typeof settings.httpAdminRoot === "string" ? settings.httpAdminRoot : "/";
  const nodeRoot = typeof settings.httpNodeRoot === "string" ? settings.httpNodeRoot : "/";
  const scripts = path.posix.join("/", nodeRoot, dashboardPath, "assets");
  return path.posix.relative(scripts, path.posix.join("/", adminRoot)) || ".";
}

/**
 * The user Home Assistant's ingress names in its `X-Remote-User-*` headers (it drops those a
 * browser sends), as Dashboard 2's user plugins put one in `msg._client.user`; null elsewhere.
 */
export function ingressUser(connection: DashboardConnection | undefined) {
  const headers = connection?.handshake?.headers ?? {};
  const header = (name: string) => {
    const value = headers[name];
    return trimmedText(Array.isArray(value) ? value[0] : value);
  };
  const username = header("x-remote-user-name");
  if (!username) return null;
  return {
    userId: header("x-remote-user-id") ?? null,
    username,
    name: header("x-remote-user-display-name") ?? username,
  };
}

interface PluginApi extends NodeRedApi {
  plugins: { registerPlugin(id: string, definition: object): void };
}

/**
 * Registers the package's Dashboard 2 plugin: widgets' bundles load behind a path-prefixing proxy,
 * and behind Home Assistant's ingress the dashboard's messages name the Home Assistant user.
 */
export default function register(RED: PluginApi): void {
  RED.plugins.registerPlugin(PLUGIN_ID, {
    type: "node-red-dashboard-2",
    hooks: {
      onSetup(config: { path?: unknown }) {
        const dashboardPath = typeof config?.path === "string" ? config.path : "/dashboard";
        const { httpAdminRoot, httpNodeRoot } = RED.settings;
        if (httpAdminRoot === false) return {};
        return { RED: { httpAdminRoot: relativeAdminRoot(RED.settings, dashboardPath), httpNodeRoot } };
      },
      onAddConnectionCredentials(connection: DashboardConnection, msg: Record<string, unknown>) {
        const user = ingressUser(connection);
        if (!user || typeof msg !== "object" || msg === null) return msg;
        msg._client = { ...(msg._client as object | undefined), user };
        return msg;
      },
    },
  });
}
