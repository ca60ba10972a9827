package io.lbkit.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/** The shared stress check of the balancers: 8 threads select while the membership keeps changing. */
final class ConcurrentSelection {
  private ConcurrentSelection() {}

  /**
   * Runs 8 selecting threads over {@code group} while 2,000 membership changes (sometimes to no
   * server at all) are published, and fails if any selection returns a server that was never
   * published usable or any thread throws. {@code afterSelect} runs on each selected server (for
   * instance to count it in flight). Returns each thread's number of non-empty selections.
   */
  static Map<String, Integer> onlyPublishedServersWhileMembershipChanges(ServerGroup group,
      Function<ServerGroup, Balancer> create, Consumer<Server> afterSelect) throws InterruptedException {
    Set<Endpoint> everPublished = ConcurrentHashMap.newKeySet();
    // listeners run in order: record each snapshot before the balancer can select from it
    group.addListener(s -> s.usable().forEach(server -> everPublished.add(server.endpoint())));
    Balancer balancer = create.apply(group);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Map<String, Integer> seenPerThread = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(8);
    for (int t = 0; t < 8; t++) {
      new Thread(() -> {
        try {
          int n = 0;
          while (!stop.get()) {
            Selection s = balancer.select(RequestView.EMPTY);
            if (!s.isEmpty()) {
              Server server = s.server();
              if (!server.isUsable() || !everPublished.contains(server.endpoint())) {
                throw new AssertionError("selected a server that was never published usable: " + server);
              }
              afterSelect.accept(server);
              n++;
            }
          }
          seenPerThread.put(Thread.currentThread().getName(), n);
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      }, "selector-" + t).start();
    }
    for (int round = 0; round < 2_000; round++) {
      List<Endpoint> list = new ArrayList<>();
      for (int i = 0; i < 1 + round % 5; i++) {
        list.add(Endpoint.parse("127.0.0." + (2 + (round + i) % 7) + ":8080").withWeight(1 + i % 3));
      }
      group.setEndpoints(round % 50 == 0 ? List.of() : list);
    }
    stop.set(true);
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(failure.get()).isNull();
    return seenPerThread;
  }
}
