import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NngError } from "../../src/core/errors.js";
import { abstractName, formatUrl, parseUrl, socketAddress, type NngUrl } from "../../src/core/url.js";

type Fields = Omit<NngUrl, "raw">;

const none = { userinfo: "", host: "", hostname: "", port: "", path: "", query: "", fragment: "", requestUri: "" };

function opaque(scheme: string, path: string): Fields {
  return { ...none, scheme, path };
}

function expectError(fn: () => unknown, code: string, errno: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NngError, `not an NngError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.errno, errno);
    return true;
  });
}

// Every row checked against nng_url_parse of libnng 1.5.2 (C harness printing
// each field, NULL shown as ""), plus a 28k-URL random differential run.
const parseCases: [string, Fields][] = [
  // tcp family
  ["tcp://127.0.0.1:5555", { ...none, scheme: "tcp", host: "127.0.0.1:5555", hostname: "127.0.0.1", port: "5555" }],
  ["tcp://127.0.0.1:0", { ...none, scheme: "tcp", host: "127.0.0.1:0", hostname: "127.0.0.1", port: "0" }],
  ["tcp4://h:1", { ...none, scheme: "tcp4", host: "h:1", hostname: "h", port: "1" }],
  ["tcp6://[::1]:1", { ...none, scheme: "tcp6", host: "[::1]:1", hostname: "::1", port: "1" }],
  ["tcp://[::1]:5555", { ...none, scheme: "tcp", host: "[::1]:5555", hostname: "::1", port: "5555" }],
  ["tcp://[::1]", { ...none, scheme: "tcp", host: "[::1]", hostname: "::1" }],
  ["tcp://[]:1", { ...none, scheme: "tcp", host: "[]:1", port: "1" }],
  ["tcp://[::ffff:1.2.3.4]:1", { ...none, scheme: "tcp", host: "[::ffff:1.2.3.4]:1", hostname: "::ffff:1.2.3.4", port: "1" }],
  // host is lower-cased, IPv6 literals too; %25 in a zone id is not decoded
  ["tcp://[FE80::1%25eth0]:1", { ...none, scheme: "tcp", host: "[fe80::1%25eth0]:1", hostname: "fe80::1%25eth0", port: "1" }],
  ["TCP://Host.EXAMPLE:80/A/b?Q=1#F", {
    scheme: "tcp", userinfo: "", host: "host.example:80", hostname: "host.example", port: "80",
    path: "/A/b", query: "Q=1", fragment: "F", requestUri: "/A/b?Q=1#F",
  }],
  // "*" is dropped: no host
  ["tcp://*:5555", { ...none, scheme: "tcp", host: ":5555", port: "5555" }],
  ["tcp://*", { ...none, scheme: "tcp" }],
  ["tcp://*/p", { ...none, scheme: "tcp", path: "/p", requestUri: "/p" }],
  ["tcp://**:5", { ...none, scheme: "tcp", host: "**:5", hostname: "**", port: "5" }],
  ["tcp://:5555", { ...none, scheme: "tcp", host: ":5555", port: "5555" }],
  ["tcp://", { ...none, scheme: "tcp" }],
  // the port is not judged by the parser
  ["tcp://h:abc", { ...none, scheme: "tcp", host: "h:abc", hostname: "h", port: "abc" }],
  ["tcp://h:99999", { ...none, scheme: "tcp", host: "h:99999", hostname: "h", port: "99999" }],
  ["tcp://a:b:c", { ...none, scheme: "tcp", host: "a:b:c", hostname: "a", port: "b:c" }],
  // userinfo keeps its case
  ["tcp://User@Host:1", { ...none, scheme: "tcp", userinfo: "User", host: "host:1", hostname: "host", port: "1" }],
  ["tcp://@h", { ...none, scheme: "tcp", host: "h", hostname: "h" }],
  ["tcp://u@*:5", { ...none, scheme: "tcp", userinfo: "u", host: ":5", port: "5" }],
  ["tcp://h/a@b", { ...none, scheme: "tcp", host: "h", hostname: "h", path: "/a@b", requestUri: "/a@b" }],
  ["tcp://h?x@y", { ...none, scheme: "tcp", host: "h", hostname: "h", query: "x@y", requestUri: "?x@y" }],
  ["tcp://h:1#x", { ...none, scheme: "tcp", host: "h:1", hostname: "h", port: "1", fragment: "x", requestUri: "#x" }],
  ["tcp://h%41:1", { ...none, scheme: "tcp", host: "h%41:1", hostname: "h%41", port: "1" }],
  ["tls+tcp://h:1", { ...none, scheme: "tls+tcp", host: "h:1", hostname: "h", port: "1" }],
  ["tls+tcp4://h:1", { ...none, scheme: "tls+tcp4", host: "h:1", hostname: "h", port: "1" }],
  ["tls+tcp6://[::1]:1", { ...none, scheme: "tls+tcp6", host: "[::1]:1", hostname: "::1", port: "1" }],
  // 1.5.2 parses socket:// like a host URL (NNG 2 makes it opaque)
  ["socket://x", { ...none, scheme: "socket", host: "x", hostname: "x" }],
  ["socket://", { ...none, scheme: "socket" }],

  // opaque schemes: the rest is the path, untouched (no decoding, no ?/#)
  ["ipc://relative/path", opaque("ipc", "relative/path")],
  ["ipc:///abs/path", opaque("ipc", "/abs/path")],
  ["IPC:///Abs/Path?x#y", opaque("ipc", "/Abs/Path?x#y")],
  ["ipc://%41", opaque("ipc", "%41")],
  ["ipc://", opaque("ipc", "")],
  ["unix:///tmp/x", opaque("unix", "/tmp/x")],
  ["inproc://Name?x#y", opaque("inproc", "Name?x#y")],
  ["inproc://", opaque("inproc", "")],
  ["abstract://a%00b", opaque("abstract", "a%00b")],
  ["abstract://%zz", opaque("abstract", "%zz")],
  ["ABSTRACT://X", opaque("abstract", "X")],

  // default ports (a 4/6 suffix keeps the default)
  ["ws://host", { ...none, scheme: "ws", host: "host", hostname: "host", port: "80" }],
  ["wss://host/p", { ...none, scheme: "wss", host: "host", hostname: "host", port: "443", path: "/p", requestUri: "/p" }],
  ["ws4://h", { ...none, scheme: "ws4", host: "h", hostname: "h", port: "80" }],
  ["ws6://h", { ...none, scheme: "ws6", host: "h", hostname: "h", port: "80" }],
  ["wss4://h", { ...none, scheme: "wss4", host: "h", hostname: "h", port: "443" }],
  ["WSS6://H", { ...none, scheme: "wss6", host: "h", hostname: "h", port: "443" }],
  ["http://h", { ...none, scheme: "http", host: "h", hostname: "h", port: "80" }],
  ["https://h", { ...none, scheme: "https", host: "h", hostname: "h", port: "443" }],
  ["http4://h", { ...none, scheme: "http4", host: "h", hostname: "h", port: "80" }],
  ["git://h", { ...none, scheme: "git", host: "h", hostname: "h", port: "9418" }],
  ["ssh6://h", { ...none, scheme: "ssh6", host: "h", hostname: "h", port: "22" }],
  ["ws46://h", { ...none, scheme: "ws46", host: "h", hostname: "h" }],
  ["ws://H:8080", { ...none, scheme: "ws", host: "h:8080", hostname: "h", port: "8080" }],
  ["ws://h:80/", { ...none, scheme: "ws", host: "h:80", hostname: "h", port: "80", path: "/", requestUri: "/" }],
  ["ws://[::1]", { ...none, scheme: "ws", host: "[::1]", hostname: "::1", port: "80" }],
  ["ws://[::1]:8080/x", { ...none, scheme: "ws", host: "[::1]:8080", hostname: "::1", port: "8080", path: "/x", requestUri: "/x" }],

  // unknown schemes parse; the scheme may be anything before "://"
  ["foo://Bar:1/x", { ...none, scheme: "foo", host: "bar:1", hostname: "bar", port: "1", path: "/x", requestUri: "/x" }],
  ["://x", { ...none, scheme: "", host: "x", hostname: "x" }],
  ["a b://c d", { ...none, scheme: "a b", host: "c d", hostname: "c d" }],
];

const ws = { ...none, scheme: "ws", host: "h", hostname: "h", port: "80" };
function wsUri(requestUri: string, path: string, query = "", fragment = ""): Fields {
  return { ...ws, path, query, fragment, requestUri };
}

// Request URI canonicalisation, also checked against libnng 1.5.2.
const canonCases: [string, Fields][] = [
  ["ws://h?q", wsUri("?q", "", "q")],
  ["ws://h?", wsUri("?", "")],
  ["ws://h#f", wsUri("#f", "", "", "f")],
  ["ws://h/a#b?c", wsUri("/a#b?c", "/a", "", "b?c")],
  ["ws://h/a?b?c#d#e", wsUri("/a?b?c#d#e", "/a", "b?c", "d#e")],
  // unreserved and UTF-8 escapes decoded everywhere, others kept upper-cased
  ["ws://h/a%41%2f%7e/../b//c?x=%41#%41", wsUri("/b/c?x=A#A", "/b/c", "x=A", "A")],
  ["ws://h/%41%42%2F%3f%20", wsUri("/AB%2F%3F%20", "/AB%2F%3F%20")],
  ["ws://h/%00", wsUri("/%00", "/%00")],
  ["ws://h/%c3%a9", wsUri("/é", "/é")],
  ["ws://h/%F0%9F%98%80", wsUri("/😀", "/😀")],
  ["ws://h/中?中#中", wsUri("/中?中#中", "/中", "中", "中")],
  ["ws://h/a b", wsUri("/a b", "/a b")],
  // "//" collapsed and dot segments resolved, in the path only
  ["ws://h//a", wsUri("/a", "/a")],
  ["ws://h/a//", wsUri("/a/", "/a/")],
  ["ws://h/a/./b/../../../c", wsUri("/c", "/c")],
  ["ws://h/a/.", wsUri("/a", "/a")],
  ["ws://h/a/..", wsUri("", "")],
  ["ws://h/..", wsUri("", "")],
  ["ws://h/./", wsUri("/", "/")],
  ["ws://h/a/..?x", wsUri("?x", "", "x")],
  ["ws://h/a/b/..#f", wsUri("/a#f", "/a", "", "f")],
  ["ws://h/..a/.b/", wsUri("/..a/.b/", "/..a/.b/")],
  ["ws://h/%2e%2E/x", wsUri("/x", "/x")],
  ["ws://h/a%2F..%2Fb", wsUri("/a%2F..%2Fb", "/a%2F..%2Fb")],
  ["ws://h/a?x//y/../z#f//g", wsUri("/a?x//y/../z#f//g", "/a", "x//y/../z", "f//g")],
];

// All EINVAL (3) in libnng 1.5.2.
const parseErrors: string[] = [
  "",
  "tcpx",
  "tcp:x",
  "tcp:/x",
  "tcp://h:", // ":" with no port
  "tcp://*:",
  "tcp://[::1]:",
  "tcp://[::1", // unterminated literal
  "tcp://[::1]x",
  "tcp://u@v@h", // two userinfos
  "tcp://u@h@",
  "ws://h/%zz",
  "ws://h/a%",
  "ws://h/a%4",
  "ws://h?%zz", // escapes are checked in the query and fragment too
  "ws://h#%zz",
  "ws://h/x%80", // malformed UTF-8
  "ws://h/%C0%80", // overlong
  "ws://h/%E0%80%80",
  "ws://h/%F8%80",
];

describe("parseUrl", () => {
  for (const [raw, want] of [...parseCases, ...canonCases]) {
    it(`parses ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(parseUrl(raw), { raw, ...want });
    });
  }

  for (const raw of parseErrors) {
    it(`rejects ${JSON.stringify(raw)} with EINVAL`, () => {
      expectError(() => parseUrl(raw), "EINVAL", 3);
    });
  }

  // Deliberate differences from libnng 1.5.2, whose behaviour there is a bug.
  it("ends the host at / ? # right after userinfo (libnng takes it into the host)", () => {
    assert.equal(parseUrl("tcp://u@/p").hostname, ""); // libnng: "/p"
    assert.equal(parseUrl("tcp://u@/p").path, "/p");
    assert.equal(parseUrl("tcp://u@?q").query, "q"); // libnng: host "?q"
    assert.equal(parseUrl("tcp://u@").host, ""); // libnng reads past the string
    expectError(() => parseUrl("tcp://u@@h"), "EINVAL", 3); // libnng: host "@h"
  });

  it("validates UTF-8 strictly (libnng's validator is off by one byte)", () => {
    // libnng rejects these valid sequences...
    assert.equal(parseUrl("ws://h/%E0%A0%80").path, "/\u0800");
    assert.equal(parseUrl("ws://h/%ED%9F%BF").path, "/\ud7ff");
    assert.equal(parseUrl("ws://h/%F0%90%80%80").path, "/\u{10000}");
    // ...and accepts these invalid ones (a surrogate, > U+10FFFF).
    expectError(() => parseUrl("ws://h/%ED%A0%80"), "EINVAL", 3);
    expectError(() => parseUrl("ws://h/%F4%90%80%80"), "EINVAL", 3);
    expectError(() => parseUrl("ws://h/\ud800"), "EINVAL", 3);
  });
});

// Checked against libnng 1.5.2's nni_url_asprintf (what NNG_OPT_URL reports).
const formatCases: [string, string, number?][] = [
  ["TCP://User@Host.Ex:80/A/./b?Q=%41#F", "tcp://host.ex:80/A/b?Q=A#F"],
  ["tcp://*:5555", "tcp://:5555"],
  ["tcp://[::1]:5555", "tcp://[::1]:5555"],
  ["tcp://[]:1", "tcp://:1"],
  ["tcp://", "tcp://"],
  ["tcp://h:abc", "tcp://h:abc"],
  ["ws://h:80/x", "ws://h/x"],
  ["ws://h:080", "ws://h:080"],
  ["ws://h:8080", "ws://h:8080"],
  ["wss://h:443", "wss://h"],
  ["wss://h:80", "wss://h:80"],
  ["ws4://h", "ws4://h"],
  ["http://h:80", "http://h"],
  ["ws://h?", "ws://h?"],
  ["ipc:///tmp/a?b", "ipc:///tmp/a?b"],
  ["ipc://rel", "ipc://rel"],
  ["inproc://X", "inproc://X"],
  ["unix:///u", "unix:///u"],
  ["abstract://a%00b", "abstract://a%00b"], // (libnng's own formatter crashes here)
  ["socket://x", "socket://x"],
  ["foo://Bar:1/x", "foo://bar:1/x"],
  // with the bound port of a ":0" listener (nni_url_asprintf_port)
  ["tcp://127.0.0.1:0", "tcp://127.0.0.1:1234", 1234],
  ["tcp://*:0/", "tcp://:1234/", 1234],
  ["tcp://", "tcp://:1234", 1234],
  ["ws://h:80/x", "ws://h:1234/x", 1234],
  ["wss://h", "wss://h", 443],
  ["ipc:///tmp/a", "ipc:///tmp/a", 1234],
  ["tcp://h:5", "tcp://h:5", 0],
];

describe("formatUrl", () => {
  for (const [raw, want, port] of formatCases) {
    it(`formats ${JSON.stringify(raw)}${port !== undefined ? ` port ${port}` : ""}`, () => {
      assert.equal(formatUrl(parseUrl(raw), port), want);
    });
  }
});

type Addr = { host: string; port: number; family: 0 | 4 | 6 };

// Outcomes checked with nng_dial/nng_listen of libnng 1.5.2: where libnng
// dials (connection refused) or listens, we give an address; where it says
// EADDRINVAL, so do we. Listening with no host, libnng binds 0.0.0.0 (seen
// with ss), [::] for tcp6.
const addressCases: [string, Addr | "EADDRINVAL", Addr | "EADDRINVAL"][] = [
  // url, dial, listen
  ["tcp://127.0.0.1:5555", { host: "127.0.0.1", port: 5555, family: 0 }, { host: "127.0.0.1", port: 5555, family: 0 }],
  ["tcp://127.0.0.1:0", { host: "127.0.0.1", port: 0, family: 0 }, { host: "127.0.0.1", port: 0, family: 0 }],
  ["tcp://127.0.0.1", "EADDRINVAL", { host: "127.0.0.1", port: 0, family: 0 }],
  ["tcp://LOCALHOST:7", { host: "localhost", port: 7, family: 0 }, { host: "localhost", port: 7, family: 0 }],
  ["tcp://[::1]:5555", { host: "::1", port: 5555, family: 0 }, { host: "::1", port: 5555, family: 0 }],
  ["tcp://*:5555", "EADDRINVAL", { host: "0.0.0.0", port: 5555, family: 0 }],
  ["tcp://:5555", "EADDRINVAL", { host: "0.0.0.0", port: 5555, family: 0 }],
  ["tcp4://:0", "EADDRINVAL", { host: "0.0.0.0", port: 0, family: 4 }],
  ["tcp6://:0", "EADDRINVAL", { host: "::", port: 0, family: 6 }],
  ["tcp://", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://*", "EADDRINVAL", "EADDRINVAL"],
  ["tcp4://127.0.0.1:1", { host: "127.0.0.1", port: 1, family: 4 }, { host: "127.0.0.1", port: 1, family: 4 }],
  ["tcp6://[::1]:1", { host: "::1", port: 1, family: 6 }, { host: "::1", port: 1, family: 6 }],
  // libnng: a system error (EAI_ADDRFAMILY); we say EADDRINVAL
  ["tcp4://[::1]:1", "EADDRINVAL", "EADDRINVAL"],
  ["tcp6://127.0.0.1:1", "EADDRINVAL", "EADDRINVAL"],
  // ports as getaddrinfo reads them
  ["tcp://127.0.0.1:65535", { host: "127.0.0.1", port: 65535, family: 0 }, { host: "127.0.0.1", port: 65535, family: 0 }],
  ["tcp://127.0.0.1:65536", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://127.0.0.1:99999", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://127.0.0.1:abc", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://127.0.0.1:0x10", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://127.0.0.1:-1", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://127.0.0.1:1:2", "EADDRINVAL", "EADDRINVAL"],
  ["tcp://127.0.0.1:+1", { host: "127.0.0.1", port: 1, family: 0 }, { host: "127.0.0.1", port: 1, family: 0 }],
  ["tcp://127.0.0.1:010", { host: "127.0.0.1", port: 10, family: 0 }, { host: "127.0.0.1", port: 10, family: 0 }],
  ["tcp://127.0.0.1:-0", { host: "127.0.0.1", port: 0, family: 0 }, { host: "127.0.0.1", port: 0, family: 0 }],
  // libnng also resolves service names from /etc/services; we don't
  ["tcp://127.0.0.1:ssh", "EADDRINVAL", "EADDRINVAL"],
  // ws: default port
  ["ws://h/x", { host: "h", port: 80, family: 0 }, { host: "h", port: 80, family: 0 }],
  ["wss4://h", { host: "h", port: 443, family: 4 }, { host: "h", port: 443, family: 4 }],
  ["ws://:0/x", "EADDRINVAL", { host: "0.0.0.0", port: 0, family: 0 }],
  ["ws6://[::1]:8080", { host: "::1", port: 8080, family: 6 }, { host: "::1", port: 8080, family: 6 }],
  ["tls+tcp6://h:1", { host: "h", port: 1, family: 6 }, { host: "h", port: 1, family: 6 }],
];

describe("socketAddress", () => {
  for (const [raw, dial, listen] of addressCases) {
    for (const [listening, want] of [[false, dial], [true, listen]] as const) {
      it(`${listening ? "listen" : "dial"} ${raw}`, () => {
        const url = parseUrl(raw);
        if (want === "EADDRINVAL") expectError(() => socketAddress(url, listening), "EADDRINVAL", 15);
        else assert.deepEqual(socketAddress(url, listening), want);
      });
    }
  }
});

// Names and lengths checked with nng_listen on abstract:// in libnng 1.5.2:
// bad escapes and names over 107 bytes are EADDRINVAL.
const a106 = "a".repeat(106);
const abstractCases: [string, number[] | "EADDRINVAL"][] = [
  ["abstract://name", [...Buffer.from("name")]],
  ["abstract://a%00b", [0x61, 0, 0x62]],
  ["abstract://%41%2f%2F", [0x41, 0x2f, 0x2f]],
  ["abstract://%ff", [0xff]],
  ["abstract://é", [0xc3, 0xa9]],
  ["abstract://a?b#c", [...Buffer.from("a?b#c")]],
  ["abstract://", []],
  [`abstract://${a106}a`, [...Buffer.from(`${a106}a`)]],
  [`abstract://${a106}%41`, [...Buffer.from(`${a106}A`)]],
  [`abstract://${a106}aa`, "EADDRINVAL"],
  [`abstract://${a106}a%41`, "EADDRINVAL"],
  [`abstract://${a106}é`, "EADDRINVAL"],
  ["abstract://%zz", "EADDRINVAL"],
  ["abstract://x%4", "EADDRINVAL"],
];

describe("abstractName", () => {
  for (const [raw, want] of abstractCases) {
    it(`decodes ${JSON.stringify(raw.length > 40 ? raw.slice(0, 20) + "…" + raw.slice(-8) : raw)}`, () => {
      const url = parseUrl(raw);
      if (want === "EADDRINVAL") expectError(() => abstractName(url), "EADDRINVAL", 15);
      else assert.deepEqual(abstractName(url), Uint8Array.from(want));
    });
  }
});
