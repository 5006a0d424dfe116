import type { HomeAssistantConnection } from "../../src/ha/connection";
import type { HttpResponse, NodeRedApi } from "../shared/red";

/** The phones' notify services among Home Assistant's services: `notify.mobile_app_*`, sorted. */
export function phoneServices(services: unknown): string[] {
  const notify = (services as Record<string, unknown> | null)?.notify;
  if (typeof notify !== "object" || notify === null) return [];
  return Object.keys(notify)
    .filter((name) => name.startsWith("mobile_app_"))
    .map((name) => `notify.${name}`)
    .sort();
}

/**
 * `GET <admin>/pattern-quality-ha/<id>/notify-services`: the phones a deployed connection can
 * notify, for the editor's list (read permission on the connection node type). 404 for a
 * connection that is not deployed, 503 while it is not connected (with its status in words).
 */
export function notifyServicesRoute(RED: NodeRedApi): void {
  RED.httpAdmin.get(
    "/pattern-quality-ha/:id/notify-services",
    RED.auth.needsPermission("pattern-quality-ha.read"),
    (req, res: HttpResponse) => {
      const node = RED.nodes.getNode(req.params.id ?? "") as { connection?: HomeAssistantConnection | null } | null;
      const connection = node?.connection;
      if (!connection) {
        res
          .status(404)
          .json({ error: "This connection is not deployed (or not configured): deploy it, then open the list again." });
        return;
      }
      if (!connection.connected) {
        res.status(503).json({ error: `Not connected to Home Assistant: ${connection.status.message}` });
        return;
      }
      connection.command({ type: "get_services" }, "get_services").then(
        (services) => res.status(200).json({ services: phoneServices(services) }),
        (error: unknown) => res.status(502).json({ error: (error as Error).message }),
      );
    },
  );
}
