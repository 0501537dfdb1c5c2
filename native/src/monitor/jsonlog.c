#include "jsonlog.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

/* Worst case per input byte is 6 (\u00XX); plus the fixed parts of the entry. */
static char entry[JSONLOG_MAX_LINE * 6 + 128];

/* Length of the valid UTF-8 sequence at p, or 0 if the byte there starts none. */
static size_t utf8_sequence(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t need;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) need = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) need = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) need = 4, cp = c & 0x07;
  else return 0;
  if (n < need) return 0;
  for (size_t i = 1; i < need; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < smallest[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return need;
}

/* JSON string body; invalid UTF-8 becomes U+FFFD as Go's encoder (and so Docker) does. */
static size_t escape(char *out, const unsigned char *in, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = in[i];
    size_t seq = utf8_sequence(in + i, n - i);
    if (seq == 0) {
      memcpy(out + o, "\\ufffd", 6), o += 6, i++;
    } else if (seq > 1) {
      memcpy(out + o, in + i, seq), o += seq, i += seq;
    } else if (c == '"' || c == '\\') {
      out[o++] = '\\', out[o++] = (char)c, i++;
    } else if (c == '\n') {
      memcpy(out + o, "\\n", 2), o += 2, i++;
    } else if (c == '\r') {
      memcpy(out + o, "\\r", 2), o += 2, i++;
    } else if (c == '\t') {
      memcpy(out + o, "\\t", 2), o += 2, i++;
    } else if (c < 0x20) {
      memcpy(out + o, "\\u00", 4), o += 4;
      out[o++] = hex[c >> 4], out[o++] = hex[c & 15], i++;
    } else {
      out[o++] = (char)c, i++;
    }
  }
  return o;
}

static void append(size_t *len, const char *text) {
  size_t n = strlen(text);
  memcpy(entry + *len, text, n);
  *len += n;
}

static void emit(int fd, struct log_stream *stream) {
  char now[64];
  format_now(now);
  size_t len = 0;
  append(&len, "{\"log\":\"");
  len += escape(entry + len, (const unsigned char *)stream->line, stream->len);
  append(&len, "\",\"stream\":\"");
  append(&len, stream->name);
  append(&len, "\",\"time\":\"");
  append(&len, now);
  append(&len, "\"}\n");
  /* O_APPEND and one write per entry: a concurrent reader sees whole lines. */
  (void)!write(fd, entry, len);
  stream->len = 0;
}

void jsonlog_write(int fd, struct log_stream *stream, const char *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    stream->line[stream->len++] = data[i];
    if (data[i] == '\n' || stream->len == sizeof stream->line) emit(fd, stream);
  }
}

void jsonlog_flush(int fd, struct log_stream *stream) {
  if (stream->len > 0) emit(fd, stream);
}
