import { InvalidInputError, PatternQualityError, type ErrorCode } from "../../src/errors";
import { trimmedText } from "../../src/validate";
import { findModelNode } from "../shared/model-node";
import { versionRows } from "../shared/versions";
import type { HttpRequest, HttpResponse, NodeRedApi } from "../shared/red";
import type { PatternModel } from "../../src/model/pattern-model";

/** Codes that mean "no such thing" (404); every other PatternQualityError is the caller's (400). */
const NOT_FOUND: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["unknown-version", "missing-model"]);

/** An HTTP status for an error thrown by the model: the caller's fault (4xx) or ours (5xx). */
function httpStatus(error: unknown): number {
  if (error instanceof PatternQualityError) return NOT_FOUND.has(error.code) ? 404 : 400;
  return 500;
}

function reply(res: HttpResponse, work: Promise<unknown>): void {
  work.then(
    (body) => res.status(200).json(body),
    (error: unknown) => {
      const body: { error: string; code?: string } = { error: (error as Error)?.message ?? String(error) };
      if (error instanceof PatternQualityError) body.code = error.code;
      res.status(httpStatus(error)).json(body);
    },
  );
}

function textField(body: unknown, key: string): string | undefined {
  return typeof body === "object" && body !== null ? trimmedText((body as Record<string, unknown>)[key]) : undefined;
}

/**
 * The admin HTTP API used by the editor and dashboards, under /pattern-quality/<model id>/:
 * GET versions, GET metrics, GET activations (pattern-model.read), POST activate, POST rollback
 * (pattern-model.write).
 */
export function adminRoutes(RED: NodeRedApi): void {
  const model = (req: HttpRequest): Promise<PatternModel> => {
    const node = findModelNode(RED, req.params.modelId);
    if (!node) {
      return Promise.reject(
        new PatternQualityError(
          "missing-model",
          `no pattern-model configuration with id ${JSON.stringify(req.params.modelId)}`,
        ),
      );
    }
    return node.model();
  };
  const by = (req: HttpRequest) => (req.user?.username ? `admin:${req.user.username}` : "admin");
  const read = RED.auth.needsPermission("pattern-model.read");
  const write = RED.auth.needsPermission("pattern-model.write");

  RED.httpAdmin.get("/pattern-quality/:modelId/versions", read, (req, res) => {
    reply(
      res,
      model(req).then((m) => ({ activeVersion: m.activeVersion, versions: versionRows(m) })),
    );
  });

  RED.httpAdmin.get("/pattern-quality/:modelId/metrics", read, (req, res) => {
    reply(
      res,
      model(req).then((m) => m.metrics()),
    );
  });

  RED.httpAdmin.get("/pattern-quality/:modelId/activations", read, (req, res) => {
    reply(
      res,
      model(req).then((m) => ({ activeVersion: m.activeVersion, activations: m.versions.activations() })),
    );
  });

  RED.httpAdmin.post("/pattern-quality/:modelId/activate", write, (req, res) => {
    reply(
      res,
      model(req).then((m) => {
        const id = textField(req.body, "id");
        if (!id) throw new InvalidInputError("id", 'give the version to activate, e.g. {"id": "v0003"}');
        return m.activate(id, { reason: textField(req.body, "reason") ?? "admin API", by: by(req) });
      }),
    );
  });

  RED.httpAdmin.post("/pattern-quality/:modelId/rollback", write, (req, res) => {
    reply(
      res,
      model(req).then((m) =>
        m.rollback(textField(req.body, "to") ?? "previous", {
          reason: textField(req.body, "reason") ?? "admin API",
          by: by(req),
        }),
      ),
    );
  });
}
