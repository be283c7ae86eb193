// Hostile and broken peers of a tls+tcp listener: TLS handshakes that never finish, floods of
// connections that never handshake, garbage and oversized TLS records, oversized SP frames inside
// TLS and clients that vanish mid-handshake. Each closes only that connection, is counted on the
// listener (or the socket), and leaves no handle behind; a good client keeps its traffic.
// (test/transport/tls.test.ts covers plain bytes, a reset, a bad SP header and a 1 MiB frame over
// a 1 KiB limit inside TLS, and closing a listener or dialer mid-handshake.)
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, before, describe, test } from "node:test";
import * as tls from "node:tls";
import { type EndpointStats, type Listener, Pull0, Push0 } from "../../src/index.js";
import { spHeader } from "../../src/transport/framing.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { expectNoLeak, handleCount, rawConnect, sleep, until, within } from "./helpers.js";

// Long enough for a good TLS handshake on a loaded machine during a flood.
const TIMEOUT = 500;

/** The first bytes of a ClientHello record, cut short: the server waits for the rest. */
const PARTIAL_HELLO = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03);

function failures(s: EndpointStats): number {
  return s.timeout + s.proto + s.auth + s.other;
}

describe("tls+tcp faults", { timeout: 60_000 }, () => {
  let certs: TestCerts;
  const pull = new Pull0();
  const push = new Push0();
  let listener: Listener;
  let url: string;
  let port: number;
  let baseline = 0;

  before(async () => {
    certs = makeTestCerts();
    baseline = handleCount();
    listener = pull.createListener("tls+tcp://127.0.0.1:0");
    listener.setOption("tls-cert-key-file", certs.server.bundleFile);
    listener.setOption("negotiation-timeout", TIMEOUT);
    await listener.start();
    url = listener.getOption("url") as string;
    port = listener.getOption("tcp-bound-port") as number;
    const d = push.createDialer(url);
    d.setOption("tls-ca-file", certs.ca.certFile);
    await d.start();
  });

  after(async () => {
    await push.close();
    await pull.close();
    await expectNoLeak(baseline, "after closing both sockets");
    certs.cleanup();
  });

  async function goodStillServed(tag: string): Promise<void> {
    await push.send(tag, { timeout: 3_000 });
    assert.equal((await pull.recv({ timeout: 3_000 })).text(), tag);
  }

  /** A TLS client that completed its handshake, with the raw socket under it to write past TLS. */
  function tlsClient(): Promise<{ stream: tls.TLSSocket; raw: net.Socket; closed: Promise<void> }> {
    return within(
      new Promise((resolve, reject) => {
        const raw = net.connect(port, "127.0.0.1");
        const stream = tls.connect({ socket: raw, ca: certs.ca.cert, servername: "localhost" });
        const closed = new Promise<void>((r) => {
          raw.once("close", () => r());
          stream.once("close", () => r());
        });
        stream.on("data", () => {});
        stream.on("error", () => {});
        raw.on("error", () => {});
        stream.once("secureConnect", () => resolve({ stream, raw, closed }));
        stream.once("error", reject);
      }),
      3_000,
      "tls client handshake",
    );
  }

  test("a TLS handshake that never finishes is dropped at negotiation-timeout (silent, partial, trickling)", async () => {
    const handles = handleCount();
    const before = listener.stats.timeout;
    const t0 = Date.now();
    const silent = await rawConnect({ port, host: "127.0.0.1" });
    const partial = await rawConnect({ port, host: "127.0.0.1" });
    partial.sock.write(PARTIAL_HELLO);
    // slow-loris: a byte of the ClientHello every TIMEOUT / 4 keeps the link busy, never finishing
    const loris = await rawConnect({ port, host: "127.0.0.1" });
    let i = 0;
    const drip = setInterval(() => {
      if (!loris.sock.destroyed) loris.sock.write(PARTIAL_HELLO.subarray(i % PARTIAL_HELLO.length, (i % PARTIAL_HELLO.length) + 1));
      i++;
    }, TIMEOUT / 4);
    try {
      await within(Promise.all([silent.closed, partial.closed, loris.closed]), 5 * TIMEOUT + 1_000, "the listener drops all three");
    } finally {
      clearInterval(drip);
    }
    const waited = Date.now() - t0;
    assert.ok(waited >= TIMEOUT - 20, `dropped after ${waited} ms, not before the timeout`);
    await until(() => listener.stats.timeout === before + 3, 2_000, "three timeouts counted");
    assert.equal(silent.received().length, 0, "nothing was sent to a client that never said hello");
    assert.equal(pull.stats().pipes, 1);
    await goodStillServed("after stalled handshakes");
    await expectNoLeak(handles, "after stalled handshakes");
  });

  test("a flood of 200 connections that never handshake: a new good client still gets through", async () => {
    const handles = handleCount();
    const before = { ...listener.stats };
    const N = 200;
    const flood = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const c = await rawConnect({ port, host: "127.0.0.1" });
        switch (i % 4) {
          case 0:
            break; // silent
          case 1:
            c.sock.write(PARTIAL_HELLO);
            break;
          case 2:
            c.sock.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); // not TLS
            break;
          case 3:
            c.sock.destroy(); // gone at once
        }
        return c;
      }),
    );
    // during the flood a new client makes the whole TLS + SP handshake and is served
    const late = new Push0();
    const d = late.createDialer(url);
    d.setOption("tls-ca-file", certs.ca.certFile);
    await within(d.start(), 5_000, "a good dial during the flood");
    await late.send("through the flood", { timeout: 3_000 });
    assert.equal((await pull.recv({ timeout: 3_000 })).text(), "through the flood");
    await late.close();
    await within(Promise.all(flood.map((c) => c.closed)), 10_000, "every flood client closed by the listener");
    await until(() => failures(listener.stats) - failures(before) === N, 5_000, `all ${N} failures counted`);
    assert.equal(listener.stats.timeout - before.timeout, N / 2, "silent and partial: timed out");
    assert.equal(listener.stats.auth - before.auth, N / 4, "not TLS: ECRYPTO");
    assert.equal(listener.stats.accept - before.accept, 1, "only the good client became a pipe");
    await until(() => pull.stats().pipes === 1, 3_000, "the late client's pipe gone");
    await goodStillServed("after the flood");
    await expectNoLeak(handles, "after the flood");
  });

  test("garbage and oversized TLS records, before and after the handshake, close only that connection", async () => {
    const handles = handleCount();
    const before = { ...listener.stats };
    // before the handshake: a record claiming 64 KiB (over TLS's 16 KiB + 2 KiB), and random bytes
    for (const bytes of [Uint8Array.of(0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00), Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff)]) {
      const c = await rawConnect({ port, host: "127.0.0.1" });
      c.sock.write(bytes);
      await within(c.closed, 3_000, "a bad first record closes the connection");
    }
    await until(() => listener.stats.auth - before.auth === 2, 2_000, "both counted as ECRYPTO");
    // after the handshake (and the SP header): bytes written past TLS on the raw socket
    const cases: [string, Uint8Array][] = [
      ["garbage application-data record", Uint8Array.from([0x17, 0x03, 0x03, 0x00, 0x40, ...Array.from({ length: 64 }, (_, i) => i)])],
      ["record over 2^14 + 2048 bytes", Uint8Array.of(0x17, 0x03, 0x03, 0xff, 0xff, 1, 2, 3)],
      ["unknown record type", Uint8Array.of(0x42, 0x03, 0x03, 0x00, 0x02, 0, 0)],
    ];
    for (const [what, bytes] of cases) {
      const c = await tlsClient();
      c.stream.write(spHeader(0x50)); // a push peer
      await until(() => pull.stats().pipes === 2, 3_000, `${what}: pipe up`);
      c.raw.write(bytes);
      await within(c.closed, 3_000, `${what}: connection closed`);
      await until(() => pull.stats().pipes === 1, 3_000, `${what}: only its pipe removed`);
    }
    assert.equal(listener.stats.accept - before.accept, cases.length);
    assert.equal(listener.stats.disconnect - before.disconnect, cases.length, "each counted as a lost pipe");
    await goodStillServed("after bad records");
    await expectNoLeak(handles, "after bad records");
  });

  test("an oversized SP frame inside TLS: refused at its length prefix, exactly at the limit passes", async () => {
    // recv-size-max 0 (no limit): a 2^63 prefix is still refused at once, nothing allocated
    const handles = handleCount();
    const counters = () => pull.stats().counters["rx-oversize"] ?? 0;
    const before = counters();
    const huge = await tlsClient();
    huge.stream.write(spHeader(0x50));
    huge.stream.write(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3));
    await within(huge.closed, 3_000, "a 2^63 length prefix closes the connection");
    await until(() => counters() === before + 1, 2_000, "counted as rx-oversize");
    // a 20 000-byte limit: frames span two TLS records
    pull.setOption("recv-size-max", 20_000);
    try {
      const sender = new Push0();
      const d = sender.createDialer(url);
      d.setOption("tls-ca-file", certs.ca.certFile);
      await d.start();
      await sender.send(new Uint8Array(20_000).fill(7));
      assert.equal((await pull.recv({ timeout: 3_000 })).length, 20_000);
      const gone = new Promise<void>((r) => sender.pipeNotify("rem-post", () => r()));
      await sender.send(new Uint8Array(20_001));
      await within(gone, 3_000, "one byte over closes that pipe");
      await sender.close();
      await until(() => counters() === before + 2, 2_000, "counted as rx-oversize");
      await goodStillServed("after oversized frames");
    } finally {
      pull.setOption("recv-size-max", 0);
    }
    await expectNoLeak(handles, "after oversized frames");
  });

  test("clients closing at every step of the TLS handshake: each counted, no pipe, no handle left", async () => {
    const handles = handleCount();
    const before = { ...listener.stats };
    const N = 40;
    const steps = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const raw = net.connect(port, "127.0.0.1");
        raw.on("error", () => {});
        let closed = new Promise<void>((r) => raw.once("close", () => r()));
        await new Promise<void>((r) => raw.once("connect", () => r()));
        const wrapped = (): tls.TLSSocket => {
          const stream = tls.connect({ socket: raw, ca: certs.ca.cert, servername: "localhost" });
          stream.on("error", () => {});
          // the raw socket's own close is not always reported once TLS took it over
          closed = Promise.race([closed, new Promise<void>((r) => stream.once("close", () => r()))]);
          return stream;
        };
        switch (i % 4) {
          case 0: // half a ClientHello, then FIN
            raw.end(PARTIAL_HELLO);
            break;
          case 1: // half a ClientHello, then RST
            raw.write(PARTIAL_HELLO);
            await sleep(10);
            raw.resetAndDestroy();
            break;
          case 2: {
            // a whole ClientHello; gone as soon as the ServerHello came back (the first key is logged then)
            const stream = wrapped();
            stream.once("keylog", () => stream.destroy());
            break;
          }
          case 3: {
            // TLS done, gone before sending the SP header
            const stream = wrapped();
            stream.once("secureConnect", () => stream.destroy());
            break;
          }
        }
        return { closed };
      }),
    );
    await within(Promise.all(steps.map((s) => s.closed)), 5_000, "every client closed");
    await until(() => failures(listener.stats) - failures(before) === N, 5_000, `all ${N} failures counted`);
    assert.equal(listener.stats.accept, before.accept, "none became a pipe");
    assert.equal(pull.stats().pipes, 1);
    await goodStillServed("after vanishing clients");
    await expectNoLeak(handles, "after vanishing clients");
  });
});
