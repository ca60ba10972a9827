package io.lbkit.peers.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Endpoint;
import io.lbkit.testkit.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fail-open: instances that cannot reach their peers serve alone, then share what they learned. */
class DegradedTest {
  static final Duration EXPIRE = Duration.ofMinutes(30);
  final List<Instance> instances = new ArrayList<>();

  @AfterEach
  void tearDown() {
    instances.forEach(Instance::close);
  }

  Instance start(String name, HazelcastStickStore.Builder peers, int rotate) {
    Instance i = new Instance(name, peers, rotate, 10_000, EXPIRE, null);
    instances.add(i);
    return i;
  }

  @Test
  void membersThatStartedApartServeAloneThenMergeWhatEachLearned() {
    int pa = Instance.freePort();
    int pb = Instance.freePort();
    int nowhere = Instance.freePort();
    try (LogCapture logs = LogCapture.of(Sharing.class)) {
      Instance a = start("A", Instance.member(pa, List.of(pa, pb), System::currentTimeMillis), 0); // B is not up yet
      Instance b = start("B", Instance.member(pb, List.of(pb, nowhere), System::currentTimeMillis), 1); // does not know A
      assertThat(a.store.status().degraded()).isTrue();
      assertThat(a.store.status().description()).isEqualTo("alone: no peer reachable");
      assertThat(logs.warnings("sharing degraded (alone: no peer reachable)")).isNotEmpty();

      Endpoint onA = a.learn("LEARNED-ON-A");
      Endpoint onB = b.learn("LEARNED-ON-B");
      assertThat(a.route("LEARNED-ON-A")).isEqualTo(onA); // each serves alone meanwhile
      assertThat(b.route("LEARNED-ON-B")).isEqualTo(onB);

      // A keeps looking for B (split-brain check, every 5s): the two clusters merge, and with them
      // what each learned alone
      await().atMost(Duration.ofSeconds(60)).until(() -> !a.store.status().degraded() && !b.store.status().degraded());
      SharedTableTest.awaitShared(List.of(a, b), Map.of("LEARNED-ON-A", onA, "LEARNED-ON-B", onB));
      assertThat(b.route("LEARNED-ON-A")).isEqualTo(onA);
      assertThat(a.route("LEARNED-ON-B")).isEqualTo(onB);
    }
  }

  @Test
  void aClientKeepsWhatItLearnsWhileTheClusterIsDownAndPushesItOnceConnected() {
    int port = Instance.freePort();
    Instance client = start("client", HazelcastStickStore.builder().peersName("lbkit-test")
        .peersClient("127.0.0.1:" + port).peersTimeout(Duration.ofMillis(50)), 0);
    assertThat(client.store.status().degraded()).isTrue();
    assertThat(client.store.status().description()).isEqualTo("client: cluster unreachable");

    long start = System.nanoTime();
    Endpoint learned = client.learn("LEARNED-OFFLINE");
    Endpoint routed = client.route("UNKNOWN"); // a lookup does not wait for an absent cluster
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    assertThat(routed).isNotNull();
    assertThat(client.route("LEARNED-OFFLINE")).isEqualTo(learned);
    assertThat(client.store.status().pending()).isEqualTo(2); // the Set-Cookie and the request's id

    Instance member = start("member", Instance.member(port, List.of(port), System::currentTimeMillis), 2);
    await().atMost(Duration.ofSeconds(30)).until(() -> !client.store.status().degraded());
    SharedTableTest.awaitShared(List.of(member, client), Map.of("LEARNED-OFFLINE", learned, "UNKNOWN", routed));
    assertThat(member.route("LEARNED-OFFLINE")).isEqualTo(learned);
    assertThat(client.store.status().pending()).isZero();
    assertThat(client.store.status().description()).isEqualTo("client of 1 member(s)");
  }
}
