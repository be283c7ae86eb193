// Fuzzes the stream frame decoder (src/transport/framing.ts): random bytes, valid streams cut
// anywhere with pauses, hostile length prefixes.
import { fuzzTests } from "./ci.js";
import { TARGETS } from "./targets.js";

fuzzTests(TARGETS.filter((t) => t.name.startsWith("frame-decoder")));
