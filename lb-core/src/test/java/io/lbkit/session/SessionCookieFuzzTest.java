package io.lbkit.session;

import static io.lbkit.core.FuzzRequests.assertUsable;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lbkit.core.Endpoint;
import io.lbkit.core.FuzzRequests;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.core.TriedServers;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Fuzzes the session balancers' cookie parsing: the stick table ({@code stick-on}) and route
 * suffixes ({@code route-suffix}), with arbitrary {@code Cookie} headers (one per line, UTF-8) and
 * the same text as a backend's {@code Set-Cookie} (which both learn from). Invariants: nothing
 * throws, a selection is always one of the snapshot's usable servers, the table stays bounded and
 * {@code Set-Cookie} passes unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionCookieFuzzTest {
  private static final int TABLE_SIZE = 64;

  private final ServerGroup group = group();
  private final StickTableBalancer stick = StickTableBalancer.builder().stickOn("JSESSIONID")
      .stickTableSize(TABLE_SIZE).build(group);
  private final RouteSuffixBalancer routes = RouteSuffixBalancer.builder().routes("r1=app1,r2=app2,gone=app3")
      .learn(true).build(group);

  static ServerGroup group() {
    ServerGroup g = ServerGroup.builder("be").slots("app", 4).build();
    g.setEndpoints(List.of(Endpoint.parse("127.0.0.2:80"), Endpoint.parse("127.0.0.3:80"),
        Endpoint.parse("127.0.0.4:80")));
    g.setMaintenance("app3", true);
    return g;
  }

  @AfterAll
  void close() {
    group.close();
  }

  @FuzzTest
  void sessionCookies(byte[] data) {
    List<String> headers = FuzzRequests.cookieHeaders(data);
    RequestView request = FuzzRequests.request(headers);
    Snapshot snapshot = group.snapshot();
    for (io.lbkit.core.Balancer b : List.of(stick, routes)) {
      Selection s = b.select(request);
      assertUsable(snapshot, s, b.getClass().getSimpleName());
      assertUsable(snapshot, b.selectOther(request, new TriedServers()), b.getClass().getSimpleName() + " (other)");
      for (String header : headers) {
        // the backend "answers" with the same text: learning must not throw or rewrite it
        if (b.backendSetCookie(s, header) != header) {
          throw new AssertionError(b.getClass().getSimpleName() + " rewrote Set-Cookie '" + header + "'");
        }
      }
    }
    if (stick.size() > TABLE_SIZE) {
      throw new AssertionError("stick table over its size: " + stick.size());
    }
    if (routes.routes().size() > 3 + RouteSuffixBalancer.MAX_LEARNED_ROUTES) {
      throw new AssertionError("learned routes unbounded: " + routes.routes().size());
    }
  }
}
