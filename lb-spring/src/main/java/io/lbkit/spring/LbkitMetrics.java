package io.lbkit.spring;

import io.lbkit.core.Balancer;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerStats;
import io.lbkit.core.Snapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Micrometer meters per lbkit server, tagged {@code backend} (the group) and {@code server}
 * ({@code whoami1}): {@code lbkit.server.requests}, {@code lbkit.server.failures} and
 * {@code lbkit.server.retries} (counters), {@code lbkit.server.active.requests} (in flight) and
 * {@code lbkit.server.up} (1 while the server takes traffic). In Prometheus they read as the
 * filter's stats page does ({@code lbkit_server_requests_total}, {@code lbkit_server_up}...).
 * A slot gets its meters when it first appears in a snapshot; they read the slot's live counters.
 */
final class LbkitMetrics implements MeterBinder {
  private final Supplier<List<Balancer>> balancers;

  LbkitMetrics(Supplier<List<Balancer>> balancers) {
    this.balancers = balancers;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (Balancer balancer : balancers.get()) {
      ServerGroup group = balancer.group();
      Set<Integer> bound = ConcurrentHashMap.newKeySet();
      // called at once, then on every snapshot: slots that DNS adds later get their meters too
      group.addListener(snapshot -> bindNewSlots(registry, group, snapshot, bound));
    }
  }

  private static void bindNewSlots(MeterRegistry registry, ServerGroup group, Snapshot snapshot, Set<Integer> bound) {
    for (Server server : snapshot.servers()) {
      if (!bound.add(server.slot())) {
        continue;
      }
      int slot = server.slot();
      ServerStats stats = server.stats(); // the slot's counters, shared by all its snapshots
      Tags tags = Tags.of("backend", group.name(), "server", server.name());
      FunctionCounter.builder("lbkit.server.requests", stats, ServerStats::requests)
          .tags(tags).description("Requests sent to the server (retries included).").register(registry);
      FunctionCounter.builder("lbkit.server.failures", stats, ServerStats::failures)
          .tags(tags).description("Failed requests: connection refused or timed out, reset.").register(registry);
      FunctionCounter.builder("lbkit.server.retries", stats, ServerStats::retries)
          .tags(tags).description("Requests retried away from the server.").register(registry);
      Gauge.builder("lbkit.server.active.requests", stats, ServerStats::active)
          .tags(tags).description("Requests in progress on the server.").register(registry);
      Gauge.builder("lbkit.server.up", group, g -> isUp(g, slot))
          .tags(tags).description("1 if the server is UP (takes traffic), else 0.").register(registry);
    }
  }

  private static double isUp(ServerGroup group, int slot) {
    List<Server> servers = group.snapshot().servers();
    return slot < servers.size() && servers.get(slot).isUsable() ? 1 : 0;
  }
}
