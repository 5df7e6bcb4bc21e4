/**
 * Per-contract P&L and sensitivities of delta-one instruments (futures, perpetuals, spot) when the reference
 * (mark/index) price moves from p0 to p1. P&L is gain positive (DESIGN.md "Sign") for a long contract; multiply by
 * the signed quantity for a position.
 *
 * - Linear (quote-settled, e.g. CME ES, USDT-margined perps): P&L = multiplier·(p1 − p0), in the quote currency.
 * - Inverse (coin-settled, e.g. Deribit BTC-PERPETUAL, face 10 USD per contract): a contract is a fixed USD face
 *   value, worth face/p coin, and a long gains coin when p rises: P&L = face·(1/p0 − 1/p1), in the coin.
 *   With q = face/p0 the coin-equivalent size and p1 = p0·(1 + m), this is q·(1 − 1/(1 + m)), the form in
 *   methods/crypto-venues.md §1.2 TV-D1 (perp q = 0.314538364, m = −16 % → −0.05991206933 coin).
 *
 * Kernels: never throw, never allocate. Prices must be > 0 for inverse contracts (validated upstream).
 */

/** Linear delta-one P&L of one long contract: multiplier·(p1 − p0), quote currency. */
export function linearDeltaOnePnl(multiplier: number, p0: number, p1: number): number {
  return multiplier * (p1 - p0);
}

/**
 * Inverse delta-one P&L of one long contract of USD face `faceUsd`: face·(1/p0 − 1/p1), in coin.
 * Evaluated as face·(p1 − p0)/(p0·p1): for small moves this avoids subtracting two nearly equal reciprocals
 * (p1 − p0 is exact when the prices are within a factor 2 of each other).
 */
export function inverseDeltaOnePnl(faceUsd: number, p0: number, p1: number): number {
  return (faceUsd * (p1 - p0)) / (p0 * p1);
}

/** Delta of a linear contract, ∂P&L/∂p = multiplier (underlying units; quote currency per unit of price). */
export function linearDeltaOneDelta(multiplier: number): number {
  return multiplier;
}

/**
 * Delta of an inverse contract at price p, ∂P&L/∂p = face/p², in coin per USD of price move. Multiplied by p it
 * is the coin-equivalent exposure face/p.
 */
export function inverseDeltaOneDelta(faceUsd: number, price: number): number {
  return faceUsd / (price * price);
}

/** Gamma of an inverse contract at price p, ∂²P&L/∂p² = −2·face/p³, in coin per USD². (Linear gamma is 0.) */
export function inverseDeltaOneGamma(faceUsd: number, price: number): number {
  return (-2 * faceUsd) / (price * price * price);
}
