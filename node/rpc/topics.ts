/**
 * The WebSocket topics a node publishes to RPC clients (docs/rpc.md, "Subscriptions"):
 *   blocks        each block connected to the best chain: { hash, height, txs, connectedms }
 *                 (connectedms: the node's wall clock, sub-millisecond, when it connected the block;
 *                 comparable across processes on one machine: the propagation bench times with it);
 *   transactions  each transaction accepted to the mempool: { txid, fee, size };
 *   gossipblocks  each new gossiped block as it arrives, before it is validated:
 *                 { hash, height (its parent's + 1, null when the parent is unknown), peer, receivedms }
 *                 (the netsim measures propagation at arrival with it).
 */
import { fromHex, toHex } from '../../consensus/index.js';
import type { BlockGossipEvent, P2pNode } from '../../p2p/index.js';
import type { Chain } from '../chain/index.js';
import type { Mempool, MempoolTxEvent } from '../mempool/index.js';
import type { RpcServer } from './server.js';

export const NODE_TOPICS = ['blocks', 'transactions', 'gossipblocks'] as const;

export interface TopicSources {
  readonly rpc: Pick<RpcServer, 'registerTopic' | 'publish'>;
  readonly chain: Pick<Chain<unknown>, 'on' | 'off' | 'getEntry'>;
  readonly mempool: Pick<Mempool, 'on' | 'off'>;
  readonly p2p: Pick<P2pNode, 'on' | 'off'>;
  /**
   * Wall clock, ms since the epoch, read when a block is connected (`connectedms`). The node's is
   * high-resolution (performance.timeOrigin + performance.now(): sub-millisecond, and comparable
   * between processes on one machine, which Date.now's whole milliseconds are too coarse for).
   */
  readonly clock: { now(): number };
}

/** Registers the node's topics (before clients subscribe). */
export function registerNodeTopics(rpc: TopicSources['rpc']): void {
  for (const t of NODE_TOPICS) rpc.registerTopic(t);
}

/** Publishes the sources' events to the topics; returns the functions that stop it. */
export function publishNodeTopics(src: TopicSources): Array<() => void> {
  const { rpc, chain, mempool, p2p, clock } = src;
  const onBlock = ({
    block,
    entry,
  }: {
    block: { hash: Uint8Array; txs: readonly unknown[] };
    entry: { height: number };
  }) => {
    const connectedms = clock.now();
    rpc.publish('blocks', {
      hash: toHex(block.hash),
      height: entry.height,
      txs: block.txs.length,
      connectedms,
    });
  };
  const onTx = (tx: MempoolTxEvent) => {
    rpc.publish('transactions', { txid: tx.txid, fee: tx.fee.toString(), size: tx.size });
  };
  const onGossipBlock = (g: BlockGossipEvent) => {
    const parent = chain.getEntry(fromHex(g.prevHash));
    rpc.publish('gossipblocks', {
      hash: g.hash,
      height: parent ? parent.height + 1 : null,
      peer: g.peerId,
      receivedms: g.receivedMs,
    });
  };
  chain.on('block', onBlock);
  mempool.on('tx', onTx);
  p2p.on('block:gossip', onGossipBlock);
  return [
    () => chain.off('block', onBlock),
    () => mempool.off('tx', onTx),
    () => p2p.off('block:gossip', onGossipBlock),
  ];
}
