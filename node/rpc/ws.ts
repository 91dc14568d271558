/**
 * WebSocket endpoint (`/ws` on the RPC port).
 *
 * Authentication: the upgrade request must carry the same HTTP Basic `Authorization` header as
 * an RPC POST (cookie or user/password). There is deliberately no query-string token: URLs end
 * up in logs and proxies. Unauthenticated upgrades get `401` with `WWW-Authenticate` and the
 * connection is closed.
 *
 * Messages: any JSON-RPC request or batch the HTTP endpoint accepts, answered on the socket
 * (notifications get no answer). Messages from one socket are processed in order. Two extra
 * methods exist only here:
 *   subscribe   [topic]  → true      start receiving `topic` notifications
 *   unsubscribe [topic]  → boolean   false if the socket was not subscribed
 * Server side, `publish(topic, data)` sends every subscriber
 *   {"jsonrpc":"2.0","method":"subscription","params":{"topic":<topic>,"result":<data>}}
 * A socket whose unsent data (`bufferedAmount`) has grown past `maxBufferedBytes` when the next
 * message is due is terminated.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { RPC_INVALID_PARAMETER, RpcServerError, rpcError } from './errors.js';
import type { JsonRpcDispatcher, LocalMethods } from './jsonrpc.js';
import { defineMethod } from './registry.js';
import type { RpcContext, RpcLogger } from './types.js';

export interface WsHubOptions {
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  path: string;
}

export interface WsHubDeps {
  dispatcher: JsonRpcDispatcher;
  logger: RpcLogger;
}

interface Client {
  readonly ws: WebSocket;
  readonly topics: Set<string>;
  readonly ctx: RpcContext;
  local: LocalMethods;
  /** Tail of this socket's message queue. */
  queue: Promise<void>;
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export class RpcWebSocketHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly subscribers = new Map<string, Set<Client>>();

  constructor(
    private readonly opts: WsHubOptions,
    private readonly deps: WsHubDeps,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayloadBytes,
      clientTracking: false,
    });
  }

  /** Declare a topic clients may subscribe to. Throws on a duplicate. */
  registerTopic(topic: string): void {
    if (this.subscribers.has(topic)) throw new RpcServerError({ code: 'RPC_DUPLICATE_TOPIC', topic });
    this.subscribers.set(topic, new Set());
  }

  /** Registered topic names, sorted. */
  topics(): string[] {
    return [...this.subscribers.keys()].sort();
  }

  /** Number of open sockets. */
  get connectionCount(): number {
    return this.clients.size;
  }

  /**
   * Send `data` to every subscriber of `topic`; returns how many sockets it was sent to.
   * `data` must be JSON-serialisable (format bigints first). Unknown topic → RpcServerError.
   */
  publish(topic: string, data: unknown): number {
    const subs = this.subscribers.get(topic);
    if (!subs) throw new RpcServerError({ code: 'RPC_UNKNOWN_TOPIC', topic });
    if (subs.size === 0) return 0;
    const text = JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { topic, result: data } });
    let sent = 0;
    for (const c of [...subs]) if (this.send(c, text)) sent++;
    return sent;
  }

  /** Complete an authenticated upgrade (the server has checked path and credentials). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, user: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, user));
  }

  /**
   * Terminate every socket. Topics stay registered and the hub keeps accepting upgrades, so the
   * server can be started again (the noServer WebSocketServer owns no listener to close).
   */
  close(): void {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    for (const subs of this.subscribers.values()) subs.clear();
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, user: string): void {
    const ctx: RpcContext = {
      transport: 'ws',
      uri: this.opts.path,
      peer: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`,
      user,
    };
    const topics = new Set<string>();
    const client: Client = { ws, topics, ctx, local: new Map(), queue: Promise.resolve() };
    client.local = this.localMethods(client);
    this.clients.add(client);
    this.deps.logger.debug({ peer: ctx.peer }, 'websocket connected');

    ws.on('message', (data) => {
      const text = rawToText(data);
      client.queue = client.queue.then(() => this.onMessage(client, text));
    });
    ws.on('error', (err) => this.deps.logger.debug({ err, peer: ctx.peer }, 'websocket error'));
    ws.on('close', () => this.drop(client));
  }

  private async onMessage(client: Client, text: string): Promise<void> {
    const reply = await this.deps.dispatcher.dispatch(text, client.ctx, client.local);
    if (reply.body !== null) this.send(client, reply.body);
  }

  private localMethods(client: Client): LocalMethods {
    const topicParam = { name: 'topic', schema: z.string(), description: 'Topic name' } as const;
    const subscribe = defineMethod({
      name: 'subscribe',
      description: 'Receive notifications for a topic on this WebSocket.',
      params: [topicParam],
      handler: ({ topic }) => {
        const subs = this.subscribers.get(topic);
        if (!subs) throw rpcError(RPC_INVALID_PARAMETER, `Unknown topic "${topic}"`);
        subs.add(client);
        client.topics.add(topic);
        return true;
      },
    });
    const unsubscribe = defineMethod({
      name: 'unsubscribe',
      description: 'Stop notifications for a topic on this WebSocket.',
      params: [topicParam],
      handler: ({ topic }) => {
        const subs = this.subscribers.get(topic);
        if (!subs) throw rpcError(RPC_INVALID_PARAMETER, `Unknown topic "${topic}"`);
        client.topics.delete(topic);
        return subs.delete(client);
      },
    });
    return new Map([
      ['subscribe', subscribe],
      ['unsubscribe', unsubscribe],
    ]);
  }

  /**
   * Send unless the socket is closed or too far behind: a socket whose unsent data already
   * exceeds the limit is dropped (one message larger than the limit still goes out to a socket
   * that has kept up).
   */
  private send(client: Client, text: string): boolean {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > this.opts.maxBufferedBytes) {
      this.deps.logger.warn(
        { peer: client.ctx.peer, bufferedAmount: ws.bufferedAmount, limit: this.opts.maxBufferedBytes },
        'websocket client too slow, dropping it',
      );
      ws.terminate();
      this.drop(client);
      return false;
    }
    ws.send(text);
    return true;
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    for (const t of client.topics) this.subscribers.get(t)?.delete(client);
    client.topics.clear();
    this.deps.logger.debug({ peer: client.ctx.peer }, 'websocket closed');
  }
}
