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

  /** Issue 12, point 4: the table is bounded in bytes too, not only in entries. */
  @Test
  void idsLongerThanTheKeyBoundAreNeitherStoredNorLookedUp() {
    assertThat(stick.keyMax()).isEqualTo(StickTableBalancer.DEFAULT_KEY_MAX).isEqualTo(128);
    String longest = "A".repeat(128);
    String tooLong = "B".repeat(129);
    String hostile = "C".repeat(7 * 1024);
    Selection server = new Selection(group.snapshot().server(1), null);
    for (String id : new String[] {tooLong, hostile}) {
      stick.backendSetCookie(server, "JSESSIONID=" + id + "; Path=/");
      stick.select(RequestView.of("JSESSIONID=" + id));
    }
    assertThat(stick.size()).as("nothing learned from a response or a request").isZero();
    stick.backendSetCookie(server, "JSESSIONID=" + longest);
    assertThat(stick.size()).isEqualTo(1);
    for (int i = 0; i < 6; i++) {
      assertThat(stick.select(RequestView.of("JSESSIONID=" + longest)).name()).isEqualTo("app2");
    }
    // a request with a too-long id is balanced as if it had none: it rotates
    assertThat(List.of(stick.select(RequestView.of("JSESSIONID=" + tooLong)).name(),
        stick.select(RequestView.of("JSESSIONID=" + tooLong)).name(),
        stick.select(RequestView.of("JSESSIONID=" + tooLong)).name())).containsExactlyInAnyOrder("app1", "app2", "app3");

    StickTableBalancer tight = StickTableBalancer.builder().stickOn("JSESSIONID").stickTableKeyMax(32).build(group);
    tight.backendSetCookie(server, "JSESSIONID=" + id(5)); // 32 characters, Tomcat's default
    tight.backendSetCookie(server, "JSESSIONID=" + id(5) + ".jvm1");
    assertThat(tight.size()).isEqualTo(1);
    assertThatThrownBy(() -> StickTableBalancer.builder().stickTableKeyMax(0)).hasMessage("stick-table-key-max: 0 (expected: 1..8192)");
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
