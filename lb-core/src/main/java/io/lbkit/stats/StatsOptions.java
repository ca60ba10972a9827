package io.lbkit.stats;

import io.lbkit.internal.Checks;
import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.option.Section;
import java.time.Duration;

/**
 * The stats page's options, defined once for every engine: {@code stats-uri}, {@code stats-refresh},
 * {@code stats-auth}. An engine's options builder implements {@link Target} (delegating to a
 * {@link Builder}) and binds each with {@code StatsOptions.STATS_URI.alsoFor(Builder::statsUri)}.
 * Immutable.
 */
public final class StatsOptions {
  /** The setters an engine's options builder has for these options. */
  public interface Target {
    Target statsUri(String uri);

    Target statsRefresh(Duration refresh);

    Target statsAuth(String userColonPassword);
  }

  public static final Option<Target, String> STATS_URI = Option.define(Section.STATS, "stats-uri",
          "Serve the stats page at this path, e.g. /my-stats.")
      .defaultText("none").label("path").text(Target::statsUri);

  public static final Option<Target, Duration> STATS_REFRESH = Option.define(Section.STATS, "stats-refresh",
          "How often the HTML stats page reloads itself, in whole seconds.")
      .defaultText("5s").duration(Duration.ofSeconds(1), Durations.MAX, Target::statsRefresh);

  public static final Option<Target, String> STATS_AUTH = Option.define(Section.STATS, "stats-auth",
          "HTTP Basic credentials user:password for the stats page (it shows internal addresses).")
      .defaultText("none").label("user:password").secret().text(Target::statsAuth);

  private final String uri;
  private final Duration refresh;
  private final String auth;

  private StatsOptions(Builder b) {
    this.uri = b.uri;
    this.refresh = b.refresh;
    this.auth = b.auth;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** No stats page; 5 s refresh; no credentials. */
  public static StatsOptions defaults() {
    return builder().build();
  }

  /** {@code stats-uri}: the page's path, or null for none. */
  public String uri() {
    return uri;
  }

  /** {@code stats-refresh}: how often the HTML page reloads itself (default 5s). */
  public Duration refresh() {
    return refresh;
  }

  /** Whether {@code stats-auth} is set. The credentials themselves are not exposed. */
  public boolean hasAuth() {
    return auth != null;
  }

  /** The credentials, {@code user:password}, or null: for {@link StatsPage} only. */
  String auth() {
    return auth;
  }

  /** {@code stats-uri=..., stats-refresh=..., stats-auth=<masked>}. */
  @Override
  public String toString() {
    return "stats-uri=" + (uri == null ? "none" : uri) + ", stats-refresh=" + Durations.format(refresh)
        + ", stats-auth=" + (auth == null ? "none" : "<masked>");
  }

  /** Builds {@link StatsOptions}; each setter checks its value and names the option in its message. */
  public static final class Builder implements Target {
    private String uri;
    private Duration refresh = Duration.ofSeconds(5);
    private String auth;

    private Builder() {
    }

    /**
     * The stats page path ({@code /my-stats}); null for none.
     *
     * @throws OptionException unless it starts with {@code /} and has no query or spaces
     */
    @Override
    public Builder statsUri(String uri) {
      if (uri != null && (!uri.startsWith("/") || uri.length() < 2 || uri.indexOf('?') >= 0
          || uri.chars().anyMatch(c -> c <= ' ' || c >= 127))) {
        throw new OptionException("stats-uri", uri, "a path such as /my-stats");
      }
      this.uri = uri;
      return this;
    }

    /** @throws OptionException unless whole seconds, at least 1s */
    @Override
    public Builder statsRefresh(Duration refresh) {
      STATS_REFRESH.check(Checks.notNull("stats-refresh", refresh));
      if (refresh.toMillis() % 1000 != 0) {
        throw new OptionException("stats-refresh", Durations.format(refresh), Durations.format(refresh),
            "whole seconds, at least 1s", null);
      }
      this.refresh = refresh;
      return this;
    }

    /**
     * HTTP Basic credentials for the stats page, {@code user:password}; null for none.
     *
     * @throws OptionException when the user or the password is empty
     */
    @Override
    public Builder statsAuth(String userColonPassword) {
      if (userColonPassword != null) {
        int colon = userColonPassword.indexOf(':');
        if (colon <= 0 || colon == userColonPassword.length() - 1) {
          throw new OptionException("stats-auth", null, "<masked>", "user:password, both non-empty", null);
        }
      }
      this.auth = userColonPassword;
      return this;
    }

    public StatsOptions build() {
      return new StatsOptions(this);
    }
  }
}
