// Fuzzes the SP handshake (src/transport/stream.ts negotiate, framing.ts parseSpHeader).
import { fuzzTests } from "./ci.js";
import { TARGETS } from "./targets.js";

fuzzTests(TARGETS.filter((t) => t.name === "sp-handshake"), Math.min(Number(process.env.NNGTS_FUZZ_RUNS ?? 500), 500));
