package io.lbkit.balance;

import io.lbkit.core.Balancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.internal.RotationCounter;
import java.util.Arrays;
import java.util.List;

/**
 * HAProxy's {@code balance roundrobin}: equal weights rotate strictly in slot order; weights are
 * honoured smoothly (weight 3 gets three times the share of weight 1, interleaved); weight 0 takes
 * no new traffic unless every eligible server has weight 0; membership and weight changes apply
 * on the next request.
 *
 * <p>A weighted schedule is precomputed per snapshot; selecting is one volatile read, one
 * compare-and-set on a {@link RotationCounter} and an array load. The counter survives snapshot
 * changes, so a membership change does not send everyone back to the first server.
 */
public final class RoundRobinBalancer implements Balancer {
  /** Weighted schedules longer than this are scaled down (keeps memory and rebuild time bounded). */
  static final int MAX_SCHEDULE = 1 << 16;
  private static final Selection[] EMPTY = new Selection[0];

  private final ServerGroup group;
  private final RotationCounter counter = new RotationCounter();
  private volatile Selection[] schedule = EMPTY;

  private RoundRobinBalancer(ServerGroup group) {
    this.group = group;
  }

  /** A round-robin balancer over {@code group}, following its snapshots. */
  public static RoundRobinBalancer create(ServerGroup group) {
    RoundRobinBalancer balancer = new RoundRobinBalancer(group);
    group.addListener(balancer::rebuild);
    return balancer;
  }

  @Override
  public Selection select(RequestView request) {
    Selection[] s = schedule;
    return s.length == 0 ? Selection.NONE : s[counter.next(s.length)];
  }

  /** The next server, or null when none is available; for gateways that have no request view. */
  public Server next() {
    return select(RequestView.EMPTY).server();
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  /** For tests: the counter, to start it near overflow. */
  RotationCounter counter() {
    return counter;
  }

  private void rebuild(Snapshot snapshot) {
    List<Server> eligible = snapshot.eligible();
    Selection[] bySlot = new Selection[snapshot.servers().size()];
    for (Server s : eligible) {
      bySlot[s.slot()] = new Selection(s, null);
    }
    int[] order = schedule(eligible);
    Selection[] next = new Selection[order.length];
    for (int i = 0; i < order.length; i++) {
      next[i] = bySlot[eligible.get(order[i]).slot()];
    }
    schedule = next;
  }

  /**
   * The weighted rotation over {@code servers}, as indexes into the list. Server i's k-th turn
   * falls at virtual time (k + 1/2) / weight(i); turns are served in time order, ties in list
   * order. That spreads a heavy server's turns between the others' instead of bunching them.
   */
  static int[] schedule(List<Server> servers) {
    int n = servers.size();
    int[] weights = new int[n];
    long total = 0;
    int gcd = 0;
    for (int i = 0; i < n; i++) {
      weights[i] = servers.get(i).weight();
      total += weights[i];
      gcd = gcd(gcd, weights[i]);
    }
    if (total == 0) {
      Arrays.fill(weights, 1); // only weight-0 servers are left: share evenly rather than refuse
      gcd = 1;
    }
    boolean equal = true;
    for (int w : weights) {
      equal &= w == 0 || w == gcd;
    }
    if (equal) {
      int[] order = new int[n];
      int len = 0;
      for (int i = 0; i < n; i++) {
        if (weights[i] != 0) {
          order[len++] = i;
        }
      }
      return len == n ? order : Arrays.copyOf(order, len);
    }
    total = 0;
    for (int i = 0; i < n; i++) {
      weights[i] /= gcd;
      total += weights[i];
    }
    if (total > MAX_SCHEDULE) {
      long scaled = 0;
      for (int i = 0; i < n; i++) {
        weights[i] = weights[i] == 0 ? 0 : (int) Math.max(1, weights[i] * (long) MAX_SCHEDULE / total);
        scaled += weights[i];
      }
      total = scaled;
    }
    // sort keys: virtual time in fixed point (high bits), server index (low 20 bits)
    long[] turns = new long[(int) total];
    int t = 0;
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < weights[i]; k++) {
        long time = (long) (((2.0 * k + 1) / (2.0 * weights[i])) * (1L << 40));
        turns[t++] = (time << 20) | i;
      }
    }
    Arrays.sort(turns);
    int[] order = new int[turns.length];
    for (int i = 0; i < turns.length; i++) {
      order[i] = (int) (turns[i] & 0xFFFFF);
    }
    return order;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int r = a % b;
      a = b;
      b = r;
    }
    return a;
  }
}
