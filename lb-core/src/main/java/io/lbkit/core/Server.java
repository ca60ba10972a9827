package io.lbkit.core;

/**
 * An immutable view of one server slot in a {@link Snapshot}: its name ({@code whoami1}), its
 * endpoint (null while the slot has no address), its state and the reason for it. The
 * {@link #stats()} object is the slot's live counters, shared by every snapshot of the slot.
 */
public final class Server {
  private final int slot;
  private final String name;
  private final Endpoint endpoint;
  private final ServerState state;
  private final String reason;
  private final long lastChangeNanos;
  private final ServerStats stats;

  Server(int slot, String name, Endpoint endpoint, ServerState state, String reason,
      long lastChangeNanos, ServerStats stats) {
    this.slot = slot;
    this.name = name;
    this.endpoint = endpoint;
    this.state = state;
    this.reason = reason;
    this.lastChangeNanos = lastChangeNanos;
    this.stats = stats;
  }

  /** The slot index, 0-based, stable for the life of the group (whoami1 is slot 0). */
  public int slot() {
    return slot;
  }

  public String name() {
    return name;
  }

  /** The endpoint, or null when the slot has no address (state MAINT, reason "resolution"). */
  public Endpoint endpoint() {
    return endpoint;
  }

  public ServerState state() {
    return state;
  }

  /** Why the server is DOWN or in MAINT ("resolution", "check", "admin"...), or null when UP. */
  public String reason() {
    return reason;
  }

  /** The ticker time of the last state change. */
  public long lastChangeNanos() {
    return lastChangeNanos;
  }

  /** The slot's live counters. */
  public ServerStats stats() {
    return stats;
  }

  /** The weight balancers use: the endpoint's weight, or 0 without an endpoint. */
  public int weight() {
    return endpoint == null ? 0 : endpoint.weight();
  }

  /** UP with an address: may receive traffic. */
  public boolean isUsable() {
    return state == ServerState.UP && endpoint != null;
  }

  @Override
  public String toString() {
    return name + "(" + (endpoint == null ? "no address" : endpoint.authority()) + " " + state
        + (reason == null ? "" : " " + reason) + ")";
  }
}
