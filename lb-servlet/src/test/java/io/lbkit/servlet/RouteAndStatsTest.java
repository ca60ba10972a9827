package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.session.StickStore;
import io.lbkit.session.StickTableBalancer;
import io.lbkit.testkit.WhoamiServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Route mode and the stats page (HTML, JSON, Prometheus, Basic auth), in both containers. */
class RouteAndStatsTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  @ParameterizedTest
  @EnumSource(Kind.class)
  void routeModeSelectsSetsTheCookieAndContinuesTheChain(Kind kind) throws Exception {
    f.backends(2).param("mode", "route").param("cookie", "SRVID").param("cookie-key", "k1").start(kind);
    HttpResponse<String> first = f.get("/app");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("app: selected whoami1 127.0.0.2:" + f.backend(0).port() + "\n");
    assertThat(first.headers().allValues("Set-Cookie")).singleElement()
        .satisfies(c -> assertThat(c).startsWith("SRVID="));
    HttpResponse<String> again = f.get("/app");
    assertThat(again.body()).isEqualTo(first.body()); // sticky
    assertThat(again.headers().allValues("Set-Cookie")).isEmpty();
    assertThat(f.backend(0).requestCount() + f.backend(1).requestCount()).isZero(); // nothing forwarded
    assertThat(f.metric("lbkit_server_requests_total", 0)).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void statsJsonHasExactlyTheDocumentedKeys(Kind kind) throws Exception {
    f.backends(2).param("slots", "3").param("cookie", "SRVID").param("cookie-key", "njqWdVKWfG")
        .param("cookie-mode", "haproxy").param("name", "be_whoami").start(kind);
    String cookie = f.get("/one").headers().firstValue("Set-Cookie").orElse("");
    HttpResponse<String> r = f.get(Fixture.STATS + "?format=json");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    String json = r.body();
    assertThat(json).startsWith("{\"backends\":[{\"name\":\"be_whoami\",\"servers\":[{\"name\":\"whoami1\",\"address\":\"127.0.0.2\",\"port\":"
        + f.backend(0).port() + ",\"status\":\"UP\",\"weight\":1,\"active\":0,\"tunnels\":0,\"tunnelsTotal\":0,\"requests\":1,\"failures\":0,\"cookie\":\"");
    assertThat(json).contains("{\"name\":\"whoami3\",\"address\":null,\"port\":null,\"status\":\"MAINT\",\"weight\":0,"
        + "\"active\":0,\"tunnels\":0,\"tunnelsTotal\":0,\"requests\":0,\"failures\":0,\"cookie\":null,\"lastChange\":\"");
    Matcher keys = Pattern.compile("\\{\"name\":\"whoami1\"(.*?)\\}").matcher(json);
    assertThat(keys.find()).isTrue();
    assertThat(Pattern.compile("\"([a-zA-Z]+)\":").matcher("{\"name\":\"whoami1\"" + keys.group(1) + "}").results()
        .map(m -> m.group(1))).containsExactly("name", "address", "port", "status", "weight", "active", "tunnels",
            "tunnelsTotal", "requests", "failures", "cookie", "lastChange");
    // the cookie shown is the one the client got
    HttpResponse<String> accept = f.send(HttpRequest.newBuilder(f.uri(Fixture.STATS)).header("Accept", "application/json"));
    assertThat(accept.body()).startsWith("{\"backends\":");
    String value = cookie.substring("SRVID=".length(), cookie.indexOf(';'));
    assertThat(accept.body()).contains("\"cookie\":\"" + value + "\"");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void statsHtmlAndPrometheus(Kind kind) throws Exception {
    f.backends(2).param("stats-refresh", "7s").start(kind);
    f.backend(1).stop();
    f.get("/a");
    f.get("/b");
    HttpResponse<String> html = f.get(Fixture.STATS);
    assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    assertThat(html.headers().firstValue("Refresh")).hasValue("7");
    assertThat(html.body()).contains("<meta http-equiv=\"refresh\" content=\"7\">", "whoami1", "127.0.0.2:"
        + f.backend(0).port(), "whoami2", ">UP<", "no check");
    HttpResponse<String> prom = f.get(Fixture.STATS + "?format=prometheus");
    assertThat(prom.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(prom.body()).contains("# TYPE lbkit_server_requests_total counter",
        "lbkit_server_up{backend=\"backend\",server=\"whoami1\",status=\"UP\",address=\"127.0.0.2:" + f.backend(0).port()
            + "\"} 1");
    assertThat(f.metric("lbkit_server_retries_total", 1)).isGreaterThanOrEqualTo(1);
    assertThat(f.metric("lbkit_server_requests_total", 0)).isEqualTo(2);
    assertThat(f.get(Fixture.STATS + "?format=xml").statusCode()).isEqualTo(400);
  }

  /** A shared stick table's state: a warning and counters on every format (issue 15). */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void statsShowWhetherTheStickTableIsSharedWithPeers(Kind kind) throws Exception {
    WhoamiServer backend = f.backends(1).backend(0);
    ServerGroup group = f.closeLater(ServerGroup.builder("be").staticEndpoints(backend.authority()).build());
    StickStore.Status degraded = new StickStore.Status(true, "alone: no peer reachable", 3, 2);
    StickStore store = new StickStore() { // a store that cannot reach its peers
      @Override
      public Endpoint find(String id) {
        return null;
      }

      @Override
      public void store(String id, Endpoint endpoint) {}

      @Override
      public void offer(String id, Endpoint endpoint) {}

      @Override
      public Status status() {
        return degraded;
      }

      @Override
      public void close() {}
    };
    StickTableBalancer table = StickTableBalancer.builder().stickOn("JSESSIONID").stickStore(spec -> store).build(group);
    f.filter(new LoadBalancingFilter(table, FilterOptions.builder().statsUri(Fixture.STATS).build())).start(kind);
    assertThat(f.get("/").statusCode()).isEqualTo(200);
    assertThat(f.get(Fixture.STATS).body()).contains("Stick table shared with peers: <b class=\"DOWN\">DEGRADED</b>"
        + " (alone: no peer reachable); 3 failed lookups or pushes, 2 entries waiting to be pushed.");
    assertThat(f.get(Fixture.STATS + "?format=json").body()).endsWith("],\"peers\":{\"degraded\":true,"
        + "\"state\":\"alone: no peer reachable\",\"failures\":3,\"pending\":2}}]}");
    assertThat(f.get(Fixture.STATS + "?format=prometheus").body()).contains("lbkit_peers_degraded{backend=\"be\"} 1\n",
        "# TYPE lbkit_peers_failures_total counter\nlbkit_peers_failures_total{backend=\"be\"} 3\n",
        "lbkit_peers_pending{backend=\"be\"} 2\n");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void statsAuthNeedsBasicCredentials(Kind kind) throws Exception {
    f.backends(1).param("stats-auth", "admin:s3cret").start(kind);
    HttpResponse<String> none = f.get(Fixture.STATS);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertThat(none.body()).doesNotContain("127.0.0.2");
    HttpResponse<String> wrong = f.send(HttpRequest.newBuilder(f.uri(Fixture.STATS)).header("Authorization", basic("admin:nope")));
    assertThat(wrong.statusCode()).isEqualTo(401);
    HttpResponse<String> right = f.send(HttpRequest.newBuilder(f.uri(Fixture.STATS + "?format=json"))
        .header("Authorization", basic("admin:s3cret")));
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(right.body()).contains("127.0.0.2");
    assertThat(f.get("/not-stats").statusCode()).isEqualTo(200); // other paths are proxied as usual
  }

  private static String basic(String credentials) {
    return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }
}
