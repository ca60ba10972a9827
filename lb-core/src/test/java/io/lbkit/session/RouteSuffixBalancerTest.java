package io.lbkit.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteSuffixBalancerTest {
  final ServerGroup group = ServerGroup.builder("be").slots("app", 3).build();

  {
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:8080"), Endpoint.parse("127.0.0.3:8080"), Endpoint.parse("127.0.0.4:8080")));
  }

  @Test
  void configuredRoutesPinSessions() {
    RouteSuffixBalancer routes = RouteSuffixBalancer.builder().routes("jvm1=app1, jvm2=app2").learn(false).build(group);
    for (int i = 0; i < 5; i++) {
      assertThat(routes.select(RequestView.of("JSESSIONID=ABCDEF0123.jvm2")).name()).isEqualTo("app2");
      assertThat(routes.select(RequestView.of("a=b; JSESSIONID=\"XYZ.jvm1\"")).name()).isEqualTo("app1");
    }
    // a route that is a suffix of another must not match it; unknown routes are balanced
    assertThat(routes.select(RequestView.of("JSESSIONID=ABC.xjvm1")).setCookie()).isNull();
    group.setMaintenance("app2", true);
    assertThat(routes.select(RequestView.of("JSESSIONID=ABC.jvm2")).name()).isNotEqualTo("app2");
  }

  @Test
  void routesAreLearnedFromSetCookie() {
    RouteSuffixBalancer routes = RouteSuffixBalancer.builder().build(group);
    Selection app3 = new Selection(group.snapshot().server(2), null);
    routes.backendSetCookie(app3, "JSESSIONID=1A2B3C.node3; Path=/app; HttpOnly");
    assertThat(routes.routes()).containsEntry("node3", "127.0.0.4:8080");
    for (int i = 0; i < 5; i++) {
      assertThat(routes.select(RequestView.of("JSESSIONID=FFFF.node3")).name()).isEqualTo("app3");
    }
  }

  @Test
  void badConfigurationIsRejectedClearly() {
    assertThatThrownBy(() -> RouteSuffixBalancer.builder().routes("jvm1")).hasMessage("route-suffix: 'jvm1' (expected: route=server, e.g. jvm1=whoami1)");
    assertThatThrownBy(() -> RouteSuffixBalancer.builder().route("a.b", "app1")).hasMessageStartingWith("route-suffix: route 'a.b'");
    assertThatThrownBy(() -> RouteSuffixBalancer.builder().learn(false).build(group)).hasMessageStartingWith("route-suffix: no routes");
  }
}
