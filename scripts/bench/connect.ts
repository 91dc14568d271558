/**
 * Block connect only (node.ts's blockConnect, without its RPC part): blocks full of signed
 * transactions through Chain.processBlock on LevelDB beside the pure consensus transition.
 */
import { blockConnect } from './node.js';

export async function run(): Promise<void> {
  await blockConnect();
}
