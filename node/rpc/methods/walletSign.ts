/**
 * Wallet namespace, signing raw transactions: signrawtransactionwithwallet, the partner of
 * createrawtransaction. Each qenex signature commits to every output the transaction spends
 * (consensus sighash.ts), so an input can be signed only when all of them are known: from the
 * mempool, the UTXO set, or the caller's `prevtxs`.
 */
import { z } from 'zod';
import {
  decodeTx,
  encodeTx,
  equalBytes,
  fromHex,
  outpointKey,
  type TxOutput,
  toHex,
} from '../../../consensus/index.js';
import { WalletError } from '../../../wallet/index.js';
import { RPC_DESERIALIZATION_ERROR, RPC_INVALID_PARAMETER, rpcError } from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { amountSchema, hashHexSchema, hexBytesSchema } from '../validators.js';
import { decodeOr22, hashFromHex } from './util.js';
import { type RpcWalletContext, walletOf } from './walletContext.js';
import { walletCall } from './walletFormat.js';

/** What a `prevtxs` entry gives: the output an input spends (scriptPubKey: the 20-byte lock as hex). */
const prevTxSchema = z
  .object({
    txid: hashHexSchema,
    vout: z.number().int().min(0).max(0xffff_ffff),
    scriptPubKey: z.string().regex(/^[0-9a-fA-F]{40}$/, 'must be the 20-byte public-key hash as hex'),
    amount: amountSchema,
  })
  .passthrough();

/** qenex has one signature hash, committing to everything as Bitcoin's ALL does. */
const SIGHASH_TYPES: ReadonlySet<string> = new Set(['DEFAULT', 'ALL']);

export function walletSigningMethods(ctx: RpcWalletContext): RpcMethod[] {
  /** The output `op` names: the mempool's transactions first, then the best chain's UTXO set. */
  const lookup = async (txid: Uint8Array, index: number): Promise<TxOutput | undefined> => {
    const pooled = ctx.mempool.get(txid);
    if (pooled) return pooled.tx.tx.outputs[index];
    return await ctx.chain.getCoin({ txid, index });
  };
  return [
    defineMethod({
      name: 'signrawtransactionwithwallet',
      description:
        'Sign inputs for a raw transaction (serialized, hex-encoded) with the wallet\'s keys; other inputs keep their witness. Needs the wallet unlocked. prevtxs: [{"txid", "vout", "scriptPubKey" (the 20-byte public-key hash, hex), "amount"}] for outputs neither in the mempool nor in the UTXO set. Every input\'s spent output must be known: each signature commits to all of them. Returns {hex, complete, errors?}.',
      params: [
        param('hexstring', hexBytesSchema),
        param('prevtxs', z.array(prevTxSchema), { optional: true }),
        paramWithDefault('sighashtype', z.string(), 'DEFAULT'),
      ],
      handler: ({ hexstring, prevtxs, sighashtype }) =>
        walletCall(async () => {
          if (!SIGHASH_TYPES.has(sighashtype))
            throw rpcError(RPC_INVALID_PARAMETER, `'${sighashtype}' is not a valid sighash parameter.`);
          const wallet = walletOf(ctx);
          if (wallet.locked) throw new WalletError({ code: 'WALLET_LOCKED' });
          const tx = decodeOr22(() => decodeTx(hexstring), 'TX');
          const given = new Map<string, TxOutput>();
          for (const p of prevtxs ?? []) {
            given.set(outpointKey(hashFromHex(p.txid), p.vout), {
              value: p.amount,
              pubKeyHash: fromHex(p.scriptPubKey.toLowerCase()),
            });
          }
          const spent: Array<TxOutput | undefined> = [];
          for (const { prevout } of tx.inputs) {
            const found = await lookup(prevout.txid, prevout.index);
            const stated = given.get(outpointKey(prevout.txid, prevout.index));
            if (found && stated && !sameOutput(found, stated)) {
              throw rpcError(
                RPC_DESERIALIZATION_ERROR,
                `Previous output scriptPubKey mismatch: ${toHex(prevout.txid)}:${prevout.index} locks ${found.value} units to ${toHex(found.pubKeyHash)}`,
              );
            }
            spent.push(found ?? stated);
          }
          const inputError = (i: number, error: string) => ({
            txid: toHex(tx.inputs[i]!.prevout.txid),
            vout: tx.inputs[i]!.prevout.index,
            error,
          });
          const known = spent.filter((o): o is TxOutput => o !== undefined);
          if (known.length < spent.length) {
            return {
              hex: toHex(encodeTx(tx)),
              complete: false,
              errors: spent.map((o, i) =>
                inputError(
                  i,
                  o === undefined
                    ? 'Input not found or already spent'
                    : 'Unable to sign input: another input spends an unknown output (each signature commits to every spent output)',
                ),
              ),
            };
          }
          const signed = wallet.signTransaction(tx, known);
          const errors = signed.valid.flatMap((ok, i) =>
            ok ? [] : [inputError(i, 'Unable to sign input: its key is not in this wallet')],
          );
          return {
            hex: toHex(encodeTx(signed.tx)),
            complete: errors.length === 0,
            ...(errors.length > 0 ? { errors } : {}),
          };
        }),
    }),
  ];
}

function sameOutput(a: TxOutput, b: TxOutput): boolean {
  return a.value === b.value && equalBytes(a.pubKeyHash, b.pubKeyHash);
}
