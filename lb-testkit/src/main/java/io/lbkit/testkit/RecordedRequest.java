package io.lbkit.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request as a {@link WhoamiServer} received it: the request line, the header lines in order
 * and as sent (repeated names stay separate lines), the body's length and CRC-32 (bodies are
 * counted, not kept, so a 1 GiB upload costs no memory), the peer address and the index of the
 * connection it came on (0 for the server's first connection).
 */
public final class RecordedRequest {
  private final String method;
  private final String target;
  private final String version;
  private final List<Map.Entry<String, String>> headers;
  private final String head;
  private final long bodyLength;
  private final long bodyCrc32;
  private final String remoteAddress;
  private final int connectionIndex;

  RecordedRequest(String method, String target, String version, List<Map.Entry<String, String>> headers, String head,
      long bodyLength, long bodyCrc32, String remoteAddress, int connectionIndex) {
    this.method = method;
    this.target = target;
    this.version = version;
    this.headers = List.copyOf(headers);
    this.head = head;
    this.bodyLength = bodyLength;
    this.bodyCrc32 = bodyCrc32;
    this.remoteAddress = remoteAddress;
    this.connectionIndex = connectionIndex;
  }

  public String method() {
    return method;
  }

  /** The request target as sent: path and query. */
  public String target() {
    return target;
  }

  /** The path part of the target. */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  public String version() {
    return version;
  }

  /** Every header line, in order, as received. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The value of the first header line with this name (case-insensitive), or null. */
  public String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  /** The values of every header line with this name (case-insensitive), in order. */
  public List<String> headers(String name) {
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        values.add(h.getValue());
      }
    }
    return values;
  }

  /**
   * The request head exactly as received (ISO-8859-1): the request line and the header lines with
   * their own line ends, and the empty line that ends the head; for tests of what a client sends
   * byte by byte (a health check's request, say).
   */
  public String head() {
    return head;
  }

  /** The number of body bytes received (after chunked decoding). */
  public long bodyLength() {
    return bodyLength;
  }

  /** The CRC-32 of the body bytes. */
  public long bodyCrc32() {
    return bodyCrc32;
  }

  /** The peer's {@code ip:port}. */
  public String remoteAddress() {
    return remoteAddress;
  }

  /** The index of the connection, 0 for the first one this server accepted. */
  public int connectionIndex() {
    return connectionIndex;
  }

  @Override
  public String toString() {
    return method + " " + target + " " + version + " " + headers.size() + " headers, body " + bodyLength
        + " bytes, from " + remoteAddress + " on connection " + connectionIndex;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
