import { PatternQualityError, type HomeAssistantErrorCode } from "../errors";

/**
 * A problem talking to Home Assistant, with a message that says what to do (codes:
 * HomeAssistantErrorCode). `haCode` carries Home Assistant's own error code, if any.
 */
export class HomeAssistantError extends PatternQualityError {
  readonly haCode: string | undefined;

  constructor(code: HomeAssistantErrorCode, message: string, options?: { haCode?: string }) {
    super(code, message);
    this.haCode = options?.haCode;
  }
}
