/**
 * `not_on_association_list` (DIRBS): a seen IMEI associated with no national ID, unless its TAC's
 * device type is exempted by the country profile. With `period_days`, only IMEIs seen in that window.
 */
import { defineDimension } from './common.ts';
import { keptNotOnList, notOnListParams, notOnListSql } from './not-on-list.ts';

export const notOnAssociationList = defineDimension({
  name: 'not_on_association_list',
  description: 'seen, associated with no national ID, device type not exempted',
  params: notOnListParams,
  sql: (p, ctx) =>
    notOnListSql({ view: 'v_device_association', evidence: '' }, p, ctx),
  kept: keptNotOnList('device_association_list'),
});
