import { z } from 'zod';
import { isIsoDateOrDateTime } from '../core/dates.js';

/**
 * Contract specification of one instrument (DESIGN.md "Portfolio file").
 *
 * Units, pinned:
 * - `linear`: P&L is in `currency` (the quote currency, e.g. USD or USDC); `multiplier` is the contract size in
 *   units of the underlying (ES future: 50 index points; Deribit USDC-linear: 1 coin).
 * - `inverse` (coin-settled): P&L is in the underlying coin (`currency` equals `underlying`); `multiplier` is the
 *   contract face value in USD (Deribit BTC futures: 10 USD) for futures, perpetuals, and 1 coin for options, whose
 *   premium is quoted in coin per coin of underlying.
 */
export const INSTRUMENT_KINDS = ['spot', 'future', 'perpetual', 'option'] as const;
export type InstrumentKind = (typeof INSTRUMENT_KINDS)[number];
export type OptionRight = 'call' | 'put';
export type Settlement = 'linear' | 'inverse';

export interface InstrumentSpec {
  /** Canonical symbol; the interning key. */
  readonly symbol: string;
  readonly kind: InstrumentKind;
  /** Underlying name as it appears in the market snapshot (`BTC`, `SPX`). */
  readonly underlying: string;
  /** ISO date (08:00 UTC implied) or date-time; required for futures and options. */
  readonly expiry?: string;
  /** Strike in the quote currency per unit of underlying; options only. */
  readonly strike?: number;
  readonly right?: OptionRight;
  /** Contract size; see the unit note above. */
  readonly multiplier: number;
  readonly settlement: Settlement;
  /** Settlement currency: P&L of one contract is in this currency. */
  readonly currency: string;
}

const positiveFinite = z.number().finite().positive();
const isoDateOrTime = z
  .string()
  .refine((text) => isIsoDateOrDateTime(text), 'expected an ISO date YYYY-MM-DD or date-time with zone, on a real calendar day');

/** Symbols are interning keys: surrounding spaces would make two keys for one instrument. */
const symbolText = z
  .string()
  .min(1)
  .refine((text) => text.trim() === text, 'must not start or end with spaces');

/** Full spec as written in a portfolio file; defaults: multiplier 1, linear, settlement currency USD (inverse: the coin). */
export const InstrumentSpecInputSchema = z
  .strictObject({
    symbol: symbolText,
    kind: z.enum(INSTRUMENT_KINDS),
    underlying: z.string().min(1),
    expiry: isoDateOrTime.optional(),
    strike: positiveFinite.optional(),
    right: z.enum(['call', 'put']).optional(),
    multiplier: positiveFinite.default(1),
    settlement: z.enum(['linear', 'inverse']).default('linear'),
    currency: z.string().min(1).optional(),
  })
  .superRefine((spec, ctx) => {
    if ((spec.kind === 'future' || spec.kind === 'option') && spec.expiry === undefined) {
      ctx.addIssue({ code: 'custom', path: ['expiry'], message: `expiry is required for a ${spec.kind}` });
    }
    if (spec.kind === 'option') {
      if (spec.strike === undefined) ctx.addIssue({ code: 'custom', path: ['strike'], message: 'strike is required for an option' });
      if (spec.right === undefined) ctx.addIssue({ code: 'custom', path: ['right'], message: 'right (call|put) is required for an option' });
    } else {
      if (spec.strike !== undefined) ctx.addIssue({ code: 'custom', path: ['strike'], message: `a ${spec.kind} has no strike` });
      if (spec.right !== undefined) ctx.addIssue({ code: 'custom', path: ['right'], message: `a ${spec.kind} has no right` });
    }
    if (spec.kind === 'spot' && spec.settlement === 'inverse') {
      ctx.addIssue({ code: 'custom', path: ['settlement'], message: 'a spot holding cannot be inverse' });
    }
    if (spec.settlement === 'inverse' && spec.currency !== undefined && spec.currency !== spec.underlying) {
      // Inverse P&L is in the coin by construction (DESIGN.md "Units"); another currency is a contradiction.
      ctx.addIssue({
        code: 'custom',
        path: ['currency'],
        message: `an inverse instrument settles in its underlying ${spec.underlying}, not ${spec.currency}`,
      });
    }
    if ((spec.kind === 'spot' || spec.kind === 'perpetual') && spec.expiry !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['expiry'], message: `a ${spec.kind} has no expiry` });
    }
  })
  .transform(
    (spec): InstrumentSpec => ({
      symbol: spec.symbol,
      kind: spec.kind,
      underlying: spec.underlying,
      ...(spec.expiry === undefined ? {} : { expiry: spec.expiry }),
      ...(spec.strike === undefined ? {} : { strike: spec.strike }),
      ...(spec.right === undefined ? {} : { right: spec.right }),
      multiplier: spec.multiplier,
      settlement: spec.settlement,
      currency: spec.currency ?? (spec.settlement === 'inverse' ? spec.underlying : 'USD'),
    }),
  );

export type InstrumentSpecInput = z.input<typeof InstrumentSpecInputSchema>;

/** Futures and perpetuals: delta-one contracts, carried at an entry price (their value is the P&L from it). */
export function isDeltaOne(spec: Pick<InstrumentSpec, 'kind'>): boolean {
  return spec.kind === 'future' || spec.kind === 'perpetual';
}
