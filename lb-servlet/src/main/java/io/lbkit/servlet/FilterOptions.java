package io.lbkit.servlet;

import io.lbkit.health.HealthOptions;
import io.lbkit.internal.Checks;
import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * How a {@link LoadBalancingFilter} forwards requests and serves its stats page: the
 * filter-level options of the configuration vocabulary ({@code mode}, {@code timeout-connect},
 * {@code retries}, {@code stats-uri}, ...). Immutable; built by {@link #builder()} or parsed from
 * init-params by {@link LoadBalancerConfig}. Defaults follow HAProxy's and the article's config.
 */
public final class FilterOptions {
  private static final Option<Builder, Mode> MODE = Option.define(Section.PROXY, "mode",
          "proxy forwards requests; route only selects a server for the web application.")
      .defaultText("proxy").label("proxy|route").parsed(Mode::parse, Builder::mode);

  /** The same option as the health checks' connect timeout, defined once there. */
  private static final Option<Builder, Duration> TIMEOUT_CONNECT =
      HealthOptions.TIMEOUT_CONNECT.alsoFor(Builder::timeoutConnect);

  private static final Option<Builder, Duration> TIMEOUT_SERVER = Option.define(Section.PROXY, "timeout-server",
          "Inactivity timeout waiting for a server.")
      .defaultText("120s").duration(Durations.POSITIVE, Durations.MAX, Builder::timeoutServer);

  private static final Option<Builder, Duration> TIMEOUT_CLIENT = Option.define(Section.PROXY, "timeout-client",
          "Inactivity timeout waiting for the client.")
      .defaultText("30s").duration(Durations.POSITIVE, Durations.MAX, Builder::timeoutClient);

  private static final Option<Builder, Integer> RETRIES = Option.define(Section.PROXY, "retries",
          "Connection attempts after the first failed one.")
      .defaultText("3").integer(0, 100, Builder::retries);

  private static final Option<Builder, Boolean> REDISPATCH = Option.define(Section.PROXY, "redispatch",
          "Retry on another server.")
      .defaultText("on").bool(Builder::redispatch);

  private static final Option<Builder, Boolean> FORWARDFOR = Option.define(Section.PROXY, "forwardfor",
          "Add X-Forwarded-For, -Proto, -Host and -Port.")
      .defaultText("on").bool(Builder::forwardfor);

  private static final Option<Builder, Boolean> PRESERVE_HOST = Option.define(Section.PROXY, "preserve-host",
          "Forward the client's Host header.")
      .defaultText("on").bool(Builder::preserveHost);

  private static final Option<Builder, String> STATS_URI = Option.define(Section.STATS, "stats-uri",
          "Serve the stats page at this path, e.g. /my-stats.")
      .defaultText("none").label("path").text(Builder::statsUri);

  private static final Option<Builder, Duration> STATS_REFRESH = Option.define(Section.STATS, "stats-refresh",
          "How often the HTML stats page reloads itself, in whole seconds.")
      .defaultText("5s").duration(Duration.ofSeconds(1), Durations.MAX, Builder::statsRefresh);

  private static final Option<Builder, String> STATS_AUTH = Option.define(Section.STATS, "stats-auth",
          "HTTP Basic credentials user:password for the stats page (it shows internal addresses).")
      .defaultText("none").label("user:password").secret().text(Builder::statsAuth);

  /** The filter's own options: proxying and the stats page ({@link Builder#set}). */
  public static final OptionSet<Builder> OPTIONS = OptionSet.of("filter", MODE, TIMEOUT_CONNECT, TIMEOUT_SERVER,
      TIMEOUT_CLIENT, RETRIES, REDISPATCH, FORWARDFOR, PRESERVE_HOST, STATS_URI, STATS_REFRESH, STATS_AUTH);

  private final Mode mode;
  private final Duration timeoutConnect;
  private final Duration timeoutServer;
  private final Duration timeoutClient;
  private final int retries;
  private final boolean redispatch;
  private final boolean forwardfor;
  private final boolean preserveHost;
  private final String statsUri;
  private final Duration statsRefresh;
  private final String statsAuth;

  private FilterOptions(Builder b) {
    this.mode = b.mode;
    this.timeoutConnect = b.timeoutConnect;
    this.timeoutServer = b.timeoutServer;
    this.timeoutClient = b.timeoutClient;
    this.retries = b.retries;
    this.redispatch = b.redispatch;
    this.forwardfor = b.forwardfor;
    this.preserveHost = b.preserveHost;
    this.statsUri = b.statsUri;
    this.statsRefresh = b.statsRefresh;
    this.statsAuth = b.statsAuth;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: proxy mode, 10s/120s/30s timeouts, 3 retries, redispatch, forwardfor, preserve-host, no stats page. */
  public static FilterOptions defaults() {
    return builder().build();
  }

  /** {@code mode}: proxy (default) or route. */
  public Mode mode() {
    return mode;
  }

  /** {@code timeout-connect}: how long to wait for a connection to a server (default 10s). */
  public Duration timeoutConnect() {
    return timeoutConnect;
  }

  /** {@code timeout-server}: the longest a server may stay silent while we wait for it (default 120s). */
  public Duration timeoutServer() {
    return timeoutServer;
  }

  /** {@code timeout-client}: the longest the client may stay silent while we wait for it (default 30s). */
  public Duration timeoutClient() {
    return timeoutClient;
  }

  /** {@code retries}: how many more times a failed connection is tried (default 3). */
  public int retries() {
    return retries;
  }

  /** {@code redispatch}: whether a retry goes to another server (default on). */
  public boolean redispatch() {
    return redispatch;
  }

  /** {@code forwardfor}: whether to add {@code X-Forwarded-For/-Proto/-Host/-Port} (default on). */
  public boolean forwardfor() {
    return forwardfor;
  }

  /** {@code preserve-host}: whether the server gets the client's {@code Host} header (default on). */
  public boolean preserveHost() {
    return preserveHost;
  }

  /** {@code stats-uri}: the path of the stats page inside the web application, or null for none. */
  public String statsUri() {
    return statsUri;
  }

  /** {@code stats-refresh}: how often the HTML stats page reloads itself (default 5s). */
  public Duration statsRefresh() {
    return statsRefresh;
  }

  /** Whether {@code stats-auth} is set. The credentials themselves are not exposed. */
  public boolean hasStatsAuth() {
    return statsAuth != null;
  }

  /** The expected {@code Authorization} header value for the stats page, or null. */
  String statsAuthorization() {
    return statsAuth == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(statsAuth.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "mode=" + mode.configName() + ", timeout-connect=" + Durations.format(timeoutConnect) + ", timeout-server="
        + Durations.format(timeoutServer) + ", timeout-client=" + Durations.format(timeoutClient) + ", retries="
        + retries + ", redispatch=" + onOff(redispatch) + ", forwardfor=" + onOff(forwardfor) + ", preserve-host="
        + onOff(preserveHost) + ", stats-uri=" + (statsUri == null ? "none" : statsUri) + ", stats-refresh="
        + Durations.format(statsRefresh) + ", stats-auth=" + (statsAuth == null ? "none" : "<masked>");
  }

  private static String onOff(boolean b) {
    return b ? "on" : "off";
  }

  /** Builds {@link FilterOptions}; each setter checks its argument and names the option in its message. */
  public static final class Builder {
    private Mode mode = Mode.PROXY;
    private Duration timeoutConnect = Duration.ofSeconds(10);
    private Duration timeoutServer = Duration.ofSeconds(120);
    private Duration timeoutClient = Duration.ofSeconds(30);
    private int retries = 3;
    private boolean redispatch = true;
    private boolean forwardfor = true;
    private boolean preserveHost = true;
    private String statsUri;
    private Duration statsRefresh = Duration.ofSeconds(5);
    private String statsAuth;

    private Builder() {}

    public Builder mode(Mode mode) {
      this.mode = Checks.notNull("mode", mode);
      return this;
    }

    public Builder timeoutConnect(Duration timeout) {
      this.timeoutConnect = TIMEOUT_CONNECT.check(timeout);
      return this;
    }

    public Builder timeoutServer(Duration timeout) {
      this.timeoutServer = TIMEOUT_SERVER.check(timeout);
      return this;
    }

    public Builder timeoutClient(Duration timeout) {
      this.timeoutClient = TIMEOUT_CLIENT.check(timeout);
      return this;
    }

    /** @throws IllegalArgumentException outside 0..100 */
    public Builder retries(int retries) {
      this.retries = RETRIES.check(retries);
      return this;
    }

    public Builder redispatch(boolean redispatch) {
      this.redispatch = redispatch;
      return this;
    }

    public Builder forwardfor(boolean forwardfor) {
      this.forwardfor = forwardfor;
      return this;
    }

    public Builder preserveHost(boolean preserveHost) {
      this.preserveHost = preserveHost;
      return this;
    }

    /**
     * The stats page path, relative to the web application ({@code /my-stats}); null for none.
     *
     * @throws IllegalArgumentException unless it starts with {@code /} and has no query or spaces
     */
    public Builder statsUri(String uri) {
      if (uri != null && (!uri.startsWith("/") || uri.length() < 2 || uri.indexOf('?') >= 0
          || uri.chars().anyMatch(c -> c <= ' ' || c >= 127))) {
        throw new OptionException("stats-uri", uri, "a path such as /my-stats");
      }
      this.statsUri = uri;
      return this;
    }

    public Builder statsRefresh(Duration refresh) {
      STATS_REFRESH.check(refresh);
      if (refresh.toMillis() % 1000 != 0) {
        throw new OptionException("stats-refresh", Durations.format(refresh), Durations.format(refresh),
            "whole seconds, at least 1s", null);
      }
      this.statsRefresh = refresh;
      return this;
    }

    /**
     * HTTP Basic credentials for the stats page, {@code user:password}; null for none.
     *
     * @throws IllegalArgumentException when the user or the password is empty
     */
    public Builder statsAuth(String userColonPassword) {
      if (userColonPassword != null) {
        int colon = userColonPassword.indexOf(':');
        if (colon <= 0 || colon == userColonPassword.length() - 1) {
          throw new OptionException("stats-auth", null, "<masked>", "user:password, both non-empty", null);
        }
      }
      this.statsAuth = userColonPassword;
      return this;
    }

    /**
     * Sets an option by its configuration name ({@link #OPTIONS}: {@code mode}, {@code retries}, ...).
     *
     * @throws OptionException for an unknown key or a bad value, naming both
     */
    public Builder set(String key, String value) {
      return OPTIONS.set(this, key, value);
    }

    public FilterOptions build() {
      return new FilterOptions(this);
    }
  }
}
