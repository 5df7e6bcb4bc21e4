import type { CrifRow } from './crif-row.js';

/**
 * Writing CRIF text (docs/crif-format.md, the columns `parseCrif` reads): a header and one line per row, comma
 * separated, LF line ends. Numbers are written in JavaScript's shortest round-trip form, so `parseCrif` reads back
 * the very same doubles (a SIMM computed from the file equals the one computed from the rows). Fields holding a
 * comma, a quote or a line break are quoted with `""` for a quote inside; optional columns present on no row
 * (CollectRegulations, PostRegulations) are left out.
 */
export type CrifRowInput = Omit<CrifRow, 'row'>;

const BASE_COLUMNS = ['TradeID', 'PortfolioID', 'ProductClass', 'RiskType', 'Qualifier', 'Bucket', 'Label1', 'Label2', 'Amount', 'AmountCurrency', 'AmountUSD'] as const;

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `-0` written as `0`: the reader would return 0 anyway, and "-0" reads as a mistake. */
function number(x: number): string {
  return Object.is(x, -0) ? '0' : String(x);
}

export function formatCrif(rows: readonly CrifRowInput[]): string {
  const collect = rows.some((r) => r.collectRegulations !== undefined);
  const post = rows.some((r) => r.postRegulations !== undefined);
  const header = [...BASE_COLUMNS, ...(collect ? ['CollectRegulations'] : []), ...(post ? ['PostRegulations'] : [])];
  const lines = rows.map((r) =>
    [
      r.tradeId ?? '',
      r.portfolioId ?? '',
      r.productClass ?? '',
      r.riskType,
      r.qualifier,
      r.bucket,
      r.label1,
      r.label2,
      number(r.amount),
      r.amountCurrency,
      number(r.amountUsd),
      ...(collect ? [r.collectRegulations ?? ''] : []),
      ...(post ? [r.postRegulations ?? ''] : []),
    ]
      .map(field)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
