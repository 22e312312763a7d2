import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCountry, EXPECTED, K, L, MALFORMED, a, b3, m, r } from './fixture.ts';
import { classifyFixture, currentLists, ENGINE, freshDb, lists, profileWith, withTempDir } from './helpers.ts';

test(`[${ENGINE}] list content follows DOMAIN §6, and each option changes what it should`, async (t) => {
  const db = await freshDb();
  await withTempDir((dir) => buildCountry(db, dir));

  await t.test('block list, notifications and exceptions with the default options', async () => {
    const r1 = await lists(db);
    assert.equal(r1.list_date, L, 'the list date defaults to the latest run\'s analysis date');
    const got = await currentLists(db);
    assert.deepEqual(got.blocklist, EXPECTED.blocklist);
    assert.deepEqual(got.notifications, EXPECTED.notifications);
    assert.deepEqual(got.exceptions, EXPECTED.exceptions);
    assert.equal(r1.counts.blocklist, 4);
    assert.deepEqual(r1.counts.notifications, { alpha: 5, beta: 1, gamma: 1 });
    assert.deepEqual(r1.counts.exceptions, { alpha: 3, beta: 2, gamma: 0 });
  });

  await t.test('golden IMEIs are on no list, blocked or pending', async () => {
    const got = await currentLists(db);
    for (const k of [K[7], K[8]]) {
      assert.ok(!got.blocklist.some((x) => x.startsWith(k)), `${k} golden, not blocked`);
      assert.ok(!got.notifications.some((x) => x.includes(`:${k},`)), `${k} golden, not notified`);
    }
  });

  await t.test('pairing exclusion: only the exact (IMEI, IMSI) pair suppresses a notification', async () => {
    const got = await currentLists(db);
    assert.ok(!got.notifications.some((x) => x.includes(`${K[6]},${a(6)},`)), 'the paired subscriber is not warned');
    assert.ok(got.notifications.some((x) => x.includes(`${K[6]},${a(7)},${m(7)}`)), 'a pairing of another IMEI with the same MSISDN does not suppress');
    assert.ok(got.notifications.some((x) => x.includes(`${K[6]},${a(8)},${m(8)}`)), 'a pairing of another IMEI with the same IMSI does not suppress');
  });

  await t.test('routing: home operator by IMSI prefix, roamers to every operator that saw them', async () => {
    const got = await currentLists(db);
    const routes = (k: string, s: string) => got.notifications.filter((x) => x.includes(`:${k},${s},`)).map((x) => x.split(':')[0]);
    assert.deepEqual(routes(K[5], r(5)), ['alpha', 'gamma'], 'the roamer was seen on alpha and gamma');
    const exc = (k: string) => got.exceptions.filter((x) => x.includes(`:${k},`)).map((x) => x.split(':')[0]);
    assert.deepEqual(exc(K[1]), ['beta'], 'a pairing goes to the home operator of its IMSI (second beta prefix)');
    assert.deepEqual(exc(K[16]), ['beta'], 'a roamer pairing goes to the operator that saw the pair');
    assert.deepEqual(exc(K[17]), [], 'a roamer pairing seen nowhere goes nowhere');
  });

  await t.test('include_barred_imeis_in_exceptions and restrict_exceptions_to_blocked_imeis', async () => {
    await lists(db, { profile: profileWith({ include_barred_imeis_in_exceptions: true }) });
    assert.ok((await currentLists(db)).exceptions.includes(`alpha:${K[18]},${a(18)},${m(18)}`), 'barred IMEI paired when allowed');
    await lists(db, { profile: profileWith({ restrict_exceptions_to_blocked_imeis: true }) });
    assert.deepEqual((await currentLists(db)).exceptions, [`beta:${K[1]},${b3(1)},${m(11)}`], 'only the blocked IMEI keeps its pairing');
  });

  await t.test('output_invalid_imeis: false drops keys that are not 14 digits', async () => {
    await lists(db, { profile: profileWith({ output_invalid_imeis: false }) });
    const got = await currentLists(db);
    assert.ok(!got.blocklist.some((x) => x.startsWith(MALFORMED)));
    assert.equal(got.blocklist.length, 3);
  });

  await t.test('lookback_days bounds the window [L - days, L - 1]', async () => {
    await lists(db, { profile: profileWith({ lookback_days: 1 }) });
    assert.deepEqual((await currentLists(db)).notifications, [`alpha:${K[15]},${a(15)},${m(15)},2025-03-22,Duplicate IMEI`], 'only the subscriber seen on 2025-02-28');
    await lists(db, { profile: profileWith({ lookback_days: 1 }), listDate: '2025-02-28' });
    assert.deepEqual((await currentLists(db)).notifications, [], 'seen on the list date itself: outside the window');
  });

  await t.test('no classification run: a clear error; a run without states: empty lists', async () => {
    const empty = await freshDb();
    await assert.rejects(lists(empty), /no classification run yet/);
    await classifyFixture(empty, L, []);
    const r = await lists(empty);
    assert.equal(r.version, 1);
    assert.deepEqual(await currentLists(empty), { blocklist: [], notifications: [], exceptions: [] });
  });
});
