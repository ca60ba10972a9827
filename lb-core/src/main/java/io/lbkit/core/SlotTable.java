package io.lbkit.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slot assignment of a {@link ServerGroup}: an endpoint keeps its slot while it stays in the
 * list, a new one takes the lowest free slot, one that leaves empties its slot. The table holds
 * either a fixed number of slots ({@code slots}) or grows as endpoints arrive, up to
 * {@code max-servers}; endpoints beyond the capacity are ignored, with one warning when that
 * starts and one note when it ends, however many answers come in between. Guarded by the group.
 */
final class SlotTable {
  private static final Logger log = LoggerFactory.getLogger(ServerGroup.class);

  private final String group;
  private final String prefix;
  private final boolean fixed;
  private final int capacity;
  private final Ticker ticker;
  private final List<Slot> slots = new ArrayList<>();
  private int ignoredEndpoints;

  /** {@code fixedSlots}: the {@code slots} count, or 0 to grow up to {@code maxServers}. */
  SlotTable(String group, String prefix, int fixedSlots, int maxServers, Ticker ticker) {
    this.group = group;
    this.prefix = prefix;
    this.fixed = fixedSlots > 0;
    this.capacity = fixed ? fixedSlots : maxServers;
    this.ticker = ticker;
    if (fixed) {
      for (int i = 0; i < fixedSlots; i++) {
        slots.add(new Slot(i, prefix + (i + 1), ticker));
      }
    }
  }

  /** The most servers the table holds. */
  int capacity() {
    return capacity;
  }

  List<Slot> all() {
    return slots;
  }

  /** The slot that holds {@code server}'s endpoint now, or null when it lost it. */
  Slot current(Server server) {
    if (server.slot() >= slots.size()) {
      return null;
    }
    Slot slot = slots.get(server.slot());
    return slot.endpoint != null && slot.endpoint.equals(server.endpoint()) ? slot : null;
  }

  /** The slot named {@code name}, or null. */
  Slot named(String name) {
    for (Slot slot : slots) {
      if (slot.name.equals(name)) {
        return slot;
      }
    }
    return null;
  }

  List<String> names() {
    List<String> names = new ArrayList<>();
    for (Slot s : slots) {
      names.add(s.name);
    }
    return names;
  }

  List<Server> servers() {
    List<Server> servers = new ArrayList<>(slots.size());
    for (Slot s : slots) {
      servers.add(s.toServer());
    }
    return servers;
  }

  /**
   * Assigns {@code endpoints} to slots; a newly assigned slot starts at health {@code rise}.
   * Returns true when anything balancing sees changed.
   */
  boolean apply(Collection<Endpoint> endpoints, boolean healthChecked, int rise) {
    Map<Endpoint, Endpoint> wanted = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      wanted.putIfAbsent(Objects.requireNonNull(e, "endpoint"), e);
    }
    boolean changed = false;
    for (Slot slot : slots) {
      if (slot.endpoint == null) {
        continue;
      }
      Endpoint update = wanted.remove(slot.endpoint);
      if (update == null) {
        String lost = slot.endpoint.authority();
        slot.endpoint = null;
        slot.updateState(group, healthChecked, rise, ticker, "address " + lost + " removed");
        changed = true;
      } else if (!update.sameAttributes(slot.endpoint)) {
        log.info("{}/{} changed from {} to {}", group, slot.name, slot.endpoint, update);
        slot.endpoint = update;
        changed = true;
      }
    }
    int ignored = 0;
    for (Endpoint e : wanted.values()) {
      Slot free = freeSlot();
      if (free == null) {
        ignored++;
        continue;
      }
      free.endpoint = e;
      free.health = rise; // HAProxy: leaving maintenance with checks, UP at once, one failure from DOWN
      free.stats.consecutiveErrors = 0;
      free.stats.check(null, free.health);
      free.updateState(group, healthChecked, rise, ticker, "address " + e.authority() + " assigned");
      changed = true;
    }
    // once per episode: a DNS answer that grows or shrinks while over capacity must not warn every cycle
    if (ignored > 0 && ignoredEndpoints == 0) {
      if (fixed) {
        log.warn("{}: {} endpoint(s) ignored: all {} slots are in use", group, ignored, capacity);
      } else {
        log.warn("{}: {} endpoint(s) ignored: the group holds at most {} servers (max-servers)", group, ignored,
            capacity);
      }
    } else if (ignored == 0 && ignoredEndpoints > 0) {
      log.info("{}: every endpoint has a slot again", group);
    }
    ignoredEndpoints = ignored;
    return changed;
  }

  private Slot freeSlot() {
    for (Slot slot : slots) {
      if (slot.endpoint == null && !slot.adminMaint) {
        return slot;
      }
    }
    if (slots.size() < capacity) {
      Slot slot = new Slot(slots.size(), prefix + (slots.size() + 1), ticker);
      slots.add(slot);
      return slot;
    }
    return null;
  }
}
