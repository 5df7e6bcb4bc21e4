import type { InstrumentKind, Settlement } from '../../instruments/instrument-spec.js';
import { inverseDeltaOnePnl } from '../../pricing/delta-one.js';

/** What a close needs to know about the position it trades: the contract and the prices it is valued from. */
export interface ClosedContract {
  readonly kind: InstrumentKind;
  readonly settlement: Settlement;
  /** Contract size (linear: underlying units; inverse delta-one: USD face; options: coins). */
  readonly multiplier: number;
  /** Mark at planning: reference price (delta-one, spot) or premium per contract (options), price currency. */
  readonly markPrice: number;
  /** Average entry price of a future or perpetual, when the position has one (quote currency). */
  readonly entryPrice?: number | undefined;
}

/**
 * Cash a close moves into the account, in the instrument's settlement currency, before any penalty. `traded` is the
 * signed quantity traded (a long closes with a negative quantity), `price` the fill price.
 *
 * - options: the premium, −traded × price (a long sells and receives it, a short buys back and pays it);
 * - spot: −traded × multiplier × price;
 * - futures and perpetuals: the P&L realised by the closed part, from the entry price (docs/accounts.md "Entry
 *   price": equity counts the unrealised P&L from it) or, without one, from the mark (the P&L up to the mark is
 *   taken to be in the collateral already). Inverse P&L is in coin (pricing/delta-one.ts).
 *
 * The change of equity this causes is the concession against the mark only (closeConcession): the value the
 * position had in equity leaves with it.
 */
export function closeCash(contract: ClosedContract, traded: number, price: number): number {
  const closed = -traded;
  const m = contract.multiplier;
  if (contract.kind === 'option') return closed * price;
  if (contract.kind === 'spot') return closed * m * price;
  const reference = contract.entryPrice ?? contract.markPrice;
  return contract.settlement === 'inverse' ? inverseDeltaOnePnl(closed * m, reference, price) : closed * m * (price - reference);
}

/** P&L of the close against the mark (≤ 0 when the price concedes against the holder), settlement currency. */
export function closeConcession(contract: ClosedContract, traded: number, price: number): number {
  const closed = -traded;
  const m = contract.multiplier;
  if (contract.kind === 'option') return closed * (price - contract.markPrice);
  if (contract.kind === 'spot') return closed * m * (price - contract.markPrice);
  return contract.settlement === 'inverse' ? inverseDeltaOnePnl(closed * m, contract.markPrice, price) : closed * m * (price - contract.markPrice);
}

/**
 * Notional of the closed quantity at the mark, settlement currency: the penalty base (as the venue rule's,
 * liquidation-book.ts). Inverse delta-one: face / mark coins; inverse options: coins of underlying;
 * linear: |q| × multiplier × mark (options: × `underlyingPrice`, the underlying's price in the settlement currency).
 */
export function closeNotional(contract: ClosedContract, traded: number, underlyingPrice: number): number {
  const q = Math.abs(traded) * contract.multiplier;
  if (contract.kind === 'option') return contract.settlement === 'inverse' ? q : q * underlyingPrice;
  if (contract.kind !== 'spot' && contract.settlement === 'inverse') return q / contract.markPrice;
  return q * contract.markPrice;
}

/** Fill price of a close at `impact` (fraction of the mark) against the holder: a long sells below, a short buys above. */
export function impactPrice(mark: number, traded: number, impact: number): number {
  // traded < 0 closes a long: the price falls by the impact; traded > 0 buys back a short above the mark.
  return mark * (1 + Math.sign(traded) * impact);
}
