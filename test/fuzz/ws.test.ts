// Reserved for the ws frame path (WS_FRAME_TARGETS in targets.ts) once src/transport/ws lands.
import { test } from "node:test";
import { fuzzTests } from "./ci.js";
import { WS_FRAME_TARGETS } from "./targets.js";

if (WS_FRAME_TARGETS.length === 0) test("fuzz ws frames", { todo: "the ws transport is being written; add its targets to WS_FRAME_TARGETS" }, () => {});
else fuzzTests(WS_FRAME_TARGETS);
