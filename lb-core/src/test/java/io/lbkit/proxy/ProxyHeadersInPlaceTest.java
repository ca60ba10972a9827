package io.lbkit.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.session.StickTableBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The in-place form of the header policy ({@link HeaderLines}, Netty's) gives the lines the copying
 * form ({@link HeaderSource} into {@link HeaderSink}, the servlet engine's) gives, on the same input.
 */
class ProxyHeadersInPlaceTest {
  private final ServerGroup group = ProxyHeadersTest.group();
  private final StickyCookieBalancer sticky = StickyCookieBalancer.builder().cookieKey("k").build(group);
  private final String ours = "SRVID=" + sticky.cookieValue(group.snapshot().server(0));
  /** One connection's memo through every case of a test: what a case's scan found must not reach the next. */
  private final ProxyHeaders.ConnectionMemo sharedMemo = new ProxyHeaders.ConnectionMemo();

  /** Mutable lines in order, edited in place; names are kept as given (any case). */
  static final class Editable implements HeaderLines {
    final List<String[]> lines = new ArrayList<>();
    private int at = -1;
    private boolean inPass;

    static Editable of(String... nameValues) {
      Editable e = new Editable();
      for (int i = 0; i < nameValues.length; i += 2) {
        e.add(nameValues[i], nameValues[i + 1]);
      }
      return e;
    }

    @Override
    public void rewind() {
      at = -1;
      inPass = true;
    }

    @Override
    public boolean next() {
      inPass = ++at < lines.size();
      return inPass;
    }

    @Override
    public CharSequence name() {
      return new StringBuilder(lines.get(at)[0]); // not a String: the policy must not rely on one
    }

    @Override
    public CharSequence value() {
      return lines.get(at)[1];
    }

    @Override
    public void setValue(String value) {
      lines.get(at)[1] = value;
    }

    @Override
    public void removeAll(String name) {
      assertThat(inPass).as("no removal during a pass").isFalse();
      lines.removeIf(l -> l[0].equalsIgnoreCase(name));
    }

    @Override
    public void add(String name, String value) {
      assertThat(inPass).as("no addition during a pass").isFalse();
      lines.add(new String[] {name, value});
    }

    @Override
    public void set(String name, String value) {
      removeAll(name);
      add(name, value);
    }

    /** Values by lower-case name, each name's in order. */
    Map<String, List<String>> byName() {
      Map<String, List<String>> m = new TreeMap<>();
      for (String[] l : lines) {
        m.computeIfAbsent(l[0].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(l[1]);
      }
      return m;
    }
  }

  private static Map<String, List<String>> byName(ProxyHeadersTest.Lines lines) {
    Editable e = new Editable();
    lines.lines.forEach(l -> e.lines.add(new String[] {l.getKey(), l.getValue()}));
    return e.byName();
  }

  private void assertSameRequest(Balancer balancer, boolean forwardfor, boolean preserveHost, String... nameValues) {
    ProxyHeaders policy = new ProxyHeaders(balancer, forwardfor, preserveHost);
    ProxyHeadersTest.Lines copied = new ProxyHeadersTest.Lines();
    policy.request(ProxyHeadersTest.Lines.of(nameValues), "203.0.113.9", "https", 8443, copied);
    Editable inPlace = Editable.of(nameValues);
    policy.request(inPlace, "203.0.113.9", "https", 8443, null);
    assertThat(inPlace.byName()).isEqualTo(byName(copied));
    ProxyHeaders.ConnectionMemo memo = new ProxyHeaders.ConnectionMemo();
    for (ProxyHeaders.ConnectionMemo m : new ProxyHeaders.ConnectionMemo[] {memo, memo, sharedMemo}) {
      // the memo's first and remembered Forwarded; one memo for all cases, left with the previous case's scan
      Editable again = Editable.of(nameValues);
      policy.request(again, "203.0.113.9", "https", 8443, m);
      assertThat(again.byName()).isEqualTo(byName(copied));
    }
  }

  @Test
  void requestLinesAreTheCopyingFormsOnes() {
    String[] mixed = {"host", "example.com:9999", "Connection", "keep-alive, X-Secret, host", "X-Secret", "1",
        "Keep-Alive", "timeout=5", "Transfer-Encoding", "chunked", "te", "trailers", "Upgrade", "websocket",
        "Expect", "100-continue", "Content-Length", "12", "X-Custom", "one", "X-Custom", "two",
        "X-Forwarded-For", "198.51.100.1", "X-FORWARDED-PROTO", "forged", "Forwarded", "for=6.6.6.6",
        "Cookie", "a=1; " + ours, "Cookie", ours, "Cookie", "b=2"};
    for (boolean forwardfor : new boolean[] {false, true}) {
      for (boolean preserveHost : new boolean[] {false, true}) {
        assertSameRequest(sticky, forwardfor, preserveHost, mixed);
        assertSameRequest(sticky, forwardfor, preserveHost, "Host", "a", "X-Secret", "named by the last one's Connection");
        assertSameRequest(sticky, forwardfor, preserveHost, "Host", "a", "Cookie", ours);
        assertSameRequest(sticky, forwardfor, preserveHost, "Host", "a", "Cookie", "x=1; " + ours);
        assertSameRequest(sticky, forwardfor, preserveHost, "Host", "a", "Host", "b", "Accept", "*/*");
        assertSameRequest(sticky, forwardfor, preserveHost, "Accept", "*/*");
      }
    }
  }

  @Test
  void theMemoBuildsForwardedAgainWhenTheHostChanges() {
    ProxyHeaders policy = new ProxyHeaders(sticky, true, true);
    ProxyHeaders.ConnectionMemo memo = new ProxyHeaders.ConnectionMemo();
    for (String host : new String[] {"a", "a", "b", "a"}) {
      Editable in = Editable.of("Host", host);
      policy.request(in, "203.0.113.9", "http", 80, memo);
      assertThat(in.byName().get("forwarded")).containsExactly("for=203.0.113.9;host=" + host + ";proto=http");
    }
  }

  @Test
  void theOnlyHostLineStaysWhereItIsWithPreserveHost() {
    Editable in = Editable.of("Host", "example.com", "Accept", "*/*");
    new ProxyHeaders(sticky, false, true).request(in, "203.0.113.9", "http", 80, null);
    assertThat(in.lines.get(0)).containsExactly("Host", "example.com");
  }

  private void assertSameResponse(Balancer balancer, Selection selection, String... nameValues) {
    ProxyHeaders policy = new ProxyHeaders(balancer, true, true);
    ProxyHeadersTest.Lines copied = new ProxyHeadersTest.Lines();
    policy.response(ProxyHeadersTest.Lines.of(nameValues), selection, copied);
    for (ProxyHeaders.ConnectionMemo memo : new ProxyHeaders.ConnectionMemo[] {null, sharedMemo}) {
      Editable inPlace = Editable.of(nameValues);
      policy.response(inPlace, selection, memo);
      assertThat(inPlace.byName()).isEqualTo(byName(copied));
    }
  }

  @Test
  void responseLinesAreTheCopyingFormsOnes() {
    StickyCookieBalancer nocache = StickyCookieBalancer.builder().cookieKey("k").cookieNocache(true).build(group);
    StickTableBalancer table = StickTableBalancer.builder().stickOn("JSESSIONID").build(group);
    String[] mixed = {"Connection", "close, X-Hop", "X-Hop", "1", "Transfer-Encoding", "chunked",
        "Set-Cookie", "JSESSIONID=abc; Path=/", "set-cookie", "theme=dark", "Content-Length", "3",
        "Cache-Control", "no-store", "Cache-Control", "max-age=0"};
    for (Balancer b : List.of(sticky, nocache, table)) {
      Selection fresh = b.select(RequestView.EMPTY);
      assertSameResponse(b, fresh, mixed);
      assertSameResponse(b, fresh, "X-Hop", "named by the last one's Connection");
      assertSameResponse(b, fresh, "Content-Length", "3");
      assertSameResponse(b, fresh, "Cache-Control", "public");
    }
  }
}
