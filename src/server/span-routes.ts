import { Buffer } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CrossmarginError } from '../core/errors.js';
import { parseMarketSnapshot, type MarketSnapshot } from '../market/market-snapshot.js';
import { computeMargin } from '../models/compute-margin.js';
import { importSpanText, type SpanImport } from '../models/span/import/import-span-file.js';
import { SpanMarginAnswerSchema, SpanMarginBodySchema } from './api-schemas.js';
import { allowRoles } from './authenticate.js';
import type { MarginService } from './margin-service.js';
import { actor, errors, principalOf } from './route-helpers.js';

export interface SpanRouteDeps {
  readonly service: MarginService;
}

/** The source names errors carry: the body fields, so an error reads `file:8: record "81" array value 2 …`. */
const FILE_SOURCE = 'file';
const MARKET_SOURCE = 'market';
const PORTFOLIO_SOURCE = 'portfolio';

/**
 * The market of a SPAN margin without one in the body, as `crossmargin margin --span-file` builds it: SPAN arrays need
 * no prices, so an empty market on the file's business date with the file's own FX rates (pa2 Type T, XML curConv).
 */
function marketOf(span: SpanImport): MarketSnapshot {
  const date = (span.document as { businessDate?: unknown } | null)?.businessDate;
  if (typeof date !== 'string') {
    throw new CrossmarginError('SCHEMA_INVALID', 'market: required when the SPAN file has no businessDate to stand in for it', { field: MARKET_SOURCE });
  }
  const fx = span.report.fx;
  return parseMarketSnapshot({ asOf: `${date}T00:00:00Z`, underlyings: {}, ...(Object.keys(fx).length === 0 ? {} : { fx }) }, FILE_SOURCE);
}

/**
 * `POST /span/margin` (docs/service.md "SPAN files"): the SPAN margin of a portfolio under an exchange's risk-parameter
 * file sent in the body, in any format the importer reads. Admin and risk officer: it is a computation over what
 * is sent, no account of the service is read or changed, and an account holder has no business pricing arbitrary
 * books against the service. Audited (`span.margin`: format, the file's size, the margins — not the file, which is
 * the client's); a refused request (bad key, role, body or file) writes nothing.
 */
export function registerSpanRoutes(root: FastifyInstance, deps: SpanRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { service } = deps;

  app.post(
    '/span/margin',
    {
      config: allowRoles(['admin', 'risk-officer'], 'margin SPAN files'),
      schema: { tags: ['margin'], body: SpanMarginBodySchema, response: { 200: SpanMarginAnswerSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      const { file, format, market, portfolio } = request.body;
      // The importer's readers fed from memory: no temporary file, and errors name `file` and the line.
      const span = importSpanText(file, FILE_SOURCE, format === undefined ? {} : { format });
      const snapshot = market === undefined ? marketOf(span) : parseMarketSnapshot(market, MARKET_SOURCE);
      const result = computeMargin({ document: portfolio, source: PORTFOLIO_SOURCE }, snapshot, 'span', { riskParameters: span.document, riskParametersSource: FILE_SOURCE });
      const { report } = span;
      const a = actor(p);
      await service.store.appendAudit({
        keyId: a.keyId,
        action: 'span.margin',
        target: portfolio.account,
        payload: {
          format: report.format,
          bytes: Buffer.byteLength(file, 'utf8'),
          exchanges: report.exchanges,
          initialMargin: result.initialMargin,
          maintenanceMargin: result.maintenanceMargin,
          currency: result.currency,
        },
        at: new Date().toISOString(),
      });
      return {
        initialMargin: result.initialMargin,
        maintenanceMargin: result.maintenanceMargin,
        currency: result.currency,
        components: result.components,
        ...(result.worstScenario === undefined ? {} : { worstScenario: result.worstScenario }),
        report: { format: report.format, records: report.records, exchanges: report.exchanges, unmapped: report.unmapped },
      };
    },
  );
}
