package io.lbkit.netty;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 over raw sockets, for tests that must see the bytes: writing requests and reading heads. */
final class RawHttp {
  private RawHttp() {
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads a message head up to and including its empty line. */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("closed after " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /** The {@code Content-Length} of {@code head}; fails the test without one. */
  static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        return Integer.parseInt(line.substring(15).trim());
      }
    }
    throw new AssertionError("no Content-Length in " + head);
  }

  /** Reads one response sized by {@code Content-Length}: its head and body as text. */
  static String readResponse(InputStream in) throws IOException {
    String head = readHead(in);
    return head + new String(in.readNBytes(contentLength(head)), StandardCharsets.ISO_8859_1);
  }
}
