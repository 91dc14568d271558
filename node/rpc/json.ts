/**
 * The server's JSON writer: `JSON.stringify` semantics (toJSON, undefined members skipped, undefined
 * array elements and non-finite numbers as null, TypeError on bigint and on cycles), except that an
 * `RpcAmount` is written as its exact 8-decimal number text (`40.00000000`). Node 20 has no
 * `JSON.rawJSON`, hence a writer of its own rather than a replacer.
 */
import { RpcAmount } from './amount.js';

/** Serialises `value` as JSON text; a value JSON cannot carry at top level gives "null". */
export function stringifyJson(value: unknown): string {
  return write(value, '', []) ?? 'null';
}

function write(value: unknown, key: string, stack: object[]): string | undefined {
  let v = value;
  if (v instanceof RpcAmount) return v.toString();
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(k: string): unknown }).toJSON(key);
    if (v instanceof RpcAmount) return v.toString();
  }
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (v === null) return 'null';
  const obj = v as object;
  if (stack.includes(obj)) throw new TypeError('Converting circular structure to JSON');
  stack.push(obj);
  let text: string;
  if (Array.isArray(obj)) {
    const parts: string[] = new Array(obj.length);
    for (let i = 0; i < obj.length; i++) parts[i] = write(obj[i], String(i), stack) ?? 'null';
    text = `[${parts.join(',')}]`;
  } else {
    const parts: string[] = [];
    for (const k of Object.keys(obj)) {
      const member = write((obj as Record<string, unknown>)[k], k, stack);
      if (member !== undefined) parts.push(`${JSON.stringify(k)}:${member}`);
    }
    text = `{${parts.join(',')}}`;
  }
  stack.pop();
  return text;
}
