/**
 * `not_on_registration_list` (DIRBS): a seen IMEI that is not registered (absent, or with a
 * provisional status), unless its TAC's device type is exempted by the country profile. With
 * `period_days`, only IMEIs seen in that window.
 */
import { defineDimension } from './common.ts';
import { keptNotOnList, notOnListParams, notOnListSql } from './not-on-list.ts';

export const notOnRegistrationList = defineDimension({
  name: 'not_on_registration_list',
  description: 'seen, not registered, device type not exempted',
  params: notOnListParams,
  sql: (p, ctx) =>
    notOnListSql(
      {
        view: 'v_registration',
        covers: 'l.registered',
        // (the registration list has one current row per IMEI)
        evidence: "'registration_status', (SELECT r.status FROM v_registration r WHERE r.imei_norm = c.imei_norm),",
      },
      p,
      ctx,
    ),
  kept: keptNotOnList('registration_list'),
});
