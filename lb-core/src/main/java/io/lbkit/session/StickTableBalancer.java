package io.lbkit.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.core.Ticker;
import io.lbkit.core.TriedServers;
import io.lbkit.internal.Checks;
import io.lbkit.internal.CookieHeaders;
import io.lbkit.option.OptionException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistence on the application's own session cookie, HAProxy's
 * {@code stick on req.cook(JSESSIONID)} with {@code stick store-response res.cook(JSESSIONID)}: a
 * table learns session id → server from the server's {@code Set-Cookie} and from requests, and
 * sends later requests carrying that id to the same server while it is usable. When it is DOWN or
 * gone, the request is balanced again and the table re-learns.
 *
 * <p>The table is a Caffeine cache bounded by {@code stick-table-size} entries (default 1,000,000;
 * when full, Caffeine's W-TinyLFU policy picks the entry to drop, not strictly the oldest as HAProxy
 * does) with idle expiry {@code stick-table-expire} (default 30m). It maps ids to endpoints
 * (address and port), so an entry survives a slot reshuffle. Ids longer than
 * {@code stick-table-key-max} characters (default 128) are neither stored nor looked up. Ids are
 * stored as given and never logged.
 *
 * <p>The table is per instance unless a {@link StickStore} shares it with other instances
 * ({@link Builder#stickStore}): then a request whose id the local table does not know (or whose
 * server is no longer usable) asks the store, and what is learned here is pushed to it. A request
 * that hits the local table never calls the store. See {@code docs/sessions.md}.
 */
public final class StickTableBalancer implements Balancer {
  /** Default {@code stick-table-key-max}: every servlet container's default id, with room for a route suffix. */
  public static final int DEFAULT_KEY_MAX = 128;

  private static final Logger log = LoggerFactory.getLogger(StickTableBalancer.class);

  private final ServerGroup group;
  private final Balancer fallback;
  private final String cookieName;
  private final int keyMax;
  private final Cache<String, Endpoint> table;
  private final StickStore store; // null: the table is this instance's alone
  private final AtomicBoolean longIdLogged = new AtomicBoolean();
  private volatile Map<Endpoint, Selection> usable = Map.of();

  private StickTableBalancer(Builder b, ServerGroup group) {
    this.group = group;
    this.cookieName = b.cookieName;
    this.keyMax = b.keyMax;
    this.fallback = Objects.requireNonNull(b.fallback.apply(group), "fallback balancer");
    Ticker ticker = b.ticker != null ? b.ticker : group.ticker();
    Caffeine<Object, Object> caffeine = Caffeine.newBuilder()
        .maximumSize(b.size)
        .expireAfterAccess(b.expire)
        .ticker(ticker::read)
        .executor(Runnable::run); // maintenance on the caller: no pool thread, deterministic with a fake ticker
    if (b.store == null) {
      this.store = null;
      this.table = caffeine.build();
    } else {
      this.store = Objects.requireNonNull(
          b.store.open(new StickStore.Spec(group.name() + "." + cookieName, b.size, b.expire, b.keyMax,
              this::relearn)), "stick store");
      group.hooks().attach(store); // closed with the group
      // A hit older than a quarter of the expiry pushes the use to the store (a "refresh" that
      // returns the same value without waiting), so the entry stays alive on instances that do
      // not see this client, while a hit never waits on the network.
      this.table = caffeine.refreshAfterWrite(b.expire.dividedBy(4)).build(new PushUse(store));
    }
    group.addListener(this::rebuild);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A retry on another server (redispatch) leaves the session's server: the fallback chooses. */
  @Override
  public Selection selectOther(RequestView request, TriedServers tried) {
    return fallback.selectOther(RequestView.EMPTY, tried);
  }

  @Override
  public Selection select(RequestView request) {
    String id = CookieHeaders.firstValue(request, cookieName, keyMax);
    Endpoint known = null;
    if (id != null) {
      known = table.getIfPresent(id);
      if (known != null) {
        Selection pinned = usable.get(known);
        if (pinned != null) {
          return pinned;
        }
      }
      if (store != null) { // unknown here, or its server is gone: another instance may know better
        Endpoint shared = store.find(id);
        if (shared != null) {
          Selection pinned = usable.get(shared);
          if (pinned != null) {
            table.put(id, shared);
            return pinned;
          }
          known = shared;
        }
      }
    }
    Selection chosen = fallback.select(request);
    if (id != null && !chosen.isEmpty()) {
      Endpoint endpoint = chosen.server().endpoint();
      table.put(id, endpoint); // stick store-request: (re-)learn
      if (store != null) {
        if (known == null) {
          store.offer(id, endpoint);
        } else {
          store.store(id, endpoint); // the session moved: its old server is not usable
        }
      }
    }
    return chosen;
  }

  /** Learns the session id the server just issued (stick store-response); the header passes unchanged. */
  @Override
  public String backendSetCookie(Selection selection, String setCookie) {
    Server server = selection.server();
    String id = CookieHeaders.setCookieValue(setCookie, cookieName);
    if (server != null && server.endpoint() != null && id != null && !id.isEmpty() && !id.equals("\"\"")) {
      if (id.length() > keyMax) {
        if (longIdLogged.compareAndSet(false, true)) {
          log.warn("{}: {} issued a {} of {} characters, longer than stick-table-key-max {}; such ids are not"
              + " stored (raise stick-table-key-max)", group.name(), server.name(), cookieName, id.length(), keyMax);
        }
        return setCookie;
      }
      table.put(id, server.endpoint());
      if (store != null) {
        store.store(id, server.endpoint());
      }
    }
    return setCookie;
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  public String cookieName() {
    return cookieName;
  }

  /** The longest session id stored and looked up ({@code stick-table-key-max}). */
  public int keyMax() {
    return keyMax;
  }

  /** The store sharing this table with other instances, or null when the table is this instance's alone. */
  public StickStore stickStore() {
    return store;
  }

  /** The approximate number of entries in the local table. */
  public long size() {
    table.cleanUp();
    return table.estimatedSize();
  }

  /** The store found another instance's entry for an id learned here while it could not tell: theirs wins. */
  private void relearn(String id, Endpoint endpoint) {
    table.put(id, endpoint);
  }

  private void rebuild(Snapshot snapshot) {
    Map<Endpoint, Selection> next = new HashMap<>();
    for (Server s : snapshot.usable()) {
      next.put(s.endpoint(), new Selection(s, null));
    }
    usable = next;
  }

  /** Caffeine's refresh of a still-used entry: push the use, keep the value, never wait. */
  private static final class PushUse implements CacheLoader<String, Endpoint> {
    private final StickStore store;

    PushUse(StickStore store) {
      this.store = store;
    }

    @Override
    public Endpoint load(String id) {
      return null; // the table is only read with getIfPresent: nothing is ever loaded
    }

    @Override
    public Endpoint reload(String id, Endpoint endpoint) {
      store.store(id, endpoint);
      return endpoint;
    }
  }

  /** Builds a {@link StickTableBalancer}. */
  public static final class Builder {
    private String cookieName;
    private long size = 1_000_000;
    private Duration expire = Duration.ofMinutes(30);
    private int keyMax = DEFAULT_KEY_MAX;
    private Ticker ticker;
    private StickStore.Factory store;
    private Function<ServerGroup, ? extends Balancer> fallback = RoundRobinBalancer::create;

    private Builder() {}

    /** The application's session cookie to stick on, e.g. {@code JSESSIONID} (required). */
    public Builder stickOn(String cookieName) {
      this.cookieName = SessionOptions.STICK_ON.check(cookieName);
      return this;
    }

    /** Maximum entries (default 1,000,000). */
    public Builder stickTableSize(long size) {
      this.size = SessionOptions.STICK_TABLE_SIZE.check(size);
      return this;
    }

    /** Idle expiry of an entry (default 30m). */
    public Builder stickTableExpire(Duration expire) {
      this.expire = SessionOptions.STICK_TABLE_EXPIRE.check(expire);
      return this;
    }

    /**
     * The longest session id, in characters, that is stored and looked up (default
     * {@value #DEFAULT_KEY_MAX}); a request carrying a longer one is balanced as if it had none.
     * Bounds the table's memory in bytes, not only in entries (HAProxy's {@code len}).
     */
    public Builder stickTableKeyMax(int keyMax) {
      this.keyMax = SessionOptions.STICK_TABLE_KEY_MAX.check(keyMax);
      return this;
    }

    /** The time source for expiry (default: the group's ticker). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull("ticker", ticker);
      return this;
    }

    /**
     * Shares the table with other instances through the store this factory opens (default: none,
     * the table is this instance's alone). The store is opened by {@link #build} and closed with
     * the group.
     */
    public Builder stickStore(StickStore.Factory store) {
      this.store = Checks.notNull("stick store", store);
      return this;
    }

    /** The balancer for requests the table does not pin (default: round robin over the same group). */
    public Builder fallback(Function<ServerGroup, ? extends Balancer> fallback) {
      this.fallback = Checks.notNull("fallback", fallback);
      return this;
    }

    /**
     * Sets an option by its configuration name ({@code stick-on}, {@code stick-table-size},
     * {@code stick-table-expire}, {@code stick-table-key-max}).
     *
     * @throws io.lbkit.option.OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return SessionOptions.STICK_TABLE_OPTIONS.set(this, key, value);
    }

    public StickTableBalancer build(ServerGroup group) {
      Checks.notNull("group", group);
      if (cookieName == null) {
        throw OptionException.notSet("stick-on", "the application's session cookie, e.g. JSESSIONID");
      }
      return new StickTableBalancer(this, group);
    }
  }
}
