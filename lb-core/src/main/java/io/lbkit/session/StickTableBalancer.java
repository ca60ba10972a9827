package io.lbkit.session;

import com.github.benmanes.caffeine.cache.Cache;
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
import java.util.function.Function;

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
 * (address and port), so an entry survives a slot reshuffle. Ids are stored as given and never
 * logged. The table is per instance: several gateway replicas each learn on their own (see
 * {@code docs/sessions.md}); sticky cookie modes are stateless and scale past that.
 */
public final class StickTableBalancer implements Balancer {
  private final ServerGroup group;
  private final Balancer fallback;
  private final String cookieName;
  private final Cache<String, Endpoint> table;
  private volatile Map<Endpoint, Selection> usable = Map.of();

  private StickTableBalancer(Builder b, ServerGroup group) {
    this.group = group;
    this.cookieName = b.cookieName;
    this.fallback = Objects.requireNonNull(b.fallback.apply(group), "fallback balancer");
    Ticker ticker = b.ticker != null ? b.ticker : group.ticker();
    this.table = Caffeine.newBuilder()
        .maximumSize(b.size)
        .expireAfterAccess(b.expire)
        .ticker(ticker::read)
        .executor(Runnable::run) // maintenance on the caller: no pool thread, deterministic with a fake ticker
        .build();
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
    String id = CookieHeaders.firstValue(request, cookieName);
    if (id != null) {
      Endpoint endpoint = table.getIfPresent(id);
      if (endpoint != null) {
        Selection pinned = usable.get(endpoint);
        if (pinned != null) {
          return pinned;
        }
      }
    }
    Selection chosen = fallback.select(request);
    if (id != null && !chosen.isEmpty()) {
      table.put(id, chosen.server().endpoint()); // stick store-request: (re-)learn
    }
    return chosen;
  }

  /** Learns the session id the server just issued (stick store-response); the header passes unchanged. */
  @Override
  public String backendSetCookie(Selection selection, String setCookie) {
    Server server = selection.server();
    String id = CookieHeaders.setCookieValue(setCookie, cookieName);
    if (server != null && server.endpoint() != null && id != null && !id.isEmpty() && !id.equals("\"\"")) {
      table.put(id, server.endpoint());
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

  /** The approximate number of entries in the table. */
  public long size() {
    table.cleanUp();
    return table.estimatedSize();
  }

  private void rebuild(Snapshot snapshot) {
    Map<Endpoint, Selection> next = new HashMap<>();
    for (Server s : snapshot.usable()) {
      next.put(s.endpoint(), new Selection(s, null));
    }
    usable = next;
  }

  /** Builds a {@link StickTableBalancer}. */
  public static final class Builder {
    private String cookieName;
    private long size = 1_000_000;
    private Duration expire = Duration.ofMinutes(30);
    private Ticker ticker;
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

    /** The time source for expiry (default: the group's ticker). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull("ticker", ticker);
      return this;
    }

    /** The balancer for requests the table does not pin (default: round robin over the same group). */
    public Builder fallback(Function<ServerGroup, ? extends Balancer> fallback) {
      this.fallback = Checks.notNull("fallback", fallback);
      return this;
    }

    /**
     * Sets an option by its configuration name ({@code stick-on}, {@code stick-table-size},
     * {@code stick-table-expire}).
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
