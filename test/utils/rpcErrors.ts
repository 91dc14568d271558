/** The JSON-RPC error of a call the test expects to fail. */
import { strict as assert } from 'node:assert';
import { RpcError } from '../../node/rpc/index.js';

/** The JSON-RPC error code `p` rejects with (fails if it resolves). */
export async function rpcCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e.rpcCode;
    throw e;
  }
  assert.fail('expected an RPC error');
}
