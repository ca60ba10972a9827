package io.lbkit.peers.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.testkit.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Expiry judged on an injected clock across two members, and the per-member bound under a flood. */
class ExpiryAndBoundsTest {
  static final Duration EXPIRE = Duration.ofMinutes(20);
  static final long SIZE = 1355; // 5 entries per partition (271 partitions)

  final FakeTicker ticker = new FakeTicker();
  final AtomicLong wallClock = new AtomicLong(1_700_000_000_000L);
  Instance a;
  Instance b;

  @BeforeEach
  void setUp() {
    List<Integer> ports = List.of(Instance.freePort(), Instance.freePort());
    a = new Instance("A", Instance.member(ports.get(0), ports, wallClock::get), 0, SIZE, EXPIRE, ticker::read);
    b = new Instance("B", Instance.member(ports.get(1), ports, wallClock::get), 1, SIZE, EXPIRE, ticker::read);
    await().atMost(Duration.ofSeconds(30)).until(() -> !a.store.status().degraded() && !b.store.status().degraded());
  }

  @AfterEach
  void tearDown() {
    a.close();
    b.close();
  }

  void advance(Duration d) {
    ticker.advance(d);
    wallClock.addAndGet(d.toMillis());
  }

  @Test
  void anEntryUsedOnOneInstanceStaysAliveOnTheOthersAndAnUnusedOneExpiresEverywhere() {
    Endpoint used = a.learn("USED");
    Endpoint unused = a.learn("UNUSED");
    SharedTableTest.awaitShared(List.of(b), Map.of("USED", used, "UNUSED", unused));
    assertThat(b.route("USED")).isEqualTo(used);

    // 60 minutes pass; only B sees the client, every few minutes. A's own entry expires (20m idle),
    // but B pushes the uses at most every 5m, so the shared entry stays alive.
    for (int minute = 0; minute < 60; minute += 4) {
      advance(Duration.ofMinutes(4));
      assertThat(b.route("USED")).isEqualTo(used);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(a.store.find("USED")).isEqualTo(used));
    assertThat(a.route("USED")).as("A forgot it locally, learned it back from B's uses").isEqualTo(used);

    // nobody used UNUSED for an hour: dead for every instance, whatever Hazelcast still holds
    assertThat(a.store.find("UNUSED")).isNull();
    assertThat(b.store.find("UNUSED")).isNull();

    // the shared entry outlives its last use by the expiry (plus at most a quarter), not more
    Endpoint late = a.learn("LATE");
    SharedTableTest.awaitShared(List.of(b), Map.of("LATE", late));
    advance(EXPIRE);
    assertThat(b.store.find("LATE")).as("at the expiry: still within the quarter's grace").isEqualTo(late);
    advance(EXPIRE.dividedBy(4).plusSeconds(1));
    assertThat(b.store.find("LATE")).isNull();
    assertThat(a.balancer.size()).isZero();
  }

  @Test
  void aFloodOfDistinctIdsStaysWithinTheBoundOnEveryMember() {
    int flood = 3_000;
    for (int n = 0; n < flood; n++) {
      a.balancer.select(RequestView.of("JSESSIONID=FLOOD" + n)); // unknown ids, learned from requests
    }
    b.balancer.select(RequestView.of("JSESSIONID=" + "L".repeat(129))); // longer than the key bound: never stored
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> a.store.ownedEntries() + b.store.ownedEntries() >= SIZE * 9 / 10);
    for (int i = 0; i < 5; i++) { // settled: the async offers are done
      long owned = a.store.ownedEntries() + b.store.ownedEntries();
      assertThat(a.store.ownedEntries()).isLessThanOrEqualTo(SIZE);
      assertThat(b.store.ownedEntries()).isLessThanOrEqualTo(SIZE);
      assertThat(owned).as("the cluster holds one table of stick-table-size").isLessThanOrEqualTo(SIZE);
    }
    assertThat(a.balancer.size()).isLessThanOrEqualTo(SIZE);
    assertThat(b.balancer.size()).isZero();
  }
}
