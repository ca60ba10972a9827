package io.lbkit.internal;

import io.lbkit.core.Server;
import io.lbkit.core.Ticker;
import java.util.function.Consumer;

/**
 * The part of a {@link io.lbkit.core.ServerGroup} that lbkit's own discovery sources and health
 * checkers use, and nothing else should: binding their life to the group, handing it the UP/DOWN
 * decision, reporting check results. A group hands it out through {@code ServerGroup.hooks()}.
 * Not API: it may change in any release (see docs/architecture.md, "Hooks of the group").
 */
public interface GroupHooks {
  /** Closes {@code resource} when the group closes (a DNS source, a health checker). */
  void attach(AutoCloseable resource);

  /**
   * Hands the UP/DOWN decision to a health checker; see {@code ServerGroup.enableHealthChecks}.
   *
   * @throws IllegalStateException when a checker already enabled checks on this group
   */
  void enableHealthChecks(boolean observeRequests, Consumer<Server> onPassiveFailCheck);

  /** Records the result of an active check of {@code server}, with its duration (-1 when unknown). */
  void recordCheck(Server server, boolean ok, String status, long durationNanos);

  /**
   * The clock of the group's scheduler, for deadlines armed on it (a DNS query's retry, a check's
   * response timeout): waits on the scheduler and readings of this clock must move together, which
   * the group's injected ticker, a test's fake one, does not. Hold timers and state stamps read
   * the group's ticker.
   */
  Ticker schedulerClock();

  /** The most servers the group takes: its fixed slot count, or {@code max-servers}. */
  int maxServers();
}
