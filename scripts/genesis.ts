/**
 * Mines the genesis block of each network once (or of one: `tsx scripts/genesis.ts devnet`) and
 * prints the nonce and hash to paste into consensus/params/networks.ts.
 */

import type { NetworkName } from '../consensus/index.js';
import { checkProofOfWork, genesisHeader, headerHash, NETWORKS, toHex } from '../consensus/index.js';

const only = process.argv[2] as NetworkName | undefined;
for (const params of Object.values(NETWORKS)) {
  if (only && params.name !== only) continue;
  let nonce = 0n;
  for (;;) {
    const header = genesisHeader({ ...params.genesis, nonce }, params);
    const hash = headerHash(header);
    try {
      checkProofOfWork(hash, header.bits, params.powLimitBits);
      console.log(`${params.name}: nonce ${nonce}n hash '${toHex(hash)}'`);
      break;
    } catch {
      nonce++;
    }
  }
}
