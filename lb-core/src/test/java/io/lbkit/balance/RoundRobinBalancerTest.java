package io.lbkit.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.internal.RotationCounterAccess;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {
  static ServerGroup group(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(Endpoint.parse("127.0.0." + (i + 2) + ":8080"));
    }
    return ServerGroup.builder("be").slots("whoami", Math.max(1, n)).endpoints(list).build();
  }

  static ServerGroup weighted(int... weights) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(Endpoint.parse("127.0.0." + (i + 2) + ":8080").withWeight(weights[i]));
    }
    return ServerGroup.builder("be").slots("s", weights.length).endpoints(list).build();
  }

  @Test
  void equalWeightsRotateStrictlyInSlotOrderOverAMillionSelections() {
    RoundRobinBalancer rr = RoundRobinBalancer.create(group(3));
    String[] expected = {"whoami1", "whoami2", "whoami3"};
    for (int i = 0; i < 1_000_000; i++) {
      assertThat(rr.select(RequestView.EMPTY).name()).isEqualTo(expected[i % 3]);
    }
  }

  @Test
  void weightsAreHonouredSmoothlyNotInBursts() {
    RoundRobinBalancer rr = RoundRobinBalancer.create(weighted(3, 1, 2));
    Map<String, Integer> counts = new HashMap<>();
    String previous = null;
    int run = 0;
    int longestRun = 0;
    for (int i = 0; i < 1_200_000; i++) {
      String name = rr.select(RequestView.EMPTY).name();
      counts.merge(name, 1, Integer::sum);
      run = name.equals(previous) ? run + 1 : 1;
      longestRun = Math.max(longestRun, run);
      previous = name;
    }
    assertThat(counts).containsEntry("s1", 600_000).containsEntry("s2", 200_000).containsEntry("s3", 400_000);
    assertThat(longestRun).as("a weight-3 server among total 6 never gets 3 in a row").isLessThanOrEqualTo(2);
  }

  @Test
  void oneCycleOfThreeToOneIsInterleaved() {
    RoundRobinBalancer rr = RoundRobinBalancer.create(weighted(3, 1));
    List<String> cycle = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      cycle.add(rr.select(RequestView.EMPTY).name());
    }
    assertThat(cycle).containsExactly("s1", "s1", "s2", "s1", "s1", "s1", "s2", "s1");
  }

  @Test
  void weightZeroGetsNoNewTrafficUnlessAllAreZero() {
    RoundRobinBalancer rr = RoundRobinBalancer.create(weighted(0, 1, 1));
    for (int i = 0; i < 1000; i++) {
      assertThat(rr.select(RequestView.EMPTY).name()).isNotEqualTo("s1");
    }
    RoundRobinBalancer zeros = RoundRobinBalancer.create(weighted(0, 0));
    Set<String> seen = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 10; i++) {
      seen.add(zeros.select(RequestView.EMPTY).name());
    }
    assertThat(seen).containsExactlyInAnyOrder("s1", "s2");
  }

  @Test
  void noServerIsADefinedResultNotAnException() {
    ServerGroup group = ServerGroup.builder("be").slots("w", 2).build();
    RoundRobinBalancer rr = RoundRobinBalancer.create(group);
    assertThat(rr.select(RequestView.EMPTY)).isSameAs(Selection.NONE);
    assertThat(rr.next()).isNull();
  }

  @Test
  void changesApplyOnTheNextRequest() {
    ServerGroup group = group(3);
    RoundRobinBalancer rr = RoundRobinBalancer.create(group);
    rr.select(RequestView.EMPTY);
    group.setMaintenance("whoami2", true);
    for (int i = 0; i < 100; i++) {
      assertThat(rr.select(RequestView.EMPTY).name()).isNotEqualTo("whoami2");
    }
    group.setEndpoints(List.of(Endpoint.parse("127.0.0.2:8080").withWeight(0), Endpoint.parse("127.0.0.4:8080")));
    assertThat(rr.select(RequestView.EMPTY).name()).isEqualTo("whoami3");
  }

  @Test
  void counterNeverGoesNegativeOrSticksAtOverflow() {
    RoundRobinBalancer rr = RoundRobinBalancer.create(group(3));
    for (int start : new int[] {Integer.MAX_VALUE - 2, Integer.MAX_VALUE, Integer.MIN_VALUE, -7}) {
      RotationCounterAccess.set(rr.counter(), start);
      Set<String> seen = new java.util.HashSet<>();
      String previous = null;
      for (int i = 0; i < 10; i++) {
        Selection s = rr.select(RequestView.EMPTY);
        assertThat(s.isEmpty()).isFalse();
        assertThat(s.name()).isNotEqualTo(previous);
        previous = s.name();
        seen.add(s.name());
      }
      assertThat(seen).as("rotation goes on from " + start).hasSize(3);
    }
  }

  @Test
  void concurrentSelectionWhileMembershipChangesOnlyEverReturnsPublishedServers() throws Exception {
    assertThat(ConcurrentSelection.onlyPublishedServersWhileMembershipChanges(group(5), RoundRobinBalancer::create,
        server -> { })).hasSize(8);
  }

  @Test
  void contendedSelectionStaysEvenlySpread() throws Exception {
    RoundRobinBalancer rr = RoundRobinBalancer.create(group(3));
    Map<String, java.util.concurrent.atomic.LongAdder> counts = new ConcurrentHashMap<>();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 300_000; i++) {
          counts.computeIfAbsent(rr.select(RequestView.EMPTY).name(), k -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long total = counts.values().stream().mapToLong(java.util.concurrent.atomic.LongAdder::sum).sum();
    assertThat(total).isEqualTo(1_200_000);
    // each stripe and the shared counter rotate over all three, so shares differ by at most a few turns per stripe
    counts.values().forEach(c -> assertThat(c.sum()).isBetween(400_000L - 2_000, 400_000L + 2_000));
  }

  @Test
  void scheduleIsBoundedForHugeWeightSums() {
    int[] weights = new int[1000];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = 1 + (i % 256);
    }
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(Endpoint.parse("10.0." + (i / 250) + "." + (i % 250 + 1) + ":80").withWeight(weights[i]));
    }
    ServerGroup group = ServerGroup.builder("big").endpoints(list).build();
    int[] order = RoundRobinBalancer.schedule(group.snapshot().eligible());
    assertThat(order.length).isLessThanOrEqualTo(RoundRobinBalancer.MAX_SCHEDULE + weights.length);
    int[] counts = new int[weights.length];
    for (int i : order) {
      counts[i]++;
    }
    assertThat(counts[255]).as("weight 256").isGreaterThan(counts[0] * 100);
  }
}
