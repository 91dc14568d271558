/**
 * Parameter schemas shared by the RPC namespaces, amount conversion, and the mapping from a zod
 * validation failure to Bitcoin Core's error codes.
 *
 * Amounts: 1 QXC = 100,000,000 base units (bigint). Parsing never uses float arithmetic: a
 * decimal string is parsed digit by digit; a JSON number is first turned back into its shortest
 * round-trip decimal text (`String(n)`), which for every amount up to 2^26 QXC with at most 8
 * decimals is exactly the text the client sent (up to notation: 1e-8 vs 0.00000001).
 */
import { z } from 'zod';
import { COIN } from '../../consensus/index.js';
import { AMOUNT_DECIMALS } from './amount.js';
import { RPC_INVALID_PARAMETER, RPC_TYPE_ERROR, type RpcError, rpcError } from './errors.js';

/**
 * Upper bound for amounts accepted over RPC: 21,000,000 QXC, the design's supply cap (Bitcoin's
 * MAX_MONEY). A range check on user input only; consensus enforces each network's `maxSupply`.
 */
export const MAX_MONEY = 21_000_000n * COIN;

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Longest amount text we look at; longer input is rejected before any BigInt work. */
const MAX_AMOUNT_TEXT = 64;

/**
 * Parse decimal text ("1.5", "0.00000001", "1e-8", "21000000") into base units, exactly.
 * Returns undefined if the text is not a decimal number or has more than 8 significant
 * decimals (trailing zeros beyond the 8th decimal are allowed, as in Bitcoin Core's
 * ParseFixedPoint). Range is not checked here.
 */
export function parseAmountText(text: string): bigint | undefined {
  if (text.length === 0 || text.length > MAX_AMOUNT_TEXT) return undefined;
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const exp = m[4] === undefined ? 0 : Number.parseInt(m[4], 10);
  // Digits of the mantissa and the number of them after the point, after applying the exponent.
  let digits = intPart + fracPart;
  let scale = fracPart.length - exp;
  if (scale > AMOUNT_DECIMALS) {
    const extra = scale - AMOUNT_DECIMALS;
    if (extra > digits.length) {
      if (!/^0*$/.test(digits)) return undefined;
      digits = '0';
    } else {
      if (!/^0*$/.test(digits.slice(digits.length - extra))) return undefined;
      digits = digits.slice(0, digits.length - extra) || '0';
    }
    scale = AMOUNT_DECIMALS;
  }
  const shift = AMOUNT_DECIMALS - scale;
  // A large positive exponent would make 10^shift huge; such a value is far out of every amount
  // range, and Bitcoin Core's ParseFixedPoint rejects it as unparsable too.
  const significant = digits.replace(/^0+/, '');
  if (significant.length === 0) return 0n;
  if (significant.length + shift > 30) return undefined;
  const units = BigInt(digits) * 10n ** BigInt(shift);
  return negative ? -units : units;
}

export interface AmountRange {
  /** Smallest accepted amount in base units; default 0 (negative amounts rejected). */
  min?: bigint;
  /** Largest accepted amount in base units; default MAX_MONEY. */
  max?: bigint;
}

/**
 * Amount from a JSON value (number or decimal string) to base units, as Bitcoin Core's
 * AmountFromValue: every failure is RPC_TYPE_ERROR ("Amount is not a number or string",
 * "Invalid amount", "Amount out of range").
 */
export function parseAmount(value: unknown, range: AmountRange = {}): bigint {
  const units = amountOrProblem(value, range);
  if (typeof units === 'string') throw rpcError(RPC_TYPE_ERROR, units);
  return units;
}

function amountOrProblem(value: unknown, range: AmountRange): bigint | string {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'Invalid amount';
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return 'Amount is not a number or string';
  }
  const units = parseAmountText(text);
  if (units === undefined) return 'Invalid amount';
  const min = range.min ?? 0n;
  const max = range.max ?? MAX_MONEY;
  if (units < min || units > max) return 'Amount out of range';
  return units;
}

/** A zod schema for an amount parameter: JSON number or decimal string in, bigint units out. */
export function makeAmountSchema(range: AmountRange = {}): z.ZodType<bigint, unknown> {
  return z.unknown().transform((value, ctx) => {
    const units = amountOrProblem(value, range);
    if (typeof units === 'string') {
      ctx.addIssue({ code: 'custom', message: units, params: { rpcCode: RPC_TYPE_ERROR } });
      return z.NEVER;
    }
    return units;
  });
}

/** Amount in [0, MAX_MONEY] QXC, ≤ 8 decimals, as bigint base units. */
export const amountSchema: z.ZodType<bigint, unknown> = makeAmountSchema();

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Hex string (even length) → bytes. Errors: RPC_INVALID_PARAMETER "must be hexadecimal string". */
export const hexBytesSchema: z.ZodType<Uint8Array, unknown> = z
  .string()
  .refine((s) => HEX_RE.test(s), {
    message: 'must be hexadecimal string',
    params: { rpcCode: RPC_INVALID_PARAMETER },
  })
  .transform(hexToBytes);

/**
 * A 32-byte hash as 64 hex characters (Bitcoin's display order), returned lowercased as text; the
 * namespace decides byte order. Errors as Bitcoin Core's ParseHashV: RPC_INVALID_PARAMETER.
 */
export const hashHexSchema: z.ZodType<string, unknown> = z
  .string()
  .refine((s) => s.length === 64, {
    message: 'must be of length 64',
    params: { rpcCode: RPC_INVALID_PARAMETER },
  })
  .refine((s) => HEX_RE.test(s), {
    message: 'must be hexadecimal string',
    params: { rpcCode: RPC_INVALID_PARAMETER },
  })
  .transform((s) => s.toLowerCase());

/** A block height or count: a non-negative JSON integer (safe range). */
export const heightSchema: z.ZodType<number, unknown> = z.number().int().min(0);

/** A JSON boolean. */
export const booleanSchema: z.ZodType<boolean, unknown> = z.boolean();

/**
 * Map a failed parameter validation to Bitcoin Core's codes: a wrong JSON type →
 * RPC_TYPE_ERROR (-3); a right type with a bad value → RPC_INVALID_PARAMETER (-8); a custom
 * check may choose its code with `params: { rpcCode }`. The message names the parameter.
 */
export function rpcErrorFromZod(paramName: string, error: z.ZodError): RpcError {
  const issue = error.issues[0];
  if (!issue) return rpcError(RPC_INVALID_PARAMETER, `Invalid parameter "${paramName}"`);
  let code: number = RPC_INVALID_PARAMETER;
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    code = RPC_TYPE_ERROR;
  } else if (issue.code === 'custom') {
    const requested: unknown = issue.params?.rpcCode;
    if (typeof requested === 'number') code = requested;
  }
  const where = issue.path.length > 0 ? `${paramName}.${issue.path.map(String).join('.')}` : paramName;
  return rpcError(code, `Invalid parameter "${where}": ${issue.message}`);
}
