package io.lbkit.peers.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real Hazelcast members over loopback TCP, each the store of one lbkit "instance". */
class SharedTableTest {
  final List<Instance> instances = new ArrayList<>();

  @AfterEach
  void tearDown() {
    instances.forEach(i -> {
      try {
        i.close();
      } catch (RuntimeException ignored) {
        // a crashed member is already gone
      }
    });
  }

  Instance start(String name, int port, List<Integer> peers, int rotate) {
    Instance i = new Instance(name, Instance.member(port, peers, System::currentTimeMillis), rotate, 10_000,
        Duration.ofMinutes(30), null);
    instances.add(i);
    return i;
  }

  @Test
  void aSessionLearnedOnAIsRoutedByBAndCSurvivesACrashOfAAndReachesANewcomer() {
    List<Integer> ports = List.of(Instance.freePort(), Instance.freePort(), Instance.freePort(), Instance.freePort());
    Instance a = start("A", ports.get(0), ports, 0);
    Instance b = start("B", ports.get(1), ports, 1);
    Instance c = start("C", ports.get(2), ports, 2);
    await().atMost(Duration.ofSeconds(30)).until(() -> a.store.status().description().equals("3 member(s)"));

    Map<String, Endpoint> seenBefore = new HashMap<>();
    Map<String, Endpoint> learnedOnly = new HashMap<>();
    for (int n = 0; n < 30; n++) { // enough sessions that A owns some partitions of them
      seenBefore.put("SEEN" + n, a.learn("SEEN" + n));
      learnedOnly.put("ONLY" + n, a.learn("ONLY" + n));
    }
    awaitShared(List.of(b, c), seenBefore);
    awaitShared(List.of(b, c), learnedOnly);
    seenBefore.forEach((id, backend) -> {
      assertThat(b.route(id)).as(id + " through B").isEqualTo(backend);
      assertThat(c.route(id)).as(id + " through C").isEqualTo(backend);
    });

    // one backup protects what was written once the partitions have settled: Hazelcast says so
    // with "cluster safe" (after members join, backups are synchronised within seconds)
    await().atMost(Duration.ofSeconds(60)).until(() -> a.store.hazelcast().getPartitionService().isClusterSafe());
    a.crash();
    // B and C still route what they routed before (their own tables), and what only A had routed
    // (one backup of every entry), once they have seen A go
    seenBefore.forEach((id, backend) -> {
      assertThat(b.route(id)).isEqualTo(backend);
      assertThat(c.route(id)).isEqualTo(backend);
    });
    awaitShared(List.of(b, c), learnedOnly);
    awaitShared(List.of(b, c), seenBefore); // the cluster lost nothing with A
    learnedOnly.forEach((id, backend) -> assertThat(c.route(id)).as(id + " through C after A crashed").isEqualTo(backend));

    await().atMost(Duration.ofSeconds(60)).until(() -> b.store.hazelcast().getPartitionService().isClusterSafe());
    Instance d = start("D", ports.get(3), ports, 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> d.store.status().description().equals("3 member(s)"));
    // right after joining, partitions are still moving to D: its first lookups can run out of time
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
        seenBefore.forEach((id, backend) -> assertThat(d.store.find(id)).as(id + " on D; on B: " + b.store.find(id)
            + "; D owns " + d.store.ownedEntries() + ", B " + b.store.ownedEntries() + ", C " + c.store.ownedEntries())
            .isEqualTo(backend)));
    awaitShared(List.of(d), learnedOnly);
    seenBefore.forEach((id, backend) -> assertThat(d.route(id)).as(id + " through D").isEqualTo(backend));
    learnedOnly.forEach((id, backend) -> assertThat(d.route(id)).as(id + " through D").isEqualTo(backend));
    assertThat(d.store.status().degraded()).isFalse();
  }

  /** Waits until every instance's store knows every session (pushes are asynchronous). */
  static void awaitShared(List<Instance> on, Map<String, Endpoint> sessions) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      for (Instance i : on) {
        sessions.forEach((id, backend) -> assertThat(i.store.find(id)).as(id + " on " + i.name + ", " + i.store.status()).isEqualTo(backend));
      }
    });
  }
}
