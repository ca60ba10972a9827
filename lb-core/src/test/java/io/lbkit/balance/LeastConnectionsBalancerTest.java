package io.lbkit.balance;

import static io.lbkit.balance.RoundRobinBalancerTest.group;
import static io.lbkit.balance.RoundRobinBalancerTest.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.TriedServers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastConnectionsBalancerTest {
  /** Selects and, like the proxy, counts the request as in flight until the caller ends it. */
  private static Server start(LeastConnectionsBalancer lc) {
    Server s = lc.next();
    s.stats().requestStarted();
    return s;
  }

  @Test
  void idleServersTakeTurnsInSlotOrder() {
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(group(3));
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      Server s = start(lc);
      seen.add(s.name());
      s.stats().requestEnded(); // sequential traffic: nothing stays in flight
    }
    assertThat(seen).containsExactly("whoami1", "whoami2", "whoami3", "whoami1", "whoami2", "whoami3", "whoami1",
        "whoami2", "whoami3");
  }

  @Test
  void theServerWithFewestRequestsInFlightGetsTheNextOne() {
    ServerGroup group = group(3);
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(group);
    List<Server> servers = group.snapshot().usable();
    servers.get(0).stats().requestStarted();
    servers.get(0).stats().requestStarted();
    servers.get(2).stats().requestStarted();
    assertThat(start(lc).name()).isEqualTo("whoami2"); // 2, 0, 1 in flight
    assertThat(start(lc).name()).isEqualTo("whoami3"); // 2, 1, 1: a tie goes to the one picked least recently
    // a long request on whoami1 ends: it is the least loaded again
    servers.get(0).stats().requestEnded();
    servers.get(0).stats().requestEnded();
    assertThat(start(lc).name()).isEqualTo("whoami1");
  }

  @Test
  void equallyLoadedServersTakeTurnsWhileAnotherIsBusy() {
    ServerGroup group = group(3);
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(group);
    Server busy = start(lc); // a long request stays on whoami1
    assertThat(busy.name()).isEqualTo("whoami1");
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Server s = start(lc);
      seen.add(s.name());
      s.stats().requestEnded();
    }
    assertThat(seen).containsExactly("whoami2", "whoami3", "whoami2", "whoami3", "whoami2", "whoami3");
  }

  @Test
  void aRetryGoesToAnotherServerThoughTheOneThatFailedIsTheIdlest() {
    ServerGroup group = group(3);
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(group);
    List<Server> servers = group.snapshot().usable();
    servers.get(0).stats().requestStarted();
    servers.get(1).stats().requestStarted();
    Server idle = lc.next();
    assertThat(idle.name()).isEqualTo("whoami3");
    assertThat(lc.selectOther(RequestView.EMPTY, TriedServers.of(idle)).name()).isIn("whoami1", "whoami2");
    assertThat(lc.selectOther(RequestView.EMPTY, TriedServers.of(servers.toArray(Server[]::new))).name())
        .as("every server tried: go round again").isEqualTo("whoami3");
  }

  @Test
  void aRetryAfterASnapshotPublishStillSkipsTheEndpointThatFailed() {
    ServerGroup group = group(3);
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(group);
    Server failed = lc.next();
    assertThat(failed.name()).isEqualTo("whoami1");
    TriedServers tried = TriedServers.of(failed);
    // a weight change publishes a snapshot: new Server objects, and the tie order starts again at slot 0
    List<Endpoint> reweighted = new ArrayList<>();
    for (Server s : group.snapshot().usable()) {
      reweighted.add(s.endpoint().withWeight(2));
    }
    group.setEndpoints(reweighted);
    assertThat(group.snapshot().usable().get(0)).isNotSameAs(failed);
    Server second = lc.selectOther(RequestView.EMPTY, tried).server();
    assertThat(second.name()).isEqualTo("whoami2");
    tried.add(second);
    group.setEndpoints(List.of(reweighted.get(1), reweighted.get(2))); // whoami1 leaves
    group.setEndpoints(reweighted); // and comes back
    assertThat(lc.selectOther(RequestView.EMPTY, tried).name()).isEqualTo("whoami3");
  }

  @Test
  void requestsThatNeverEndAreSpreadByWeight() {
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(weighted(2, 1, 0));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 3_000; i++) {
      counts.merge(start(lc).name(), 1, Integer::sum);
    }
    assertThat(counts).containsOnlyKeys("s1", "s2"); // weight 0 takes no new traffic
    assertThat(counts.get("s1")).isBetween(1_999, 2_001);
    assertThat(counts.get("s2")).isBetween(999, 1_001);
  }

  @Test
  void onlyWeightZeroServersLeftShareEvenly() {
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(weighted(0, 0));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      counts.merge(start(lc).name(), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("s1", 50).containsEntry("s2", 50);
  }

  @Test
  void serversInMaintenanceOrGoneAreNotSelectedAndNoServerIsNone() {
    ServerGroup group = group(2);
    LeastConnectionsBalancer lc = LeastConnectionsBalancer.create(group);
    group.setMaintenance("whoami1", true);
    for (int i = 0; i < 5; i++) {
      assertThat(lc.next().name()).isEqualTo("whoami2");
    }
    group.setEndpoints(List.of());
    assertThat(lc.select(RequestView.EMPTY)).isSameAs(Selection.NONE);
    assertThat(lc.next()).isNull();
  }

  @Test
  void concurrentSelectionWhileMembershipChangesOnlyEverReturnsPublishedServers() throws Exception {
    ConcurrentSelection.onlyPublishedServersWhileMembershipChanges(group(5), LeastConnectionsBalancer::create,
        server -> {
          server.stats().requestStarted();
          server.stats().requestEnded();
        });
  }
}
