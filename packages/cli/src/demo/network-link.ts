/**
 * A simulated device's uplink: the agent's real HTTP transport behind a
 * switch. While the link is down every exchange fails the way a cut cable
 * does (ENETUNREACH), so the shipper backs off, keeps the records in the
 * ring and resumes from the collector's cursor when the link returns: the
 * agent's outage handling runs unchanged, only the cable is simulated.
 */
import { createHttpTransport, type HttpAnswer, type Transport } from '@seclog/agent';

class LinkDownError extends Error {
  readonly code = 'ENETUNREACH';
}

/** The switch; each logger life gets its own transport through it (the shipper closes its transport at close()). */
export class NetworkLink {
  readonly #url: URL;
  #up = true;

  constructor(collectorUrl: string) {
    this.#url = new URL(collectorUrl);
  }

  get up(): boolean {
    return this.#up;
  }

  /** Cut the link: new exchanges fail at once, as with an unplugged cable. */
  down(): void {
    this.#up = false;
  }

  restore(): void {
    this.#up = true;
  }

  /** A transport for one logger: the agent's HTTP transport, failing while the link is down. */
  transport(): Transport {
    const inner = createHttpTransport({ url: this.#url, timeoutMs: 10_000 });
    return {
      request: (method, path, headers, body): Promise<HttpAnswer> => {
        if (!this.#up) return Promise.reject(new LinkDownError('network unreachable (the demo cut this device off)'));
        return inner.request(method, path, headers, body);
      },
      close: () => inner.close(),
    };
  }
}
