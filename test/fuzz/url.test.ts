// Fuzzes URL parsing (src/core/url.ts).
import { fuzzTests } from "./ci.js";
import { TARGETS } from "./targets.js";

fuzzTests(TARGETS.filter((t) => t.name === "url-parse"), 5000);
