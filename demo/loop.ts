import type { DemoHomeAssistant } from "./home-assistant";
import type { DemoHousehold } from "./household";

/** Where the demo flow takes suggestions: it scores them, which also remembers their features. */
export const SUGGEST_PATH = "/pattern-quality-demo/suggest";

export const MEMBERS = ["alex", "sam", "robin"];

/**
 * The household at work: suggest a pattern to Node-RED (scored by pattern-score), then answer it
 * in Home Assistant, where the flow's feedback-collector listens; `rate` per second, until
 * stopped. Failures are reported, at most one line per ten seconds, and the loop goes on
 * (Node-RED may be redeploying).
 */
export class HouseholdLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastComplaint = 0;
  private tasteAnnounced = false;
  /** Suggestions answered so far. */
  answered = 0;

  constructor(
    private readonly options: {
      household: DemoHousehold;
      ha: DemoHomeAssistant;
      nodeRedUrl: string;
      rate: number;
      /** Answers after which the household falls silent. */
      answers: number;
      say: (line: string) => void;
    },
  ) {}

  /** Starts answering. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      if (this.answered >= this.options.answers) {
        this.options.say(`household: done after ${this.answered} answers`);
        return;
      }
      this.running = this.once().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, 1000 / this.options.rate);
      });
    };
    tick();
  }

  /** Stops after the answer in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async once(): Promise<void> {
    const { household, ha, nodeRedUrl, say } = this.options;
    const suggestion = household.suggest();
    try {
      const response = await fetch(`${nodeRedUrl}${SUGGEST_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ patternId: suggestion.id, pattern: suggestion.pattern }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok)
        throw new Error(`the suggest endpoint answered ${response.status}: ${oneLine(await response.text())}`);
      const label = household.answer(suggestion);
      await ha.answer(suggestion.id, label === 1, MEMBERS[this.answered % MEMBERS.length]!);
      this.answered += 1;
      if (household.tasteChanged && !this.tasteAnnounced) {
        this.tasteAnnounced = true;
        say(
          `-- from answer ${this.answered} on, the household's taste has changed: watch for drift alerts and the accuracy --`,
        );
      }
    } catch (error) {
      if (Date.now() - this.lastComplaint > 10_000) {
        this.lastComplaint = Date.now();
        say(`household: ${(error as Error).message} (retrying)`);
      }
    }
  }
}

/** An HTTP error body as one short line (Express answers with an HTML page). */
function oneLine(body: string): string {
  const pre = /<pre>([\s\S]*?)<\/pre>/.exec(body);
  return (pre ? pre[1]! : body).replace(/\s+/g, " ").trim().slice(0, 160);
}
