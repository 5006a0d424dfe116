import { expect } from "vitest";
import { InvalidInputError } from "../../src/errors";

/** Runs `run`, expects it to throw an InvalidInputError, and returns that error. */
export function invalidInputOf(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected an InvalidInputError");
}

/** Runs `run`, expects it to throw an InvalidInputError, and returns the field that error names. */
export function fieldOf(run: () => unknown): string {
  return invalidInputOf(run).field;
}
