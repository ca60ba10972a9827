package io.lbkit.cookie;

import static io.lbkit.core.FuzzRequests.assertUsable;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lbkit.core.Endpoint;
import io.lbkit.core.FuzzRequests;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.internal.CookieHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Fuzzes the {@code Cookie} header scanner and the sticky cookie lookup with arbitrary headers
 * (one per line of the input, read as UTF-8), in every cookie mode. Invariants: nothing throws; a
 * selection is always one of the snapshot's usable servers (or none when there is none); a request
 * is pinned without a new cookie only when it carries that server's current value; the forwarded
 * header never carries our cookie; the fast scanner agrees with the reference one.
 *
 * <p>{@code ./mvnw -B -o verify} replays the seeds under {@code src/test/resources/io/lbkit/cookie/
 * CookieFuzzTestInputs/}; {@code docs/reliability.md} has the command that fuzzes for minutes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CookieFuzzTest {
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  /** Three usable servers (one IPv6), one in maintenance, one empty slot. */
  private final ServerGroup group = group();
  /** Two slots, no endpoint: nothing is usable. */
  private final ServerGroup empty = ServerGroup.builder("empty").slots("none", 2).build();

  private final StickyCookieBalancer siphash = StickyCookieBalancer.builder().cookieKey("fuzz-key").build(group);
  private final StickyCookieBalancer rotated = StickyCookieBalancer.builder().cookieMode(CookieMode.HMAC)
      .cookieKey("new-key", "old-key").build(group);
  private final StickyCookieBalancer haproxy = StickyCookieBalancer.builder().cookieMode(CookieMode.HAPROXY)
      .cookieKey("fuzz-key").cookieIndirect(false).build(group);
  private final StickyCookieBalancer prefix = StickyCookieBalancer.builder().cookie("JSESSIONID")
      .cookieMode(CookieMode.PREFIX).cookieKey("fuzz-key").build(group);
  private final StickyCookieBalancer dated = StickyCookieBalancer.builder().cookieKey("fuzz-key")
      .cookieMaxIdle(Duration.ofMinutes(30)).cookieMaxLife(Duration.ofHours(8))
      .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build(group);
  private final StickyCookieBalancer idleOnly = StickyCookieBalancer.builder().cookie("a").cookieKey("fuzz-key")
      .cookieMaxIdle(Duration.ofMinutes(30)).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build(group);
  private final StickyCookieBalancer none = StickyCookieBalancer.builder().cookieKey("fuzz-key").build(empty);

  static ServerGroup group() {
    ServerGroup g = ServerGroup.builder("be").slots("app", 5).build();
    g.setEndpoints(List.of(Endpoint.parse("127.0.0.2:80"), Endpoint.parse("127.0.0.3:80"),
        Endpoint.parse("127.0.0.4:80"), Endpoint.parse("[::1]:8080")));
    g.setMaintenance("app3", true);
    return g;
  }

  @AfterAll
  void close() {
    group.close();
    empty.close();
  }

  @FuzzTest
  void stickyCookieLookup(byte[] data) {
    List<String> headers = FuzzRequests.cookieHeaders(data);
    RequestView request = FuzzRequests.request(headers);
    Snapshot snapshot = group.snapshot();
    for (StickyCookieBalancer b : List.of(siphash, rotated, haproxy, dated, idleOnly)) {
      Selection s = b.select(request);
      assertUsable(snapshot, s, b.cookieName());
      if (s.setCookie() == null && !carriesCurrentValue(b, headers, s)) {
        throw new AssertionError(b.cookieName() + ": pinned to " + s.server() + " without its cookie in " + headers);
      }
      if (s.setCookie() != null && !s.setCookie().startsWith(b.cookieName() + "=")) {
        throw new AssertionError("Set-Cookie for another cookie: " + s.setCookie());
      }
      assertUsable(snapshot, b.selectOther(request, new io.lbkit.core.TriedServers()), b.cookieName() + " (other)");
    }
    assertUsable(snapshot, prefix.select(request), "prefix");
    assertUsable(empty.snapshot(), none.select(request), "empty group");

    for (String header : headers) {
      String forwarded = siphash.forwardedCookieHeader(header);
      if (forwarded != null && CookieHeaders.valueRange(forwarded, "SRVID", 0) >= 0) {
        throw new AssertionError("our cookie is forwarded: '" + forwarded + "' from '" + header + "'");
      }
      String unprefixed = prefix.forwardedCookieHeader(header);
      if (unprefixed == null || unprefixed.length() > header.length()) {
        throw new AssertionError("prefix removal grew '" + header + "' into '" + unprefixed + "'");
      }
      String rewritten = prefix.backendSetCookie(prefix.select(request), header);
      if (rewritten == null) {
        throw new AssertionError("prefix lost the Set-Cookie '" + header + "'");
      }
      for (String name : List.of("SRVID", "JSESSIONID", "a")) {
        sameRanges(header, name);
      }
    }
  }

  /** In insert style a selection without Set-Cookie is a hit: the header holds the server's current value. */
  private static boolean carriesCurrentValue(StickyCookieBalancer b, List<String> headers, Selection s) {
    String value = b.cookieValue(s.server().endpoint());
    for (String header : headers) {
      if (header.toLowerCase(Locale.ROOT).contains(value)) {
        return true;
      }
    }
    return false;
  }

  /** The indexOf-based scanner and the pair-by-pair reference find the same values, iterated as balancers do. */
  private static void sameRanges(String header, String name) {
    long fast = CookieHeaders.valueRange(header, name, 0);
    long reference = CookieHeaders.scanPairs(header, name, 0);
    while (true) {
      if (fast != reference) {
        throw new AssertionError("scanners disagree on '" + name + "' in '" + header + "': " + range(fast)
            + " vs " + range(reference));
      }
      if (fast < 0) {
        return;
      }
      int end = CookieHeaders.end(fast);
      if (CookieHeaders.start(fast) > end || end > header.length()) {
        throw new AssertionError("bad range " + range(fast) + " in '" + header + "'");
      }
      fast = CookieHeaders.valueRange(header, name, end);
      reference = CookieHeaders.scanPairs(header, name, end);
    }
  }

  private static String range(long r) {
    return r < 0 ? "none" : "[" + CookieHeaders.start(r) + "," + CookieHeaders.end(r) + ")";
  }
}
