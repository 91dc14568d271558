/**
 * Wallet namespace: Bitcoin Core's wallet methods with their names, parameter positions and result
 * shapes, for the node's single wallet (`<datadir>/wallet.json`). Parameters Core has but qenex
 * cannot honour are declared (so positions line up) and rejected with RPC_INVALID_PARAMETER when
 * set to anything but their neutral value. qenex additions: `getbalances` as in Core,
 * `walletcreatetransaction` (a signed dry run) and `exportxpub`.
 *
 * Units: amounts in QXC (JSON numbers or decimal strings, 8 decimals); `fee_rate` in base units
 * per byte like Core's sat/vB (the wallet library works in units per 1000 bytes).
 */
import { z } from 'zod';
import { encodeTx, fromHex, toHex, withId } from '../../../consensus/index.js';
import { accountPath, isValidAddress, KEYSTORE_VERSION, type Wallet } from '../../../wallet/index.js';
import { TrustOracle, type WalletService, walletBalances } from '../../wallet/index.js';
import { formatAmount } from '../amount.js';
import {
  RPC_INVALID_ADDRESS_OR_KEY,
  RPC_INVALID_PARAMETER,
  RPC_METHOD_DEPRECATED,
  RPC_WALLET_INVALID_LABEL_NAME,
  rpcError,
} from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import { amountSchema, booleanSchema, heightSchema } from '../validators.js';
import { txToJson } from './format.js';
import { hashParam } from './util.js';
import { type RpcWalletContext, walletOf, walletServiceOf } from './walletContext.js';
import {
  feeRateSchema,
  txAmountAndFee,
  txDetails,
  txEntries,
  txInfo,
  type WalletViewContext,
  walletCall,
} from './walletFormat.js';
import { walletSigningMethods } from './walletSign.js';

export type { RpcWalletContext } from './walletContext.js';

const MAX_CONF = 9_999_999;
const stringSchema = z.string();
const intSchema = z.number().int();

export function walletMethods(ctx: RpcWalletContext): RpcMethod[] {
  const { params } = ctx;

  const service = (): WalletService => walletServiceOf(ctx);
  const wallet = (): Wallet => walletOf(ctx);
  const view = (w: Wallet): WalletViewContext => ({
    wallet: w,
    trust: new TrustOracle(w, (txid) => ctx.mempool.has(txid)),
    blockTime: (hash) => ctx.chain.getEntry(fromHex(hash))?.time,
    mempoolTime: (txid) => {
      const e = ctx.mempool.get(txid);
      return e ? Math.floor(e.time / 1000) : undefined;
    },
  });
  const unsupported = (name: string, why: string) => rpcError(RPC_INVALID_PARAMETER, `${name}: ${why}`);
  const lastProcessed = (w: Wallet) => ({ hash: w.tip?.hash ?? null, height: w.tip?.height ?? -1 });

  return [
    defineMethod({
      name: 'getnewaddress',
      description: 'Returns a new address for receiving payments, optionally labelled.',
      params: [
        param('label', stringSchema, { optional: true, description: 'label of the address ("" = none)' }),
        param('address_type', stringSchema, { optional: true, description: 'not supported (one type)' }),
      ],
      result: '"str" (string) The new address',
      handler: ({ label, address_type }) =>
        walletCall(async () => {
          if (address_type !== undefined)
            throw unsupported('address_type', 'qenex has a single address type');
          if (label === '*') throw rpcError(RPC_WALLET_INVALID_LABEL_NAME, 'Invalid label name');
          return service().getNewAddress(label === undefined || label === '' ? undefined : label);
        }),
    }),
    defineMethod({
      name: 'getbalance',
      description:
        'Returns the total available balance: trusted coins with at least minconf confirmations (the wallet’s own unconfirmed change counts at minconf 0; others’ unconfirmed payments never do).',
      params: [
        param('dummy', stringSchema, { optional: true, description: 'must be excluded or "*"' }),
        paramWithDefault('minconf', heightSchema, 0),
        paramWithDefault('include_watchonly', booleanSchema, true),
        paramWithDefault('avoid_reuse', booleanSchema, false),
      ],
      result: 'n (numeric) The total amount in QXC',
      handler: ({ dummy, minconf, avoid_reuse }) =>
        walletCall(() => {
          if (dummy !== undefined && dummy !== '*') {
            throw rpcError(RPC_METHOD_DEPRECATED, 'dummy first argument must be excluded or set to "*".');
          }
          if (avoid_reuse) throw unsupported('avoid_reuse', 'the wallet does not track address reuse');
          const w = wallet();
          return formatAmount(walletBalances(w, view(w).trust, minconf).trusted);
        }),
    }),
    defineMethod({
      name: 'getbalances',
      description: 'Returns the balances in QXC: trusted, untrusted_pending and immature.',
      params: [],
      handler: () =>
        walletCall(() => {
          const w = wallet();
          const b = walletBalances(w, view(w).trust, 0);
          return {
            mine: {
              trusted: formatAmount(b.trusted),
              untrusted_pending: formatAmount(b.untrustedPending),
              immature: formatAmount(b.immature),
            },
            lastprocessedblock: lastProcessed(w),
          };
        }),
    }),
    defineMethod({
      name: 'listunspent',
      description:
        'Returns the spendable unspent outputs with between minconf and maxconf confirmations (immature coinbase outputs and coins reserved by a payment in flight excluded).',
      params: [
        paramWithDefault('minconf', heightSchema, 1),
        paramWithDefault('maxconf', heightSchema, MAX_CONF),
        param('addresses', z.array(z.string()), { optional: true, description: 'only these addresses' }),
        paramWithDefault('include_unsafe', booleanSchema, true),
        param('query_options', z.record(z.string(), z.unknown()), {
          optional: true,
          description: 'not supported',
        }),
      ],
      handler: ({ minconf, maxconf, addresses, include_unsafe, query_options }) =>
        walletCall(() => {
          if (query_options !== undefined && Object.keys(query_options).length > 0)
            throw unsupported('query_options', 'not supported');
          const only = new Set<string>();
          for (const a of addresses ?? []) {
            if (!isValidAddress(a, params))
              throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, `Invalid qenex address: ${a}`);
            if (only.has(a))
              throw rpcError(RPC_INVALID_PARAMETER, `Invalid parameter, duplicated address: ${a}`);
            only.add(a);
          }
          const w = wallet();
          const { trust } = view(w);
          return w
            .listUnspent({ minConf: minconf, maxConf: maxconf })
            .filter((c) => !c.locked && (only.size === 0 || only.has(c.address)))
            .map((c) => ({ c, safe: trust.isTrusted(c.txid) }))
            .filter(({ safe }) => safe || include_unsafe)
            .map(({ c, safe }) => ({
              txid: c.txid,
              vout: c.index,
              address: c.address,
              ...(c.label !== undefined ? { label: c.label } : {}),
              amount: formatAmount(c.value),
              confirmations: c.confirmations,
              spendable: true,
              solvable: true,
              safe,
            }));
        }),
    }),
    defineMethod({
      name: 'sendtoaddress',
      description:
        'Sends an amount to an address; returns the txid. Needs the wallet unlocked (walletpassphrase). fee_rate is in base units per byte (like sat/vB); default: the mempool’s current minimum.',
      params: [
        param('address', stringSchema),
        param('amount', amountSchema),
        param('comment', stringSchema, { optional: true, description: 'not stored: must be empty' }),
        param('comment_to', stringSchema, { optional: true, description: 'not stored: must be empty' }),
        paramWithDefault('subtractfeefromamount', booleanSchema, false),
        paramWithDefault('replaceable', booleanSchema, false),
        param('conf_target', intSchema, { optional: true, description: 'not supported' }),
        param('estimate_mode', stringSchema, { optional: true, description: 'only "unset"' }),
        paramWithDefault('avoid_reuse', booleanSchema, false),
        param('fee_rate', feeRateSchema, { optional: true, description: 'base units per byte' }),
        paramWithDefault('verbose', booleanSchema, false),
      ],
      result: '"hex" (string) The transaction id',
      handler: (p) =>
        walletCall(async () => {
          if (p.comment || p.comment_to) throw unsupported('comment', 'the qenex wallet stores no comments');
          if (p.subtractfeefromamount)
            throw unsupported('subtractfeefromamount', 'not supported: the fee is paid on top');
          if (p.replaceable) throw unsupported('replaceable', 'qenex transactions are never replaceable');
          if (p.conf_target !== undefined) throw unsupported('conf_target', 'not supported; use fee_rate');
          if (p.estimate_mode !== undefined && p.estimate_mode.toLowerCase() !== 'unset')
            throw unsupported('estimate_mode', 'not supported; use fee_rate');
          if (p.avoid_reuse) throw unsupported('avoid_reuse', 'the wallet does not track address reuse');
          if (p.verbose) throw unsupported('verbose', 'not supported');
          const built = await service().send({
            outputs: [{ address: p.address, amount: p.amount }],
            ...(p.fee_rate !== undefined ? { feeRate: p.fee_rate } : {}),
          });
          ctx.broadcast?.(withId(built.tx));
          return built.txid;
        }),
    }),
    defineMethod({
      name: 'walletcreatetransaction',
      description:
        'qenex: builds and signs a payment like sendtoaddress without sending it or reserving anything (needs the wallet unlocked); returns the transaction, its fee and size.',
      params: [
        param('address', stringSchema),
        param('amount', amountSchema),
        param('fee_rate', feeRateSchema, { optional: true, description: 'base units per byte' }),
      ],
      handler: ({ address, amount, fee_rate }) =>
        walletCall(async () => {
          const b = await service().send({
            outputs: [{ address, amount }],
            dryRun: true,
            ...(fee_rate !== undefined ? { feeRate: fee_rate } : {}),
          });
          return {
            txid: b.txid,
            hex: toHex(encodeTx(b.tx)),
            size: b.size,
            fee: formatAmount(b.fee),
            fee_rate: Number(b.feeRate) / 1000,
            inputs: b.inputs.map((i) => ({
              txid: i.txid,
              vout: i.index,
              address: i.address,
              amount: formatAmount(i.value),
            })),
            outputs: b.outputs.map((o, n) => ({
              n,
              address: o.address,
              amount: formatAmount(o.value),
              change: o.change,
            })),
            decoded: txToJson(b.tx, params),
          };
        }),
    }),
    defineMethod({
      name: 'listtransactions',
      description:
        'Returns up to count most recent wallet transaction entries, skipping the first skip (most recent first), oldest first.',
      params: [
        param('label', stringSchema, { optional: true, description: '"*" for all' }),
        paramWithDefault('count', intSchema, 10),
        paramWithDefault('skip', intSchema, 0),
        paramWithDefault('include_watchonly', booleanSchema, true),
      ],
      handler: ({ label, count, skip }) =>
        walletCall(() => {
          if (count < 0) throw rpcError(RPC_INVALID_PARAMETER, 'Negative count');
          if (skip < 0) throw rpcError(RPC_INVALID_PARAMETER, 'Negative from');
          const w = wallet();
          const v = view(w);
          const filter = label === undefined || label === '*' ? undefined : label;
          const all = w
            .listTransactions({ count: Number.MAX_SAFE_INTEGER })
            .flatMap((t) => txEntries(t, v, filter));
          const end = Math.max(0, all.length - skip);
          return all.slice(Math.max(0, end - count), end);
        }),
    }),
    defineMethod({
      name: 'gettransaction',
      description: 'Get detailed information about an in-wallet transaction.',
      params: [
        param('txid', hashParam),
        paramWithDefault('include_watchonly', booleanSchema, true),
        paramWithDefault('verbose', booleanSchema, false),
      ],
      handler: ({ txid, verbose }) =>
        walletCall(() => {
          const w = wallet();
          const t = w.getTransaction(txid);
          if (!t) throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, 'Invalid or non-wallet transaction id');
          return {
            ...txAmountAndFee(t),
            ...txInfo(t, view(w)),
            details: txDetails(t, w),
            hex: toHex(encodeTx(t.tx)),
            ...(verbose ? { decoded: txToJson(t.tx, params) } : {}),
          };
        }),
    }),
    defineMethod({
      name: 'walletpassphrase',
      description:
        'Stores the wallet decryption key in memory for timeout seconds (at most 100000000); needed before sending.',
      params: [param('passphrase', stringSchema), param('timeout', z.number())],
      handler: ({ passphrase, timeout }) =>
        walletCall(async () => {
          if (passphrase === '') throw rpcError(RPC_INVALID_PARAMETER, 'passphrase can not be empty');
          if (timeout < 0) throw rpcError(RPC_INVALID_PARAMETER, 'Timeout cannot be negative.');
          await service().unlock(passphrase, timeout);
          return null;
        }),
    }),
    defineMethod({
      name: 'walletlock',
      description: 'Removes the wallet encryption key from memory, locking the wallet.',
      params: [],
      handler: () =>
        walletCall(() => {
          service().lock();
          return null;
        }),
    }),
    defineMethod({
      name: 'getwalletinfo',
      description: 'Returns an object containing various wallet state info.',
      params: [],
      handler: () =>
        walletCall(() => {
          const svc = service();
          const w = svc.requireWallet();
          const b = walletBalances(w, view(w).trust, 0);
          const lock = svc.unlockStatus();
          const unlockedUntil = lock.locked
            ? { unlocked_until: 0 }
            : lock.unlockedUntil !== null
              ? { unlocked_until: Math.floor(lock.unlockedUntil / 1000) }
              : {};
          return {
            walletname: 'wallet',
            walletversion: KEYSTORE_VERSION,
            format: 'qenex-keystore',
            balance: formatAmount(b.trusted),
            unconfirmed_balance: formatAmount(b.untrustedPending),
            immature_balance: formatAmount(b.immature),
            txcount: w.listTransactions({ count: Number.MAX_SAFE_INTEGER }).length,
            keypoolsize: w.options.gapLimit,
            ...unlockedUntil,
            paytxfee: 0,
            private_keys_enabled: true,
            avoid_reuse: false,
            scanning: svc.scanning,
            descriptors: false,
            external_signer: false,
            lastprocessedblock: lastProcessed(w),
            locked: lock.locked,
            network: params.name,
          };
        }),
    }),
    defineMethod({
      name: 'exportxpub',
      description:
        'qenex: the wallet account’s extended public key (watch-only export: it reveals every address, not the keys).',
      params: [],
      handler: () =>
        walletCall(() => {
          const w = wallet();
          return { xpub: w.exportXpub(), path: accountPath(params, w.options.account), network: params.name };
        }),
    }),
    ...walletSigningMethods(ctx),
  ];
}
