package io.lbkit.dns;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Live counters of one {@link DnsEndpointSource}, for the stats page. Replies are counted by
 * status as they arrive (a query that times out counts one {@code timeout}); resolutions are
 * counted by their final status.
 */
public final class DnsCounters {
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong tcpQueries = new AtomicLong();
  private final AtomicLongArray answers = new AtomicLongArray(DnsStatus.values().length);
  private final AtomicLongArray resolutions = new AtomicLongArray(DnsStatus.values().length);
  private final AtomicLong spoofed = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong tooBig = new AtomicLong();
  private final AtomicLong truncated = new AtomicLong();

  DnsCounters() {}

  /** UDP datagrams sent (first tries and retries, to every nameserver). */
  public long queries() {
    return queries.get();
  }

  /** Queries sent over TCP after a truncated UDP answer. */
  public long tcpQueries() {
    return tcpQueries.get();
  }

  /** Replies (and query timeouts) with the given status. */
  public long answers(DnsStatus status) {
    return answers.get(status.ordinal());
  }

  /** Finished resolutions with the given final status. */
  public long resolutions(DnsStatus status) {
    return resolutions.get(status.ordinal());
  }

  /** Replies ignored because their ID or question did not match a pending query (HAProxy's "outdated"/"invalid"). */
  public long spoofed() {
    return spoofed.get();
  }

  /** Packets that were not valid DNS messages. */
  public long malformed() {
    return malformed.get();
  }

  /** UDP replies longer than {@code accepted-payload-size}, dropped as HAProxy does. */
  public long tooBig() {
    return tooBig.get();
  }

  /** UDP replies with the TC bit (each is retried over TCP). */
  public long truncated() {
    return truncated.get();
  }

  /** All counters by stable snake_case key, in a fixed order. */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("queries", queries());
    m.put("tcp_queries", tcpQueries());
    for (DnsStatus s : DnsStatus.values()) {
      m.put(s.key(), answers(s));
    }
    m.put("spoofed", spoofed());
    m.put("malformed_packets", malformed());
    m.put("too_big", tooBig());
    m.put("truncated", truncated());
    return m;
  }

  @Override
  public String toString() {
    return "DnsCounters" + asMap();
  }

  void incQuery() {
    queries.incrementAndGet();
  }

  void incTcpQuery() {
    tcpQueries.incrementAndGet();
  }

  void incAnswer(DnsStatus s) {
    answers.incrementAndGet(s.ordinal());
  }

  void incResolution(DnsStatus s) {
    resolutions.incrementAndGet(s.ordinal());
  }

  void incSpoofed() {
    spoofed.incrementAndGet();
  }

  void incMalformed() {
    malformed.incrementAndGet();
  }

  void incTooBig() {
    tooBig.incrementAndGet();
  }

  void incTruncated() {
    truncated.incrementAndGet();
  }
}
