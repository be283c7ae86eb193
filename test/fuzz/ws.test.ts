// Fuzzes the ws frame path: the frame guard alone, and the ws listener fed hostile streams after an upgrade.
import { fuzzTests } from "./ci.js";
import { WS_FRAME_TARGETS } from "./targets.js";

const runs = Number(process.env.NNGTS_FUZZ_RUNS ?? 0);
// The listener target opens a TCP connection for most inputs: fewer inputs keep the CI run to seconds.
fuzzTests(WS_FRAME_TARGETS.filter((t) => t.name.startsWith("ws frame guard")), runs || 2000);
fuzzTests(WS_FRAME_TARGETS.filter((t) => t.name.startsWith("ws listener")), runs || 1000);
