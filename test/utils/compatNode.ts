/**
 * The Bitcoin-compatibility tests' node: a real in-process devnet node (LevelDB in a temp dir,
 * RPC on a free loopback port, cookie auth) with its own wallet, whose logger writes to
 * `logLines`; block 1 pays the wallet, 100 more blocks pay another key, so that block 1's
 * coinbase output (`coin`) is mature.
 */

import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Block,
  blockMerkleRoot,
  decodeTx,
  devnetParams,
  fromHex,
  type Transaction,
  toHex,
  wtxid,
} from '../../consensus/index.js';
import { parseArgs } from '../../node/config/index.js';
import { createNode, type QenexNode } from '../../node/createNode.js';
import { RpcClient } from '../../node/rpc/index.js';
import { WALLET_FILE_NAME } from '../../node/wallet/index.js';
import { encodeAddress, Wallet } from '../../wallet/index.js';
import { keyPair, mineHeader } from './chainBuilder.js';

export { rpcCode } from './rpcErrors.js';

/** A JSON object of a reply. */
export type Obj = Record<string, unknown>;

/** QXC (a JSON number of a reply) in base units. */
export const units = (qxc: unknown): bigint => BigInt(Math.round((qxc as number) * 1e8));

export const COMPAT_PASSPHRASE = '123456';
/** A key that is not the node's wallet's. */
export const compatOther = keyPair('compat-other');
export const compatOtherAddr = encodeAddress(compatOther.pkh, devnetParams);

export interface CompatNode {
  readonly datadir: string;
  readonly node: QenexNode;
  readonly rpc: RpcClient;
  /** The cookie's Basic authorization header. */
  readonly auth: string;
  readonly logLines: string[];
  readonly walletAddr: string;
  /** The wallet's mature coinbase output (block 1). */
  readonly coin: { txid: string; vout: number; amount: number };
  /** POSTs a raw body with the cookie; the reply text as sent and its content type. */
  post(body: unknown): Promise<{ status: number; type: string | null; text: string }>;
  close(): Promise<void>;
}

export async function startCompatNode(): Promise<CompatNode> {
  const datadir = await mkdtemp(join(tmpdir(), 'qenex-compat-'));
  const logLines: string[] = [];
  let node: QenexNode | undefined;
  try {
    await Wallet.create(
      { path: join(datadir, WALLET_FILE_NAME), passphrase: COMPAT_PASSPHRASE },
      { params: devnetParams },
    );
    const opts = parseArgs({ network: 'devnet', datadir, rpcPort: 0, p2pPort: 0 }, { homedir: datadir });
    // The node makes its own logger (so `logging` is there), writing here.
    node = createNode(opts, { logOutput: { write: (line: string) => void logLines.push(line) } });
    await node.start();
    const rpc = new RpcClient({ url: node.rpc.url, cookieFile: node.rpc.cookieFile! });
    const auth = `Basic ${Buffer.from((await readFile(node.rpc.cookieFile!, 'utf8')).trim()).toString('base64')}`;
    const walletAddr = (await rpc.call('getnewaddress')) as string;
    const [first] = (await rpc.call('generatetoaddress', [1, walletAddr])) as string[];
    await rpc.call('generatetoaddress', [100, compatOtherAddr]);
    const b = (await rpc.call('getblock', [first, 2])) as {
      tx: Array<{
        txid: string;
        vout: Array<{ value: number; n: number; scriptPubKey: { address: string } }>;
      }>;
    };
    const out = b.tx[0]!.vout.find((o) => o.scriptPubKey.address === walletAddr)!;
    const coin = { txid: b.tx[0]!.txid, vout: out.n, amount: out.value };
    const started = node;
    return {
      datadir,
      node: started,
      rpc,
      auth,
      logLines,
      walletAddr,
      coin,
      async post(body) {
        const res = await fetch(started.rpc.url, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
      },
      async close() {
        await started.stop();
        await rm(datadir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await node?.stop().catch(() => {});
    await rm(datadir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A block on `rpc`'s node's tip from getblocktemplate alone, paying `address`; `edit` changes its
 * coinbase (without it, the merkle root must be the template's).
 */
export async function blockFromTemplate(
  rpc: RpcClient,
  address: string,
  edit?: (tx: Transaction) => Transaction,
): Promise<Block> {
  const tpl = (await rpc.call('getblocktemplate', [{ address }])) as {
    version: number;
    previousblockhash: string;
    coinbasetxn: { data: string };
    transactions: Array<{ data: string }>;
    modelhash: string;
    merkleroot: string;
    curtime: number;
    bits: string;
  };
  const coinbase = decodeTx(fromHex(tpl.coinbasetxn.data));
  const txs = [edit ? edit(coinbase) : coinbase, ...tpl.transactions.map((t) => decodeTx(fromHex(t.data)))];
  const merkleRoot = blockMerkleRoot(txs.map(wtxid), null);
  if (!edit) assert.equal(toHex(merkleRoot), tpl.merkleroot);
  const header = mineHeader(
    {
      version: tpl.version,
      prevHash: fromHex(tpl.previousblockhash),
      merkleRoot,
      modelHash: fromHex(tpl.modelhash),
      time: tpl.curtime,
      bits: Number.parseInt(tpl.bits, 16),
      nonce: 0n,
    },
    devnetParams,
  );
  return { header, txs, update: null };
}
