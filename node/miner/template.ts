/**
 * Block templates: a coinbase paying the block reward plus the fees of the transactions the pool
 * selects, split as consensus requires (the genesis address's share first, the miner's output
 * last, coinbase lockTime = height), the merkle root over every wtxid (and the model update's id
 * when the block carries one), the resulting model hash (the tip's without an update), the
 * expected bits, and a time past the median time past. Right after the genesis output the
 * coinbase pays what the tip's contributors are owed (consensus money.ts: a block's contributors
 * are paid by the next block). With a model update the coinbase claims the bonus for the update's
 * claimedPpm (chosen by the proposer below the improvement it measured on local seeds; the miner
 * re-checks it on the found hash), less the contributors' pool, which the next block pays out.
 */
import {
  BLOCK_VERSION,
  type Block,
  blockMerkleRoot,
  blockReward,
  contributorPool,
  encodeModelUpdate,
  HEADER_SIZE,
  improvementBonus,
  modelUpdateId,
  type NetworkParams,
  type Payout,
  splitCoinbase,
  type Transaction,
  TX_VERSION,
  type TxOutput,
  txSize,
  wtxid,
} from '../../consensus/index.js';
import { MinerError } from './errors.js';
import type {
  BlockTemplate,
  MinerMempool,
  NextBlockContext,
  TemplateOptions,
  TemplateUpdate,
} from './types.js';

/** Room for the block's transaction count varint (at most 5 bytes) and the update flag byte. */
const BLOCK_FRAMING = 5 + 1;

export function coinbaseTransaction(
  height: number,
  total: bigint,
  minerPkh: Uint8Array,
  params: NetworkParams,
  payouts: readonly Payout[] = [],
  pool = 0n,
): Transaction {
  let owed = 0n;
  for (const p of payouts) owed += p.value;
  // The split is on what the coinbase creates for this block plus its contributors' pool.
  const own = total - owed;
  const { genesis } = splitCoinbase(own + pool, params);
  const miner = own - genesis;
  if (own < 0n || miner < 0n) {
    throw new MinerError({
      code: 'MINER_BAD_TEMPLATE',
      detail: `coinbase total ${total} cannot pay ${owed} owed to contributors and the genesis share ${genesis}`,
    });
  }
  const outputs: TxOutput[] = [];
  if (genesis > 0n) outputs.push({ value: genesis, pubKeyHash: params.genesisPubKeyHash });
  for (const p of payouts) outputs.push({ value: p.value, pubKeyHash: p.pubKeyHash });
  outputs.push({ value: miner, pubKeyHash: minerPkh });
  return { version: TX_VERSION, inputs: [], outputs, lockTime: height, witnesses: [] };
}

/** Size of the coinbase with `payouts` (values are fixed-width, so the total does not matter). */
function coinbaseSize(params: NetworkParams, payouts: readonly Payout[]): number {
  return txSize(coinbaseTransaction(0, params.maxSupply, new Uint8Array(20), params, payouts));
}

export function buildTemplate(
  ctx: NextBlockContext,
  mempool: MinerMempool,
  minerPkh: Uint8Array,
  params: NetworkParams,
  opts: TemplateOptions = {},
  update?: TemplateUpdate,
): BlockTemplate {
  if (minerPkh.length !== 20) {
    throw new MinerError({
      code: 'MINER_BAD_ADDRESS',
      address: '',
      detail: 'public-key hash must be 20 bytes',
    });
  }
  const maxBlockSize = Math.min(opts.maxBlockSize ?? params.maxBlockSize, params.maxBlockSize);
  const updateSize = update ? encodeModelUpdate(update.update).length : 0;
  const rewardInput = {
    height: ctx.height,
    improvementPpm: update?.update.claimedPpm ?? 0,
    issuedBefore: ctx.issued,
  };
  const reward = blockReward(rewardInput, params);
  const payouts = ctx.owed;
  const pool = update ? contributorPool(improvementBonus(rewardInput, params), params) : 0n;
  const room = maxBlockSize - HEADER_SIZE - BLOCK_FRAMING - coinbaseSize(params, payouts) - updateSize;
  const selection = room > 0 ? mempool.selectForBlock(room) : { txs: [], fees: 0n };
  let owed = 0n;
  for (const p of payouts) owed += p.value;
  const coinbase = coinbaseTransaction(
    ctx.height,
    reward - pool + selection.fees + owed,
    minerPkh,
    params,
    payouts,
    pool,
  );
  const txs: Transaction[] = [coinbase];
  const wtxids = [wtxid(coinbase)];
  let size = HEADER_SIZE + varintLen(selection.txs.length + 1) + 1 + txSize(coinbase) + updateSize;
  for (const t of selection.txs) {
    txs.push(t.tx);
    wtxids.push(t.wtxid);
    size += t.size;
  }
  const time = Math.max(ctx.now, ctx.medianTimePast + 1, opts.minTime ?? 0);
  return {
    header: {
      version: BLOCK_VERSION,
      prevHash: ctx.prevHash,
      merkleRoot: blockMerkleRoot(wtxids, update ? modelUpdateId(update.update) : null),
      modelHash: update ? update.modelHash : ctx.modelHash,
      time,
      bits: ctx.bits,
      nonce: 0n,
    },
    txs,
    fees: selection.fees,
    reward,
    update: update?.update ?? null,
    height: ctx.height,
    size,
  };
}

/** The block of `tpl` with `nonce` in its header. */
export function templateBlock(tpl: BlockTemplate, nonce: bigint): Block {
  return { header: { ...tpl.header, nonce }, txs: tpl.txs, update: tpl.update };
}

function varintLen(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : 5;
}
