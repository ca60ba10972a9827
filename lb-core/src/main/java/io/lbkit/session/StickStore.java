package io.lbkit.session;

import io.lbkit.core.Endpoint;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * A stick table shared with other lbkit instances (HAProxy's {@code peers}), behind a
 * {@link StickTableBalancer}. The balancer keeps its own local table and serves every request
 * that hits it without calling the store; the store is asked only when the local table does not
 * know a session id or names a server that is no longer usable, and is told what the balancer
 * learns. A store is optional: without one the table is this instance's alone.
 *
 * <p>Implementations must <em>fail open</em>: no method throws because peers are unreachable,
 * {@link #find} waits at most a short bound of its own, and the others never wait on the network.
 * What a store could not push while degraded it pushes when its peers are back.
 */
public interface StickStore extends AutoCloseable {
  /**
   * The server a session id is known on across instances, or null when it is unknown, expired,
   * or the store could not tell within its bound. Never throws.
   */
  Endpoint find(String id);

  /**
   * Records that the session now lives on {@code endpoint}, replacing what other instances knew:
   * a server issued the id, the session moved because its server went away, or a still-used
   * entry is refreshed (uses are pushed at most every quarter of the expiry). Does not wait.
   */
  void store(String id, Endpoint endpoint);

  /**
   * Records an id first seen in a request and balanced here, unless another instance already
   * knows it (that instance's entry wins). Does not wait.
   */
  void offer(String id, Endpoint endpoint);

  /** Whether sharing works now, for logs and the stats page. */
  Status status();

  /** Leaves the peers and releases the store's threads and sockets. */
  @Override
  void close();

  /** Opens a store for the table a balancer is being built with. */
  @FunctionalInterface
  interface Factory {
    StickStore open(Spec spec);
  }

  /**
   * The table a store is opened for.
   *
   * @param name identifies the table among those sharing one cluster: the group name and the cookie name
   * @param size {@code stick-table-size}, the entries the table may hold
   * @param expire {@code stick-table-expire}, the idle expiry
   * @param keyMax {@code stick-table-key-max}, the longest id stored
   * @param relearn takes what the store finds other instances knew about an id it was
   *     {@linkplain #offer offered} while it could not tell (peers unreachable): the balancer
   *     replaces its own entry, so instances agree again once the cluster heals
   */
  record Spec(String name, long size, Duration expire, int keyMax, BiConsumer<String, Endpoint> relearn) {}

  /**
   * A store's state.
   *
   * @param degraded true while peers are unreachable and each instance serves from its own table
   * @param description a short human-readable state, e.g. {@code "3 members"} or {@code "alone: no peer reachable"}
   * @param failures lookups and pushes that failed or ran out of time since the store opened
   * @param pending entries learned while degraded and not pushed yet
   */
  record Status(boolean degraded, String description, long failures, long pending) {}
}
