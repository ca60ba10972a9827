package io.lbkit.servlet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Fuzzes the configuration parser through its public entry point, {@link LoadBalancerConfig#parse}:
 * the input is read as UTF-8 lines {@code key=value} (a line without {@code =} is a key with a null
 * value), in order. Invariant: it returns, or throws {@link IllegalArgumentException} whose message
 * starts by naming a key ({@code key: ...}, or {@code dns: ...} for the backend's DNS name); never
 * another exception. Nothing is built or started, so no input can reach the network.
 */
class LoadBalancerConfigFuzzTest {
  private static final Set<String> KNOWN = LoadBalancerConfig.knownKeys();

  @FuzzTest
  void parse(byte[] data) {
    Map<String, String> raw = new LinkedHashMap<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n", -1)) {
      int eq = line.indexOf('=');
      raw.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? null : line.substring(eq + 1));
    }
    try {
      LoadBalancerConfig config = LoadBalancerConfig.parse(raw);
      config.toString();
      config.options();
    } catch (IllegalArgumentException e) {
      if (!namesAKey(e.getMessage(), raw)) {
        throw new AssertionError("the message names no key: " + e.getMessage() + " for " + raw, e);
      }
    }
  }

  private static boolean namesAKey(String message, Map<String, String> raw) {
    if (message == null) {
      return false;
    }
    for (String key : raw.keySet()) {
      if (message.startsWith(key.trim() + ":")) {
        return true;
      }
    }
    int colon = message.indexOf(": ");
    String head = colon < 0 ? "" : message.substring(0, colon);
    // "dns: 'name' (expected: host:port ...)" is how a backend name without a port is told (InitFailureTest)
    return KNOWN.stream().anyMatch(head::contains) || head.equals("dns") && raw.containsKey("backend");
  }
}
