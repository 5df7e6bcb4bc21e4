import { computeSimm, loadSimmParameters, type SimmParameters, type SimmResult } from '../../risk/simm/index.js';
import type { SimmMpor, SimmVersion } from '../../risk/simm/simm-parameters.js';
import { defineModel } from '../define-model.js';
import type { MarginComponent, MarginResultOf } from '../margin-result.js';
import { SimmDetailsSchema, type SimmCrifRow, type SimmDetails } from './simm-details.js';
import { SimmParamsSchema } from './simm-params.js';
import { crifRowsOf, holdingSensitivities, instrumentSensitivities, SimmMapper, type ResolvedMapping } from './simm-sensitivities.js';

/** Parameters per (version, period), read and validated once per process: they are bundled files that do not change. */
const loaded = new Map<string, SimmParameters>();
function simmParameters(version: SimmVersion, mpor: SimmMpor): SimmParameters {
  const key = `${version}/${mpor}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = loadSimmParameters(version, mpor);
    loaded.set(key, p);
  }
  return p;
}

/** The team's choices a mapping stands for, in words (details.approximations; docs/models/simm.md). */
function mappingNote(m: ResolvedMapping): string | undefined {
  const place = `${m.riskClass}${m.bucket === undefined ? '' : ` bucket ${m.bucket}`}`;
  switch (m.source) {
    case 'default':
      return `${m.name}: mapped to ${place} (team's choice, params.defaultMapping: SIMM has no crypto-asset class, and the engine does not know the name's SIMM bucket)`;
    case 'parameter':
      return `${m.name}: mapped to ${place} (params.underlyings)`;
    case 'stablecoin':
      return `${m.name}: counted as US dollars, no FX delta (team's choice; params.stablecoins)`;
    case 'currency':
      return undefined;
  }
}

/**
 * `simm`: ISDA SIMM on the engine's own books (docs/models/simm.md "On crossmargin books"). compile: every
 * instrument's SIMM sensitivities per contract (one revaluation under +1 % price and +1 vol point); evaluate: the
 * account's CRIF rows (positions × sensitivities, collateral's delta), then `computeSimm` in USD, converted to the
 * account currency. Cross: one SIMM over the book; isolated: SIMM of each position alone (collateral one group),
 * summed. SIMM has no maintenance level: maintenance = initial.
 */
export const simmModel = defineModel({
  id: 'simm',
  description: 'ISDA SIMM on the book: delta, vega (and curvature from vega) computed on the snapshot; crypto mapped to SIMM risk classes',
  paramsSchema: SimmParamsSchema,
  detailsSchema: SimmDetailsSchema,
  // Concentration risk (CR = max(1, √(|Σs| / T))) grows with size: margin is not proportional to the book.
  homogeneous: false,
  compile(params, context) {
    const parameters = simmParameters(params.version, params.mpor);
    const mapper = new SimmMapper(params, context.market);
    const perContract = instrumentSensitivities(context, mapper);
    return {
      evaluate(portfolio): MarginResultOf<SimmDetails> {
        const account = portfolio.account ?? '';
        const usdToAccount = context.market.fxRate('USD', portfolio.currency);
        const positionRows = portfolio.positions.map((p) => crifRowsOf(perContract[p.instrument] ?? [], p.quantity, context.instruments.spec(p.instrument).symbol, account));
        const collateralRows = Object.entries(portfolio.collateral)
          .filter(([, amount]) => amount !== 0)
          .flatMap(([currency, amount]) =>
            crifRowsOf(holdingSensitivities(mapper, currency, context.market.fxRate(currency, 'USD')), amount, `collateral.${currency}`, account),
          );
        const crif = [...positionRows.flat(), ...collateralRows];
        const simm = (rows: readonly SimmCrifRow[]): SimmResult => computeSimm(rows.map((r, k) => ({ ...r, row: k + 2 })), parameters);

        const symbols = portfolio.positions.map((p) => context.instruments.spec(p.instrument).symbol);
        const standalone = positionRows.map((rows) => (rows.length === 0 ? 0 : simm(rows).total));
        const groups: SimmDetails['groups'] = [];
        const components: MarginComponent[] = [];
        if (portfolio.mode === 'isolated') {
          positionRows.forEach((rows, i) => {
            const r = simm(rows);
            groups.push({ group: symbols[i]!, totalUsd: r.total, tree: r.tree });
            components.push({ name: 'positionMargin', group: symbols[i]!, value: r.total * usdToAccount });
          });
          if (collateralRows.length > 0) {
            const r = simm(collateralRows);
            groups.push({ group: 'collateral', totalUsd: r.total, tree: r.tree });
            components.push({ name: 'collateralMargin', group: 'collateral', value: r.total * usdToAccount });
          }
        } else {
          const r = simm(crif);
          groups.push({ group: 'book', totalUsd: r.total, tree: r.tree });
          for (const node of r.tree.children) components.push({ name: 'productClassMargin', group: node.name, value: node.amount * usdToAccount });
        }
        const totalUsd = groups.reduce((t, g) => t + g.totalUsd, 0);
        // The placements this account's names used (the mapper is shared by every account of the compiled run).
        const names = new Set<string>(Object.keys(portfolio.collateral));
        for (const p of portfolio.positions) {
          const spec = context.instruments.spec(p.instrument);
          names.add(spec.underlying).add(spec.currency);
        }
        const mappings = mapper.used().filter((m) => names.has(m.name));
        return {
          model: 'simm',
          account: portfolio.account,
          currency: portfolio.currency,
          initialMargin: totalUsd * usdToAccount,
          maintenanceMargin: totalUsd * usdToAccount,
          components,
          // SIMM aggregates through correlations: a position's own SIMM is what it would need alone (not additive).
          positions: portfolio.positions.map((p, i) => ({ instrument: symbols[i]!, quantity: p.quantity, contribution: standalone[i]! * usdToAccount })),
          details: {
            version: parameters.version,
            mpor: parameters.mpor,
            totalUsd,
            usdToAccount,
            crif,
            groups,
            mappings: mappings.map((m) => ({ name: m.name, riskClass: m.riskClass, bucket: m.bucket ?? '', source: m.source, teamChoice: m.teamChoice })),
            approximations: mappings.map(mappingNote).filter((n): n is string => n !== undefined),
          },
        };
      },
    };
  },
});
