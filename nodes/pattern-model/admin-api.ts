import { describeValue, InvalidInputError, PatternQualityError, type ErrorCode } from "../../src/errors";
import { checkRecord, checkRollbackTarget, checkText, checkVersionId, MAX_REASON_LENGTH } from "../../src/validate";
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

/** The check of one body field: the value as sent and the field's name for the error. */
type BodyField<T> = (value: unknown, field: string) => T;

/** The fields an endpoint's body may have, each with its check. */
type BodySpec = Record<string, BodyField<unknown>>;

/** A body read by its spec: each field as its check returned it, or undefined when it was not sent. */
type Body<S extends BodySpec> = { [K in keyof S]?: ReturnType<S[K]> };

/**
 * The body of a POST, every field checked by the endpoint's spec (InvalidInputError naming
 * `body.<field>`, so a 400). Only a field that is not sent takes its default: a field of the
 * wrong type, or one the endpoint does not know (a typo such as `version` for `to`), is refused
 * rather than read as "not given", so it can never switch to a version nobody asked for.
 */
function readBody<S extends BodySpec>(body: unknown, spec: S): Body<S> {
  // Node-RED's body parser gives {} for a request without a body.
  const record = body === undefined ? {} : checkRecord(body, "body");
  const read: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const check = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (!check)
      throw new InvalidInputError(`body.${key}`, `unknown field; expected only ${Object.keys(spec).join(", ")}`);
    read[key] = check(value, `body.${key}`);
  }
  return read as Body<S>;
}

const reason: BodyField<string> = (value, field) => checkText(value, field, MAX_REASON_LENGTH);

/** The body of POST …/activate. */
const ACTIVATE_BODY = { id: checkVersionId, reason } satisfies BodySpec;

/** The body of POST …/rollback: `to` defaults to "previous" only when it is not sent. */
const ROLLBACK_BODY = { to: checkRollbackTarget, reason } satisfies BodySpec;

/** The body of POST …/resume: nothing (a person's rollback or activate set the hold it ends). */
const RESUME_BODY = {} satisfies BodySpec;

/**
 * The admin HTTP API used by the editor and dashboards, under /pattern-quality/<model id>/:
 * GET versions, GET metrics, GET activations (pattern-model.read), POST activate, POST rollback,
 * POST resume (pattern-model.write). Activate and rollback hold automatic activation; resume ends that.
 */
export function adminRoutes(RED: NodeRedApi): void {
  const model = (req: HttpRequest): Promise<PatternModel> => {
    const node = findModelNode(RED, req.params.modelId);
    if (!node) {
      return Promise.reject(
        new PatternQualityError(
          "missing-model",
          `no pattern-model configuration with id ${describeValue(req.params.modelId)}`,
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

  // The body is checked before the model is asked, so a refused request changes nothing.
  RED.httpAdmin.post("/pattern-quality/:modelId/activate", write, (req, res) => {
    reply(
      res,
      Promise.resolve().then(async () => {
        const body = readBody(req.body, ACTIVATE_BODY);
        if (body.id === undefined) {
          throw new InvalidInputError("body.id", 'give the version to activate, e.g. {"id": "v0003"}');
        }
        return (await model(req)).activate(body.id, { reason: body.reason ?? "admin API", by: by(req) });
      }),
    );
  });

  RED.httpAdmin.post("/pattern-quality/:modelId/rollback", write, (req, res) => {
    reply(
      res,
      Promise.resolve().then(async () => {
        const body = readBody(req.body, ROLLBACK_BODY);
        return (await model(req)).rollback(body.to ?? "previous", { reason: body.reason ?? "admin API", by: by(req) });
      }),
    );
  });

  RED.httpAdmin.post("/pattern-quality/:modelId/resume", write, (req, res) => {
    reply(
      res,
      Promise.resolve().then(async () => {
        readBody(req.body, RESUME_BODY);
        const m = await model(req);
        await m.resume({ by: by(req) });
        return { activeVersion: m.activeVersion, hold: null };
      }),
    );
  });
}
