package io.lbkit.cookie;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.core.TriedServers;
import io.lbkit.internal.Checks;
import io.lbkit.internal.CookieHeaders;
import io.lbkit.option.OptionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * HAProxy's {@code cookie SRVID insert indirect dynamic}: a request carrying a valid cookie for an
 * UP server goes there and gets no new cookie; any other request (no cookie, or one that is
 * unknown, malformed, forged, for a DOWN or MAINT server or for one that left) is balanced by the
 * fallback balancer (round robin by default) and gets a {@code Set-Cookie} for the chosen server.
 *
 * <p>The value is a keyed hash of the server's address and port ({@link CookieMode}) and is
 * <em>looked up</em> in a table of the current usable servers, never decoded, so no value can
 * route outside the live list and none reveals an address. Values, tables and full
 * {@code Set-Cookie} strings are computed when a snapshot is published; a request scans its raw
 * {@code Cookie} headers in place and probes the table, allocating nothing.
 *
 * <p>Key rotation: several keys may be configured; the first signs, all are accepted, and a
 * request whose cookie was made with an older key keeps its server and gets the current cookie.
 *
 * <p>Prefix style ({@code cookie-mode=prefix}, HAProxy {@code cookie JSESSIONID prefix}): no cookie
 * of ours is inserted; the server value is prefixed to the application's own cookie on the way out
 * ({@code <value>~<session id>}) and stripped on the way in, so the application sees its value
 * untouched.
 *
 * <p>{@code cookie-maxidle} / {@code cookie-maxlife} (HAProxy {@code maxidle}/{@code maxlife}, insert
 * style): the value carries the dates of last use and of issue, {@code <value>|<last>|<first>}, in
 * HAProxy's encoding (5 base64 characters of unix time / 4); an expired cookie counts as absent.
 * A cookie without dates (issued before the option was turned on), or with a date missing, keeps
 * its server and gets the missing dates, as in HAProxy. The last-use date is refreshed once it is older than a quarter of {@code maxidle}, so a busy client
 * does not get a new cookie on every response. These responses format a cookie per request.
 *
 * <p>Reading the code: {@link #select} is the request path; {@code CookieTable} holds the per-snapshot
 * table and the header scan, {@code SetCookieFormat} the {@code Set-Cookie} text, {@code PrefixStyle}
 * the prefix style's header edits and {@code Dates} the date encoding.
 */
public final class StickyCookieBalancer implements Balancer {
  private final ServerGroup group;
  private final Balancer fallback;
  private final String cookieName;
  private final List<CookieCodec> codecs;
  private final SetCookieFormat format;
  private final boolean nocache;
  private final boolean stripFromRequest;
  private final boolean prefix;
  private final long maxIdleSeconds;
  private final long maxLifeSeconds;
  private final java.time.Clock clock;
  private volatile CookieTable state;

  private StickyCookieBalancer(Builder b, ServerGroup group) {
    this.group = group;
    this.cookieName = b.cookieName;
    this.codecs = List.copyOf(b.codecs());
    this.nocache = b.nocache;
    this.stripFromRequest = b.stripFromRequest;
    this.prefix = b.mode == CookieMode.PREFIX;
    this.maxIdleSeconds = b.maxIdle == null ? 0 : b.maxIdle.toSeconds();
    this.maxLifeSeconds = b.maxLife == null ? 0 : b.maxLife.toSeconds();
    this.format = new SetCookieFormat(b.cookieName, b.attributes(), maxLifeSeconds > 0);
    this.clock = b.clock;
    this.fallback = Objects.requireNonNull(b.fallback.apply(group), "fallback balancer");
    this.state = new CookieTable();
    group.addListener(this::rebuild);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Selection select(RequestView request) {
    CookieTable s = state;
    if (s.size > 0) {
      for (int h = 0, n = request.cookieHeaderCount(); h < n; h++) {
        String header = request.cookieHeader(h);
        long hit = s.find(header, cookieName, prefix);
        if (hit >= 0) {
          Selection pinned = s.table[(int) (hit >>> 32)];
          return maxIdleSeconds == 0 && maxLifeSeconds == 0 ? pinned : dated(s, pinned, header, (int) hit + 16);
        }
      }
    }
    return balance(s, request, nowSeconds());
  }

  /** A retry on another server (redispatch): the fallback's choice, with a cookie for it. */
  @Override
  public Selection selectOther(RequestView request, TriedServers tried) {
    return withCookie(state, fallback.selectOther(RequestView.EMPTY, tried), nowSeconds());
  }

  private Selection balance(CookieTable s, RequestView request, long now) {
    return withCookie(s, fallback.select(request), now);
  }

  private Selection withCookie(CookieTable s, Selection chosen, long now) {
    Server server = chosen.server();
    if (server == null) {
      return Selection.NONE;
    }
    Selection withCookie = server.slot() < s.withCookie.length ? s.withCookie[server.slot()] : null;
    // the fallback may have seen a newer snapshot than ours for an instant: then no cookie this time
    if (withCookie == null || withCookie.server() != server) {
      return chosen;
    }
    return now < 0 || prefix ? withCookie : new Selection(server, setCookie(s, server, now, now));
  }

  /**
   * maxidle/maxlife: checks the dates that follow the value; refreshes or expires the cookie. As in
   * HAProxy, a date that is absent (or unreadable) is not held against the cookie: it is accepted and
   * gets the missing date, so turning the option on does not move every live session.
   */
  private Selection dated(CookieTable s, Selection pinned, String header, int datesAt) {
    long now = nowSeconds();
    int valueEnd = CookieHeaders.valueEnd(header, datesAt - 16);
    long last = Dates.read(header, datesAt, valueEnd);
    long first = last < 0 ? -1 : Dates.read(header, datesAt + 6, valueEnd);
    boolean expired = (last >= 0 && (last > now + 86_400 // HAProxy: dates over 24 h ahead are forged
            || (maxIdleSeconds > 0 && now - last > maxIdleSeconds)))
        || (maxLifeSeconds > 0 && first >= 0 && (first > now + 86_400 || now - first > maxLifeSeconds));
    if (expired) {
      return balance(s, RequestView.EMPTY, now);
    }
    boolean refresh = pinned.setCookie() != null // an older key: re-issued under the current one
        || last < 0 || (maxLifeSeconds > 0 && first < 0)
        || (maxIdleSeconds > 0 && now - last >= Math.max(4, maxIdleSeconds / 4));
    if (!refresh) {
      return pinned;
    }
    return new Selection(pinned.server(), setCookie(s, pinned.server(), now, first >= 0 ? first : now));
  }

  private String setCookie(CookieTable s, Server server, long last, long first) {
    return format.dated(s.values.get(server.endpoint())[0], last, first);
  }

  /** Unix seconds when maxidle/maxlife are on, else -1 (no clock read per request). */
  private long nowSeconds() {
    return maxIdleSeconds == 0 && maxLifeSeconds == 0 ? -1 : clock.millis() / 1000;
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  public String cookieName() {
    return cookieName;
  }

  /** Whether responses that get our cookie must also get {@code Cache-Control: private} (HAProxy {@code nocache}). */
  @Override
  public boolean cookieNocache() {
    return nocache;
  }

  /** Whether adapters remove our cookie from the request they forward (HAProxy {@code indirect}). */
  boolean stripFromRequest() {
    return stripFromRequest;
  }

  /**
   * The current cookie value of {@code endpoint}: the one of the table when the endpoint is usable
   * in the group, else computed with the current key. Public on purpose, beside the adapters'
   * {@link #cookieValue(Server)}: it needs no {@code Server}, so a tool can make the cookie that
   * pins a client to a given backend before that backend joins the group (a smoke test sending
   * {@code Cookie: SRVID=...} with curl, a benchmark building its requests in lb-benchmarks).
   */
  public String cookieValue(Endpoint endpoint) {
    long[] cached = state.values.get(endpoint);
    return Hex.format(cached != null ? cached[0] : codecs.get(0).compute(endpoint));
  }

  /** The current cookie value of {@code server}, or null when it has no address (stats pages). */
  @Override
  public String cookieValue(Server server) {
    return server.endpoint() == null ? null : cookieValue(server.endpoint());
  }

  /**
   * The {@code Cookie} header without our cookie; null when nothing else is left. Returns the same
   * string when our cookie is not in it. Adapters call {@link #forwardedCookieHeader} instead.
   */
  String stripCookie(String cookieHeader) {
    return CookieHeaders.remove(cookieHeader, cookieName);
  }

  /**
   * Insert style: removes our cookie from the forwarded request unless {@code cookie-indirect} is
   * off. Prefix style: removes our prefix from the application's cookie.
   */
  @Override
  public String forwardedCookieHeader(String cookieHeader) {
    if (prefix) {
      return PrefixStyle.strip(cookieHeader, cookieName);
    }
    return stripFromRequest ? stripCookie(cookieHeader) : cookieHeader;
  }

  /** Prefix style: prefixes the server's value to the application's cookie. */
  @Override
  public String backendSetCookie(Selection selection, String setCookie) {
    Server server = selection.server();
    if (!prefix || server == null || setCookie == null) {
      return setCookie;
    }
    return PrefixStyle.prefixed(cookieName, cookieValue(server.endpoint()), setCookie);
  }

  private void rebuild(Snapshot snapshot) {
    state = new CookieTable(snapshot, state.values, codecs, format, group.name(), prefix);
  }

  /** Builds a {@link StickyCookieBalancer}; every setter validates its argument at once. */
  public static final class Builder {
    private String cookieName = "SRVID";
    private CookieMode mode = CookieMode.SIPHASH;
    private List<String> keys;
    private CookieCodec codec;
    private String path = "/";
    private String domain;
    private Duration maxAge;
    private boolean httpOnly = true;
    private boolean secure;
    private String sameSite = "Lax";
    private boolean nocache;
    private boolean stripFromRequest = true;
    private Duration maxIdle;
    private Duration maxLife;
    private java.time.Clock clock = java.time.Clock.systemUTC();
    private Function<ServerGroup, ? extends Balancer> fallback = RoundRobinBalancer::create;

    private Builder() {}

    /** The cookie name (default {@code SRVID}); an RFC 6265 token. */
    public Builder cookie(String name) {
      this.cookieName = CookieOptions.COOKIE.check(name);
      return this;
    }

    /**
     * The codec: {@link CookieMode#SIPHASH} (default), {@link CookieMode#HMAC} or
     * {@link CookieMode#HAPROXY}; or {@link CookieMode#PREFIX}, the prefix style: then set
     * {@link #cookie(String)} to the application's session cookie.
     */
    public Builder cookieMode(CookieMode mode) {
      this.mode = Checks.notNull("cookie-mode", mode);
      return this;
    }

    /** One or more keys; the first signs new cookies, all are accepted (key rotation). */
    public Builder cookieKey(String... keys) {
      return cookieKey(List.of(keys));
    }

    /** One or more keys; the first signs new cookies, all are accepted (key rotation). */
    public Builder cookieKey(List<String> keys) {
      if (keys == null || keys.isEmpty()) {
        throw new OptionException("cookie-key", null, "none", "one or more non-empty keys", null);
      }
      for (String k : keys) {
        if (k == null || k.isEmpty()) {
          throw new OptionException("cookie-key", null, "an empty key", "one or more non-empty keys", null);
        }
      }
      this.keys = List.copyOf(keys);
      return this;
    }

    /** A custom codec instead of mode and keys (tests, or a site's own scheme). */
    public Builder cookieCodec(CookieCodec codec) {
      this.codec = Checks.notNull("codec", codec);
      return this;
    }

    /** The {@code Path} attribute (default {@code /}); null to omit it. */
    public Builder cookiePath(String path) {
      this.path = SetCookieFormat.checkAttribute("cookie-path", path);
      return this;
    }

    /** The {@code Domain} attribute (default none). */
    public Builder cookieDomain(String domain) {
      this.domain = SetCookieFormat.checkAttribute("cookie-domain", domain);
      return this;
    }

    /** The {@code Max-Age} attribute (default none: a session cookie, as HAProxy's). */
    public Builder cookieMaxAge(Duration maxAge) {
      this.maxAge = maxAge == null ? null : CookieOptions.COOKIE_MAX_AGE.check(maxAge);
      return this;
    }

    public Builder cookieHttpOnly(boolean httpOnly) {
      this.httpOnly = httpOnly;
      return this;
    }

    public Builder cookieSecure(boolean secure) {
      this.secure = secure;
      return this;
    }

    /** The {@code SameSite} attribute: {@code Lax} (default), {@code Strict}, {@code None}, or null to omit. */
    public Builder cookieSameSite(String sameSite) {
      this.sameSite = SetCookieFormat.sameSite(sameSite);
      return this;
    }

    /** Add {@code Cache-Control: private} to responses that get the cookie (HAProxy {@code nocache}). */
    public Builder cookieNocache(boolean nocache) {
      this.nocache = nocache;
      return this;
    }

    /** Remove our cookie from requests forwarded to the backend (HAProxy {@code indirect}; default true). */
    public Builder cookieIndirect(boolean strip) {
      this.stripFromRequest = strip;
      return this;
    }

    /** HAProxy {@code maxidle}: a cookie unused for longer is ignored (default: none). */
    public Builder cookieMaxIdle(Duration maxIdle) {
      this.maxIdle = maxIdle == null ? null : CookieOptions.COOKIE_MAXIDLE.check(maxIdle);
      return this;
    }

    /** HAProxy {@code maxlife}: a cookie older than this since first issued is ignored (default: none). */
    public Builder cookieMaxLife(Duration maxLife) {
      this.maxLife = maxLife == null ? null : CookieOptions.COOKIE_MAXLIFE.check(maxLife);
      return this;
    }

    /** The wall clock for maxidle/maxlife dates; inject one in tests. */
    public Builder clock(java.time.Clock clock) {
      this.clock = Checks.notNull("clock", clock);
      return this;
    }

    /** The balancer for requests without a valid cookie (default: round robin over the same group). */
    public Builder fallback(Function<ServerGroup, ? extends Balancer> fallback) {
      this.fallback = Checks.notNull("fallback", fallback);
      return this;
    }

    /**
     * Sets an option by its configuration name ({@link CookieOptions}: {@code cookie},
     * {@code cookie-key}, {@code cookie-mode}, ...).
     *
     * @throws OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return CookieOptions.ALL.set(this, key, value);
    }

    /**
     * Builds the balancer over {@code group}; it follows the group's snapshots from now on.
     *
     * @throws OptionException when options do not go together (no {@code cookie-key}, SameSite None
     *     without Secure, cookie dates in prefix style)
     */
    public StickyCookieBalancer build(ServerGroup group) {
      Checks.notNull("group", group);
      if (codec == null && keys == null) {
        throw OptionException.notSet("cookie-key", "a secret key, e.g. cookieKey(\"a-long-random-secret\")");
      }
      if (codec != null && keys != null) {
        throw OptionException.conflict("cookie-key", "a custom codec", "one or the other");
      }
      if (mode == CookieMode.PREFIX && (maxIdle != null || maxLife != null)) {
        throw OptionException.conflict(maxIdle != null ? "cookie-maxidle" : "cookie-maxlife", "cookie-mode=prefix",
            "the insert style: another cookie-mode");
      }
      if ("None".equals(sameSite) && !secure) {
        throw new OptionException("cookie-samesite", "None", "None requires cookie-secure",
            "cookie-secure on with None; browsers drop the cookie otherwise", null);
      }
      return new StickyCookieBalancer(this, group);
    }

    List<CookieCodec> codecs() {
      if (codec != null) {
        return List.of(codec);
      }
      List<CookieCodec> list = new ArrayList<>();
      for (String key : keys) {
        list.add(mode.codec(key));
      }
      return list;
    }

    String attributes() {
      return SetCookieFormat.attributes(path, domain, maxAge, httpOnly, secure, sameSite);
    }
  }
}
