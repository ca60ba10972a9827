package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.testkit.FakeTicker;
import io.lbkit.testkit.LogCapture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The group's side of health checks: counters, downtime, passive checks, enabling checks later. */
class ServerGroupHealthTest {
  /** Starts one minute before Long.MAX_VALUE, so downtime must be computed by subtraction. */
  private final FakeTicker now = new FakeTicker();

  @Test
  void failuresAtHealthZeroAreNotCountedAsHaproxyDoes() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").healthChecked(true).build();
    Server s = group.snapshot().server(0);
    group.recordCheck(s, false, "L4CON");
    group.recordCheck(s, false, "L4CON");
    group.recordCheck(s, false, "L4CON");
    assertThat(s.stats().checkFailures()).isEqualTo(1);
    assertThat(s.stats().health()).isZero();
    assertThat(s.stats().checkStatus()).isEqualTo("L4CON");
  }

  @Test
  void downtimeAddsUpEveryDownPeriodOnTheInjectedTicker() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").healthChecked(true)
        .ticker(now::read).build();
    Server s = group.snapshot().server(0);
    assertThat(s.stats().downtimeNanos()).isZero();
    group.recordCheck(s, false, "L4CON", 1_000);
    now.advance(5_000_000_000L);
    assertThat(s.stats().downtimeNanos()).as("while DOWN, the current period counts").isEqualTo(5_000_000_000L);
    group.recordCheck(s, true, "L4OK");
    group.recordCheck(s, true, "L4OK");
    now.advance(7_000_000_000L); // UP: no downtime
    group.recordCheck(s, false, "L4TOUT");
    group.recordCheck(s, false, "L4TOUT");
    group.recordCheck(s, false, "L4TOUT");
    now.advance(2_000_000_000L);
    assertThat(s.stats().downtimeNanos()).isEqualTo(7_000_000_000L);
    assertThat(s.stats().checkDurationNanos()).isEqualTo(-1);
    assertThat(group.snapshot().server(0).lastChangeNanos()).isEqualTo(now.read() - 2_000_000_000L);
  }

  @Test
  void maintenanceIsNotDowntimeAndChecksAreIgnoredInMaintenance() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").healthChecked(true)
        .ticker(now::read).build();
    Server s = group.snapshot().server(0);
    group.setMaintenance("srv1", true);
    group.recordCheck(s, false, "L4CON");
    now.advance(1_000_000_000L);
    assertThat(s.stats().downtimeNanos()).isZero();
    assertThat(s.stats().checkFailures()).isZero();
    group.setMaintenance("srv1", false);
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.UP);
  }

  @Test
  void enablingChecksRestartsEveryServerAtRiseAndTakesTheCounters() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80,127.0.0.3:80").rise(3).fall(2)
        .errorLimit(2).build();
    List<Server> passive = new ArrayList<>();
    group.enableHealthChecks(true, passive::add);
    assertThat(group.healthChecked()).isTrue();
    Server s = group.snapshot().server(0);
    assertThat(s.stats().health()).isEqualTo(3);
    assertThat(s.state()).isEqualTo(ServerState.UP);
    group.recordRequestFailure(s, "refused");
    assertThat(passive).isEmpty();
    group.recordRequestFailure(s, "refused");
    assertThat(passive).containsExactly(s);
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.DOWN);
    assertThat(group.snapshot().server(1).state()).isEqualTo(ServerState.UP);
  }

  @Test
  void notObservingRequestsTurnsPassiveChecksOff() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").build();
    group.enableHealthChecks(false, null);
    Server s = group.snapshot().server(0);
    for (int i = 0; i < 50; i++) {
      group.recordRequestFailure(s, "refused");
    }
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.UP);
    assertThat(s.stats().failures()).isEqualTo(50);
  }

  @Test
  void eachStateChangeIsLoggedOnceWithItsCause() {
    try (LogCapture logs = LogCapture.of(ServerGroup.class)) {
      ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").healthChecked(true).build();
      Server s = group.snapshot().server(0);
      group.recordCheck(s, false, "L4CON");
      group.recordCheck(s, false, "L4CON");
      group.recordCheck(s, true, "L4OK");
      group.recordCheck(s, true, "L4OK");
      group.recordCheck(s, true, "L4OK");
      assertThat(logs.messages(Level.WARN)).containsExactly("be/srv1 is DOWN (check) (was UP): check failed: L4CON");
      assertThat(logs.messages(Level.INFO)).containsSubsequence("be/srv1 is UP (was DOWN): check passed: L4OK")
          .filteredOn(m -> m.contains("is UP (was DOWN)")).hasSize(1);
    }
  }
}
