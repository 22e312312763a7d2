import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EirMetrics } from '../../src/eir/metrics.ts';

test('metrics: checks by interface and answer, a cumulative latency histogram, list and peer gauges, in Prometheus text', () => {
  const m = new EirMetrics();
  m.countCheck('n5g', 'BLACKLISTED');
  m.countCheck('n5g', 'BLACKLISTED');
  m.countCheck('s13', 'UNKNOWN');
  m.observeLatency('n5g', 0.0002);
  m.observeLatency('n5g', 0.003);
  m.observeLatency('n5g', 5);
  m.observeLatency('s13', 0.0004, 5); // five answers written together
  m.peers = 2;
  m.list = { version: 7, listDate: '2025-03-01', entries: { blocked: 10, notified: 3 }, bytes: 4096, loadedAt: 1_700_000_000_000 };
  const text = m.render();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    assert.ok(line, `${series} is exposed`);
    return Number(line.slice(series.length + 1));
  };
  assert.equal(value('ceir_eir_checks_total{interface="n5g",answer="BLACKLISTED"}'), 2);
  assert.equal(value('ceir_eir_checks_total{interface="s13",answer="UNKNOWN"}'), 1);
  assert.equal(value('ceir_eir_checks_total{interface="s13",answer="WHITELISTED"}'), 0);
  assert.equal(value('ceir_eir_check_duration_seconds_bucket{interface="n5g",le="0.0001"}'), 0);
  assert.equal(value('ceir_eir_check_duration_seconds_bucket{interface="n5g",le="0.00025"}'), 1);
  assert.equal(value('ceir_eir_check_duration_seconds_bucket{interface="n5g",le="0.005"}'), 2);
  assert.equal(value('ceir_eir_check_duration_seconds_bucket{interface="n5g",le="1"}'), 2);
  assert.equal(value('ceir_eir_check_duration_seconds_bucket{interface="n5g",le="+Inf"}'), 3);
  assert.equal(value('ceir_eir_check_duration_seconds_count{interface="n5g"}'), 3);
  assert.ok(Math.abs(value('ceir_eir_check_duration_seconds_sum{interface="n5g"}') - 5.0032) < 1e-9);
  assert.equal(value('ceir_eir_check_duration_seconds_bucket{interface="s13",le="0.0005"}'), 5);
  assert.equal(value('ceir_eir_check_duration_seconds_count{interface="s13"}'), 5);
  assert.ok(Math.abs(value('ceir_eir_check_duration_seconds_sum{interface="s13"}') - 0.002) < 1e-12);
  assert.equal(value('ceir_eir_list_version'), 7);
  assert.equal(value('ceir_eir_list_entries{set="notified"}'), 3);
  assert.equal(value('ceir_eir_diameter_peers'), 2);
  // Every series has its TYPE line before it.
  for (const name of ['ceir_eir_checks_total', 'ceir_eir_check_duration_seconds', 'ceir_eir_list_version', 'ceir_eir_diameter_peers']) {
    assert.ok(text.indexOf(`# TYPE ${name} `) < text.indexOf(`\n${name}`), name);
  }
});
