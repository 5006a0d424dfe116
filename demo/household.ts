import { randomUUID } from "node:crypto";
import type { Pattern } from "../src/features/pattern-features";
import type { Label } from "../src/feedback/feedback";
import { SimulatedHousehold } from "../src/testing/simulation/household";

/** One suggested automation, with a pattern id unique across demo runs. */
export interface Suggestion {
  id: string;
  pattern: Pattern;
  at: Date;
}

/**
 * The demo's household: the simulated household of the package (hidden "routines" taste) living
 * in real time, which turns to its "savings" taste after `tasteChangeAfter` answers: drift.
 */
export class DemoHousehold {
  private readonly household: SimulatedHousehold;
  private readonly run = randomUUID().slice(0, 8);
  private answers = 0;

  constructor(
    private readonly tasteChangeAfter: number,
    rate: number,
  ) {
    // The household's clock runs with the wall clock, so the pattern ages and recencies it
    // decides on are the ones pattern-score computes when it scores the pattern.
    this.household = new SimulatedHousehold({
      seed: Date.now() % 2 ** 31,
      start: new Date(),
      hoursBetween: 1 / (rate * 3600),
    });
  }

  /** True once the taste has changed. */
  get tasteChanged(): boolean {
    return this.household.taste !== "routines";
  }

  /** The next pattern to suggest. */
  suggest(): Suggestion {
    const { pattern, at } = this.household.suggest();
    const id = `${this.run}-${String(pattern.id ?? this.answers)}`;
    return { id, pattern: { ...pattern, id }, at };
  }

  /** The household's decision on a suggestion (its taste, with a little noise). */
  answer(suggestion: Suggestion): Label {
    if (this.answers === this.tasteChangeAfter) this.household.changeTaste("savings");
    this.answers += 1;
    return this.household.decide(suggestion.pattern, suggestion.at);
  }
}
