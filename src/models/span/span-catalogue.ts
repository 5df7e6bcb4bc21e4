import type { InstrumentSpec } from '../../instruments/instrument-spec.js';
import type { SpanCombinedCommodity, SpanContract, SpanRiskParameters } from './span-types.js';

/** Last calendar day of a YYYYMM period: the nominal expiry of a file contract (file mode prices nothing). */
function periodEnd(period: string): string {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(4, 6));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${period.slice(0, 4)}-${period.slice(4, 6)}-${String(last).padStart(2, '0')}`;
}

function specOf(contract: SpanContract, cc: SpanCombinedCommodity | undefined): InstrumentSpec {
  const currency = cc?.currency ?? 'USD';
  const base = { symbol: contract.symbol, underlying: contract.cc, multiplier: 1, settlement: 'linear' as const, currency };
  if (contract.kind === 'physical') return { ...base, kind: 'spot' };
  if (contract.kind === 'future') return { ...base, kind: 'future', expiry: periodEnd(contract.period) };
  return {
    ...base,
    kind: 'option',
    expiry: periodEnd(contract.period),
    ...(contract.strike === undefined ? {} : { strike: contract.strike }),
    ...(contract.right === undefined ? {} : { right: contract.right }),
  };
}

/**
 * Instrument specs of a SPAN file's contracts, by symbol, so a portfolio can name them ("ESM4"). The multiplier is
 * 1 because file arrays are already per contract in the CC's currency.
 */
export function spanCatalogue(risk: SpanRiskParameters): Map<string, InstrumentSpec> {
  return new Map([...risk.contracts.values()].map((c) => [c.symbol, specOf(c, risk.combinedCommodities.get(c.cc))]));
}
