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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
  private volatile State state;

  private StickyCookieBalancer(Builder b, ServerGroup group) {
    this.group = group;
    this.cookieName = b.cookieName;
    this.codecs = List.copyOf(b.codecs());
    this.attributes = b.attributes();
    this.nocache = b.nocache;
    this.stripFromRequest = b.stripFromRequest;
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
        Selection pinned = s.lookup(request.cookieHeader(h), cookieName);
        if (pinned != null) {
          return pinned;
        }
      }
    }
    Selection chosen = fallback.select(request);
    Server server = chosen.server();
    if (server == null) {
      return Selection.NONE;
    }
    Selection withCookie = server.slot() < s.withCookie.length ? s.withCookie[server.slot()] : null;
    // the fallback may have seen a newer snapshot than ours for an instant: then no cookie this time
    return withCookie != null && withCookie.server() == server ? withCookie : chosen;
  }

  @Override
  public ServerGroup group() {
    return group;
  }

  public String cookieName() {
    return cookieName;
  }

  /** Whether responses that get our cookie must also get {@code Cache-Control: private} (HAProxy {@code nocache}). */
  public boolean nocache() {
    return nocache;
  }

  /** Whether adapters remove our cookie from the request they forward (HAProxy {@code indirect}). */
  public boolean stripFromRequest() {
    return stripFromRequest;
  }

  /** The current cookie value of {@code endpoint} (for stats pages; computed, not looked up). */
  public String cookieValue(Endpoint endpoint) {
    long[] cached = state.values.get(endpoint);
    return Hex.format(cached != null ? cached[0] : codecs.get(0).compute(endpoint));
  }

  /**
   * The {@code Cookie} header without our cookie, for forwarding to the backend; null when
   * nothing else is left. Returns the same string when our cookie is not in it.
   */
  public String stripCookie(String cookieHeader) {
    return CookieHeaders.remove(cookieHeader, cookieName);
  }

  /** Removes our cookie from the forwarded request unless {@code cookie-indirect} is off. */
  @Override
  public String forwardedCookieHeader(String cookieHeader) {
    return stripFromRequest ? stripCookie(cookieHeader) : cookieHeader;
  }

  private void rebuild(Snapshot snapshot) {
    state = new State(snapshot, state.values, codecs, cookieName, attributes, group.name());
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
        String attributes, String groupName) {
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
        withCookie[s.slot()] = new Selection(s, name + "=" + Hex.format(v[0]) + attributes);
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

    private Selection get(long key) {
      for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
        Selection s = table[i];
        if (s == null || keys[i] == key) {
          return s;
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
     * Scans one raw {@code Cookie} header for pairs named exactly {@code name} and returns the
     * selection of the first whose value is in the table, or null. Allocation-free.
     */
    Selection lookup(String header, String name) {
      if (header == null) {
        return null;
      }
      int len = header.length();
      int nameLen = name.length();
      int i = 0;
      while (i < len) {
        char c = header.charAt(i);
        if (c == ' ' || c == '\t' || c == ';') {
          i++;
          continue;
        }
        int nameStart = i;
        while (i < len && (c = header.charAt(i)) != '=' && c != ';') {
          i++;
        }
        if (i >= len || c == ';') {
          continue; // a pair without '=': skip it
        }
        int nameEnd = i;
        while (nameEnd > nameStart && isSpace(header.charAt(nameEnd - 1))) {
          nameEnd--;
        }
        int valueStart = ++i;
        while (i < len && header.charAt(i) != ';') {
          i++;
        }
        if (nameEnd - nameStart != nameLen || !header.regionMatches(nameStart, name, 0, nameLen)) {
          continue;
        }
        int valueEnd = i;
        while (valueStart < valueEnd && isSpace(header.charAt(valueStart))) {
          valueStart++;
        }
        while (valueEnd > valueStart && isSpace(header.charAt(valueEnd - 1))) {
          valueEnd--;
        }
        if (valueEnd - valueStart >= 2 && header.charAt(valueStart) == '"' && header.charAt(valueEnd - 1) == '"') {
          valueStart++;
          valueEnd--;
        }
        if (Hex.is16(header, valueStart, valueEnd)) {
          Selection s = get(Hex.parse16(header, valueStart));
          if (s != null) {
            return s;
          }
        }
      }
      return null;
    }

    private static boolean isSpace(char c) {
      return c == ' ' || c == '\t';
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
    private Function<ServerGroup, ? extends Balancer> fallback = RoundRobinBalancer::create;

    private Builder() {}

    /** The cookie name (default {@code SRVID}); an RFC 6265 token. */
    public Builder cookie(String name) {
      if (name == null || name.isEmpty() || !name.chars().allMatch(Builder::isTokenChar)) {
        throw new IllegalArgumentException("cookie: '" + name + "' (expected: a cookie name made of letters, digits and !#$%&'*+-.^_`|~)");
      }
      this.cookieName = name;
      return this;
    }

    /** The codec: {@link CookieMode#SIPHASH} (default), {@link CookieMode#HMAC} or {@link CookieMode#HAPROXY}. */
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
        throw new IllegalArgumentException("cookie-key: none (expected: one or more non-empty keys)");
      }
      for (String k : keys) {
        if (k == null || k.isEmpty()) {
          throw new IllegalArgumentException("cookie-key: an empty key (expected: one or more non-empty keys)");
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
      this.maxAge = maxAge == null ? null : Checks.positive("cookie-max-age", maxAge);
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
          throw new IllegalArgumentException("cookie-samesite: '" + sameSite + "' (expected: Lax, Strict, None or empty)");
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

    /** The balancer for requests without a valid cookie (default: round robin over the same group). */
    public Builder fallback(Function<ServerGroup, ? extends Balancer> fallback) {
      this.fallback = Checks.notNull("fallback", fallback);
      return this;
    }

    /** Builds the balancer over {@code group}; it follows the group's snapshots from now on. */
    public StickyCookieBalancer build(ServerGroup group) {
      Checks.notNull("group", group);
      if (codec == null && keys == null) {
        throw new IllegalStateException("cookie-key: not set (expected: a secret key, e.g. cookieKey(\"a-long-random-secret\"))");
      }
      if (codec != null && keys != null) {
        throw new IllegalStateException("cookie-key: set together with a custom codec (expected: one or the other)");
      }
      if ("None".equals(sameSite) && !secure) {
        throw new IllegalStateException("cookie-samesite: None requires cookie-secure (browsers drop the cookie otherwise)");
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
        throw new IllegalArgumentException(name + ": '" + value + "' (expected: visible ASCII without ';' or ',')");
      }
      return value;
    }

    private static boolean isTokenChar(int c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
  }
}
