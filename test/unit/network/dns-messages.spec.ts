import assert from "node:assert/strict";
import { decode as decodePacket, encode, RECURSION_DESIRED, type DecodedPacket, type Packet, type RecordType } from "dns-packet";
import { failure, handle, RCODE, reverseAddress, tcpFrame, tcpMessages } from "../../../src/runtime/network/dns-messages.js";
import { NameTable } from "../../../src/runtime/network/dns-names.js";

/** dns-packet decodes the rcode too; its types leave it out. */
const decode = (message: Buffer) => decodePacket(message) as DecodedPacket & { rcode: string };

function query(name: string, type: RecordType = "A", extra: Packet = {}): Buffer {
  return encode({ id: 4242, type: "query", flags: RECURSION_DESIRED, questions: [{ type, name }], ...extra });
}

function table(): NameTable {
  const t = new NameTable("shop");
  t.register({ containerId: "w1", address: "10.1.0.2", names: ["shop-web-1", "web"] });
  t.register({ containerId: "w2", address: "10.1.0.3", names: ["shop-web-2", "web"] });
  return t;
}

/** The decoded reply, failing when the message was not answered locally. */
function reply(message: Buffer, tables = [table()], transport: "udp" | "tcp" = "udp") {
  const handling = handle(message, tables, transport);
  assert.ok("reply" in handling, `expected a reply, got ${Object.keys(handling)[0]}`);
  return decode(handling.reply);
}

describe("DNS messages", function () {
  it("answers A for a known name with every address, as a recursive server's reply to that query", function () {
    const answer = reply(query("web"));
    assert.equal(answer.id, 4242);
    assert.deepEqual([answer.type, answer.rcode, answer.flag_rd, answer.flag_ra, answer.flag_aa, answer.flag_tc], ["response", "NOERROR", true, true, false, false]);
    assert.deepEqual(answer.questions, [{ name: "web", type: "A", class: "IN" }]);
    assert.deepEqual(answer.answers?.map((a) => [a.type, a.name, "data" in a && a.data, "ttl" in a && a.ttl]).sort(), [
      ["A", "web", "10.1.0.2", 600], ["A", "web", "10.1.0.3", 600],
    ]);
  });

  it("answers AAAA and MX for a known name with an empty NOERROR, and forwards them for unknown names", function () {
    for (const type of ["AAAA", "MX"] as const) {
      const answer = reply(query("shop-web-1", type));
      assert.deepEqual([answer.rcode, answer.answers], ["NOERROR", []], type);
      assert.ok("forward" in handle(query("example.com", type), [table()], "udp"), type);
    }
  });

  it("answers PTR for a container's address with its name on the network", function () {
    const answer = reply(query("2.0.1.10.in-addr.arpa", "PTR"));
    assert.deepEqual(answer.answers?.map((a) => [a.type, a.name, "data" in a && a.data]), [["PTR", "2.0.1.10.in-addr.arpa", "shop-web-1.shop"]]);
    assert.ok("forward" in handle(query("9.0.1.10.in-addr.arpa", "PTR"), [table()], "udp"));
    assert.equal(reverseAddress("4.3.2.1.IN-ADDR.ARPA."), "1.2.3.4");
    for (const bad of ["3.2.1.in-addr.arpa", "256.3.2.1.in-addr.arpa", "4.3.2.1.ip6.arpa", "x.3.2.1.in-addr.arpa"]) assert.equal(reverseAddress(bad), undefined, bad);
  });

  it("forwards unknown names (single-label ones too, as Docker does) and types it does not serve", function () {
    for (const message of [query("example.com"), query("nosuchservice"), query("web", "TXT"), query("web", "SRV")]) {
      const handling = handle(message, [table()], "udp");
      assert.ok("forward" in handling);
      assert.equal(handling.forward.id, 4242);
    }
  });

  it("takes the first table that knows a name: the network asked, then the asker's other networks", function () {
    const other = new NameTable("back");
    other.register({ containerId: "db", address: "10.2.0.5", names: ["db", "web"] });
    assert.deepEqual(reply(query("db"), [table(), other]).answers?.map((a) => "data" in a && a.data), ["10.2.0.5"]);
    assert.deepEqual(reply(query("web"), [other, table()]).answers?.map((a) => "data" in a && a.data), ["10.2.0.5"]);
    assert.deepEqual(reply(query("db.back"), [table(), other]).answers?.length, 1);
  });

  it("truncates a UDP answer to 512 bytes, or to the EDNS size the client offers, and never over TCP", function () {
    const many = new NameTable("n");
    for (let i = 2; i < 102; i++) many.register({ containerId: `c${i}`, address: `10.1.0.${i}`, names: ["replicated-service-name"] });
    const plain = handle(query("replicated-service-name"), [many], "udp");
    assert.ok("reply" in plain);
    assert.ok(plain.reply.length <= 512);
    const truncated = decode(plain.reply);
    assert.equal(truncated.flag_tc, true);
    assert.ok(truncated.answers!.length > 5 && truncated.answers!.length < 100, `${truncated.answers!.length} answers`);

    const edns = query("replicated-service-name", "A", { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096 } as never] });
    assert.deepEqual([reply(edns, [many]).flag_tc, reply(edns, [many]).answers?.length], [false, 100]);
    assert.deepEqual([reply(query("replicated-service-name"), [many], "tcp").flag_tc, reply(query("replicated-service-name"), [many], "tcp").answers?.length], [false, 100]);
  });

  it("rejects what is not a single standard query, and drops responses and fragments", function () {
    assert.equal(reply(encode({ id: 7, type: "query", questions: [] })).rcode, "FORMERR");
    assert.equal(reply(encode({ id: 7, type: "query", questions: [{ type: "A", name: "a" }, { type: "A", name: "b" }] })).rcode, "FORMERR");
    const notify = query("web");
    notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
    assert.equal(reply(notify).rcode, "NOTIMP");
    const garbage = Buffer.concat([query("web").subarray(0, 14), Buffer.from([0xff, 0xff])]);
    const formErr = reply(garbage);
    assert.deepEqual([formErr.id, formErr.rcode, formErr.flag_rd, formErr.questions], [4242, "FORMERR", true, []]);
    assert.ok("drop" in handle(Buffer.from([1, 2, 3]), [table()], "udp"));
    assert.ok("drop" in handle(encode({ id: 1, type: "response", questions: [{ type: "A", name: "web" }] }), [table()], "udp"));
  });

  it("builds error replies that repeat the question", function () {
    const servfail = decode(failure(decode(query("example.com")), RCODE.SERVFAIL));
    assert.deepEqual([servfail.id, servfail.rcode, servfail.flag_rd, servfail.questions?.[0]?.name], [4242, "SERVFAIL", true, "example.com"]);
    assert.equal(decode(failure(decode(query("x")), RCODE.REFUSED)).rcode, "REFUSED");
  });

  it("frames DNS over TCP and splits a stream into messages", function () {
    const [a, b] = [query("a"), query("bb")];
    const stream = Buffer.concat([tcpFrame(a), tcpFrame(b)]);
    assert.deepEqual(stream.readUInt16BE(0), a.length);
    const whole = tcpMessages(stream);
    assert.deepEqual([whole.messages, whole.rest.length], [[a, b], 0]);
    const partial = tcpMessages(stream.subarray(0, stream.length - 3));
    assert.deepEqual([partial.messages, partial.rest.length], [[a], 2 + b.length - 3]);
    assert.deepEqual(tcpMessages(stream.subarray(0, 1)).messages, []);
  });
});
