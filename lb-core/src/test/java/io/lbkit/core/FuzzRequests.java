package io.lbkit.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns fuzzer bytes into requests: the bytes are read as UTF-8 (so seed files are readable text
 * and any character can occur) and each line is one {@code Cookie} header (at most four).
 */
public final class FuzzRequests {
  private FuzzRequests() {}

  /** The {@code Cookie} header lines of {@code data}. */
  public static List<String> cookieHeaders(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    List<String> headers = new ArrayList<>();
    int from = 0;
    while (headers.size() < 3) {
      int nl = text.indexOf('\n', from);
      if (nl < 0) {
        break;
      }
      headers.add(text.substring(from, nl));
      from = nl + 1;
    }
    headers.add(text.substring(from));
    return headers;
  }

  /** A request carrying {@code headers} as its {@code Cookie} headers. */
  public static RequestView request(List<String> headers) {
    return new RequestView() {
      @Override
      public int cookieHeaderCount() {
        return headers.size();
      }

      @Override
      public String cookieHeader(int index) {
        return headers.get(index);
      }

      @Override
      public String clientAddress() {
        return "127.0.0.1";
      }
    };
  }

  /**
   * Checks the balancer contract: the selection is empty or one of the snapshot's usable servers
   * (the very objects of the snapshot, so a value can never route outside the live list).
   */
  public static void assertUsable(Snapshot snapshot, Selection selection, String what) {
    if (selection == null) {
      throw new AssertionError(what + ": null selection (expected Selection.NONE when no server is usable)");
    }
    if (selection.isEmpty()) {
      if (!snapshot.usable().isEmpty()) {
        throw new AssertionError(what + ": no server selected while " + snapshot.usable().size() + " are usable");
      }
      return;
    }
    for (Server s : snapshot.usable()) {
      if (s == selection.server()) {
        return;
      }
    }
    throw new AssertionError(what + ": selected " + selection.server() + ", not one of the usable " + snapshot.usable());
  }
}
