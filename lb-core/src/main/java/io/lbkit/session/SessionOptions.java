package io.lbkit.session;

import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.time.Duration;

/** The options of the persistence modes on the application's session: stick table and route suffix. */
public final class SessionOptions {
  private SessionOptions() {}

  public static final Option<StickTableBalancer.Builder, String> STICK_ON = Option.define(Section.SESSION,
          "stick-on", "Stick table: remember which server issued this application cookie, e.g. JSESSIONID.")
      .defaultText("none").cookieName(StickTableBalancer.Builder::stickOn);

  public static final Option<StickTableBalancer.Builder, Long> STICK_TABLE_SIZE = Option.define(Section.SESSION,
          "stick-table-size", "Stick table: maximum entries.")
      .defaultText("1000000").longInteger(1, 1_000_000_000L, StickTableBalancer.Builder::stickTableSize);

  public static final Option<StickTableBalancer.Builder, Duration> STICK_TABLE_EXPIRE = Option.define(
          Section.SESSION, "stick-table-expire", "Stick table: idle expiry.")
      .defaultText("30m").duration(Durations.POSITIVE, Durations.MAX, StickTableBalancer.Builder::stickTableExpire);

  public static final Option<StickTableBalancer.Builder, Integer> STICK_TABLE_KEY_MAX = Option.define(
          Section.SESSION, "stick-table-key-max", "Stick table: the longest session id stored or looked up, in"
              + " characters; a request with a longer one is balanced as if it had none.")
      .defaultText(String.valueOf(StickTableBalancer.DEFAULT_KEY_MAX))
      .integer(1, 8192, StickTableBalancer.Builder::stickTableKeyMax);

  public static final Option<RouteSuffixBalancer.Builder, String> ROUTE_SUFFIX = Option.define(Section.SESSION,
          "route-suffix", "Route on the session id's .route suffix (Tomcat jvmRoute): a map route=server,...,"
              + " or learn (from the servers' Set-Cookie).")
      .defaultText("none").label("route=server[,...]|learn").text(SessionOptions::routes);

  public static final Option<RouteSuffixBalancer.Builder, String> ROUTE_COOKIE = Option.define(Section.SESSION,
          "route-cookie", "Route suffix: the session cookie.")
      .defaultText("JSESSIONID").cookieName(RouteSuffixBalancer.Builder::cookie);

  /** The options of {@link StickTableBalancer.Builder#set}. */
  public static final OptionSet<StickTableBalancer.Builder> STICK_TABLE_OPTIONS = OptionSet.of("stick-table",
      STICK_ON, STICK_TABLE_SIZE, STICK_TABLE_EXPIRE, STICK_TABLE_KEY_MAX);

  /** The options of {@link RouteSuffixBalancer.Builder#set}. */
  public static final OptionSet<RouteSuffixBalancer.Builder> ROUTE_OPTIONS = OptionSet.of("route-suffix",
      ROUTE_SUFFIX, ROUTE_COOKIE);

  /** {@code learn} only learns (the default anyway); anything else is a route map. */
  private static void routes(RouteSuffixBalancer.Builder b, String value) {
    if (!value.equalsIgnoreCase("learn")) {
      b.routes(value);
    }
  }
}
