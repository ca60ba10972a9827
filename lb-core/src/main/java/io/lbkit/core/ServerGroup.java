package io.lbkit.core;

import io.lbkit.internal.Checks;
import io.lbkit.option.OptionException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live group of servers: HAProxy's backend with its {@code server-template} slots. Sources (a
 * static list, DNS) set the endpoints; health checks and adapters report results; every change
 * that matters to balancing publishes a new immutable {@link Snapshot} to the listeners.
 *
 * <p>Slots keep their endpoint while it stays in the list, so a server keeps its name and its
 * cookie; a new endpoint fills the lowest free slot; an endpoint that leaves empties its slot,
 * which goes to MAINT ("resolution"). With a fixed slot count, endpoints beyond it are ignored
 * with one warning. Without one (static lists), slots are added as needed.
 *
 * <p>Mutations are rare and serialized; {@link #snapshot()} is one volatile read.
 * {@link #close()} closes what was {@linkplain #attach attached} (DNS sources, health checkers).
 */
public final class ServerGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerGroup.class);

  private final String name;
  private final String slotPrefix;
  private final int maxSlots;
  // the health counter (rise, fall, error-limit) is the group's; a checker turns it on via enableHealthChecks
  private boolean healthChecked;
  private int rise;
  private int fall;
  private int errorLimit;
  private Consumer<Server> passiveFailCheckListener;
  private boolean checkerEnabled;
  private final Ticker ticker;
  private final ScheduledExecutorService userScheduler;
  private ScheduledExecutorService ownScheduler;

  private final List<Slot> slots = new ArrayList<>();
  private final CopyOnWriteArrayList<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<AutoCloseable> attached = new CopyOnWriteArrayList<>();
  private volatile Snapshot snapshot;
  private long version;
  private int ignoredEndpoints;
  private boolean closed;

  private ServerGroup(Builder b) {
    this.name = b.name;
    this.slotPrefix = b.slotPrefix;
    this.maxSlots = b.maxSlots;
    this.healthChecked = b.healthChecked;
    this.rise = b.rise;
    this.fall = b.fall;
    this.errorLimit = b.errorLimit;
    this.ticker = b.ticker;
    this.userScheduler = b.scheduler;
    if (maxSlots != Integer.MAX_VALUE) {
      for (int i = 0; i < maxSlots; i++) {
        slots.add(new Slot(i, slotPrefix + (i + 1), ticker));
      }
    }
    synchronized (this) {
      if (b.endpoints != null) {
        applyEndpoints(b.endpoints);
      }
      publish();
    }
  }

  /** A builder for a group named {@code name} (HAProxy's backend name; shown on the stats page). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** The current snapshot; one volatile read. */
  public Snapshot snapshot() {
    return snapshot;
  }

  public Ticker ticker() {
    return ticker;
  }

  /**
   * The scheduler that runs this group's DNS queries and health checks: the one given to the
   * builder (share one among all groups), or else a single daemon thread owned by the group,
   * started on first use and stopped by {@link #close()}. Never a thread per server.
   */
  public synchronized ScheduledExecutorService scheduler() {
    if (userScheduler != null) {
      return userScheduler;
    }
    if (ownScheduler == null) {
      ownScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lbkit-" + name);
        t.setDaemon(true);
        return t;
      });
    }
    return ownScheduler;
  }

  public synchronized boolean healthChecked() {
    return healthChecked;
  }

  public synchronized int rise() {
    return rise;
  }

  public synchronized int fall() {
    return fall;
  }

  /** Consecutive failed requests that count as one failed check; 0 when passive checks are off. */
  public synchronized int errorLimit() {
    return errorLimit;
  }

  /**
   * Hands the UP/DOWN decision to a health checker ({@code io.lbkit.health.HealthChecker} calls
   * this when it starts): from now on check results decide the state, with this group's
   * {@code rise} and {@code fall}. Every server with an address restarts at health {@code rise},
   * as in HAProxy at startup: UP, one failed check from DOWN.
   *
   * @param observeRequests whether failed requests count toward a failed check (HAProxy
   *     {@code observe layer4}, every {@code error-limit} of them); false turns passive checks off
   * @param onPassiveFailCheck called, under the group's lock, when passive failures failed a
   *     check (HAProxy then checks at {@code fastinter}); must be quick; may be null
   * @throws IllegalStateException when a checker already enabled checks on this group
   */
  public synchronized void enableHealthChecks(boolean observeRequests, Consumer<Server> onPassiveFailCheck) {
    if (checkerEnabled) {
      throw new IllegalStateException(name + ": health checks were already enabled (one checker per group)");
    }
    this.checkerEnabled = true;
    this.healthChecked = true;
    if (!observeRequests) {
      this.errorLimit = 0;
    }
    this.passiveFailCheckListener = onPassiveFailCheck;
    boolean changed = false;
    for (Slot slot : slots) {
      slot.health = rise;
      slot.stats.consecutiveErrors = 0;
      slot.stats.check(slot.stats.checkStatus(), rise);
      changed |= updateState(slot, "health checks enabled");
    }
    if (changed && !closed) {
      publish();
    }
  }

  /**
   * Adds a listener and calls it at once with the current snapshot. Listeners run on the thread
   * that changed the group, in publication order, and must be quick; an exception is logged and
   * does not affect the group or the other listeners.
   */
  public synchronized void addListener(Consumer<Snapshot> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    notify(listener, snapshot);
  }

  public void removeListener(Consumer<Snapshot> listener) {
    listeners.remove(listener);
  }

  /**
   * Attaches a resource whose life is bound to the group (a DNS source, a health checker):
   * {@link #close()} closes it.
   */
  public void attach(AutoCloseable resource) {
    attached.add(Objects.requireNonNull(resource, "resource"));
  }

  /**
   * Sets the group's endpoints, as a discovery source sees them now. Endpoints already in a slot
   * keep it (their weight and priority are updated); new ones fill free slots; slots whose endpoint
   * is not in the list lose their address and go to MAINT ("resolution").
   */
  public synchronized void setEndpoints(Collection<Endpoint> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    if (closed) {
      return;
    }
    if (applyEndpoints(endpoints)) {
      publish();
    }
  }

  /**
   * Records the result of an active health check of {@code server} (HAProxy's health counter:
   * {@code rise} successes bring a DOWN server UP, {@code fall} failures take an UP one DOWN). A
   * result for an endpoint the slot no longer has is ignored.
   */
  public void recordCheck(Server server, boolean ok, String status) {
    recordCheck(server, ok, status, -1);
  }

  /**
   * As {@link #recordCheck(Server, boolean, String)}, with the check's duration in nanoseconds
   * (-1 when unknown) for the stats page. Results for a server in administrative maintenance are
   * ignored, as HAProxy does not check those.
   */
  public synchronized void recordCheck(Server server, boolean ok, String status, long durationNanos) {
    Slot slot = current(server);
    if (slot == null || slot.adminMaint || closed) {
      return;
    }
    int max = rise + fall - 1;
    if (ok) {
      slot.stats.consecutiveErrors = 0;
      if (slot.health < max) {
        slot.health = slot.health + 1 >= rise ? max : slot.health + 1;
      }
    } else if (slot.health > 0) { // HAProxy counts chkfail only while there is health to lose
      slot.stats.checkFailed();
      slot.health = slot.health - 1 < rise ? 0 : slot.health - 1;
    }
    slot.stats.checkDuration(durationNanos); // before check(): readers poll the status, then read the duration
    slot.stats.check(status, slot.health);
    if (updateState(slot, ok ? "check passed: " + status : "check failed: " + status)) {
      publish();
    }
  }

  /**
   * Records a failed request to {@code server} (connection refused or timed out, reset, bad
   * response), HAProxy's {@code observe layer4}: after {@code error-limit} consecutive failures
   * it counts as one failed health check. Only health-checked groups act on it; otherwise it is
   * only counted, since nothing would bring the server back.
   */
  public synchronized void recordRequestFailure(Server server, String cause) {
    server.stats().failure();
    Slot slot = current(server);
    if (slot == null || !healthChecked || errorLimit == 0 || slot.adminMaint || closed) {
      return;
    }
    if (++slot.stats.consecutiveErrors >= errorLimit) {
      slot.stats.consecutiveErrors = 0;
      recordCheck(server, false, "passive: " + cause);
      Consumer<Server> listener = passiveFailCheckListener;
      if (listener != null) {
        try {
          listener.accept(server);
        } catch (RuntimeException e) {
          log.warn("{}: passive check listener failed", name, e);
        }
      }
    }
  }

  /** Records a successful request: resets the consecutive-failure count of the passive check. */
  public void recordRequestSuccess(Server server) {
    ServerStats stats = server.stats();
    if (stats.consecutiveErrors != 0) { // read first: no write, so no shared cache line, per request
      stats.consecutiveErrors = 0;
    }
  }

  /** Puts a server in administrative maintenance (no traffic, no checks) or takes it out. */
  public synchronized void setMaintenance(String serverName, boolean maintenance) {
    for (Slot slot : slots) {
      if (slot.name.equals(serverName)) {
        if (slot.adminMaint != maintenance) {
          slot.adminMaint = maintenance;
          slot.health = rise;
          if (updateState(slot, maintenance ? "maintenance set by admin" : "maintenance cleared by admin")) {
            publish();
          }
        }
        return;
      }
    }
    throw new IllegalArgumentException("server: '" + serverName + "' (expected: one of " + slotNames() + ")");
  }

  /** Closes attached resources; the group keeps its last snapshot and ignores later updates. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (AutoCloseable resource : attached) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("{}: closing {} failed", name, resource, e);
      }
    }
    synchronized (this) {
      if (ownScheduler != null) {
        ownScheduler.shutdownNow();
      }
    }
  }

  private Slot current(Server server) {
    if (server.slot() >= slots.size()) {
      return null;
    }
    Slot slot = slots.get(server.slot());
    return slot.endpoint != null && slot.endpoint.equals(server.endpoint()) ? slot : null;
  }

  private boolean applyEndpoints(Collection<Endpoint> endpoints) {
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
        updateState(slot, "address " + lost + " removed");
        changed = true;
      } else if (!update.sameAttributes(slot.endpoint)) {
        log.info("{}/{} changed from {} to {}", name, slot.name, slot.endpoint, update);
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
      updateState(free, "address " + e.authority() + " assigned");
      changed = true;
    }
    // once per episode: a DNS answer that grows or shrinks while over capacity must not warn every cycle
    if (ignored > 0 && ignoredEndpoints == 0) {
      log.warn("{}: {} endpoint(s) ignored: all {} slots are in use", name, ignored, maxSlots);
    } else if (ignored == 0 && ignoredEndpoints > 0) {
      log.info("{}: every endpoint has a slot again", name);
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
    if (slots.size() < maxSlots) {
      Slot slot = new Slot(slots.size(), slotPrefix + (slots.size() + 1), ticker);
      slots.add(slot);
      return slot;
    }
    return null;
  }

  /** Recomputes a slot's state; logs and stamps a change. Returns true when state changed. */
  private boolean updateState(Slot slot, String cause) {
    ServerState state;
    String reason;
    if (slot.endpoint == null) {
      state = ServerState.MAINT;
      reason = "resolution";
    } else if (slot.adminMaint) {
      state = ServerState.MAINT;
      reason = "admin";
    } else if (healthChecked && slot.health < rise) {
      state = ServerState.DOWN;
      reason = "check";
    } else {
      state = ServerState.UP;
      reason = null;
    }
    if (state == slot.state && Objects.equals(reason, slot.reason)) {
      return false;
    }
    if (slot.state == ServerState.UP) {
      slot.stats.wentDown();
    }
    long now = ticker.read();
    slot.stats.stateChanged(state == ServerState.DOWN, now);
    if (state == ServerState.DOWN) {
      log.warn("{}/{} is {}{} (was {}): {}", name, slot.name, state, " (" + reason + ")", slot.state, cause);
    } else {
      log.info("{}/{} is {}{} (was {}): {}", name, slot.name, state, reason == null ? "" : " (" + reason + ")",
          slot.state, cause);
    }
    slot.state = state;
    slot.reason = reason;
    slot.lastChange = now;
    return true;
  }

  private void publish() {
    List<Server> servers = new ArrayList<>(slots.size());
    for (Slot s : slots) {
      servers.add(new Server(s.index, s.name, s.endpoint, s.state, s.reason, s.lastChange, s.stats));
    }
    Snapshot next = new Snapshot(name, ++version, servers);
    snapshot = next;
    for (Consumer<Snapshot> listener : listeners) {
      notify(listener, next);
    }
  }

  private void notify(Consumer<Snapshot> listener, Snapshot s) {
    try {
      listener.accept(s);
    } catch (RuntimeException e) {
      log.warn("{}: snapshot listener {} failed", name, listener, e);
    }
  }

  private List<String> slotNames() {
    List<String> names = new ArrayList<>();
    for (Slot s : slots) {
      names.add(s.name);
    }
    return names;
  }

  @Override
  public String toString() {
    return "ServerGroup{" + name + ", " + snapshot.servers() + "}";
  }

  private static final class Slot {
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
  }

  /** Builds a {@link ServerGroup}; every setter validates its argument at once. */
  public static final class Builder {
    private final String name;
    private String slotPrefix = "srv";
    private int maxSlots = Integer.MAX_VALUE;
    private boolean healthChecked;
    private int rise = 2;
    private int fall = 3;
    private int errorLimit = 10;
    private Ticker ticker = Ticker.system();
    private List<Endpoint> endpoints;
    private ScheduledExecutorService scheduler;

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new OptionException("name", name, "a non-empty group name");
      }
      this.name = name;
    }

    /**
     * HAProxy's {@code server-template prefix count}: a fixed number of named slots
     * ({@code whoami1}..{@code whoamiN}). Without it, slots are added as endpoints arrive.
     */
    public Builder slots(String prefix, int count) {
      serverPrefix(prefix);
      return slots(count);
    }

    /** {@link #slots(String, int)} keeping the {@linkplain #serverPrefix server prefix} (option {@code slots}). */
    public Builder slots(int count) {
      this.maxSlots = GroupOptions.SLOTS.check(count);
      return this;
    }

    /** The name prefix of servers when slots are added as needed (default {@code srv}). */
    public Builder serverPrefix(String prefix) {
      if (prefix == null || prefix.isBlank() || !prefix.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new OptionException("server-prefix", prefix, "printable ASCII without spaces");
      }
      this.slotPrefix = prefix;
      return this;
    }

    /** A static list, {@code host:port,host:port} ({@code [v6]:port} for IPv6); names resolve once, now. */
    public Builder staticEndpoints(String list) {
      this.endpoints = HostPorts.parseList(list);
      return this;
    }

    /** Initial endpoints, as a static source. */
    public Builder endpoints(Collection<Endpoint> endpoints) {
      this.endpoints = List.copyOf(endpoints);
      return this;
    }

    /**
     * Whether health checks decide the state (HAProxy's {@code check}). With checks, a new server
     * starts UP but one failure from DOWN, as in HAProxy; without, a server with an address is UP.
     */
    public Builder healthChecked(boolean healthChecked) {
      this.healthChecked = healthChecked;
      return this;
    }

    /** Consecutive successful checks that bring a DOWN server UP (HAProxy {@code rise}, default 2). */
    public Builder rise(int rise) {
      this.rise = GroupOptions.RISE.check(rise);
      return this;
    }

    /** Consecutive failed checks that take an UP server DOWN (HAProxy {@code fall}, default 3). */
    public Builder fall(int fall) {
      this.fall = GroupOptions.FALL.check(fall);
      return this;
    }

    /** Consecutive failed requests that count as one failed check (HAProxy {@code error-limit}, default 10). */
    public Builder errorLimit(int errorLimit) {
      this.errorLimit = GroupOptions.ERROR_LIMIT.check(errorLimit);
      return this;
    }

    /** The time source for state-change stamps; inject one in tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull("ticker", ticker);
      return this;
    }

    /** A scheduler to share among groups for DNS queries and health checks (not shut down by the group). */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Checks.notNull("scheduler", scheduler);
      return this;
    }

    /**
     * Sets an option by its configuration name ({@link GroupOptions}: {@code server-prefix},
     * {@code slots}, {@code rise}, {@code fall}, {@code error-limit}).
     *
     * @throws io.lbkit.option.OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return GroupOptions.ALL.set(this, key, value);
    }

    public ServerGroup build() {
      if (endpoints != null && maxSlots != Integer.MAX_VALUE && endpoints.size() > maxSlots) {
        log.warn("{}: {} endpoints for {} slots; the extra ones are ignored", name, endpoints.size(), maxSlots);
      }
      return new ServerGroup(this);
    }
  }
}
