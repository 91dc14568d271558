/**
 * A third-party Bitcoin client (npm `bitcoin-core` v5, which sends Bitcoin Core's legacy
 * `{id, method, params}` requests through the `request` library) talks to our server unchanged.
 */
import { strict as assert } from 'node:assert';
import Client from 'bitcoin-core';
import {
  RPC_INVALID_PARAMETER,
  RPC_METHOD_NOT_FOUND,
  RPC_TYPE_ERROR,
  type RpcServer,
} from '../../../../node/rpc/index.js';
import { PASSWORD, startPasswordServer, TEST_CHAIN, USER } from './helpers.js';

interface ClientError {
  code: number;
  message: string;
}

async function clientFailure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    return e as ClientError;
  }
  assert.fail('expected the call to fail');
}

describe('rpc server with the bitcoin-core npm client', () => {
  let server: RpcServer;
  let client: Client;
  before(async () => {
    server = await startPasswordServer();
    client = new Client({
      host: `http://127.0.0.1:${server.port}`,
      username: USER,
      password: PASSWORD,
      timeout: 5000,
    });
  });
  after(async () => {
    await server.stop();
  });

  it('calls methods with and without params', async () => {
    assert.equal(await client.command('getblockcount'), TEST_CHAIN.length - 1);
    assert.equal(await client.command('getblockhash', 4), TEST_CHAIN[4]);
    // the client lowercases method names
    assert.equal(await client.command('getBlockHash', 0), TEST_CHAIN[0]);
    // json-bigint builds null-prototype objects; compare the fields
    assert.deepEqual({ ...(await client.command('echoamount', '0.5')) }, { units: '50000000', amount: 0.5 });
    assert.deepEqual({ ...(await client.command('echoamount', 0.00000001)) }, { units: '1', amount: 1e-8 });
  });

  it('sends a batch and gets results and errors per element', async () => {
    const results = (await client.command([
      { method: 'getblockcount', parameters: [] },
      { method: 'getblockhash', parameters: [2] },
      { method: 'getblockhash', parameters: [999] },
      { method: 'nosuchmethod', parameters: [] },
    ])) as unknown[];
    assert.equal(results.length, 4);
    assert.equal(results[0], TEST_CHAIN.length - 1);
    assert.equal(results[1], TEST_CHAIN[2]);
    assert.equal((results[2] as ClientError).code, RPC_INVALID_PARAMETER);
    assert.equal((results[2] as ClientError).message, 'Block height out of range');
    assert.equal((results[3] as ClientError).code, RPC_METHOD_NOT_FOUND);
  });

  it('gets Bitcoin error codes for failing calls (HTTP 500/404 legacy replies)', async () => {
    const range = await clientFailure(client.command('getblockhash', 999));
    assert.equal(range.code, RPC_INVALID_PARAMETER);
    assert.equal(range.message, 'Block height out of range');
    const type = await clientFailure(client.command('getblockhash', 'one'));
    assert.equal(type.code, RPC_TYPE_ERROR);
    assert.match(type.message, /height/);
    const missing = await clientFailure(client.command('nosuchmethod'));
    assert.equal(missing.code, RPC_METHOD_NOT_FOUND);
    assert.equal(missing.message, 'Method not found');
  });

  it('sees HTTP 401 for wrong credentials', async () => {
    const bad = new Client({
      host: `http://127.0.0.1:${server.port}`,
      username: USER,
      password: 'wrong',
      timeout: 5000,
    });
    const e = await clientFailure(bad.command('getblockcount'));
    assert.equal(e.code, 401);
  });
});
