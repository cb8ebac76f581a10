import { describe, expect, it } from 'vitest';
import { StateNumbering, StateSet } from '../packages/analyzer/src/summaries/state-set.js';

// The summaries' sets of shared states: bits over one numbering, read in name order.

describe('state sets', () => {
  it('adds, counts and reads back states in name order, whatever order they were numbered in', () => {
    const numbering = new StateNumbering();
    const set = new StateSet(numbering);
    expect(set.add('Store#items')).toBe(true);
    expect(set.add('Cache#map')).toBe(true);
    expect(set.add('Store#items')).toBe(false);
    expect(set.size).toBe(2);
    expect(set.has('Cache#map')).toBe(true);
    expect(set.has('Cache#other')).toBe(false);
    expect(set.keys()).toEqual(['Cache#map', 'Store#items']);
  });

  it('unions across words, growing as the numbering grows, and says whether anything was new', () => {
    const numbering = new StateNumbering();
    const small = new StateSet(numbering);
    const large = new StateSet(numbering);
    const states = Array.from({ length: 100 }, (_, i) => `s#${String(i).padStart(3, '0')}`);
    for (const state of states) large.add(state);
    small.add(states[99]!);
    expect(small.addAll(large)).toBe(true);
    expect(small.size).toBe(100);
    expect(small.keys()).toEqual(states);
    expect(small.addAll(large)).toBe(false);
    // a state numbered after the set grew: a word past the others'
    const later = new StateSet(numbering);
    later.add('z#late');
    for (let i = 0; i < 40; i++) numbering.id(`pad#${i}`);
    const latest = new StateSet(numbering);
    latest.add('pad#39');
    expect(later.addAll(latest)).toBe(true);
    expect(later.keys()).toEqual(['pad#39', 'z#late']);
    expect(later.has('pad#38')).toBe(false);
  });

  it('takes the states of a set numbered otherwise by name', () => {
    const ours = new StateSet(new StateNumbering());
    const theirs = new StateSet(new StateNumbering());
    theirs.add('a#x');
    theirs.add('b#y');
    ours.add('b#y');
    expect(ours.addAll(theirs)).toBe(true);
    expect(ours.keys()).toEqual(['a#x', 'b#y']);
    expect(ours.size).toBe(2);
  });
});
