/**
 * The REST API (a face: it parses, calls a module, formats). Errors are RFC 9457 problem
 * documents carrying the stable `CEIR_ERR_*` code of the error catalogue.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { CountryProfile } from '../config/profile.ts';
import { CeirError, ERRORS, isCeirError } from '../errors.ts';
import { imeiClassification } from '../classify/explain.ts';
import { listMembership } from '../lists/queries.ts';
import { imeiStatus, tacInfo } from '../reference/queries.ts';
import type { Db } from '../store/db.ts';
import { registerListsRoutes, type ListsRoutesOptions } from './lists-routes.ts';
import { imeiSchema, problemSchema, tacSchema } from './schemas.ts';

export interface ApiDeps {
  db: Db;
  profile: CountryProfile;
  logger?: boolean;
  /** Serve the list versions of this folder at `/v1/lists…`. */
  lists?: ListsRoutesOptions;
}

const problemResponses = { 400: problemSchema, 404: problemSchema, 500: problemSchema };

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false });

  app.setErrorHandler((err: Error & { validation?: unknown }, req, reply) => {
    const e = isCeirError(err)
      ? err
      : err.validation
        ? new CeirError('CEIR_ERR_USAGE', err.message)
        : new CeirError('CEIR_ERR_INTERNAL', 'internal error');
    if (e.code === 'CEIR_ERR_INTERNAL') req.log.error(err);
    void reply
      .status(e.status)
      .type('application/problem+json')
      .send({ type: `https://openceir.org/errors/${e.code}`, title: ERRORS[e.code].title, status: e.status, detail: e.message, code: e.code, instance: req.url });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).type('application/problem+json').send({
      type: 'https://openceir.org/errors/CEIR_ERR_NOT_FOUND', title: ERRORS.CEIR_ERR_NOT_FOUND.title, status: 404,
      detail: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'CEIR_ERR_NOT_FOUND', instance: req.url,
    });
  });

  app.get('/healthz', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' }, engine: { type: 'string' }, country: { type: 'string' } } } } } }, async () => ({
    status: 'ok',
    engine: deps.db.engine,
    country: deps.profile.country.name,
  }));

  app.get<{ Params: { tac: string } }>(
    '/v1/tac/:tac',
    { schema: { params: { type: 'object', properties: { tac: { type: 'string' } } }, response: { 200: tacSchema, ...problemResponses } } },
    async (req) => {
      const t = await tacInfo(deps.db, req.params.tac);
      if (!t) throw new CeirError('CEIR_ERR_NOT_FOUND', `TAC ${req.params.tac} is not in the GSMA catalogue`);
      return t;
    },
  );

  app.get<{ Params: { imei: string } }>(
    '/v1/imei/:imei',
    { schema: { params: { type: 'object', properties: { imei: { type: 'string' } } }, response: { 200: imeiSchema, ...problemResponses } } },
    // The public check: personal data of other people (pairings, national IDs) is masked.
    async (req) => {
      const status = await imeiStatus(deps.db, req.params.imei, { mask: true });
      const m = await listMembership(deps.db, status.imei_norm);
      return {
        ...status,
        classification: await imeiClassification(deps.db, status.imei_norm, deps.profile),
        // Which operators warn or exempt this device, without the subscribers concerned.
        lists: {
          version: m.version,
          blocklist: m.blocklist,
          notified_by: [...new Map(m.notifications.map((n) => [n.operator, { operator: n.operator, block_date: n.block_date }])).values()],
          exempted_by: [...new Set(m.exceptions.map((e) => e.operator))],
        },
      };
    },
  );

  if (deps.lists) registerListsRoutes(app, deps.lists);

  await app.ready();
  return app;
}
