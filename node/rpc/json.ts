/**
 * The server's JSON writer: `JSON.stringify` semantics (toJSON, undefined members skipped, undefined
 * array elements and non-finite numbers as null, TypeError on bigint and on cycles), except that an
 * `RpcAmount` is written as its exact 8-decimal number text (`40.00000000`). Node 20 has no
 * `JSON.rawJSON`, hence a writer of its own rather than a replacer.
 */
import { RpcAmount } from './amount.js';

/** Serialises `value` as JSON text; a value JSON cannot carry at top level gives "null". */
export function stringifyJson(value: unknown): string {
  return write(value, '', null) ?? 'null';
}

/**
 * A JSON-RPC reply object, `{"jsonrpc":"2.0",` (when `jsonrpc2`) `"result":…,"error":…,"id":…}`:
 * the same text as `stringifyJson` of that object, written without building it (the reply of every
 * request goes through here). `result` and `id` are written as members of the reply (a toJSON of
 * theirs gets the key 'result' / 'id'); a member JSON cannot carry is left out, as JSON.stringify
 * leaves it out.
 */
export function stringifyReply(jsonrpc2: boolean, result: unknown, error: unknown, id: unknown): string {
  // No value reachable from the members is the (fresh) reply object, so the cycle check needs
  // only the members' own stacks.
  const r = write(result, 'result', null);
  const e = write(error, 'error', null);
  const i = write(id, 'id', null);
  let text = jsonrpc2 ? '{"jsonrpc":"2.0"' : '{';
  let first = !jsonrpc2;
  if (r !== undefined) {
    text += first ? `"result":${r}` : `,"result":${r}`;
    first = false;
  }
  if (e !== undefined) {
    text += first ? `"error":${e}` : `,"error":${e}`;
    first = false;
  }
  if (i !== undefined) text += first ? `"id":${i}` : `,"id":${i}`;
  return `${text}}`;
}

/**
 * `value` as JSON text, or undefined when JSON cannot carry it. `stack` holds the objects being
 * written around it (cycle check); null until the first object (a primitive needs none).
 */
function write(value: unknown, key: string, stack: object[] | null): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (value instanceof RpcAmount) return value.toString();
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // What toJSON returns is written as is (a primitive, or an object whose own toJSON is not called).
    return writeConverted((value as { toJSON(k: string): unknown }).toJSON(key), stack);
  }
  return writeObject(value as object, stack);
}

/** A value returned by toJSON: written like any value, but its toJSON is not called again. */
function writeConverted(v: unknown, stack: object[] | null): string | undefined {
  if (typeof v === 'object' && v !== null) {
    if (v instanceof RpcAmount) return v.toString();
    return writeObject(v, stack);
  }
  return write(v, '', stack);
}

function writeObject(obj: object, outer: object[] | null): string {
  const stack = outer ?? [];
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
