import { EventEmitter } from 'node:events';

/**
 * A node:events emitter with typed payloads (one payload per event). A listener that throws, or
 * returns a promise that rejects, is reported to `onError` and never disturbs the emitter or the
 * other listeners: the chain has already committed the state the event describes.
 */
export class TypedEmitter<E extends object> {
  private readonly ee = new EventEmitter();

  constructor(private readonly onError: (event: string, err: unknown) => void) {
    this.ee.setMaxListeners(100);
  }

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => unknown): this {
    this.ee.on(event, listener);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (payload: E[K]) => unknown): this {
    this.ee.once(event, listener);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (payload: E[K]) => unknown): this {
    this.ee.off(event, listener);
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.ee.listenerCount(event);
  }

  emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    for (const listener of this.ee.rawListeners(event) as ((p: E[K]) => unknown)[]) {
      try {
        const r = listener(payload);
        if (r instanceof Promise) r.catch((err: unknown) => this.onError(event, err));
      } catch (err) {
        this.onError(event, err);
      }
    }
  }
}
