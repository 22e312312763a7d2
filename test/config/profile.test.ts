import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homeOperatorOf, loadProfile, parseProfileYaml, validateProfile } from '../../src/config/profile.ts';
import { CeirError } from '../../src/errors.ts';

const DEMO = fileURLToPath(new URL('../../profiles/demo.yaml', import.meta.url));

const BASE = `country: { name: Testland, mcc: ["999"], calling_codes: ["99"] }
operators:
  - { id: alpha, name: Alpha, mcc_mnc: ["99901"] }
  - { id: beta, name: Beta, mcc_mnc: ["99902", "99903"] }
`;

interface Issue {
  path: string;
  message: string;
}

/** The error a profile text is refused with; asserts it is a config error. */
function refusal(text: string): CeirError {
  let caught: unknown;
  assert.throws(
    () => parseProfileYaml(text, 'test.yaml'),
    (e: unknown) => {
      caught = e;
      return true;
    },
  );
  assert.ok(caught instanceof CeirError, `expected a CeirError, got ${String(caught)}`);
  assert.equal(caught.code, 'CEIR_ERR_CONFIG_INVALID');
  assert.equal(caught.exitCode, 2);
  assert.ok(caught.message.startsWith('test.yaml'), caught.message);
  return caught;
}

/** The issues of a schema refusal; each also appears as `path: message` in the error message. */
function issues(text: string): Issue[] {
  const e = refusal(text);
  const list = (e.details as { issues: Issue[] }).issues;
  assert.ok(list.length > 0);
  for (const i of list) assert.ok(e.message.includes(`${i.path || '(top)'}: ${i.message}`), e.message);
  return list;
}

const paths = (text: string) => issues(text).map((i) => i.path);

test('the shipped demo profile loads', () => {
  const p = loadProfile(DEMO);
  assert.equal(p.country.name, 'Demoland');
  assert.deepEqual(p.country.mcc, ['999']);
  assert.deepEqual(
    p.operators.map((o) => o.id),
    ['alpha', 'beta', 'gamma'],
  );
  assert.deepEqual(p.exempted_device_types, ['Module']);
  assert.equal(p.imports.max_list_shrink, 0.25);
});

test('defaults are filled for every optional key', () => {
  const p = parseProfileYaml(BASE);
  assert.equal(p.country.mnc_length, 2);
  assert.deepEqual(p.exempted_device_types, []);
  assert.deepEqual(p.imports, { max_list_shrink: 0.25, max_errors_reported: 100, max_line_bytes: 65536 });
});

test('a partial imports section gets the other defaults', () => {
  const p = parseProfileYaml(`${BASE}imports: { max_errors_reported: 7 }\n`);
  assert.deepEqual(p.imports, { max_list_shrink: 0.25, max_errors_reported: 7, max_line_bytes: 65536 });
});

test('defaults are fresh per profile: changing one does not change the next', () => {
  const a = parseProfileYaml(BASE);
  a.exempted_device_types.push('Module');
  a.imports.max_list_shrink = 0.9;
  const b = parseProfileYaml(BASE);
  assert.deepEqual(b.exempted_device_types, []);
  assert.equal(b.imports.max_list_shrink, 0.25);
});

test('given values win over defaults', () => {
  const p = parseProfileYaml(BASE.replace('calling_codes: ["99"]', 'calling_codes: ["99"], mnc_length: 3') + 'exempted_device_types: [Module, Dongle]\nimports: { max_list_shrink: 0.5 }\n');
  assert.equal(p.country.mnc_length, 3);
  assert.deepEqual(p.exempted_device_types, ['Module', 'Dongle']);
  assert.equal(p.imports.max_list_shrink, 0.5);
});

test('an unknown key at the top level names the key', () => {
  assert.deepEqual(paths(`${BASE}exempted_device_type: [Module]\n`), ['exempted_device_type']);
});

test('an unknown nested key names its full path', () => {
  assert.deepEqual(paths(BASE.replace('name: Testland,', 'name: Testland, currency: XDR,')), ['country.currency']);
  assert.deepEqual(paths(`${BASE}imports: { max_list_shrnk: 0.1 }\n`), ['imports.max_list_shrnk']);
  assert.deepEqual(paths(BASE.replace('name: Alpha,', 'name: Alpha, colour: red,')), ['operators.0.colour']);
});

test('a wrong type names the key path', () => {
  const list = issues(BASE.replace('mcc: ["999"]', 'mcc: [999]'));
  assert.equal(list[0].path, 'country.mcc.0');
  assert.match(list[0].message, /expected string/);
  assert.deepEqual(paths(`${BASE}imports: { max_list_shrink: "a quarter" }\n`), ['imports.max_list_shrink']);
  assert.deepEqual(paths(`${BASE}imports: { max_list_shrink: 1.5 }\n`), ['imports.max_list_shrink']);
  assert.deepEqual(paths(BASE.replace('calling_codes: ["99"]', 'calling_codes: ["99"], mnc_length: 4')), ['country.mnc_length']);
  assert.deepEqual(paths(`${BASE}exempted_device_types: Module\n`), ['exempted_device_types']);
});

test('wrong shapes under the cross-checked keys give path errors, not a crash', () => {
  assert.deepEqual(paths(BASE.replace('mcc: ["999"]', 'mcc: "999"')), ['country.mcc']);
  assert.deepEqual(paths(BASE.replace('mcc_mnc: ["99901"]', 'mcc_mnc: "99901"')), ['operators.0.mcc_mnc']);
  assert.deepEqual(paths('country: { name: X, mcc: ["999"], calling_codes: ["99"] }\noperators: 5\n'), ['operators']);
  assert.deepEqual(paths('country: { name: X, mcc: ["999"], calling_codes: ["99"] }\noperators: [5]\n'), ['operators.0']);
});

test('a missing required key names its path', () => {
  assert.deepEqual(paths(BASE.replace('name: Testland, ', '')), ['country.name']);
  assert.deepEqual(paths('country: { name: X, mcc: ["999"], calling_codes: ["99"] }\n'), ['operators']);
});

test('an MCC that is not 3 digits is refused', () => {
  for (const bad of ['"99"', '"9999"', '"99a"']) {
    const list = issues(BASE.replace('mcc: ["999"]', `mcc: ["999", ${bad}]`));
    assert.deepEqual(
      list.map((i) => i.path),
      ['country.mcc.1'],
      bad,
    );
    assert.match(list[0].message, /MCC must be 3 digits/);
  }
});

test('an operator MCC+MNC that is a prefix of another operator\'s is refused', () => {
  const list = issues(`${BASE}  - { id: gamma, name: Gamma, mcc_mnc: ["999012"] }\n`);
  assert.deepEqual(
    list.map((i) => i.path),
    ['operators.2.mcc_mnc.0'],
  );
  assert.match(list[0].message, /999012 has 99901 as a prefix/);
});

test('the same MCC+MNC given to two operators is refused', () => {
  const list = paths(`${BASE}  - { id: gamma, name: Gamma, mcc_mnc: ["99903"] }\n`);
  assert.ok(list.includes('operators.2.mcc_mnc.0'), list.join());
});

test('an MCC+MNC outside the country\'s MCCs is refused', () => {
  const list = issues(BASE.replace('"99903"', '"99803"'));
  assert.deepEqual(
    list.map((i) => i.path),
    ['operators.1.mcc_mnc.1'],
  );
  assert.match(list[0].message, /99803 is not under one of the country's MCCs \(999\)/);
  // a second MCC of the country makes it valid
  const p = parseProfileYaml(BASE.replace('"99903"', '"99803"').replace('mcc: ["999"]', 'mcc: ["999", "998"]'));
  assert.deepEqual(p.operators[1].mcc_mnc, ['99902', '99803']);
});

test('an MCC+MNC that is not 5-6 digits is refused', () => {
  assert.deepEqual(paths(BASE.replace('"99901"', '"9990"')).slice(0, 1), ['operators.0.mcc_mnc.0']);
  assert.deepEqual(paths(BASE.replace('"99901"', '"9990123"')).slice(0, 1), ['operators.0.mcc_mnc.0']);
});

test('duplicate operator ids are refused', () => {
  const list = issues(`${BASE}  - { id: alpha, name: Alpha Two, mcc_mnc: ["99909"] }\n`);
  assert.deepEqual(
    list.map((i) => i.path),
    ['operators.2.id'],
  );
  assert.match(list[0].message, /duplicate operator id "alpha"/);
});

test('an operator id with capitals or spaces is refused', () => {
  assert.deepEqual(paths(BASE.replace('id: alpha', 'id: Alpha Mobile')), ['operators.0.id']);
});

test('a YAML syntax error reports the line', () => {
  const e = refusal(`${BASE}imports: { max_list_shrink: 0.25\nexempted_device_types: []\n`);
  assert.match(e.message, /^test\.yaml:\d+: /);
  const line = Number(/^test\.yaml:(\d+):/.exec(e.message)![1]);
  assert.ok(line >= 5 && line <= 6, e.message);
  const e2 = refusal('country: [\n  a,\n  b\noperators: []\n');
  assert.match(e2.message, /^test\.yaml:\d+: /);
});

test('duplicate YAML keys are refused with the line of the second one', () => {
  const e = refusal(`${BASE}country: { name: Other, mcc: ["998"], calling_codes: ["98"] }\n`);
  assert.match(e.message, /^test\.yaml:5: .*unique/i);
  const nested = refusal(BASE.replace('name: Testland,', 'name: Testland, name: Other,'));
  assert.match(nested.message, /^test\.yaml:1: .*unique/i);
});

test('an empty file and a non-mapping document are refused', () => {
  assert.deepEqual(paths(''), ['']);
  assert.deepEqual(paths('- a\n- b\n'), ['']);
});

test('validateProfile takes an already parsed object', () => {
  const p = validateProfile({ country: { name: 'X', mcc: ['999'], calling_codes: ['99'] }, operators: [{ id: 'a', name: 'A', mcc_mnc: ['99901'] }] });
  assert.equal(p.imports.max_line_bytes, 65536);
  assert.throws(() => validateProfile({}, 'from-api'), (e: unknown) => e instanceof CeirError && e.message.startsWith('from-api: invalid country profile'));
});

test('loadProfile reports an unreadable file as a config error naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'openceir-profile-'));
  try {
    const missing = join(dir, 'nope.yaml');
    assert.throws(() => loadProfile(missing), (e: unknown) => e instanceof CeirError && e.code === 'CEIR_ERR_CONFIG_INVALID' && e.message.startsWith(missing));
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `${BASE}oops: 1\n`);
    assert.throws(() => loadProfile(bad), (e: unknown) => e instanceof CeirError && e.message.startsWith(`${bad}: invalid country profile`) && e.message.includes('oops'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('homeOperatorOf routes IMSIs by MCC+MNC prefix', () => {
  const p = parseProfileYaml(`${BASE}  - { id: gamma, name: Gamma, mcc_mnc: ["999123"] }\n`);
  assert.equal(homeOperatorOf(p, '999010123456789')?.id, 'alpha');
  assert.equal(homeOperatorOf(p, '999020000000001')?.id, 'beta');
  assert.equal(homeOperatorOf(p, '999030000000001')?.id, 'beta');
  assert.equal(homeOperatorOf(p, '999123000000001')?.id, 'gamma');
  assert.equal(homeOperatorOf(p, '999120000000001'), undefined, 'a 6-digit MCC+MNC needs all 6 digits');
  assert.equal(homeOperatorOf(p, '999040000000001'), undefined);
  assert.equal(homeOperatorOf(p, '208010000000001'), undefined, 'a foreign IMSI has no home operator here');
  assert.equal(homeOperatorOf(p, ''), undefined);
});

test('homeOperatorOf on the demo profile', () => {
  const p = loadProfile(DEMO);
  assert.equal(homeOperatorOf(p, '999040000000042')?.id, 'gamma');
  assert.equal(homeOperatorOf(p, '999050000000042'), undefined);
});
