package io.lbkit.benchmarks;

import io.lbkit.core.Endpoint;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Inputs shared by the benchmarks; everything here runs in {@code @Setup}, never in a measured loop. */
final class Fixtures {
  /** Size of the precomputed input arrays (a power of two, so {@code i & MASK} picks one). */
  static final int INPUTS = 1024;
  static final int MASK = INPUTS - 1;
  /** The key every cookie benchmark signs with. */
  static final String COOKIE_KEY = "benchmark-cookie-key-0123456789";

  private Fixtures() {}

  /** {@code count} distinct IPv4 endpoints {@code 10.a.b.c:8080}, in a stable order. */
  static List<Endpoint> endpoints(int count) {
    List<Endpoint> endpoints = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int n = i + 1;
      byte[] address = {10, (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
      try {
        endpoints.add(Endpoint.of(InetAddress.getByAddress(address), 8080));
      } catch (UnknownHostException e) {
        throw new AssertionError(e); // cannot happen: a 4-byte literal address
      }
    }
    return endpoints;
  }

  /** Fails the run (from {@code @Setup}) when a benchmark would measure something other than it claims. */
  static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
