/**
 * `daily_avg_uid` (DIRBS): like `duplicate_daily_avg`, counting national IDs (IMSI to uid through
 * the subscriber registration list) a day; IMSIs without a uid do not count.
 */
import { z } from 'zod';
import { changedIdentifiers, defineDimension, inScope, inWindow, periodWindow, tripletsOf, windowBits, withPeriod } from './common.ts';
import { dailyAverageSql } from './daily-average.ts';

export const dailyAvgUid = defineDimension({
  name: 'daily_avg_uid',
  description: 'on average at least `threshold` national IDs a day seen, over at least `min_seen_days` days',
  params: withPeriod({
    threshold: z.number().positive(),
    min_seen_days: z.number().int().min(1),
  }).superRefine((p, ctx) => {
    if (p.period_days !== undefined && p.min_seen_days > p.period_days) {
      ctx.addIssue({ code: 'custom', path: ['min_seen_days'], message: 'cannot be more than period_days' });
    }
  }),
  sql(p, ctx) {
    return dailyAverageSql({
      window: periodWindow(ctx, p),
      threshold: p.threshold,
      minSeenDays: p.min_seen_days,
      what: 'uid',
      source: `SELECT t.imei_norm, r.uid AS sub, t.month, ${windowBits('t')} AS bits
               FROM ${tripletsOf(ctx)} t JOIN v_subscriber_registration r ON r.imsi = t.imsi WHERE ${inWindow('t')}${inScope('t', ctx)}`,
      valid: 'true',
    });
  },
  // A national ID a day per IMSI at most: above 1 a day needs another IMSI in the window.
  screen: (p, ctx) => (p.threshold <= 1 ? null : changedIdentifiers('imsi', periodWindow(ctx, p))),
  tripletWindow: (p, ctx) => periodWindow(ctx, p),
});
