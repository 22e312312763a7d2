/**
 * `duplicate_daily_avg` (DIRBS): seen on at least `min_seen_days` days of the window, with on
 * average at least `threshold` distinct IMSIs (or MSISDNs) a day.
 */
import { z } from 'zod';
import { changedIdentifiers, defineDimension, inScope, inWindow, isImsi, isMsisdn, periodWindow, tripletsOf, windowBits, withPeriod } from './common.ts';
import { dailyAverageRows, dailyAverageSql } from './daily-average.ts';
import { validSub } from './rows.ts';

export const duplicateDailyAvg = defineDimension({
  name: 'duplicate_daily_avg',
  description: 'on average at least `threshold` IMSIs (or MSISDNs) a day seen, over at least `min_seen_days` days',
  params: withPeriod({
    threshold: z.number().positive(),
    min_seen_days: z.number().int().min(1),
    use_msisdn: z.boolean().default(false),
  }).superRefine((p, ctx) => {
    if (p.period_days !== undefined && p.min_seen_days > p.period_days) {
      ctx.addIssue({ code: 'custom', path: ['min_seen_days'], message: 'cannot be more than period_days' });
    }
  }),
  sql(p, ctx) {
    const col = p.use_msisdn ? 'msisdn' : 'imsi';
    return dailyAverageSql({
      window: periodWindow(ctx, p),
      threshold: p.threshold,
      minSeenDays: p.min_seen_days,
      what: col,
      source: `SELECT t.imei_norm, t.${col} AS sub, t.month, ${windowBits('t')} AS bits FROM ${tripletsOf(ctx)} t WHERE ${inWindow('t')}${inScope('t', ctx)}`,
      valid: p.use_msisdn ? isMsisdn('g.sub') : isImsi('g.sub'),
    });
  },
  // With one identifier a day the average is 1 at most: above 1 needs another one in the window.
  screen: (p, ctx) => (p.threshold <= 1 ? null : changedIdentifiers(p.use_msisdn ? 'msisdn' : 'imsi', periodWindow(ctx, p))),
  tripletWindow: (p, ctx) => periodWindow(ctx, p),
  onRows(p, ctx) {
    const col = p.use_msisdn ? 'msisdn' : 'imsi';
    return dailyAverageRows({
      window: periodWindow(ctx, p), threshold: p.threshold, minSeenDays: p.min_seen_days, what: col, sub: (row) => validSub(row, col),
    });
  },
});
