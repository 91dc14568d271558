/**
 * QXC amounts in RPC replies. A handler returns `formatAmount(units)`, an `RpcAmount`; the server's
 * serializer (json.ts) writes it as a JSON number with exactly 8 decimals, as bitcoind does
 * (UniValue keeps the decimal text): 40 QXC → `40.00000000`, one base unit → `0.00000001`. The text
 * comes from the bigint, digit by digit: no float is ever formatted.
 *
 * Anything else that serialises a reply with plain `JSON.stringify` (the dashboard's feed) gets
 * `toJSON()`: the same amount as the nearest JS number (shortest form, `40`). Every amount up to
 * 2^26 QXC, well above the 21,000,000 QXC supply cap, round-trips exactly through that number.
 */
import { COIN } from '../../consensus/index.js';

/** Decimal places of a QXC amount. */
export const AMOUNT_DECIMALS = 8;

/** Base units → exact decimal text with 8 decimals: 150000000n → "1.50000000". */
export function formatAmountString(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / COIN;
  const frac = (abs % COIN).toString().padStart(AMOUNT_DECIMALS, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** An amount of QXC in a reply (base units inside); see the module comment. */
export class RpcAmount {
  constructor(readonly units: bigint) {}

  /** "1.50000000": the JSON number text the RPC server writes. */
  toString(): string {
    return formatAmountString(this.units);
  }

  /** For `JSON.stringify` outside the RPC server: the nearest JS number (1.5). */
  toJSON(): number {
    return Number(formatAmountString(this.units));
  }
}

/** Base units → the reply value of an amount in QXC (written as `1.50000000`). */
export function formatAmount(units: bigint): RpcAmount {
  return new RpcAmount(units);
}
