package io.lbkit.core;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One server slot of a {@link ServerGroup} (HAProxy's server of a {@code server-template}); guarded by the group. */
final class Slot {
  private static final Logger log = LoggerFactory.getLogger(ServerGroup.class);

  final int index;
  final String name;
  final ServerStats stats;
  Endpoint endpoint;
  boolean adminMaint;
  int health;
  ServerState state = ServerState.MAINT;
  String reason = "resolution";
  long lastChange;

  Slot(int index, String name, Ticker ticker) {
    this.index = index;
    this.name = name;
    this.stats = new ServerStats(ticker);
    this.lastChange = ticker.read();
  }

  /** Recomputes the state; logs and stamps a change. Returns true when the state changed. */
  boolean updateState(String group, boolean healthChecked, int rise, Ticker ticker, String cause) {
    ServerState next;
    String why;
    if (endpoint == null) {
      next = ServerState.MAINT;
      why = "resolution";
    } else if (adminMaint) {
      next = ServerState.MAINT;
      why = "admin";
    } else if (healthChecked && health < rise) {
      next = ServerState.DOWN;
      why = "check";
    } else {
      next = ServerState.UP;
      why = null;
    }
    if (next == state && Objects.equals(why, reason)) {
      return false;
    }
    if (state == ServerState.UP) {
      stats.wentDown();
    }
    long now = ticker.read();
    stats.stateChanged(next == ServerState.DOWN, now);
    if (next == ServerState.DOWN) {
      log.warn("{}/{} is {}{} (was {}): {}", group, name, next, " (" + why + ")", state, cause);
    } else {
      log.info("{}/{} is {}{} (was {}): {}", group, name, next, why == null ? "" : " (" + why + ")", state, cause);
    }
    state = next;
    reason = why;
    lastChange = now;
    return true;
  }

  /** The immutable view of this slot for a snapshot. */
  Server toServer() {
    return new Server(index, name, endpoint, state, reason, lastChange, stats);
  }
}
