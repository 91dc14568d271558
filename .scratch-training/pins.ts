import { evaluationSeed, toHex, ZERO_HASH } from '../consensus/index.js';
import { createNetworkEvaluator, jsKernel } from '../training/index.js';
const ev = createNetworkEvaluator({ kernel: jsKernel });
const m = ev.initialModel();
console.log(toHex(ev.modelHash(m)), ev.encodeModel(m).length);
const seed = evaluationSeed(ZERO_HASH);
console.log(ev.score(m, seed, 4096), JSON.stringify(ev.scoreByDomain(m, seed, 4096)));
