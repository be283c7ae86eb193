import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Aio, DURATION_DEFAULT, effectiveTimeout, sleepAio } from "../../src/core/aio.js";
import { NngError } from "../../src/core/errors.js";

function completion(aio: Aio): Promise<Aio> {
  return aio.wait().then(() => aio);
}

describe("Aio", () => {
  it("runs its callback asynchronously, exactly once per operation", async () => {
    let calls = 0;
    const aio = new Aio(() => calls++);
    aio.begin(null, -1);
    aio.finish(0);
    aio.finish(new NngError("ECLOSED")); // ignored: already finished
    assert.equal(calls, 0, "callback must not run synchronously");
    await aio.wait();
    assert.equal(calls, 1);
    assert.equal(aio.result, 0);
  });

  it("times out through its canceler with ETIMEDOUT", async () => {
    const aio = new Aio();
    let canceledWith: NngError | null = null;
    aio.begin((a, err) => {
      canceledWith = err;
      a.finish(err);
    }, 20);
    await completion(aio);
    assert.equal((canceledWith as NngError | null)?.code, "ETIMEDOUT");
    assert.ok(aio.result instanceof NngError && aio.result.code === "ETIMEDOUT");
  });

  it("zero timeout fails at once when the operation has to wait", async () => {
    const aio = new Aio();
    const started = aio.begin((a, err) => a.finish(err), 0);
    assert.equal(started, false);
    await aio.wait();
    assert.ok(aio.result instanceof NngError && aio.result.code === "ETIMEDOUT");
  });

  it("cancel ends the operation with ECANCELED, abort with the given error", async () => {
    const a1 = new Aio();
    a1.begin((a, err) => a.finish(err), -1);
    a1.cancel();
    await a1.wait();
    assert.equal((a1.result as NngError).code, "ECANCELED");

    const a2 = new Aio();
    a2.begin((a, err) => a.finish(err), -1);
    a2.abort(new NngError("ECONNRESET"));
    await a2.wait();
    assert.equal((a2.result as NngError).code, "ECONNRESET");
  });

  it("cancel without a canceler does nothing (the operation cannot be cancelled)", async () => {
    const aio = new Aio();
    aio.begin(null, -1);
    aio.cancel();
    assert.equal(aio.inProgress, true);
    aio.finish(0);
    await aio.wait();
    assert.equal(aio.result, 0);
  });

  it("stop cancels, waits for the callback, and refuses later operations until reset", async () => {
    let calls = 0;
    const aio = new Aio(() => calls++);
    aio.begin((a, err) => a.finish(err), -1);
    await aio.stop();
    assert.equal(calls, 1);
    assert.equal((aio.result as NngError).code, "ECANCELED");
    assert.equal(aio.begin((a, err) => a.finish(err), -1), false);
    await aio.wait();
    assert.equal((aio.result as NngError).code, "ECANCELED");
    aio.reset();
    assert.equal(aio.begin(null, -1), true);
    aio.finish(0);
    await aio.wait();
    assert.equal(aio.result, 0);
  });

  it("refuses a second operation while one is in progress (EBUSY)", () => {
    const aio = new Aio();
    aio.begin(null, -1);
    assert.throws(() => aio.begin(null, -1), (e: unknown) => e instanceof NngError && e.code === "EBUSY");
    aio.finish(0);
  });

  it("sleepAio completes successfully after the delay, or ECANCELED", async () => {
    const aio = new Aio();
    const t0 = Date.now();
    sleepAio(30, aio);
    await aio.wait();
    assert.equal(aio.result, 0);
    assert.ok(Date.now() - t0 >= 25);

    const b = new Aio();
    sleepAio(10_000, b);
    b.cancel();
    await b.wait();
    assert.equal((b.result as NngError).code, "ECANCELED");
  });

  it("resolves the default timeout (-2) to the socket's", () => {
    const aio = new Aio();
    assert.equal(aio.timeout, DURATION_DEFAULT);
    assert.equal(effectiveTimeout(aio, 500), 500);
    aio.timeout = 7;
    assert.equal(effectiveTimeout(aio, 500), 7);
  });
});
