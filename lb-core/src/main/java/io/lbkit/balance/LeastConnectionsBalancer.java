package io.lbkit.balance;

import io.lbkit.core.Balancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerStats;
import io.lbkit.core.Snapshot;
import io.lbkit.core.TriedServers;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * HAProxy's {@code balance leastconn}: the eligible server with the fewest requests in flight
 * relative to its weight ({@link ServerStats#active()} / weight) gets the request; of servers that
 * tie, the one picked least recently goes first, so equally loaded servers take turns and with
 * nothing in flight it rotates like round robin (in slot order). Weight 0 takes no new traffic
 * unless every eligible server has weight 0. Suits long requests (downloads, streams, slow
 * reports), where an even count of requests is not an even load.
 *
 * <p>It counts what adapters report: the servlet filter's proxy mode calls
 * {@link ServerStats#requestStarted()} and {@link ServerStats#requestEnded()} around each
 * exchange. A gateway using this balancer directly must do the same with the selected server's
 * {@code stats()}, or every server looks idle and the balancer degrades to plain rotation.
 *
 * <p>Selecting reads every eligible server's counter once and bumps one shared pick count (no
 * lock, no allocation), so it costs O(servers): cheap for the tens of servers of a typical
 * backend, see {@code LeastConnSelect} in lb-benchmarks. The in-flight counters are written by
 * every request anyway, so unlike round robin there is no contention-free variant to have.
 * Concurrent selections may see the same counts and pick the same server.
 */
public final class LeastConnectionsBalancer implements Balancer {
  private final ServerGroup group;
  private final AtomicLong picks = new AtomicLong();
  private volatile Candidates candidates = Candidates.NONE;

  private LeastConnectionsBalancer(ServerGroup group) {
    this.group = group;
  }

  /** A least-connections balancer over {@code group}, following its snapshots. */
  public static LeastConnectionsBalancer create(ServerGroup group) {
    LeastConnectionsBalancer balancer = new LeastConnectionsBalancer(group);
    group.addListener(balancer::rebuild);
    return balancer;
  }

  @Override
  public Selection select(RequestView request) {
    return pick(null);
  }

  /** The least loaded server not in {@code tried}; when every server was tried, the least loaded of all. */
  @Override
  public Selection selectOther(RequestView request, TriedServers tried) {
    Selection s = pick(tried);
    return s.isEmpty() ? pick(null) : s;
  }

  /** The least loaded server, skipping the endpoints in {@code skip} (null: none). */
  private Selection pick(TriedServers skip) {
    Candidates c = candidates;
    int n = c.selections.length;
    int best = -1;
    long bestActive = 0;
    long bestWeight = 1;
    long bestLast = 0;
    for (int i = 0; i < n; i++) {
      if (skip != null && skip.contains(c.selections[i].server())) {
        continue;
      }
      long active = c.stats[i].active();
      long weight = c.weights[i];
      long last = c.lastPick.getPlain(i);
      // compare active/weight without division (weights are 1..256); a tie goes to the server
      // picked least recently, so equally loaded servers take turns
      long diff = active * bestWeight - bestActive * weight;
      if (best < 0 || diff < 0 || (diff == 0 && last < bestLast)) {
        best = i;
        bestActive = active;
        bestWeight = weight;
        bestLast = last;
      }
    }
    if (best < 0) {
      return Selection.NONE;
    }
    c.lastPick.setPlain(best, picks.incrementAndGet()); // racing writers only blur the tie order
    return c.selections[best];
  }

  /** The server for the next request, or null when none is available; for gateways without a request view. */
  public Server next() {
    return select(RequestView.EMPTY).server();
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  private void rebuild(Snapshot snapshot) {
    candidates = new Candidates(snapshot.eligible());
  }

  /** The eligible servers of one snapshot, with their counters and weights side by side. */
  private static final class Candidates {
    static final Candidates NONE = new Candidates(List.of());

    final Selection[] selections;
    final ServerStats[] stats;
    final long[] weights;
    /** When each server was last picked (a pick count), for the tie order. */
    final AtomicLongArray lastPick;

    Candidates(List<Server> eligible) {
      boolean anyWeight = false;
      for (Server s : eligible) {
        anyWeight |= s.weight() > 0;
      }
      int n = 0;
      for (Server s : eligible) {
        if (s.weight() > 0 || !anyWeight) {
          n++;
        }
      }
      selections = new Selection[n];
      stats = new ServerStats[n];
      weights = new long[n];
      lastPick = new AtomicLongArray(n);
      int i = 0;
      for (Server s : eligible) {
        if (s.weight() > 0 || !anyWeight) { // only weight-0 servers left: share evenly rather than refuse
          selections[i] = new Selection(s, null);
          stats[i] = s.stats();
          weights[i] = anyWeight ? s.weight() : 1;
          i++;
        }
      }
    }
  }
}
