// Fuzzes every protocol's header parsing (backtraces, survey ids, hop counts, raw headers) through
// the real Socket and Pipe, over a transport the test drives (fake-transport.ts).
import { fuzzTests } from "./ci.js";
import { TARGETS } from "./targets.js";

fuzzTests(TARGETS.filter((t) => t.name.startsWith("protocol:")), 1000);
