/**
 * Benchmark fixtures: a devnet chain with many spendable coins and blocks full of signed
 * transactions, built once per run through the real consensus (bcrypto verifier for speed).
 */
import {
  type BlockWithIds,
  type Coin,
  devnetParams,
  type OutPoint,
  type Transaction,
  TX_VERSION,
  withId,
} from '../../consensus/index.js';
import { bcryptoVerifier } from '../../node/verify/index.js';
import { type KeyPair, keyPair, signTx, TestChain } from '../../test/utils/chainBuilder.js';
import { linearParams } from '../../test/utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
export interface BenchChain {
  readonly chain: TestChain;
  /** Blocks after genesis, in order (the first ~102 prepare coins; the rest are full). */
  readonly blocks: BlockWithIds[];
  /** Index in `blocks` of the first full block. */
  readonly firstFull: number;
  readonly txsPerBlock: number;
}

/** Spends one mature coinbase into `n` outputs of equal value (owned by `key`). */
function fanOut(from: { op: OutPoint; coin: Coin }, n: number, key: KeyPair, chain: TestChain): Transaction {
  const fee = 100_000n;
  const each = (from.coin.value - fee) / BigInt(n);
  const outputs = Array.from({ length: n }, () => ({ value: each, pubKeyHash: key.pkh }));
  return chain.spend(from, outputs);
}

export async function buildBenchChain(fullBlocks: number, txsPerBlock: number): Promise<BenchChain> {
  const chain = new TestChain(linearDevnet, bcryptoVerifier);
  const spender = keyPair('bench-spender');
  const blocks: BlockWithIds[] = [];
  const mine = async (opts: Parameters<TestChain['mine']>[0] = {}) => {
    blocks.push(await chain.mine(opts));
  };
  for (let i = 0; i < 100 + fullBlocks; i++) await mine();
  // One fan-out per full block, each from its own mature coinbase, all in one block.
  const fans: Transaction[] = [];
  for (let b = 0; b < fullBlocks; b++)
    fans.push(fanOut(chain.coinbaseOutpoint(b + 1), txsPerBlock, spender, chain));
  const fanFees = 100_000n * BigInt(fullBlocks);
  await mine({ txs: fans, fees: fanFees });
  const firstFull = blocks.length;
  for (let b = 0; b < fullBlocks; b++) {
    const fan = withId(fans[b]!);
    const txs: Transaction[] = [];
    for (let i = 0; i < txsPerBlock; i++) {
      const out = fan.tx.outputs[i]!;
      txs.push(
        signTx(
          {
            version: TX_VERSION,
            inputs: [{ prevout: { txid: fan.txid, index: i } }],
            outputs: [{ value: out.value - 2_000n, pubKeyHash: spender.pkh }],
            lockTime: 0,
          },
          [out],
          [spender],
          linearDevnet,
        ),
      );
    }
    await mine({ txs, fees: 2_000n * BigInt(txsPerBlock) });
  }
  return { chain, blocks, firstFull, txsPerBlock };
}
