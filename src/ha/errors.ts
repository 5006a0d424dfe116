import { PatternQualityError } from "../errors";

/**
 * A problem talking to Home Assistant, with a message that says what to do. Codes:
 * `ha-cannot-connect`, `ha-timeout`, `ha-auth-failed`, `ha-unauthorized`, `ha-not-connected`,
 * `ha-command-failed`, `ha-closed`. `haCode` carries Home Assistant's own error code, if any.
 */
export class HomeAssistantError extends PatternQualityError {
  readonly haCode: string | undefined;

  constructor(code: string, message: string, options?: { haCode?: string }) {
    super(code, message);
    this.haCode = options?.haCode;
  }
}
