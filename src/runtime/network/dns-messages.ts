// DNS messages for the network resolver (dns.ts): what to do with a query (answer it from the name tables,
// forward it, or drop it), error replies, and the two-byte length framing of DNS over TCP. Pure.
import { decode, encode, RECURSION_AVAILABLE, RECURSION_DESIRED, TRUNCATED_RESPONSE, type Answer, type DecodedPacket, type Question } from "dns-packet";
import type { NameTable } from "./dns-names.js";

export type Transport = "udp" | "tcp";

export const RCODE = { FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5 } as const;

/** Docker's embedded DNS answers with this TTL. */
const TTL = 600;
/** A UDP answer's size without EDNS (RFC 1035), and the most any answer can be. */
const UDP_LIMIT = 512;
const TCP_LIMIT = 65535;
const HEADER_SIZE = 12;
const OPCODE_QUERY = 0;

/** Send `reply`; forward the query (decoded in `query`) upstream; or drop the message (not a query). */
export type Handling = { reply: Buffer } | { forward: DecodedPacket } | { drop: true };

/**
 * Answers A queries for known names (every address, rotated), AAAA and MX for known names with an empty NOERROR
 * (no IPv6 yet; "implicit MX"), and PTR for known addresses, from the first table that knows the name. Everything
 * else is for upstream, as Docker's embedded DNS does — including unknown single-label names.
 */
export function handle(message: Buffer, tables: readonly NameTable[], transport: Transport): Handling {
  let query: DecodedPacket;
  try {
    query = decode(message);
  } catch {
    return message.length >= HEADER_SIZE && !isResponse(message) ? { reply: formatError(message) } : { drop: true };
  }
  // A response sent to the resolver's port is never answered: two resolvers could bounce it forever.
  if (query.flag_qr) return { drop: true };
  if (opcode(message) !== OPCODE_QUERY) return { reply: failure(query, RCODE.NOTIMP) };
  if (query.questions?.length !== 1) return { reply: failure(query, RCODE.FORMERR) };
  const answers = localAnswers(query.questions[0]!, tables);
  if (!answers) return { forward: query };
  return { reply: response(query, answers, sizeLimit(query, transport)) };
}

function localAnswers(question: Question, tables: readonly NameTable[]): Answer[] | undefined {
  if ((question.class ?? "IN") !== "IN") return undefined;
  const { name } = question;
  switch (question.type) {
    case "A":
      for (const table of tables) {
        const addresses = table.lookup(name);
        if (addresses) return addresses.map((data) => ({ type: "A", name, ttl: TTL, data }));
      }
      return undefined;
    case "AAAA":
    case "MX":
      return tables.some((t) => t.knows(name)) ? [] : undefined;
    case "PTR": {
      const address = reverseAddress(name);
      for (const table of tables) {
        const target = address && table.reverse(address);
        if (target) return [{ type: "PTR", name, ttl: TTL, data: target }];
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** "4.3.2.1.in-addr.arpa" → "1.2.3.4"; undefined for any other name. */
export function reverseAddress(name: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!match || match.slice(1).some((octet) => Number(octet) > 255)) return undefined;
  return match.slice(1).reverse().map(Number).join(".");
}

/** The most a reply may hold: 512 bytes over UDP unless the query's EDNS record allows more; 64 KiB over TCP. */
function sizeLimit(query: DecodedPacket, transport: Transport): number {
  if (transport === "tcp") return TCP_LIMIT;
  const edns = query.additionals?.find((a) => a.type === "OPT");
  return edns && "udpPayloadSize" in edns ? Math.min(Math.max(edns.udpPayloadSize, UDP_LIMIT), TCP_LIMIT) : UDP_LIMIT;
}

function replyFlags(query: DecodedPacket): number {
  return (query.flag_rd ? RECURSION_DESIRED : 0) | RECURSION_AVAILABLE;
}

/** A NOERROR reply; answers that do not fit are left out and the reply marked truncated, so the client retries over TCP. */
function response(query: DecodedPacket, answers: Answer[], limit: number): Buffer {
  const withAnswers = (kept: number) => encode({
    id: query.id, type: "response", flags: replyFlags(query) | (kept < answers.length ? TRUNCATED_RESPONSE : 0),
    questions: query.questions, answers: answers.slice(0, kept),
  });
  const whole = withAnswers(answers.length);
  if (whole.length <= limit) return whole;
  // Binary search for the most answers that fit: `fits` always does, `tooMany` never.
  let [fits, tooMany] = [0, answers.length];
  while (tooMany - fits > 1) {
    const middle = (fits + tooMany) >> 1;
    if (withAnswers(middle).length <= limit) fits = middle;
    else tooMany = middle;
  }
  return withAnswers(fits);
}

/** An error reply (SERVFAIL, REFUSED...) that repeats the question, as resolvers check it. */
export function failure(query: DecodedPacket, rcode: number): Buffer {
  return encode({ id: query.id, type: "response", flags: replyFlags(query) | rcode, questions: query.questions ?? [] });
}

/** FORMERR for a message that has a header but does not decode: the header alone, with the query's id. */
function formatError(message: Buffer): Buffer {
  const reply = Buffer.alloc(HEADER_SIZE);
  message.copy(reply, 0, 0, 2);
  reply.writeUInt16BE(0x8000 | (message.readUInt16BE(2) & RECURSION_DESIRED) | RCODE.FORMERR, 2);
  return reply;
}

function opcode(message: Buffer): number {
  return (message[2]! >> 3) & 0x0f;
}

function isResponse(message: Buffer): boolean {
  return (message[2]! & 0x80) !== 0;
}

/** A message as DNS over TCP sends it: its length in two bytes, then the message. */
export function tcpFrame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** Splits what a TCP stream delivered into whole messages and the start of the next one. */
export function tcpMessages(received: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (received.length - offset >= 2) {
    const end = offset + 2 + received.readUInt16BE(offset);
    if (end > received.length) break;
    messages.push(received.subarray(offset + 2, end));
    offset = end;
  }
  return { messages, rest: received.subarray(offset) };
}
