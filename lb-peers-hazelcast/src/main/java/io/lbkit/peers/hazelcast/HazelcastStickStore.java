package io.lbkit.peers.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.internal.nearcache.NearCache;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.proxy.NearCachedMapProxyImpl;
import io.lbkit.core.Endpoint;
import io.lbkit.internal.Checks;
import io.lbkit.internal.HostPort;
import io.lbkit.option.OptionException;
import io.lbkit.session.StickStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StickStore} on a Hazelcast map: HAProxy's {@code peers} for the JVM. Either every lbkit
 * instance is a member of an embedded cluster the instances form themselves ({@code peers},
 * {@code peer-listen}: no server to run), or a client of an existing cluster ({@code peers-client}).
 *
 * <p>The map holds session id → the server's endpoint and the time of its last use; it keeps one
 * backup (an instance leaving loses nothing), at most {@code stick-table-size} entries owned per
 * member, and a near cache for reads. An entry expires {@code stick-table-expire} after its last use
 * on any instance, give or take a quarter: uses are pushed at most every quarter of the expiry so
 * that a local hit never touches the network. Expiry is judged on the wall clock of the reader
 * (instances' clocks should agree within seconds).
 *
 * <p>Fail-open: a lookup waits at most {@code peers-timeout} (default 50ms), then the request is
 * balanced as if the id were unknown; after a failure lookups stop waiting for a cool-down
 * (1s, or 5 timeouts): the cluster is not asked then. What a request learned meanwhile
 * is offered to the cluster once it answers again; where another instance knew the id, its entry
 * replaces the one learned here, so instances agree again. Pushes never wait. A member alone
 * (no peer reachable) serves from its own partitions and merges them into the cluster when the
 * peers appear (Hazelcast's split-brain merge, latest update wins, checked every 5s); a client
 * keeps what it could not push (up to 100,000 entries) and pushes it on reconnection.
 *
 * <pre>{@code
 * StickTableBalancer.builder().stickOn("JSESSIONID")
 *     .stickStore(HazelcastStickStore.builder().peers("10.0.0.1:5701,10.0.0.2:5701").peerListen("10.0.0.1:5701"))
 *     .build(group);
 * }</pre>
 */
public final class HazelcastStickStore implements StickStore {
  private static final Logger log = LoggerFactory.getLogger(HazelcastStickStore.class);
  private static final int PENDING_MAX = 100_000;
  private static final int FLUSH_BATCH = 1000;

  private final String name;
  private final HazelcastInstance hazelcast;
  private final boolean ownsInstance;
  private final boolean client;
  private final String mapName;
  private volatile IMap<String, StickEntry> map; // a client gets it once connected
  private final NearCache<Object, Object> nearCache; // a member's, or null
  private final LongSupplier clock;
  private final long timeoutNanos;
  private final long liveMillis;
  private final long ttlMillis;
  private final Sharing sharing;
  private final BiConsumer<String, Endpoint> relearn;
  private final AtomicBoolean connected = new AtomicBoolean(true);
  private final ScheduledExecutorService timer;

  private HazelcastStickStore(Builder b, Spec spec) {
    this.name = spec.name();
    this.relearn = spec.relearn() != null ? spec.relearn() : (id, endpoint) -> { };
    this.clock = b.clock;
    this.timeoutNanos = b.timeout.toNanos();
    // pushes of a use lag it by up to expire/4 (see StickTableBalancer), so the shared entry lives that much longer
    this.liveMillis = spec.expire().toMillis() + spec.expire().toMillis() / 4;
    this.ttlMillis = liveMillis + 1000; // Hazelcast's own expiry only collects what is already dead to readers
    this.client = b.client != null;
    if (b.instance != null) {
      this.hazelcast = b.instance;
      this.ownsInstance = false;
      hazelcast.getConfig().addMapConfig(HazelcastConfigs.map(spec));
    } else if (client) {
      connected.set(false);
      this.hazelcast = HazelcastClient.newHazelcastClient(HazelcastConfigs.client(spec, b.clusterName, b.client, this::clientEvent));
      this.ownsInstance = true;
    } else {
      this.hazelcast = Hazelcast.newHazelcastInstance(
          HazelcastConfigs.member(spec, b.clusterName, b.peers, b.listenHost, b.listenPort));
      this.ownsInstance = true;
    }
    this.mapName = HazelcastConfigs.mapName(spec);
    if (!client) {
      this.map = hazelcast.getMap(mapName);
      // Read the member's near cache directly: IMap.getAsync costs hundreds of microseconds even on
      // a near-cache hit (a future per call, completed through Hazelcast's executor), a synchronous
      // get could wait without bound. Internal API, pinned by the version in the parent POM; a
      // client (or another proxy) takes the getAsync path.
      this.nearCache = map instanceof NearCachedMapProxyImpl ? ((NearCachedMapProxyImpl<?, ?>) map).getNearCache() : null;
    } else {
      this.nearCache = null;
    }
    boolean peersExpected = b.peers != null && b.peers.size() > 1;
    long coolDown = Math.max(TimeUnit.SECONDS.toNanos(1), 5 * timeoutNanos);
    this.sharing = new Sharing(name, client, peersExpected, () -> hazelcast.getCluster().getMembers().size(),
        connected::get, () -> client || hazelcast.getPartitionService().isLocalMemberSafe(), coolDown, PENDING_MAX);
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "lbkit-peers-" + name);
      thread.setDaemon(true);
      return thread;
    });
    t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.timer = t;
    timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    log.info("peers {}: {} ({})", name, client ? "client of " + b.client : "member " + hazelcast.getCluster().getLocalMember()
        .getAddress(), sharing.check().description());
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  @SuppressWarnings("unchecked") // a stage of StickEntry that is a Future is a Future of StickEntry
  public Endpoint find(String id) {
    NearCache<Object, Object> near = nearCache;
    if (near != null) {
      Object cached = near.get(id);
      if (cached instanceof StickEntry) {
        return live((StickEntry) cached);
      }
      if (cached == NearCache.CACHED_AS_NULL) {
        // "unknown" is not trusted: a lookup made while partitions moved (a member joining or dying)
        // can answer it for an entry that exists, and nothing would invalidate it; ask the owner
        near.invalidate(id);
      }
    }
    IMap<String, StickEntry> m = map();
    if (m == null || !sharing.mayWait()) {
      return null; // cooling down after a failure: no request adds to a cluster that does not keep up
    }
    StickEntry entry;
    try {
      CompletionStage<StickEntry> stage = m.getAsync(id);
      // Hazelcast's stages are futures; toCompletableFuture() would complete a copy on another
      // thread, a hand-off that costs far more than the near-cache hit itself (PeersLookup)
      Future<StickEntry> f = stage instanceof Future ? (Future<StickEntry>) stage : stage.toCompletableFuture();
      entry = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      sharing.failed("lookup", null);
      return null;
    } catch (ExecutionException e) {
      sharing.failed("lookup", e.getCause());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (RuntimeException e) { // not connected, shutting down
      sharing.failed("lookup", e);
      return null;
    }
    return live(entry);
  }

  @Override
  public void store(String id, Endpoint endpoint) {
    push(id, new Sharing.Pending(new StickEntry(endpoint, clock.getAsLong()), true));
  }

  @Override
  public void offer(String id, Endpoint endpoint) {
    push(id, new Sharing.Pending(new StickEntry(endpoint, clock.getAsLong()), false));
  }

  @Override
  public Status status() {
    return sharing.status();
  }

  /** The Hazelcast member or client behind this store (tests terminate it to play a crash). */
  HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** The entries this member owns (not backups, not the near cache); 0 for a client. */
  long ownedEntries() {
    return client ? 0 : map().getLocalMapStats().getOwnedEntryCount();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (ownsInstance) {
      try {
        hazelcast.shutdown(); // a member hands its partitions over first: graceful
      } catch (RuntimeException e) {
        log.debug("peers {}: shutdown: {}", name, e.toString());
      }
    }
  }

  /** The map, or null while a client is not connected (a client cannot even name the map offline). */
  private IMap<String, StickEntry> map() {
    IMap<String, StickEntry> m = map;
    if (m != null) {
      return sharing.offline() ? null : m;
    }
    if (sharing.offline()) {
      return null;
    }
    try {
      m = hazelcast.getMap(mapName);
      map = m;
      return m;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private Endpoint live(StickEntry entry) {
    return entry == null || clock.getAsLong() - entry.touchedMillis > liveMillis ? null : entry.endpoint;
  }

  /** Sends one entry without waiting: a failure (or a client offline) keeps it for the next flush. */
  private void push(String id, Sharing.Pending p) {
    IMap<String, StickEntry> m = map();
    if (m == null || (!p.replace() && !sharing.mayWait())) {
      // An offer follows a find that said "unknown"; after a failure that answer may be wrong, so
      // the offer waits for the flush, which checks first (flushOffer).
      sharing.pend(id, p);
      return;
    }
    try {
      m.setAsync(id, p.entry(), ttlMillis, TimeUnit.MILLISECONDS).whenComplete((ok, failure) -> {
        if (failure != null) {
          sharing.failed("push", failure);
          sharing.pend(id, p);
        }
      });
    } catch (RuntimeException e) {
      sharing.failed("push", e);
      sharing.pend(id, p);
    }
  }

  /**
   * On the timer thread, once shared again: pushes what was kept, a batch at a time. Offers yield
   * to what the cluster knows now (one bulk read per batch).
   */
  private void flush() {
    IMap<String, StickEntry> m = map();
    if (m == null) {
      return;
    }
    Map<String, Sharing.Pending> batch = sharing.take(FLUSH_BATCH);
    Map<String, StickEntry> known;
    try {
      known = m.getAll(batch.keySet());
    } catch (RuntimeException e) {
      sharing.failed("push", e);
      batch.forEach(sharing::pend);
      return;
    }
    batch.forEach((id, p) -> {
      Endpoint elsewhere = live(known.get(id));
      if (p.replace() || elsewhere == null) {
        push(id, p);
      } else if (!elsewhere.equals(p.entry().endpoint)) {
        relearn.accept(id, elsewhere); // learned here while blind; another instance knew better
      }
    });
  }

  /** Every second: log a change of state; once shared again, push what was kept. */
  private void tick() {
    try {
      Status s = sharing.check();
      while (!s.degraded() && sharing.pendingCount() > 0 && sharing.mayWait()) {
        flush();
      }
    } catch (RuntimeException e) {
      log.debug("peers {}: {}", name, e.toString());
    }
  }

  private void clientEvent(LifecycleEvent event) {
    switch (event.getState()) {
      case CLIENT_CONNECTED -> connected.set(true);
      case CLIENT_DISCONNECTED, SHUTTING_DOWN, SHUTDOWN -> connected.set(false);
      default -> { }
    }
  }

  /**
   * Configures a {@link HazelcastStickStore}; give it to
   * {@code StickTableBalancer.Builder.stickStore(...)}, which opens the store with the table's
   * size, expiry and key bound. Exactly one of {@link #peers}, {@link #peersClient} or
   * {@link #instance} is required.
   */
  public static final class Builder implements StickStore.Factory {
    private List<String> peers;
    private String listenHost;
    private int listenPort = 5701;
    private List<String> client;
    private HazelcastInstance instance;
    private String clusterName = "lbkit";
    private Duration timeout = Duration.ofMillis(50);
    private LongSupplier clock = System::currentTimeMillis;

    private Builder() {}

    /**
     * The members of the embedded cluster, {@code host:port,...} (this instance may be listed too):
     * each instance is a member, found over TCP at these addresses (no multicast).
     */
    public Builder peers(String peers) {
      this.peers = addresses(PeersOptions.PEERS.name(), PeersOptions.PEERS.check(peers));
      return this;
    }

    /**
     * The address this member listens on and announces, {@code host:port} (default
     * {@code 0.0.0.0:5701}: every interface, port 5701, Hazelcast picks the announced address).
     */
    public Builder peerListen(String hostPort) {
      HostPort a = HostPort.parse(PeersOptions.PEER_LISTEN.name(), hostPort, 1, -1, "host:port or [ipv6]:port");
      this.listenHost = a.host();
      this.listenPort = a.port();
      return this;
    }

    /** Joins an existing Hazelcast cluster as a client instead: its members' {@code host:port,...}. */
    public Builder peersClient(String addresses) {
      this.client = addresses(PeersOptions.PEERS_CLIENT.name(), PeersOptions.PEERS_CLIENT.check(addresses));
      return this;
    }

    /** Uses a Hazelcast member or client the application already runs (not shut down by close). */
    public Builder instance(HazelcastInstance instance) {
      this.instance = Checks.notNull("instance", instance);
      return this;
    }

    /** The cluster name (default {@code lbkit}); instances with another name never share. */
    public Builder peersName(String name) {
      if (name == null || name.isBlank() || !name.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new OptionException(PeersOptions.PEERS_NAME.name(), name,
            "a cluster name, printable ASCII without spaces");
      }
      this.clusterName = name;
      return this;
    }

    /** The longest a lookup waits for the cluster before the request is balanced without it (default 50ms). */
    public Builder peersTimeout(Duration timeout) {
      this.timeout = PeersOptions.PEERS_TIMEOUT.check(timeout);
      return this;
    }

    /**
     * Sets an option by its configuration name ({@code peers}, {@code peer-listen},
     * {@code peers-client}, {@code peers-name}, {@code peers-timeout}).
     *
     * @throws OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return PeersOptions.ALL.set(this, key, value);
    }

    /** The wall clock for expiry, in milliseconds (default {@link System#currentTimeMillis}; tests inject one). */
    public Builder clock(LongSupplier clock) {
      this.clock = Checks.notNull("clock", clock);
      return this;
    }

    @Override
    public StickStore open(Spec spec) {
      Checks.notNull("spec", spec);
      if (peers != null && client != null) {
        throw OptionException.conflict("peers-client", "peers", "either peers (members) or peers-client (a client)");
      }
      if (peers == null && client == null && instance == null) {
        throw OptionException.notSet("peers", "host:port,... of the instances sharing the table, or peers-client");
      }
      if (listenHost != null && peers == null) {
        throw OptionException.notSet("peers", "host:port,... of the instances sharing the table; required with"
            + " peer-listen");
      }
      return new HazelcastStickStore(this, spec);
    }

    /** Checks every {@code host:port} of a list (names allowed: Hazelcast resolves them). */
    private static List<String> addresses(String option, String text) {
      List<String> out = new ArrayList<>();
      for (String part : text == null ? new String[0] : text.split(",")) {
        if (!part.isBlank()) {
          HostPort a = HostPort.parse(option, part.trim(), 1, -1, "host:port[,host:port...]");
          out.add(a.host().indexOf(':') >= 0 ? "[" + a.host() + "]:" + a.port() : a.host() + ":" + a.port());
        }
      }
      if (out.isEmpty()) {
        throw new OptionException(option, text, "host:port[,host:port...]");
      }
      return List.copyOf(out);
    }
  }
}
