package io.lbkit.dns;

import io.lbkit.core.Ticker;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the queries of one source share: the scheduler and the clock their deadlines are measured
 * on, the settings of a query, the counters and the open queries (closed with the source).
 *
 * <p>{@code clock} is the clock of {@code scheduler}: a query arms its waits on the scheduler and
 * compares its deadlines with the clock, so the two must move together ({@link Ticker#system()}
 * for a real scheduler). The hold timers of the policy read the group's ticker instead.
 */
final class QueryContext {
  final String prefix;
  final ScheduledExecutorService scheduler;
  final Ticker clock;
  final int payloadSize;
  final long timeoutRetryNanos;
  final int retries;
  final DnsCounters counters = new DnsCounters();
  final SecureRandom random = new SecureRandom(); // unpredictable IDs; the OS randomizes source ports
  private final Set<DnsQuery> open = new HashSet<>();
  private boolean closed;

  QueryContext(String prefix, ScheduledExecutorService scheduler, Ticker clock, int payloadSize,
      long timeoutRetryNanos, int retries) {
    this.prefix = prefix;
    this.scheduler = scheduler;
    this.clock = clock;
    this.payloadSize = payloadSize;
    this.timeoutRetryNanos = timeoutRetryNanos;
    this.retries = retries;
  }

  synchronized boolean register(DnsQuery q) {
    return !closed && open.add(q);
  }

  synchronized void unregister(DnsQuery q) {
    open.remove(q);
  }

  /** Marks the context closed (no new query registers) and returns the open queries, to close. */
  synchronized List<DnsQuery> drain() {
    closed = true;
    List<DnsQuery> all = new ArrayList<>(open);
    open.clear();
    return all;
  }
}
