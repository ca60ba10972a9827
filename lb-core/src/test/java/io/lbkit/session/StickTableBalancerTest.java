package io.lbkit.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.FakeTicker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StickTableBalancerTest {
  final FakeTicker nanos = new FakeTicker(); // wraps during the test
  ServerGroup group;
  StickTableBalancer stick;

  @BeforeEach
  void setUp() {
    group = ServerGroup.builder("be").slots("app", 3).ticker(nanos::read).build();
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:8080"), Endpoint.parse("127.0.0.3:8080"), Endpoint.parse("127.0.0.4:8080")));
    stick = StickTableBalancer.builder().stickOn("JSESSIONID").stickTableExpire(Duration.ofMinutes(30)).build(group);
  }

  static String id(int n) {
    return String.format("%032X", n);
  }

  @Test
  void learnsFromTheServersSetCookieAndPinsLaterRequests() {
    Selection first = stick.select(RequestView.EMPTY);
    assertThat(first.name()).isEqualTo("app1");
    assertThat(stick.backendSetCookie(first, "JSESSIONID=" + id(7) + "; Path=/; HttpOnly")).isEqualTo("JSESSIONID=" + id(7) + "; Path=/; HttpOnly");
    for (int i = 0; i < 10; i++) {
      Selection s = stick.select(RequestView.of("theme=dark; JSESSIONID=" + id(7)));
      assertThat(s.name()).isEqualTo("app1");
      assertThat(s.setCookie()).isNull();
    }
    assertThat(stick.size()).isEqualTo(1);
  }

  @Test
  void learnsFromRequestsToo() {
    Selection chosen = stick.select(RequestView.of("JSESSIONID=" + id(1)));
    for (int i = 0; i < 5; i++) {
      assertThat(stick.select(RequestView.of("JSESSIONID=" + id(1))).name()).isEqualTo(chosen.name());
    }
  }

  @Test
  void idleEntriesExpireWithTheInjectedTicker() {
    Selection first = stick.select(RequestView.of("JSESSIONID=" + id(3)));
    nanos.advance(Duration.ofMinutes(29).toNanos());
    assertThat(stick.select(RequestView.of("JSESSIONID=" + id(3))).name()).isEqualTo(first.name());
    nanos.advance(Duration.ofMinutes(29).toNanos()); // refreshed by the access above: still there
    assertThat(stick.select(RequestView.of("JSESSIONID=" + id(3))).name()).isEqualTo(first.name());
    nanos.advance(Duration.ofMinutes(31).toNanos());
    assertThat(stick.size()).isZero();
  }

  @Test
  void tableIsBounded() {
    StickTableBalancer small = StickTableBalancer.builder().stickOn("JSESSIONID").stickTableSize(100).build(group);
    for (int i = 0; i < 10_000; i++) {
      small.backendSetCookie(new Selection(group.snapshot().server(i % 3), null), "JSESSIONID=" + id(i));
    }
    assertThat(small.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void downServerRebalancesAndRelearns() {
    Selection first = stick.select(RequestView.EMPTY);
    stick.backendSetCookie(first, "JSESSIONID=" + id(9));
    group.setMaintenance(first.name(), true);
    Selection moved = stick.select(RequestView.of("JSESSIONID=" + id(9)));
    assertThat(moved.name()).isNotEqualTo(first.name());
    group.setMaintenance(first.name(), false);
    // re-learned: stays on the new server even though the old one is back
    assertThat(stick.select(RequestView.of("JSESSIONID=" + id(9))).name()).isEqualTo(moved.name());
  }

  @Test
  void garbageAndEmptyIdsAreHarmless() {
    for (String header : new String[] {"JSESSIONID=", "JSESSIONID", "JSESSIONID=\"\"", "; ;", "XJSESSIONID=" + id(1)}) {
      assertThat(stick.select(RequestView.of(header)).isEmpty()).isFalse();
    }
    stick.backendSetCookie(new Selection(group.snapshot().server(0), null), "JSESSIONID=; Max-Age=0");
    stick.backendSetCookie(new Selection(group.snapshot().server(0), null), "OTHER=x");
    assertThat(stick.size()).isZero();
    assertThatThrownBy(() -> StickTableBalancer.builder().stickOn("JSESSION ID")).hasMessageStartingWith("stick-on: 'JSESSION ID'");
    assertThatThrownBy(() -> StickTableBalancer.builder().stickTableSize(0)).hasMessage("stick-table-size: 0 (expected: 1..1000000000)");
    assertThatThrownBy(() -> StickTableBalancer.builder().build(group)).hasMessageStartingWith("stick-on: not set");
  }
}
