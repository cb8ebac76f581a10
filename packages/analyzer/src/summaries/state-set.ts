/**
 * Sets of shared states (`Class#field`, `file#binding`) as bits over one numbering per summary
 * graph. The summary fixpoint unions every callee's states into its callers' again whenever a
 * callee's grow, and on real async code a function reaches hundreds of states: as maps those
 * unions were most of an edit's summary time, as bits they are a few dozen word operations.
 *
 * The numbering lives as long as the summaries that use it (a summary graph hands it to the next
 * computation), so ids depend on the order states were first met; what a reader sees does not:
 * `keys()` gives the states in name order.
 */
export class StateNumbering {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  id(state: string): number {
    let id = this.ids.get(state);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(state, id);
      this.names.push(state);
    }
    return id;
  }

  /** The id of a state already numbered; undefined for one no set can hold. */
  known(state: string): number | undefined {
    return this.ids.get(state);
  }

  name(id: number): string {
    return this.names[id]!;
  }
}

/** What a summary's readers may ask of its states. */
export interface ReadonlyStateSet {
  readonly size: number;
  has(state: string): boolean;
  /** The states, in name order. */
  keys(): readonly string[];
}

const NO_WORDS = new Uint32Array(0);

export class StateSet implements ReadonlyStateSet {
  private words: Uint32Array = NO_WORDS;
  private count = 0;
  private sorted?: readonly string[];

  constructor(private readonly numbering: StateNumbering) {}

  get size(): number {
    return this.count;
  }

  has(state: string): boolean {
    const id = this.numbering.known(state);
    return id !== undefined && (id >>> 5) < this.words.length && (this.words[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** Adds a state; whether it was new. */
  add(state: string): boolean {
    const id = this.numbering.id(state);
    const word = id >>> 5;
    this.reserve(word + 1);
    const bit = 1 << (id & 31);
    if (this.words[word]! & bit) return false;
    this.words[word]! |= bit;
    this.count++;
    this.sorted = undefined;
    return true;
  }

  /** Adds every state of `other`; whether any was new. */
  addAll(other: ReadonlyStateSet): boolean {
    if (!(other instanceof StateSet) || other.numbering !== this.numbering) {
      let added = false;
      for (const state of other.keys()) added = this.add(state) || added;
      return added;
    }
    const from = other.words;
    let changed = false;
    for (let i = 0; i < from.length; i++) {
      const word = from[i]!;
      if (word === 0) continue;
      if (i >= this.words.length) this.reserve(from.length);
      const added = word & ~this.words[i]!;
      if (added === 0) continue;
      this.words[i]! |= added;
      this.count += bitCount(added);
      changed = true;
    }
    if (changed) this.sorted = undefined;
    return changed;
  }

  keys(): readonly string[] {
    if (!this.sorted) {
      const names: string[] = [];
      for (let i = 0; i < this.words.length; i++) {
        let word = this.words[i]!;
        while (word !== 0) {
          const low = word & -word;
          names.push(this.numbering.name(i * 32 + 31 - Math.clz32(low)));
          word ^= low;
        }
      }
      this.sorted = names.sort();
    }
    return this.sorted;
  }

  private reserve(words: number): void {
    if (words <= this.words.length) return;
    const grown = new Uint32Array(Math.max(words, this.words.length * 2));
    grown.set(this.words);
    this.words = grown;
  }
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
