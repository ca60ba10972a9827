package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.testkit.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class ServerGroupTest {
  static List<Endpoint> endpoints(String... hostPorts) {
    List<Endpoint> list = new ArrayList<>();
    for (String hp : hostPorts) {
      list.add(Endpoint.parse(hp));
    }
    return list;
  }

  static List<String> names(List<Server> servers) {
    return servers.stream().map(Server::name).collect(Collectors.toList());
  }

  @Test
  void staticListWorksBeforeAnyDiscovery() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:8080, 127.0.0.3:8080,[::1]:8080").build();
    Snapshot s = group.snapshot();
    assertThat(names(s.servers())).containsExactly("srv1", "srv2", "srv3");
    assertThat(s.usable()).hasSize(3).allMatch(Server::isUsable);
    assertThat(s.server(2).endpoint().isIpv6()).isTrue();
  }

  @Test
  void staticListRejectsGarbageWithTheParameterName() {
    assertThatThrownBy(() -> ServerGroup.builder("be").staticEndpoints("127.0.0.2")).hasMessageContaining("expected: host:port");
    assertThatThrownBy(() -> ServerGroup.builder("be").staticEndpoints(" ")).hasMessageStartingWith("backend:");
    assertThatThrownBy(() -> ServerGroup.builder("be").slots("whoami", 0)).hasMessage("slots: 0 (expected: 1..100000)");
    assertThatThrownBy(() -> ServerGroup.builder("")).hasMessageStartingWith("name: ''");
    assertThatThrownBy(() -> ServerGroup.builder("be").rise(0)).hasMessage("rise: 0 (expected: 1..1000)");
  }

  @Test
  void slotsStartInMaintenanceAndKeepTheirEndpoint() {
    ServerGroup group = ServerGroup.builder("be").slots("whoami", 5).build();
    assertThat(group.snapshot().servers()).hasSize(5)
        .allMatch(s -> s.state() == ServerState.MAINT && "resolution".equals(s.reason()) && s.endpoint() == null);

    group.setEndpoints(endpoints("127.0.0.2:80", "127.0.0.3:80", "127.0.0.4:80"));
    assertThat(names(group.snapshot().usable())).containsExactly("whoami1", "whoami2", "whoami3");

    // .3 leaves: whoami2 empties; .2 and .4 stay where they are
    group.setEndpoints(endpoints("127.0.0.4:80", "127.0.0.2:80"));
    Snapshot s = group.snapshot();
    assertThat(s.server(0).endpoint()).isEqualTo(Endpoint.parse("127.0.0.2:80"));
    assertThat(s.server(1).state()).isEqualTo(ServerState.MAINT);
    assertThat(s.server(2).endpoint()).isEqualTo(Endpoint.parse("127.0.0.4:80"));

    // a new address takes the lowest free slot
    group.setEndpoints(endpoints("127.0.0.4:80", "127.0.0.2:80", "127.0.0.9:80"));
    assertThat(group.snapshot().server(1).endpoint()).isEqualTo(Endpoint.parse("127.0.0.9:80"));
  }

  @Test
  void moreEndpointsThanSlotsWarnsOnce() {
    try (LogCapture logs = LogCapture.of(ServerGroup.class)) {
      ServerGroup group = ServerGroup.builder("be").slots("whoami", 2).build();
      List<Endpoint> three = endpoints("127.0.0.2:80", "127.0.0.3:80", "127.0.0.4:80");
      group.setEndpoints(three);
      group.setEndpoints(three);
      assertThat(names(group.snapshot().usable())).containsExactly("whoami1", "whoami2");
      assertThat(logs.messages(Level.WARN)).containsExactly("be: 1 endpoint(s) ignored: all 2 slots are in use");
    }
  }

  @Test
  void weightChangeUpdatesTheServerInPlace() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").build();
    long before = group.snapshot().version();
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:80").withWeight(5)));
    assertThat(group.snapshot().version()).isEqualTo(before + 1);
    assertThat(group.snapshot().server(0).weight()).isEqualTo(5);
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:80").withWeight(5)));
    assertThat(group.snapshot().version()).as("no change, no new snapshot").isEqualTo(before + 1);
  }

  @Test
  void listenersGetTheCurrentSnapshotThenEveryChangeAndCannotHurtTheGroup() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").build();
    List<Long> seen = new ArrayList<>();
    group.addListener(s -> {
      throw new IllegalStateException("boom");
    });
    group.addListener(s -> seen.add(s.version()));
    group.setEndpoints(endpoints("127.0.0.3:80")); // .2 leaves, .3 takes the freed slot srv1
    group.setMaintenance("srv1", true);
    assertThat(seen).containsExactly(1L, 2L, 3L);
    assertThat(group.snapshot().usable()).isEmpty();
  }

  @Test
  void healthCounterFollowsHaproxy() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").healthChecked(true).build();
    Server s = group.snapshot().server(0);
    // starts UP at health = rise: one failure takes it down
    assertThat(s.state()).isEqualTo(ServerState.UP);
    group.recordCheck(s, false, "L4CON");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.DOWN);
    group.recordCheck(s, true, "L4OK");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.DOWN);
    group.recordCheck(s, true, "L4OK");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.UP);
    // fully up now (health = rise + fall - 1): three failures to go down
    group.recordCheck(s, false, "L4TOUT");
    group.recordCheck(s, false, "L4TOUT");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.UP);
    group.recordCheck(s, false, "L4TOUT");
    Server down = group.snapshot().server(0);
    assertThat(down.state()).isEqualTo(ServerState.DOWN);
    assertThat(down.reason()).isEqualTo("check");
    assertThat(down.stats().checkFailures()).isEqualTo(4);
    assertThat(down.stats().downTransitions()).isEqualTo(2);
    assertThat(down.stats().checkStatus()).isEqualTo("L4TOUT");
  }

  @Test
  void resultsForAnEndpointTheSlotNoLongerHasAreIgnored() {
    ServerGroup group = ServerGroup.builder("be").slots("w", 1).healthChecked(true).build();
    group.setEndpoints(endpoints("127.0.0.2:80"));
    Server old = group.snapshot().server(0);
    group.setEndpoints(endpoints("127.0.0.3:80"));
    group.recordCheck(old, false, "L4CON");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.UP);
  }

  @Test
  void passiveFailuresCountAsOneFailedCheckAtTheErrorLimit() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").healthChecked(true).errorLimit(3).build();
    Server s = group.snapshot().server(0);
    group.recordRequestFailure(s, "refused");
    group.recordRequestFailure(s, "refused");
    group.recordRequestSuccess(s);
    group.recordRequestFailure(s, "refused");
    group.recordRequestFailure(s, "refused");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.UP);
    group.recordRequestFailure(s, "refused");
    assertThat(group.snapshot().server(0).state()).isEqualTo(ServerState.DOWN);
    assertThat(s.stats().failures()).isEqualTo(5);
  }

  @Test
  void srvPriorityMakesHigherPrioritiesBackups() {
    ServerGroup group = ServerGroup.builder("be").slots("w", 4).build();
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:80").withPriority(10), Endpoint.parse("127.0.0.3:80").withPriority(20),
        Endpoint.parse("127.0.0.4:80").withPriority(10)));
    assertThat(names(group.snapshot().eligible())).containsExactly("w1", "w3");
    assertThat(names(group.snapshot().usable())).containsExactly("w1", "w2", "w3");
    group.setMaintenance("w1", true);
    group.setMaintenance("w3", true);
    assertThat(names(group.snapshot().eligible())).containsExactly("w2");
    assertThatThrownBy(() -> group.setMaintenance("nope", true)).hasMessage("server: 'nope' (expected: one of [w1, w2, w3, w4])");
  }

  @Test
  void closeClosesAttachedResourcesAndIgnoresLaterUpdates() {
    ServerGroup group = ServerGroup.builder("be").staticEndpoints("127.0.0.2:80").build();
    List<String> closed = new ArrayList<>();
    group.attach(() -> closed.add("dns"));
    group.attach(() -> {
      throw new IllegalStateException("bad close");
    });
    group.attach(() -> closed.add("checks"));
    group.close();
    group.close();
    assertThat(closed).containsExactly("dns", "checks");
    group.setEndpoints(List.of());
    assertThat(group.snapshot().usable()).hasSize(1);
  }
}
