// Node 20 lacks Promise.withResolvers, which libp2p's queues use. Loaded before any test imports.
import '../../node/polyfill.js';
