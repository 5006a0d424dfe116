/**
 * A small seeded pseudo-random generator (mulberry32). Training must be reproducible from a seed
 * and identical in a worker thread and in the calling thread, which Math.random cannot give.
 */
export class SeededRandom {
  // The state lives in a typed array: as a plain field, every value beyond V8's small integers
  // (three in four 32-bit values) was boxed on the heap at each draw, and tree growth draws
  // thousands per tree (that garbage set the training worker's collector running every few updates).
  private readonly state = new Uint32Array(1);

  constructor(seed: number) {
    this.state[0] = seed >>> 0;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    let t = ((this.state[0] as number) + 0x6d2b79f5) >>> 0;
    this.state[0] = t;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, bound) for 0 < bound ≤ 2^32. */
  nextInt(bound: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * bound);
  }
}

/**
 * The seed of one tree, from the forest's seed and the tree's serial number. Each tree gets its own
 * stream, so a tree is the same whichever worker grows it and in whichever order.
 */
export function treeSeed(forestSeed: number, serial: number): number {
  let h = (forestSeed ^ Math.imul(serial + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
