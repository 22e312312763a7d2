import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Permutation, Rng, WeightedTable } from '../../src/generate/prng.ts';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.next());

test('same seed gives the same stream, different seeds differ', () => {
  assert.deepEqual(draw(Rng.fromSeed(42), 50), draw(Rng.fromSeed(42), 50));
  assert.notDeepEqual(draw(Rng.fromSeed(42), 50), draw(Rng.fromSeed(43), 50));
  assert.notDeepEqual(draw(Rng.fromSeed(2 ** 40), 50), draw(Rng.fromSeed(0), 50));
});

test('fork depends on the label and the seed, not on what was drawn before', () => {
  const a = Rng.fromSeed(7);
  const b = Rng.fromSeed(7);
  draw(b, 1000);
  assert.deepEqual(draw(a.fork('x'), 20), draw(b.fork('x'), 20));
  assert.notDeepEqual(draw(a.fork('x'), 20), draw(a.fork('y'), 20));
  assert.notDeepEqual(draw(Rng.fromSeed(8).fork('x'), 20), draw(a.fork('x'), 20));
});

test('int stays in its inclusive range and reaches both ends', () => {
  const r = Rng.fromSeed(1);
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const v = r.int(3, 9);
    assert.ok(Number.isInteger(v) && v >= 3 && v <= 9, `out of range: ${v}`);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  assert.throws(() => r.int(5, 4), RangeError);
});

test('float is in [0, 1) with a mean near 0.5; digits has the asked length', () => {
  const r = Rng.fromSeed(3);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    sum += f;
  }
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.02, `mean ${sum / 20000}`);
  for (const n of [1, 6, 9, 10, 20]) assert.match(r.digits(n), new RegExp(`^\\d{${n}}$`));
});

test('shuffle returns a permutation; weighted and WeightedTable follow the weights', () => {
  const r = Rng.fromSeed(5);
  const arr = Array.from({ length: 100 }, (_, i) => i);
  const s = r.shuffle([...arr]);
  assert.notDeepEqual(s, arr);
  assert.deepEqual([...s].sort((a, b) => a - b), arr);
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 10000; i++) counts[r.weighted([['a', 1], ['b', 3], ['c', 0]] as const)]++;
  assert.equal(counts.c, 0);
  assert.ok(counts.b > counts.a * 2.5 && counts.b < counts.a * 3.5, JSON.stringify(counts));
  const t = new WeightedTable([0, 1, 0, 9]);
  const hist = [0, 0, 0, 0];
  for (let i = 0; i < 10000; i++) hist[t.sample(r)]++;
  assert.equal(hist[0] + hist[2], 0);
  assert.ok(hist[3] > hist[1] * 7, JSON.stringify(hist));
});

test('Permutation is a bijection of [0, size) for awkward sizes', () => {
  for (const size of [1, 2, 3, 17, 1000, 4097]) {
    const p = new Permutation(size, Rng.fromSeed(size));
    const seen = new Set<number>();
    for (let i = 0; i < size; i++) {
      const v = p.at(i);
      assert.ok(Number.isInteger(v) && v >= 0 && v < size, `size ${size}: ${v}`);
      seen.add(v);
    }
    assert.equal(seen.size, size);
  }
  const big = new Permutation(3_600_000_000, Rng.fromSeed(1));
  const vals = Array.from({ length: 1000 }, (_, i) => big.at(i));
  assert.equal(new Set(vals).size, 1000);
  assert.ok(vals.every((v) => v < 3_600_000_000));
});
