package io.lbkit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable picture of a {@link ServerGroup}, published on every change. Balancers precompute
 * their per-snapshot tables from it; requests then read one volatile field and touch nothing else
 * that can change.
 */
public final class Snapshot {
  private final String groupName;
  private final long version;
  private final List<Server> servers;
  private final List<Server> usable;
  private final List<Server> eligible;

  Snapshot(String groupName, long version, List<Server> servers) {
    this.groupName = groupName;
    this.version = version;
    this.servers = List.copyOf(servers);
    List<Server> up = new ArrayList<>();
    int bestPriority = Integer.MAX_VALUE;
    for (Server s : servers) {
      if (s.isUsable()) {
        up.add(s);
        bestPriority = Math.min(bestPriority, s.endpoint().priority());
      }
    }
    this.usable = List.copyOf(up);
    List<Server> active = new ArrayList<>();
    for (Server s : up) {
      if (s.endpoint().priority() == bestPriority) {
        active.add(s);
      }
    }
    this.eligible = List.copyOf(active);
  }

  public String groupName() {
    return groupName;
  }

  /** Increases by one with every published snapshot of the group. */
  public long version() {
    return version;
  }

  /** Every slot in slot order, with or without address, in any state. */
  public List<Server> servers() {
    return servers;
  }

  /** The servers that are UP with an address, in slot order, whatever their SRV priority. */
  public List<Server> usable() {
    return usable;
  }

  /**
   * The servers new requests are balanced over: the usable servers of the lowest SRV priority
   * that has any (higher priorities are backups), in slot order, weight 0 included.
   */
  public List<Server> eligible() {
    return eligible;
  }

  /** The server in the given slot. */
  public Server server(int slot) {
    return servers.get(slot);
  }

  @Override
  public String toString() {
    return "Snapshot{" + groupName + " v" + version + " " + servers + "}";
  }
}
