package io.lbkit.testkit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The WebSocket side of {@link WhoamiServer} (RFC 6455 on plain streams, server role): answers
 * the handshake and echoes every data frame as it arrives, frame by frame and streamed, so a
 * 16 MiB message passes through a small buffer. A text message {@code whoami} is answered with
 * the server's name instead, which shows which replica holds the socket. Pings get pongs; a
 * close is answered with a close and ends the connection.
 */
final class WebSocketEcho {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final int BUFFER = 8 * 1024;
  private static final byte[] WHOAMI = "whoami".getBytes(StandardCharsets.US_ASCII);

  private WebSocketEcho() {}

  /** {@code Sec-WebSocket-Accept} for a {@code Sec-WebSocket-Key}: Base64 of SHA-1 of key + GUID. */
  static String accept(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }

  /** Writes the 101 and echoes until a close frame, the end of the stream or an error. */
  static void serve(String key, String name, InputStream in, OutputStream out) throws IOException {
    out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: " + accept(key) + "\r\nX-Whoami: " + name + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    byte[] buf = new byte[BUFFER];
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        return; // the client went away without a close frame
      }
      int b1 = read(in);
      int opcode = b0 & 0x0f;
      long length = b1 & 0x7f;
      if (length == 126) {
        length = ((long) read(in) << 8) | read(in);
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | read(in);
        }
      }
      byte[] mask = new byte[4];
      if ((b1 & 0x80) != 0) {
        readFully(in, mask, 4);
      }
      if (opcode >= 8) { // control frames: at most 125 bytes
        byte[] payload = new byte[(int) length];
        readFully(in, payload, payload.length);
        unmask(payload, payload.length, mask, 0);
        if (opcode == 8) {
          frameHead(out, 0x88, payload.length);
          out.write(payload);
          out.flush();
          return;
        }
        if (opcode == 9) {
          frameHead(out, 0x8a, payload.length);
          out.write(payload);
          out.flush();
        }
        continue;
      }
      if (opcode == 1 && (b0 & 0x80) != 0 && length == WHOAMI.length) {
        byte[] payload = new byte[WHOAMI.length];
        readFully(in, payload, payload.length);
        unmask(payload, payload.length, mask, 0);
        byte[] answer = java.util.Arrays.equals(payload, WHOAMI) ? name.getBytes(StandardCharsets.UTF_8) : payload;
        frameHead(out, b0, answer.length);
        out.write(answer);
        out.flush();
        continue;
      }
      frameHead(out, b0, length); // same FIN bit and opcode: fragments echo as fragments
      long done = 0;
      while (done < length) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, length - done));
        if (n < 0) {
          throw new EOFException("end of stream inside a frame");
        }
        unmask(buf, n, mask, done);
        out.write(buf, 0, n);
        done += n;
      }
      out.flush();
    }
  }

  private static void frameHead(OutputStream out, int firstByte, long length) throws IOException {
    out.write(firstByte);
    if (length < 126) {
      out.write((int) length);
    } else if (length < 65536) {
      out.write(126);
      out.write((int) (length >>> 8));
      out.write((int) length);
    } else {
      out.write(127);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (length >>> (8 * i)));
      }
    }
  }

  private static void unmask(byte[] data, int n, byte[] mask, long offset) {
    for (int i = 0; i < n; i++) {
      data[i] ^= mask[(int) ((offset + i) & 3)];
    }
  }

  private static int read(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("end of stream inside a frame head");
    }
    return b;
  }

  private static void readFully(InputStream in, byte[] b, int n) throws IOException {
    int done = 0;
    while (done < n) {
      int r = in.read(b, done, n - done);
      if (r < 0) {
        throw new EOFException("end of stream inside a frame");
      }
      done += r;
    }
  }

  /** The demo page: opens a socket to the same path through whatever serves it, asks whoami every 2 s. */
  static String page(String name) {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>WebSocket: " + name + "</title></head>"
        + "<body style=\"font-family:sans-serif\"><h1>WebSocket through lbkit</h1>\n"
        + "<p>This page came from <b>" + name + "</b>. Its socket is answered by: <b id=\"who\">(connecting)</b>"
        + " <button onclick=\"connect()\">reconnect</button></p>\n<pre id=\"log\"></pre>\n<script>\n"
        + "let ws, timer;\n"
        + "function log(t) { const l = document.getElementById('log');"
        + " l.textContent = new Date().toLocaleTimeString() + ' ' + t + '\\n' + l.textContent.slice(0, 2000); }\n"
        + "function connect() {\n"
        + "  if (ws) { ws.close(); clearInterval(timer); }\n"
        + "  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host"
        + " + location.pathname);\n"
        + "  ws.onopen = () => { log('open'); ws.send('whoami');"
        + " timer = setInterval(() => ws.send('whoami'), 2000); };\n"
        + "  ws.onmessage = e => { document.getElementById('who').textContent = e.data; log('answered by ' + e.data); };\n"
        + "  ws.onclose = e => { log('closed (' + e.code + ')'); clearInterval(timer); };\n"
        + "}\nconnect();\n</script></body></html>\n";
  }
}
