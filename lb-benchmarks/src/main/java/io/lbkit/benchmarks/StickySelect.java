package io.lbkit.benchmarks;

import io.lbkit.cookie.CookieMode;
import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * From a request's raw {@code Cookie} header to the pinned server: a realistic header of about
 * 300 characters with 6 cookies (analytics, a session id, ours 4th, a CSRF token, preferences),
 * each input naming one of {@value #SERVERS} servers.
 *
 * <ul>
 *   <li>{@code siphash}, {@code hmac}, {@code haproxy}: {@link StickyCookieBalancer#select} with
 *       that {@code cookie-mode}; the header is scanned in place and the value probed in the
 *       snapshot's table. The codec itself never runs per request, so the three should be equal.
 *   <li>{@code split}: the naive reference: {@code split(";")}, trim, {@code split("=")}, then a
 *       {@code HashMap<String, Server>} lookup, as a quick hand-written filter would do it.
 * </ul>
 *
 * <p>Inputs are precomputed in setup and read as {@code inputs[i++ & MASK]}; setup checks that
 * every input selects its server through the cookie (no new {@code Set-Cookie}), so the fallback
 * balancer is never what is measured.
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar StickySelect -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StickySelect {
  static final int SERVERS = 10;
  private static final String COOKIE = "SRVID";

  private ServerGroup group;
  private StickyCookieBalancer siphash;
  private StickyCookieBalancer hmac;
  private StickyCookieBalancer haproxy;
  private RequestView[] siphashInputs;
  private RequestView[] hmacInputs;
  private RequestView[] haproxyInputs;
  private String[] splitInputs;
  private Map<String, Server> splitTable;

  /** The input cursor, one per thread so threads do not share a written field. */
  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Setup(Level.Trial)
  public void setUp() {
    List<Endpoint> endpoints = Fixtures.endpoints(SERVERS);
    group = ServerGroup.builder("bench").endpoints(endpoints).build();
    siphash = balancer(CookieMode.SIPHASH);
    hmac = balancer(CookieMode.HMAC);
    haproxy = balancer(CookieMode.HAPROXY);
    siphashInputs = inputs(siphash);
    hmacInputs = inputs(hmac);
    haproxyInputs = inputs(haproxy);

    splitInputs = new String[Fixtures.INPUTS];
    splitTable = new HashMap<>();
    for (Server s : group.snapshot().usable()) {
      splitTable.put(siphash.cookieValue(s.endpoint()), s);
    }
    for (int i = 0; i < Fixtures.INPUTS; i++) {
      splitInputs[i] = siphashInputs[i].cookieHeader(0);
      Server expected = group.snapshot().usable().get(i % SERVERS);
      Fixtures.check(split(splitInputs[i]) == expected, "split: input " + i + " does not select " + expected);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    group.close();
  }

  @Benchmark
  public Selection siphash(Cursor c) {
    return siphash.select(siphashInputs[c.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public Selection hmac(Cursor c) {
    return hmac.select(hmacInputs[c.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public Selection haproxy(Cursor c) {
    return haproxy.select(haproxyInputs[c.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public Server split(Cursor c) {
    return split(splitInputs[c.i++ & Fixtures.MASK]);
  }

  private Server split(String header) {
    for (String pair : header.split(";")) {
      String[] nameValue = pair.trim().split("=", 2);
      if (nameValue.length == 2 && nameValue[0].equals(COOKIE)) {
        Server s = splitTable.get(nameValue[1]);
        if (s != null) {
          return s;
        }
      }
    }
    return null;
  }

  private StickyCookieBalancer balancer(CookieMode mode) {
    return StickyCookieBalancer.builder().cookie(COOKIE).cookieMode(mode).cookieKey(Fixtures.COOKIE_KEY).build(group);
  }

  private RequestView[] inputs(StickyCookieBalancer balancer) {
    List<Server> servers = group.snapshot().usable();
    RequestView[] inputs = new RequestView[Fixtures.INPUTS];
    for (int i = 0; i < inputs.length; i++) {
      Server expected = servers.get(i % servers.size());
      String header = cookieHeader(i, balancer.cookieValue(expected.endpoint()));
      Fixtures.check(header.length() >= 280 && header.length() <= 320,
          "cookie header length: " + header.length() + " (expected: about 300)");
      inputs[i] = RequestView.of(header, "192.0.2.1");
      Selection s = balancer.select(inputs[i]);
      Fixtures.check(s.server() == expected && s.setCookie() == null,
          "input " + i + " selects " + s + " (expected: " + expected + " through its cookie)");
    }
    return inputs;
  }

  /** A browser-like header: 6 cookies, ours 4th, the others varying per input. */
  static String cookieHeader(int i, String ourValue) {
    String n = String.format("%010d", 1_000_000_007L * (i + 1) % 10_000_000_000L);
    return "_ga=GA1.2." + n + ".1732867200"
        + "; _gid=GA1.2." + new StringBuilder(n).reverse() + ".1732867200"
        + "; JSESSIONID=node0" + hex(i * 31L + 7, 32) + ".node0"
        + "; " + COOKIE + "=" + ourValue
        + "; csrftoken=" + hex(i * 131L + 3, 64)
        + "; prefs=lang%3Den-US%26tz%3DEurope%252FBerlin%26theme%3Ddark%26list%3Dcompact%26n%3D" + (i % 97);
  }

  private static String hex(long seed, int length) {
    StringBuilder sb = new StringBuilder(length);
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    while (sb.length() < length) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      sb.append(Character.forDigit((int) (x & 0xF), 16));
    }
    return sb.toString();
  }
}
