import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { luhnValid } from '../../src/identity/luhn.ts';
import { generateRegistrationListFile } from '../../src/generate/bulk-registration.ts';
import { LIST_HEADERS } from '../../src/generate/reference-lists.ts';
import { duplicates, readCsv, sha256, withTempDir } from './helpers.ts';

test('bulk registration list: exactly N rows, unique Luhn-valid IMEIs, dual-SIM pairs of 2', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'reg.csv');
    const res = await generateRegistrationListFile(path, 10_000, 3);
    assert.equal(res.rows, 10_000);
    const { header, rows } = await readCsv(path);
    assert.equal(header, LIST_HEADERS.registration_list);
    assert.equal(rows.length, 10_000);
    const imeis = rows.map((r) => r[0]);
    assert.deepEqual(duplicates(imeis), []);
    for (const imei of imeis) assert.ok(luhnValid(imei), `bad IMEI ${imei}`);
    const groups = new Map<string, string[][]>();
    for (const r of rows) groups.set(r[8], [...(groups.get(r[8]) ?? []), r]);
    assert.equal(groups.size, res.devices);
    const sizes = [...groups.values()].map((g) => g.length);
    assert.ok(sizes.every((n) => n === 1 || n === 2));
    assert.ok(sizes.filter((n) => n === 2).length > 1000, 'many dual-SIM devices');
    for (const g of groups.values()) {
      if (g.length === 2) assert.equal(g[0][0].slice(0, 8), g[1][0].slice(0, 8), 'both IMEIs of one device share a TAC');
    }
    const statuses = new Set(rows.map((r) => r[3]));
    assert.deepEqual([...statuses].sort(), ['', 'provisional', 'whitelist']);
    assert.ok(rows.filter((r) => r[6] === 'Smartphone').length > rows.length / 2, 'popular phones dominate');
  });
});

test('bulk registration list is deterministic per seed; odd counts and zero rows work', async () => {
  await withTempDir(async (dir) => {
    await generateRegistrationListFile(join(dir, 'a.csv'), 2001, 9);
    await generateRegistrationListFile(join(dir, 'b.csv'), 2001, 9);
    await generateRegistrationListFile(join(dir, 'c.csv'), 2001, 10);
    assert.equal(await sha256(join(dir, 'a.csv')), await sha256(join(dir, 'b.csv')));
    assert.notEqual(await sha256(join(dir, 'a.csv')), await sha256(join(dir, 'c.csv')));
    assert.equal((await readCsv(join(dir, 'a.csv'))).rows.length, 2001);
    for (const n of [0, 1]) {
      const res = await generateRegistrationListFile(join(dir, `n${n}.csv`), n, 1);
      const text = await readFile(join(dir, `n${n}.csv`), 'utf8');
      assert.equal(res.rows, n);
      assert.equal(text.split('\n').length - 2, n);
    }
    await assert.rejects(generateRegistrationListFile(join(dir, 'x.csv'), -1, 1), RangeError);
  });
});
