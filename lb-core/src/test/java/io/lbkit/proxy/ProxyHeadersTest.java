package io.lbkit.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.session.StickTableBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The header policy on plain name/value lines: no container, no socket. */
class ProxyHeadersTest {
  private final ServerGroup group = group();
  private final StickyCookieBalancer sticky = StickyCookieBalancer.builder().cookieKey("k").build(group);

  static ServerGroup group() {
    ServerGroup g = ServerGroup.builder("be").slots("whoami", 2).build();
    g.setEndpoints(List.of(Endpoint.parse("127.0.0.2:8080"), Endpoint.parse("127.0.0.3:8080")));
    return g;
  }

  /** Header lines in order; the sink records them the way a container would keep them. */
  static final class Lines implements HeaderSource, HeaderSink {
    final List<Map.Entry<String, String>> lines = new ArrayList<>();

    static Lines of(String... nameValues) {
      Lines l = new Lines();
      for (int i = 0; i < nameValues.length; i += 2) {
        l.add(nameValues[i], nameValues[i + 1]);
      }
      return l;
    }

    @Override
    public void forEach(java.util.function.BiConsumer<String, String> line) {
      lines.forEach(e -> line.accept(e.getKey(), e.getValue()));
    }

    @Override
    public void add(String name, String value) {
      lines.add(Map.entry(name, value));
    }

    @Override
    public void set(String name, String value) {
      lines.removeIf(e -> e.getKey().equalsIgnoreCase(name));
      add(name, value);
    }

    List<String> values(String name) {
      List<String> v = new ArrayList<>();
      lines.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).forEach(e -> v.add(e.getValue()));
      return v;
    }

    List<String> names() {
      List<String> n = new ArrayList<>();
      lines.forEach(e -> n.add(e.getKey().toLowerCase(Locale.ROOT)));
      return n;
    }
  }

  private Lines forward(Balancer balancer, boolean forwardfor, boolean preserveHost, Lines in) {
    Lines out = new Lines();
    new ProxyHeaders(balancer, forwardfor, preserveHost).request(in, "203.0.113.9", "https", 8443, out);
    return out;
  }

  @Test
  void hopByHopLinesAndTheLinesConnectionNamesAreDropped() {
    Lines out = forward(sticky, false, true, Lines.of("Host", "example.com", "Connection", "keep-alive, X-Secret",
        "X-Secret", "1", "Keep-Alive", "timeout=5", "Transfer-Encoding", "chunked", "TE", "trailers",
        "Upgrade", "websocket", "Proxy-Authorization", "Basic x", "Expect", "100-continue",
        "Content-Length", "12", "X-Custom", "one", "X-Custom", "two"));
    assertThat(out.names()).containsExactly("content-length", "x-custom", "x-custom", "host");
    assertThat(out.values("X-Custom")).containsExactly("one", "two");
    assertThat(out.values("Host")).containsExactly("example.com");
  }

  @Test
  void forwardforReplacesEveryForwardingLineTheClientSentExceptTheForChain() {
    Lines out = forward(sticky, true, true, Lines.of("Host", "example.com:9999",
        "X-Forwarded-For", "198.51.100.1", "X-Forwarded-Proto", "forged", "X-Forwarded-Host", "evil",
        "X-Forwarded-Port", "1", "Forwarded", "for=6.6.6.6;proto=https", "X-Real-IP", "6.6.6.6",
        "forwarded", "for=7.7.7.7"));
    assertThat(out.values("X-Forwarded-For")).containsExactly("198.51.100.1", "203.0.113.9");
    assertThat(out.values("X-Forwarded-Proto")).containsExactly("https");
    assertThat(out.values("X-Forwarded-Host")).containsExactly("example.com:9999");
    assertThat(out.values("X-Forwarded-Port")).as("the port the connection arrived on, not Host's").containsExactly("8443");
    assertThat(out.values("X-Real-IP")).containsExactly("203.0.113.9");
    assertThat(out.values("Forwarded")).containsExactly("for=203.0.113.9;host=\"example.com:9999\";proto=https");
  }

  @Test
  void withoutForwardforTheClientsForwardingLinesPassAndNoneIsAdded() {
    Lines out = forward(sticky, false, false, Lines.of("Host", "example.com", "Forwarded", "for=6.6.6.6",
        "X-Forwarded-Proto", "https"));
    assertThat(out.values("Forwarded")).containsExactly("for=6.6.6.6");
    assertThat(out.values("X-Forwarded-Proto")).containsExactly("https");
    assertThat(out.values("X-Forwarded-For")).isEmpty();
    assertThat(out.values("Host")).as("no preserve-host: the engine sends the server's address").isEmpty();
  }

  @Test
  void forwardedQuotesIpv6AndHostsWithAPort() {
    assertThat(ProxyHeaders.forwarded("2001:db8::1", "h", "http")).isEqualTo("for=\"[2001:db8::1]\";host=h;proto=http");
    assertThat(ProxyHeaders.forwarded("[::1]", null, "http")).isEqualTo("for=\"[::1]\";proto=http");
    assertThat(ProxyHeaders.forwarded(null, "a\"b", "http")).isEqualTo("host=\"a\\\"b\";proto=http");
  }

  @Test
  void ourStickyCookieIsRemovedFromTheForwardedCookieLines() {
    String ours = "SRVID=" + sticky.cookieValue(group.snapshot().server(0));
    Lines out = forward(sticky, false, true, Lines.of("Cookie", "a=1; " + ours, "Cookie", ours));
    assertThat(out.values("Cookie")).containsExactly("a=1");
  }

  @Test
  void responseHopByHopLinesAreDroppedAndBackendCookiesGoThroughTheBalancer() {
    StickTableBalancer table = StickTableBalancer.builder().stickOn("JSESSIONID").build(group);
    Selection selection = table.select(RequestView.EMPTY);
    Lines out = new Lines();
    new ProxyHeaders(table, true, true).response(Lines.of("Connection", "close, X-Hop", "X-Hop", "1",
        "Transfer-Encoding", "chunked", "Set-Cookie", "JSESSIONID=abc; Path=/", "Content-Length", "3",
        "Cache-Control", "no-store"), selection, out);
    assertThat(out.names()).containsExactly("set-cookie", "content-length", "cache-control");
    assertThat(table.select(RequestView.of("JSESSIONID=abc")).server()).as("learned from the response")
        .isSameAs(selection.server());
  }

  @Test
  void theSelectionsCookieIsAddedAndNocacheKeepsTheServersDirectives() {
    StickyCookieBalancer nocache = StickyCookieBalancer.builder().cookieKey("k").cookieNocache(true).build(group);
    Selection fresh = nocache.select(RequestView.EMPTY);
    assertThat(fresh.setCookie()).isNotNull();
    Lines out = new Lines();
    new ProxyHeaders(nocache, true, true).response(Lines.of("Cache-Control", "no-store",
        "Cache-Control", "max-age=0", "Set-Cookie", "theme=dark"), fresh, out);
    assertThat(out.values("Set-Cookie")).containsExactly("theme=dark", fresh.setCookie());
    assertThat(out.values("Cache-Control")).containsExactly("no-store, max-age=0, private");

    Lines none = new Lines();
    new ProxyHeaders(nocache, true, true).response(Lines.of(), fresh, none);
    assertThat(none.values("Cache-Control")).containsExactly("private");

    Selection pinned = nocache.select(RequestView.of(fresh.setCookie().substring(0, fresh.setCookie().indexOf(';'))));
    assertThat(pinned.setCookie()).isNull();
    Lines untouched = new Lines();
    new ProxyHeaders(nocache, true, true).response(Lines.of("Cache-Control", "public, max-age=60"), pinned, untouched);
    assertThat(untouched.values("Cache-Control")).as("no cookie set: no advice").containsExactly("public, max-age=60");
  }

  @Test
  void withoutNocacheTheServersCacheControlPassesAsItIs() {
    Selection fresh = sticky.select(RequestView.EMPTY);
    Lines out = new Lines();
    new ProxyHeaders(sticky, true, true).response(Lines.of("Cache-Control", "public"), fresh, out);
    assertThat(out.values("Cache-Control")).containsExactly("public");
    assertThat(out.values("Set-Cookie")).containsExactly(fresh.setCookie());
  }

  @Test
  void privateIsAddedOnlyWhenNoDirectiveSaysSo() {
    assertThat(ProxyHeaders.withPrivate(null)).isEqualTo("private");
    assertThat(ProxyHeaders.withPrivate(List.of("no-store"))).isEqualTo("no-store, private");
    assertThat(ProxyHeaders.withPrivate(List.of("PRIVATE, max-age=5"))).isEqualTo("PRIVATE, max-age=5");
    assertThat(ProxyHeaders.withPrivate(List.of("private=\"Set-Cookie\""))).isEqualTo("private=\"Set-Cookie\"");
    assertThat(ProxyHeaders.withPrivate(List.of(" , no-cache ,"))).isEqualTo("no-cache, private");
  }

  @Test
  void aBalancerWithoutCookiesChangesNothing() {
    RoundRobinBalancer rr = RoundRobinBalancer.create(group);
    assertThat(rr.cookieNocache()).isFalse();
    assertThat(rr.cookieValue(group.snapshot().server(0))).isNull();
    Lines out = forward(rr, false, true, Lines.of("Cookie", "SRVID=1; a=2"));
    assertThat(out.values("Cookie")).containsExactly("SRVID=1; a=2");
  }
}
