import { Trainer } from '../training/trainer.js';
console.log(process.getActiveResourcesInfo());
const t = new Trainer({ shard: { index: 0, count: 3 } });
await t.start();
console.log(process.getActiveResourcesInfo());
await t.stop();
await new Promise((r) => setImmediate(r));
console.log(process.getActiveResourcesInfo());
