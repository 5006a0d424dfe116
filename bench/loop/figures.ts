/**
 * The `loop` section's figures from each home's asks: the share approved over the first asks,
 * per 25-ask block, median and worst over homes, and each ranking's lead over confidence order.
 */
import type { HomeLoop } from "./simulate";

/** Asks per block of the learning curve. */
export const BLOCK = 25;

/** One ranking's figures over the homes (shares in percent). */
export interface RankingFigures {
  /** Share approved over each home's first `asks` asks: median and worst home. */
  median: number;
  worst: number;
  /** Per block of BLOCK asks, the median over homes. */
  blocks: number[];
  /** Points above confidence order, home by home: median and worst; null for confidence itself. */
  lead: { median: number; worst: number } | null;
  /** Homes where it ran out of suggestions before `asks` asks. */
  short: number;
  /**
   * With a model: the first ask a trained version ranked, median over the homes where
   * one did (null: none did), in how many homes none did within the asks, and the median count
   * of versions that went live within them.
   */
  firstVersion: { medianAsk: number | null; never: number; versionsLive: number } | null;
}

/** Per home: each ranking's share (percent) over the first asks. */
export interface HomeFigures {
  seed: number;
  taste: string;
  suggestions: number;
  wanted: number;
  days: number;
  share: Record<string, number>;
}

/** The figures of every ranking, and each home's. */
export interface LoopFigures {
  asks: number;
  rankings: Record<string, RankingFigures>;
  homes: HomeFigures[];
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Percent approved of the asks given (0 when none). */
export function approvedShare(asks: readonly { approved: boolean }[]): number {
  return asks.length === 0 ? 0 : (100 * asks.filter((a) => a.approved).length) / asks.length;
}

/** The figures of homes' loops, over each ranking's first `asks` asks. */
export function loopFigures(homes: readonly HomeLoop[], asks: number): LoopFigures {
  if (homes.length === 0) throw new Error("loop figures need at least one home");
  const names = Object.keys(homes[0]!.asks);
  const shareOf = (home: HomeLoop, name: string) => approvedShare(home.asks[name]!.slice(0, asks));
  const rankings: Record<string, RankingFigures> = {};
  for (const name of names) {
    const shares = homes.map((h) => shareOf(h, name));
    const blocks: number[] = [];
    for (let start = 0; start < asks; start += BLOCK) {
      blocks.push(median(homes.map((h) => approvedShare(h.asks[name]!.slice(start, Math.min(asks, start + BLOCK))))));
    }
    const leads = homes.map((h) => shareOf(h, name) - shareOf(h, "confidence"));
    rankings[name] = {
      median: median(shares),
      worst: Math.min(...shares),
      blocks,
      lead:
        name === "confidence" || !names.includes("confidence")
          ? null
          : { median: median(leads), worst: Math.min(...leads) },
      short: homes.filter((h) => h.asks[name]!.length < asks).length,
      firstVersion: firstVersion(homes, name, asks),
    };
  }
  const homeFigures = homes.map((h) => ({
    seed: h.seed,
    taste: h.taste,
    suggestions: h.suggestions,
    wanted: h.wanted,
    days: h.days,
    share: Object.fromEntries(names.map((name) => [name, shareOf(h, name)])),
  }));
  return { asks, rankings, homes: homeFigures };
}

function firstVersion(homes: readonly HomeLoop[], name: string, asks: number): RankingFigures["firstVersion"] {
  if (homes.every((h) => h.asks[name]!.every((a) => a.score === null))) return null;
  const at = homes
    .map((h) => h.asks[name]!.slice(0, asks).findIndex((a) => a.version !== null))
    .filter((i) => i >= 0)
    .map((i) => i + 1);
  const live = homes.map((h) => new Set(h.asks[name]!.slice(0, asks).flatMap((a) => a.version ?? [])).size);
  return {
    medianAsk: at.length === 0 ? null : median(at),
    never: homes.length - at.length,
    versionsLive: median(live),
  };
}
