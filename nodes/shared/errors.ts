import { InvalidInputError } from "../../src/errors";

/**
 * Re-anchors a core input error under the message property it came from, so the flow author
 * reads `msg.payload.data.action: …` instead of `data.action: …`.
 */
export function underMessage(prefix: string, error: unknown): unknown {
  if (!(error instanceof InvalidInputError)) return error;
  const detail = error.message.startsWith(`${error.field}: `)
    ? error.message.slice(error.field.length + 2)
    : error.message;
  return new InvalidInputError(`${prefix}.${error.field}`, detail);
}

/** Any thrown value as an Error for `done(err)`. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
