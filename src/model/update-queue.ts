/** Incremental: a few new trees on the new feedback; full: retrain from all stored history. */
export type UpdateMode = "incremental" | "full";

/** One request for a model update and why it was made ("auto-update", "manual", …). */
export interface UpdateRequest {
  mode: UpdateMode;
  reason: string;
}

/**
 * Runs model updates one at a time. A request while an update runs does not start a second
 * one: all such requests coalesce into a single follow-up run (full if any of them asked for
 * full), and every one of those callers gets that follow-up's result.
 */
export class UpdateQueue<Result> {
  private current: Promise<Result> | null = null;
  private followUp: { request: UpdateRequest; promise: Promise<Result> } | null = null;

  constructor(private readonly run: (request: UpdateRequest) => Promise<Result>) {}

  /** True while an update runs. */
  get running(): boolean {
    return this.current !== null;
  }

  /** True when a follow-up run is waiting for the current one. */
  get queued(): boolean {
    return this.followUp !== null;
  }

  /** Starts an update now, or joins the single follow-up when one is running. */
  request(mode: UpdateMode, reason: string): Promise<Result> {
    if (this.current === null) return this.start({ mode, reason });
    if (this.followUp !== null) {
      const waiting = this.followUp.request;
      if (mode === "full") waiting.mode = "full";
      // A person's request names the follow-up rather than the automatic trigger it joined.
      if (waiting.reason === "auto-update") waiting.reason = reason;
      return this.followUp.promise;
    }
    const request: UpdateRequest = { mode, reason };
    const previous = this.current;
    const promise = previous.then(
      () => this.startFollowUp(),
      () => this.startFollowUp(),
    );
    this.followUp = { request, promise };
    return promise;
  }

  /** Resolves once nothing runs and nothing waits (errors of the runs are not re-thrown here). */
  async idle(): Promise<void> {
    while (this.current !== null) {
      await this.current.then(
        () => undefined,
        () => undefined,
      );
    }
  }

  private startFollowUp(): Promise<Result> {
    const request = (this.followUp as { request: UpdateRequest }).request;
    this.followUp = null;
    this.current = null;
    return this.start(request);
  }

  private start(request: UpdateRequest): Promise<Result> {
    const promise = Promise.resolve()
      .then(() => this.run(request))
      .finally(() => {
        // A follow-up replaces `current` itself before this runs; only clear our own run.
        if (this.current === promise && this.followUp === null) this.current = null;
      });
    this.current = promise;
    return promise;
  }
}
