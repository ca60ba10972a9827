package io.lbkit.cookie;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import io.lbkit.internal.Checks;
import io.lbkit.option.OptionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * The last-use date is refreshed once it is older than a quarter of {@code maxidle}, so a busy client
 * does not get a new cookie on every response. These responses format a cookie per request.
 */
public final class StickyCookieBalancer implements Balancer {
  private static final Logger log = LoggerFactory.getLogger(StickyCookieBalancer.class);

  private final ServerGroup group;
  private final Balancer fallback;
  private final String cookieName;
  private final List<CookieCodec> codecs;
  private final String attributes;
  private final boolean nocache;
  private final boolean stripFromRequest;
  private final boolean prefix;
  private final long maxIdleSeconds;
  private final long maxLifeSeconds;
  private final java.time.Clock clock;
  private volatile State state;

  private StickyCookieBalancer(Builder b, ServerGroup group) {
    this.group = group;
    this.cookieName = b.cookieName;
    this.codecs = List.copyOf(b.codecs());
    this.attributes = b.attributes();
    this.nocache = b.nocache;
    this.stripFromRequest = b.stripFromRequest;
    this.prefix = b.mode == CookieMode.PREFIX;
    this.maxIdleSeconds = b.maxIdle == null ? 0 : b.maxIdle.toSeconds();
    this.maxLifeSeconds = b.maxLife == null ? 0 : b.maxLife.toSeconds();
    this.clock = b.clock;
    this.fallback = Objects.requireNonNull(b.fallback.apply(group), "fallback balancer");
    this.state = new State(new HashMap<>());
    group.addListener(this::rebuild);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Selection select(RequestView request) {
    State s = state;
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
  public Selection selectOther(RequestView request, Set<Server> tried) {
    return withCookie(state, fallback.selectOther(RequestView.EMPTY, tried), nowSeconds());
  }

  private Selection balance(State s, RequestView request, long now) {
    return withCookie(s, fallback.select(request), now);
  }

  private Selection withCookie(State s, Selection chosen, long now) {
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

  /** maxidle/maxlife: checks the dates that follow the value; refreshes or expires the cookie. */
  private Selection dated(State s, Selection pinned, String header, int datesAt) {
    long now = nowSeconds();
    long last = Dates.read(header, datesAt);
    long first = last < 0 ? -1 : Dates.read(header, datesAt + 6);
    boolean expired = last < 0 || last > now + 86_400 // HAProxy: dates over 24 h ahead are forged
        || (maxIdleSeconds > 0 && now - last > maxIdleSeconds)
        || (maxLifeSeconds > 0 && (first < 0 || first > now + 86_400 || now - first > maxLifeSeconds));
    if (expired) {
      return balance(s, RequestView.EMPTY, now);
    }
    Server server = pinned.server();
    boolean stale = maxIdleSeconds > 0 && now - last >= Math.max(4, maxIdleSeconds / 4);
    if (pinned.setCookie() == null && !stale) {
      return pinned;
    }
    return new Selection(server, setCookie(s, server, now, maxLifeSeconds > 0 ? first : now));
  }

  private String setCookie(State s, Server server, long last, long first) {
    StringBuilder sb = new StringBuilder(cookieName.length() + 40 + attributes.length());
    sb.append(cookieName).append('=').append(Hex.format(s.values.get(server.endpoint())[0])).append('|');
    Dates.write(sb, last);
    if (maxLifeSeconds > 0) {
      Dates.write(sb.append('|'), first);
    }
    return sb.append(attributes).toString();
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

  /** The current cookie value of {@code endpoint} (computed when the endpoint is not in the group). */
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
      return CookieHeaders.removeValuePrefix(cookieHeader, cookieName);
    }
    return stripFromRequest ? stripCookie(cookieHeader) : cookieHeader;
  }

  /** Prefix style: prefixes the server's value to the application's cookie. */
  @Override
  public String backendSetCookie(Selection selection, String setCookie) {
    Server server = selection.server();
    if (!prefix || server == null || setCookie == null || !setCookie.startsWith(cookieName + "=")) {
      return setCookie;
    }
    int valueStart = cookieName.length() + 1;
    if (valueStart >= setCookie.length() || setCookie.charAt(valueStart) == ';') {
      return setCookie; // the application deletes its cookie: nothing to pin
    }
    return cookieName + "=" + cookieValue(server.endpoint()) + "~" + setCookie.substring(valueStart);
  }

  private void rebuild(Snapshot snapshot) {
    state = new State(snapshot, state.values, codecs, cookieName, attributes, group.name(), prefix);
  }

  /** Per-snapshot tables: cookie value → selection, and slot → selection with Set-Cookie. */
  private static final class State {
    final Map<Endpoint, long[]> values;
    final Selection[] withCookie;
    final long[] keys;
    final Selection[] table;
    final int mask;
    final int size;

    State(Map<Endpoint, long[]> values) {
      this.values = values;
      this.withCookie = new Selection[0];
      this.keys = new long[1];
      this.table = new Selection[1];
      this.mask = 0;
      this.size = 0;
    }

    State(Snapshot snapshot, Map<Endpoint, long[]> previous, List<CookieCodec> codecs, String name,
        String attributes, String groupName, boolean prefix) {
      List<Server> usable = snapshot.usable();
      values = new HashMap<>();
      withCookie = new Selection[snapshot.servers().size()];
      Selection[] pinned = new Selection[withCookie.length];
      for (Server s : usable) {
        long[] v = previous.get(s.endpoint());
        if (v == null) {
          v = new long[codecs.size()];
          for (int k = 0; k < v.length; k++) {
            v[k] = codecs.get(k).compute(s.endpoint());
          }
        }
        values.put(s.endpoint(), v);
        withCookie[s.slot()] = new Selection(s, prefix ? null : name + "=" + Hex.format(v[0]) + attributes);
        pinned[s.slot()] = new Selection(s, null);
      }
      int capacity = Integer.highestOneBit(Math.max(2, usable.size() * codecs.size() * 2) * 2 - 1);
      keys = new long[capacity];
      table = new Selection[capacity];
      mask = capacity - 1;
      int count = 0;
      // current key first, then older keys; within a key, slot order: the first server wins a clash
      for (int k = 0; k < codecs.size(); k++) {
        for (Server s : usable) {
          long key = values.get(s.endpoint())[k];
          Selection existing = get(key);
          if (existing != null) {
            if (existing.server() != s) {
              log.warn("{}: servers {} and {} have the same cookie value; requests carrying it go to {}."
                  + " Change the cookie key.", groupName, existing.server().name(), s.name(), existing.server().name());
            }
            continue;
          }
          put(key, k == 0 ? pinned[s.slot()] : withCookie[s.slot()]);
          count++;
        }
      }
      size = count;
    }

    Selection get(long key) {
      int i = indexOf(key);
      return i < 0 ? null : table[i];
    }

    /** The table index holding {@code key}, or -1. */
    int indexOf(long key) {
      for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
        Selection s = table[i];
        if (s == null) {
          return -1;
        }
        if (keys[i] == key) {
          return i;
        }
      }
    }

    private void put(long key, Selection selection) {
      int i = mix(key) & mask;
      while (table[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      table[i] = selection;
    }

    private static int mix(long key) {
      long h = key * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32));
    }

    /**
     * Scans one raw {@code Cookie} header for pairs named exactly {@code name} and finds the first
     * value that is in the table: returns its table index (high 32 bits) and where its 16 hex
     * digits start in the header (low 32 bits), or -1. The digits may be followed by
     * {@code |dates} (maxidle/maxlife), or must be followed by {@code ~} in prefix style. The
     * digits are checked and decoded in one pass and the table probed once. Allocation-free.
     */
    long find(String header, String name, boolean prefix) {
      for (long range = CookieHeaders.valueRange(header, name, 0); range >= 0;
          range = CookieHeaders.valueRange(header, name, CookieHeaders.end(range))) {
        int valueStart = CookieHeaders.start(range);
        int valueEnd = CookieHeaders.end(range);
        int hexEnd = valueStart + 16;
        boolean shaped = prefix
            ? hexEnd < valueEnd && header.charAt(hexEnd) == '~'
            : hexEnd == valueEnd || (hexEnd < valueEnd && header.charAt(hexEnd) == '|');
        if (shaped) {
          long key = 0;
          int bad = 0;
          for (int i = valueStart; i < hexEnd; i++) {
            int d = Hex.digit(header.charAt(i));
            bad |= d; // -1 for a non-hex character sets the sign bit
            key = (key << 4) | (d & 0xF);
          }
          int index = bad < 0 ? -1 : indexOf(key);
          if (index >= 0) {
            return ((long) index << 32) | valueStart;
          }
        }
      }
      return -1;
    }
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
      this.path = checkAttribute("cookie-path", path);
      return this;
    }

    /** The {@code Domain} attribute (default none). */
    public Builder cookieDomain(String domain) {
      this.domain = checkAttribute("cookie-domain", domain);
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
      if (sameSite == null || sameSite.isEmpty()) {
        this.sameSite = null;
        return this;
      }
      switch (sameSite.toLowerCase(Locale.ROOT)) {
        case "lax":
          this.sameSite = "Lax";
          break;
        case "strict":
          this.sameSite = "Strict";
          break;
        case "none":
          this.sameSite = "None";
          break;
        default:
          throw new OptionException("cookie-samesite", sameSite, "Lax, Strict, None or empty");
      }
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
      StringBuilder sb = new StringBuilder();
      if (path != null) {
        sb.append("; Path=").append(path);
      }
      if (domain != null) {
        sb.append("; Domain=").append(domain);
      }
      if (maxAge != null) {
        sb.append("; Max-Age=").append(maxAge.toSeconds());
      }
      if (httpOnly) {
        sb.append("; HttpOnly");
      }
      if (secure) {
        sb.append("; Secure");
      }
      if (sameSite != null) {
        sb.append("; SameSite=").append(sameSite);
      }
      return sb.toString();
    }

    private static String checkAttribute(String name, String value) {
      if (value != null && (value.isEmpty() || !value.chars().allMatch(c -> c > 32 && c < 127 && c != ';' && c != ','))) {
        throw new OptionException(name, value, "visible ASCII without ';' or ','");
      }
      return value;
    }
  }
}
