import { CrossmarginError } from '../../../core/errors.js';
import type { SpanContract, SpanRiskParameters } from '../span-types.js';
import type { NettedPosition } from './delta-ledger.js';
import { validateSpanContract } from './validate-span-parameters.js';

/**
 * Nets the account's positions per contract symbol and sorts them by symbol, so that neither the order nor the
 * splitting of positions can change a result (SOM counts net shorts per contract, §3 step 6). Checks each contract
 * a position uses and each quantity. Contracts netted to zero are dropped.
 */
export function netPositions(
  params: SpanRiskParameters,
  positions: readonly { readonly contract: SpanContract; readonly quantity: number }[],
): NettedPosition[] {
  const bySymbol = new Map<string, { contract: SpanContract; quantity: number }>();
  positions.forEach(({ contract, quantity }, i) => {
    if (!Number.isFinite(quantity)) {
      throw new CrossmarginError('SCHEMA_INVALID', `positions.${i}.quantity: must be a finite number, got ${quantity}`, {
        field: `positions.${i}.quantity`,
      });
    }
    validateSpanContract(params, `positions.${i}.contract`, contract);
    const held = bySymbol.get(contract.symbol);
    if (held === undefined) bySymbol.set(contract.symbol, { contract, quantity });
    else held.quantity += quantity;
  });
  return [...bySymbol.values()]
    .filter((p) => p.quantity !== 0)
    .sort((a, b) => (a.contract.symbol < b.contract.symbol ? -1 : a.contract.symbol > b.contract.symbol ? 1 : 0));
}
