package io.lbkit.cookie;

import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.time.Duration;
import java.util.List;

/** The options of a {@link StickyCookieBalancer}: HAProxy's {@code cookie} line. */
public final class CookieOptions {
  private CookieOptions() {}

  public static final Option<StickyCookieBalancer.Builder, String> COOKIE = Option.define(Section.COOKIE, "cookie",
          "Sticky cookie name, e.g. SRVID; absent means no stickiness.")
      .defaultText("none").label("name").cookieName(StickyCookieBalancer.Builder::cookie);

  public static final Option<StickyCookieBalancer.Builder, List<String>> COOKIE_KEY = Option.define(Section.COOKIE,
          "cookie-key", "Secret key(s), comma-separated; the first signs, all are accepted (key rotation)."
              + " Required with cookie.")
      .label("key[,key...]").secret()
      .list((StickyCookieBalancer.Builder b, List<String> keys) -> b.cookieKey(keys));

  public static final Option<StickyCookieBalancer.Builder, CookieMode> COOKIE_MODE = Option.define(Section.COOKIE,
          "cookie-mode", "Cookie values: keyed SipHash, HMAC-SHA256, HAProxy's dynamic cookie (identical values),"
              + " or prefix (a value prefixed to the application's own cookie, HAProxy cookie prefix).")
      .defaultText("siphash").label("siphash|hmac|haproxy|prefix")
      .parsed(CookieMode::parse, StickyCookieBalancer.Builder::cookieMode);

  public static final Option<StickyCookieBalancer.Builder, String> COOKIE_PATH = Option.define(Section.COOKIE,
          "cookie-path", "Cookie Path attribute.")
      .defaultText("/").label("path").text(StickyCookieBalancer.Builder::cookiePath);

  public static final Option<StickyCookieBalancer.Builder, String> COOKIE_DOMAIN = Option.define(Section.COOKIE,
          "cookie-domain", "Cookie Domain attribute.")
      .defaultText("none").label("domain").text(StickyCookieBalancer.Builder::cookieDomain);

  public static final Option<StickyCookieBalancer.Builder, Duration> COOKIE_MAX_AGE = Option.define(Section.COOKIE,
          "cookie-max-age", "Cookie Max-Age; none makes a session cookie.")
      .defaultText("none").duration(Durations.POSITIVE, Durations.MAX, StickyCookieBalancer.Builder::cookieMaxAge);

  public static final Option<StickyCookieBalancer.Builder, Boolean> COOKIE_HTTPONLY = Option.define(Section.COOKIE,
          "cookie-httponly", "Cookie HttpOnly attribute.")
      .defaultText("on").bool(StickyCookieBalancer.Builder::cookieHttpOnly);

  public static final Option<StickyCookieBalancer.Builder, Boolean> COOKIE_SECURE = Option.define(Section.COOKIE,
          "cookie-secure", "Cookie Secure attribute.")
      .defaultText("off").bool(StickyCookieBalancer.Builder::cookieSecure);

  public static final Option<StickyCookieBalancer.Builder, String> COOKIE_SAMESITE = Option.define(Section.COOKIE,
          "cookie-samesite", "Cookie SameSite attribute: Lax, Strict or None.")
      .defaultText("Lax").label("Lax|Strict|None").text(StickyCookieBalancer.Builder::cookieSameSite);

  public static final Option<StickyCookieBalancer.Builder, Boolean> COOKIE_NOCACHE = Option.define(Section.COOKIE,
          "cookie-nocache", "Mark responses that set the cookie as private to caches (Cache-Control: private).")
      .defaultText("off").bool(StickyCookieBalancer.Builder::cookieNocache);

  public static final Option<StickyCookieBalancer.Builder, Boolean> COOKIE_INDIRECT = Option.define(Section.COOKIE,
          "cookie-indirect", "Strip our cookie from requests forwarded to the servers.")
      .defaultText("on").bool(StickyCookieBalancer.Builder::cookieIndirect);

  public static final Option<StickyCookieBalancer.Builder, Duration> COOKIE_MAXIDLE = Option.define(Section.COOKIE,
          "cookie-maxidle", "Ignore a cookie unused for longer (HAProxy maxidle).")
      .defaultText("none").duration(Duration.ofSeconds(1), Durations.MAX, StickyCookieBalancer.Builder::cookieMaxIdle);

  public static final Option<StickyCookieBalancer.Builder, Duration> COOKIE_MAXLIFE = Option.define(Section.COOKIE,
          "cookie-maxlife", "Ignore a cookie first issued longer ago (HAProxy maxlife).")
      .defaultText("none").duration(Duration.ofSeconds(1), Durations.MAX, StickyCookieBalancer.Builder::cookieMaxLife);

  /** Every option of {@link StickyCookieBalancer.Builder#set}. */
  public static final OptionSet<StickyCookieBalancer.Builder> ALL = OptionSet.of("cookie", COOKIE, COOKIE_KEY,
      COOKIE_MODE, COOKIE_PATH, COOKIE_DOMAIN, COOKIE_MAX_AGE, COOKIE_HTTPONLY, COOKIE_SECURE, COOKIE_SAMESITE,
      COOKIE_NOCACHE, COOKIE_INDIRECT, COOKIE_MAXIDLE, COOKIE_MAXLIFE);
}
