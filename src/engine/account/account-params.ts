import { z } from 'zod';
import { parseWithSchema } from '../../core/validate.js';

/**
 * Account parameters of the engine (docs/accounts.md): collateral haircuts and the buffers of the margin-call /
 * liquidation state machine.
 *
 * The default haircuts are ILLUSTRATIVE configuration chosen for examples and tests, not any venue's published
 * values: venues change haircuts without notice (methods/crypto-venues.md), so a deployment supplies its own,
 * versioned with its other parameters.
 */
export const DEFAULT_HAIRCUTS: Readonly<Record<string, number>> = Object.freeze({
  USD: 0,
  USDC: 0,
  USDT: 0,
  BTC: 0.05,
  ETH: 0.1,
});

/** Haircut of a currency that is in neither `haircuts` nor DEFAULT_HAIRCUTS (illustrative, deliberately harsh). */
export const DEFAULT_UNLISTED_HAIRCUT = 0.2;

/** A fraction of value removed from a collateral balance: 0 = counted in full, 1 = counted as worthless. */
const haircut = z.number().finite().min(0).max(1);

export const AccountParamsSchema = z.strictObject({
  /**
   * Haircut by collateral currency, merged over DEFAULT_HAIRCUTS (give `"BTC": 0` to remove the default BTC haircut).
   * The account currency's own balance is never haircut: a haircut discounts price risk, and the account currency
   * has none in its own terms.
   */
  haircuts: z
    .record(z.string().min(1), haircut)
    .default({})
    .transform((h): Record<string, number> => ({ ...DEFAULT_HAIRCUTS, ...h })),
  /** Haircut of any currency not listed in `haircuts`. */
  defaultHaircut: haircut.default(DEFAULT_UNLISTED_HAIRCUT),
  /**
   * Hysteresis of the margin call, fraction ≥ 0: an account enters a margin call when equity < initial, and returns
   * to healthy only when equity ≥ initial × (1 + marginCallBuffer). 0 = no hysteresis.
   */
  marginCallBuffer: z.number().finite().min(0).default(0),
  /**
   * Safety margin of liquidation, fraction ≥ 0: an account is liquidated when equity < maintenance × (1 +
   * liquidationBuffer). A buffer makes liquidation happen EARLIER (more conservative), never later; the liquidation
   * price is computed against the same buffered threshold.
   */
  liquidationBuffer: z.number().finite().min(0).default(0),
});

/** Validated account parameters (defaults applied, haircuts merged over the defaults). */
export type AccountParams = z.output<typeof AccountParamsSchema>;
export type AccountParamsInput = z.input<typeof AccountParamsSchema>;

/**
 * Validates an account-parameters document (parsed JSON; undefined = all defaults). Errors: SCHEMA_INVALID naming
 * the field (`haircuts.BTC: too big ...`), prefixed by `source`.
 */
export function parseAccountParams(input: unknown, source = 'accountParams'): AccountParams {
  return parseWithSchema(AccountParamsSchema, input ?? {}, source);
}

/**
 * Haircut applied to a balance in `currency` for an account kept in `accountCurrency` (fraction 0..1): 0 for the
 * account currency itself, else the configured haircut, else `defaultHaircut`.
 */
export function haircutOf(params: AccountParams, currency: string, accountCurrency: string): number {
  if (currency === accountCurrency) return 0;
  return Object.hasOwn(params.haircuts, currency) ? (params.haircuts[currency] as number) : params.defaultHaircut;
}
