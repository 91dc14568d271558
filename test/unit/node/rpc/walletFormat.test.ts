import { strict as assert } from 'node:assert';
import { RPC_INVALID_PARAMETER } from '../../../../node/rpc/index.js';
import { perByte, walletRpcError } from '../../../../node/rpc/methods/walletFormat.js';
import { WalletError } from '../../../../wallet/index.js';

describe('node/rpc walletFormat', () => {
  it('states a refused fee rate in base units per byte, the unit fee_rate and --fee-rate take', () => {
    // the wallet library counts per 1000 bytes: 500 per kB is 0.5 per byte
    const e = walletRpcError(
      new WalletError({ code: 'FEE_RATE_INVALID', feeRate: 500n, min: 1000n, max: 10_000_000n }),
    );
    assert.ok(e);
    assert.equal(e.rpcCode, RPC_INVALID_PARAMETER);
    assert.equal(e.message, 'fee rate 0.5 base units per byte is outside [1, 10000]');
    assert.doesNotMatch(e.message, /kB/);
  });

  it('writes per-kB rates per byte exactly', () => {
    assert.equal(perByte(1000n), '1');
    assert.equal(perByte(1500n), '1.5');
    assert.equal(perByte(1n), '0.001');
    assert.equal(perByte(12_340n), '12.34');
  });
});
