package io.lbkit.servlet;

import io.lbkit.health.HealthOptions;
import io.lbkit.internal.Checks;
import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionException;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import io.lbkit.proxy.ProxyOptions;
import io.lbkit.stats.StatsOptions;
import java.time.Duration;
import java.util.List;

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

  private static final Option<Builder, Duration> TIMEOUT_SERVER =
      ProxyOptions.TIMEOUT_SERVER.alsoFor(Builder::timeoutServer);

  private static final Option<Builder, Duration> TIMEOUT_CLIENT =
      ProxyOptions.TIMEOUT_CLIENT.alsoFor(Builder::timeoutClient);

  private static final Option<Builder, Integer> RETRIES =
      ProxyOptions.RETRIES.alsoFor(Builder::retries);

  private static final Option<Builder, Boolean> REDISPATCH =
      ProxyOptions.REDISPATCH.alsoFor(Builder::redispatch);

  private static final Option<Builder, Integer> MAXCONN = Option.define(Section.PROXY, "maxconn",
          "Connections to one server at most (HAProxy's server maxconn); more requests wait in its queue.")
      .defaultText("1024").integer(1, 65535, Builder::maxconn);

  private static final Option<Builder, Duration> TIMEOUT_QUEUE = Option.define(Section.PROXY, "timeout-queue",
          "Longest wait for a connection to a server at maxconn, beyond the time to open one; then 503.")
      .defaultText("timeout-connect").duration(Durations.POSITIVE, Durations.MAX, Builder::timeoutQueue);

  private static final Option<Builder, Integer> MAX_RESPONSE_HEADER_SIZE = Option.define(Section.PROXY,
          "max-response-header-size",
          "Most bytes of a server's response headers (HAProxy's tune.bufsize); more: 502.")
      .defaultText("16384").integer(1024, 1024 * 1024, Builder::maxResponseHeaderSize);

  private static final Option<Builder, Boolean> FORWARDFOR =
      ProxyOptions.FORWARDFOR.alsoFor(Builder::forwardfor);

  private static final Option<Builder, Boolean> PRESERVE_HOST =
      ProxyOptions.PRESERVE_HOST.alsoFor(Builder::preserveHost);

  private static final Option<Builder, List<String>> TUNNEL_UPGRADES = Option.define(Section.PROXY,
          "tunnel-upgrades", "Upgrade protocols tunneled after the server's 101 (h2c never is); none turns tunnels off.")
      .defaultText("websocket").label("protocol[,...]|none").list(Builder::tunnelUpgrades);

  private static final Option<Builder, Duration> TIMEOUT_TUNNEL = Option.define(Section.PROXY, "timeout-tunnel",
          "Inactivity timeout of an upgraded connection (WebSocket), both ways.")
      .defaultText("1h").duration(Durations.POSITIVE, Durations.MAX, Builder::timeoutTunnel);

  private static final Option<Builder, TunnelOnDown> TUNNEL_ON_SERVER_DOWN = Option.define(Section.PROXY,
          "tunnel-on-server-down", "What happens to a server's open tunnels when it goes DOWN or leaves the list.")
      .defaultText("keep").label("keep|close").parsed(TunnelOnDown::parse, Builder::tunnelOnServerDown);

  private static final Option<Builder, String> STATS_URI = StatsOptions.STATS_URI.alsoFor(Builder::statsUri);

  private static final Option<Builder, Duration> STATS_REFRESH =
      StatsOptions.STATS_REFRESH.alsoFor(Builder::statsRefresh);

  private static final Option<Builder, String> STATS_AUTH = StatsOptions.STATS_AUTH.alsoFor(Builder::statsAuth);

  /** The filter's own options: proxying and the stats page ({@link Builder#set}). */
  public static final OptionSet<Builder> OPTIONS = OptionSet.of("filter", MODE, TIMEOUT_CONNECT, TIMEOUT_SERVER,
      TIMEOUT_CLIENT, RETRIES, REDISPATCH, MAXCONN, TIMEOUT_QUEUE, MAX_RESPONSE_HEADER_SIZE, FORWARDFOR,
      PRESERVE_HOST, TUNNEL_UPGRADES, TIMEOUT_TUNNEL, TUNNEL_ON_SERVER_DOWN, STATS_URI, STATS_REFRESH, STATS_AUTH);

  private final Mode mode;
  private final Duration timeoutConnect;
  private final Duration timeoutServer;
  private final Duration timeoutClient;
  private final Duration timeoutQueue;
  private final int retries;
  private final boolean redispatch;
  private final int maxconn;
  private final int maxResponseHeaderSize;
  private final boolean forwardfor;
  private final boolean preserveHost;
  private final List<String> tunnelUpgrades;
  private final Duration timeoutTunnel;
  private final TunnelOnDown tunnelOnServerDown;
  private final StatsOptions stats;

  private FilterOptions(Builder b) {
    this.mode = b.mode;
    this.timeoutConnect = b.timeoutConnect;
    this.timeoutServer = b.timeoutServer;
    this.timeoutClient = b.timeoutClient;
    this.timeoutQueue = b.timeoutQueue;
    this.retries = b.retries;
    this.redispatch = b.redispatch;
    this.maxconn = b.maxconn;
    this.maxResponseHeaderSize = b.maxResponseHeaderSize;
    this.forwardfor = b.forwardfor;
    this.preserveHost = b.preserveHost;
    this.tunnelUpgrades = b.tunnelUpgrades;
    this.timeoutTunnel = b.timeoutTunnel;
    this.tunnelOnServerDown = b.tunnelOnServerDown;
    this.stats = b.stats.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults: proxy mode, 10s/120s/30s timeouts, timeout-queue as timeout-connect, 3 retries,
   * redispatch, maxconn 1024, 16 KiB of response headers, forwardfor, preserve-host, no stats page.
   */
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

  /**
   * {@code timeout-queue}: the longest a request waits for a connection to its server when the
   * server already has {@link #maxconn()} (HAProxy {@code timeout queue}); then 503. Default:
   * {@code timeout-connect}, as in HAProxy.
   */
  public Duration timeoutQueue() {
    return timeoutQueue == null ? timeoutConnect : timeoutQueue;
  }

  /**
   * {@code maxconn}: connections the proxy opens to one server at most (HAProxy's server
   * {@code maxconn}); requests beyond wait in a queue for up to {@code timeout-queue} (default 1024).
   */
  public int maxconn() {
    return maxconn;
  }

  /**
   * {@code max-response-header-size}: the most bytes of status line and header lines a server's
   * response may have; a larger one is answered 502 (default 16384: HAProxy's {@code tune.bufsize}).
   */
  public int maxResponseHeaderSize() {
    return maxResponseHeaderSize;
  }

  /**
   * {@code retries}: how many more times a failed connection is tried once every server was
   * tried (default 3); servers not tried yet always get an attempt.
   */
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

  /** {@code tunnel-upgrades}: the {@code Upgrade} protocols tunneled (default {@code websocket}; empty: none). */
  public List<String> tunnelUpgrades() {
    return tunnelUpgrades;
  }

  /** {@code timeout-tunnel}: the longest a tunnel may carry no byte either way (default 1h). */
  public Duration timeoutTunnel() {
    return timeoutTunnel;
  }

  /** {@code tunnel-on-server-down}: keep (default, as HAProxy) or close a server's tunnels when it leaves service. */
  public TunnelOnDown tunnelOnServerDown() {
    return tunnelOnServerDown;
  }

  /** {@code stats-uri}: the path of the stats page inside the web application, or null for none. */
  public String statsUri() {
    return stats.uri();
  }

  /** {@code stats-refresh}: how often the HTML stats page reloads itself (default 5s). */
  public Duration statsRefresh() {
    return stats.refresh();
  }

  /** Whether {@code stats-auth} is set. The credentials themselves are not exposed. */
  public boolean hasStatsAuth() {
    return stats.hasAuth();
  }

  /** The stats page's options ({@code stats-uri}, {@code stats-refresh}, {@code stats-auth}), shared with lb-core. */
  public StatsOptions stats() {
    return stats;
  }

  @Override
  public String toString() {
    return "mode=" + mode.configName() + ", timeout-connect=" + Durations.format(timeoutConnect) + ", timeout-server="
        + Durations.format(timeoutServer) + ", timeout-client=" + Durations.format(timeoutClient) + ", timeout-queue="
        + Durations.format(timeoutQueue()) + ", retries=" + retries + ", redispatch=" + onOff(redispatch)
        + ", maxconn=" + maxconn + ", max-response-header-size=" + maxResponseHeaderSize + ", forwardfor="
        + onOff(forwardfor) + ", preserve-host=" + onOff(preserveHost) + ", tunnel-upgrades="
        + (tunnelUpgrades.isEmpty() ? "none" : String.join(",", tunnelUpgrades)) + ", timeout-tunnel="
        + Durations.format(timeoutTunnel) + ", tunnel-on-server-down=" + tunnelOnServerDown.configName()
        + ", " + stats;
  }

  private static String onOff(boolean b) {
    return b ? "on" : "off";
  }

  /** Builds {@link FilterOptions}; each setter checks its argument and names the option in its message. */
  public static final class Builder implements ProxyOptions.Target, StatsOptions.Target {
    private Mode mode = Mode.PROXY;
    private Duration timeoutConnect = Duration.ofSeconds(10);
    private Duration timeoutServer = Duration.ofSeconds(120);
    private Duration timeoutClient = Duration.ofSeconds(30);
    private Duration timeoutQueue;
    private int retries = 3;
    private boolean redispatch = true;
    private int maxconn = 1024;
    private int maxResponseHeaderSize = 16 * 1024;
    private boolean forwardfor = true;
    private boolean preserveHost = true;
    private List<String> tunnelUpgrades = List.of("websocket");
    private Duration timeoutTunnel = Duration.ofHours(1);
    private TunnelOnDown tunnelOnServerDown = TunnelOnDown.KEEP;
    private final StatsOptions.Builder stats = StatsOptions.builder();

    private Builder() {}

    public Builder mode(Mode mode) {
      this.mode = Checks.notNull("mode", mode);
      return this;
    }

    public Builder timeoutConnect(Duration timeout) {
      this.timeoutConnect = TIMEOUT_CONNECT.check(timeout);
      return this;
    }

    @Override
    public Builder timeoutServer(Duration timeout) {
      this.timeoutServer = TIMEOUT_SERVER.check(timeout);
      return this;
    }

    @Override
    public Builder timeoutClient(Duration timeout) {
      this.timeoutClient = TIMEOUT_CLIENT.check(timeout);
      return this;
    }

    /** How long a request may wait for a connection slot to its server; null: {@code timeout-connect}. */
    public Builder timeoutQueue(Duration timeout) {
      this.timeoutQueue = timeout == null ? null : TIMEOUT_QUEUE.check(timeout);
      return this;
    }

    /** @throws IllegalArgumentException outside 1..65535 */
    public Builder maxconn(int maxconn) {
      this.maxconn = MAXCONN.check(maxconn);
      return this;
    }

    /** @throws IllegalArgumentException outside 1024..1048576 */
    public Builder maxResponseHeaderSize(int bytes) {
      this.maxResponseHeaderSize = MAX_RESPONSE_HEADER_SIZE.check(bytes);
      return this;
    }

    /** @throws IllegalArgumentException outside 0..100 */
    @Override
    public Builder retries(int retries) {
      this.retries = RETRIES.check(retries);
      return this;
    }

    @Override
    public Builder redispatch(boolean redispatch) {
      this.redispatch = redispatch;
      return this;
    }

    @Override
    public Builder forwardfor(boolean forwardfor) {
      this.forwardfor = forwardfor;
      return this;
    }

    @Override
    public Builder preserveHost(boolean preserveHost) {
      this.preserveHost = preserveHost;
      return this;
    }

    /**
     * The {@code Upgrade} protocols to tunnel, as RFC 9110 tokens ({@code websocket}); {@code none}
     * alone or an empty list turns tunnels off.
     *
     * @throws OptionException for {@code h2c} (never tunneled) or a name that is not a token
     */
    public Builder tunnelUpgrades(List<String> protocols) {
      Checks.notNull("tunnel-upgrades", protocols);
      if (protocols.size() == 1 && protocols.get(0).equalsIgnoreCase("none")) {
        this.tunnelUpgrades = List.of();
        return this;
      }
      for (String p : protocols) {
        if (p.equalsIgnoreCase("h2c") || !p.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
          throw new OptionException("tunnel-upgrades", String.join(",", protocols),
              "protocol names such as websocket, or none (h2c is never tunneled)");
        }
      }
      this.tunnelUpgrades = List.copyOf(protocols);
      return this;
    }

    public Builder timeoutTunnel(Duration timeout) {
      this.timeoutTunnel = TIMEOUT_TUNNEL.check(timeout);
      return this;
    }

    public Builder tunnelOnServerDown(TunnelOnDown action) {
      this.tunnelOnServerDown = Checks.notNull("tunnel-on-server-down", action);
      return this;
    }

    /**
     * The stats page path, relative to the web application ({@code /my-stats}); null for none.
     *
     * @throws IllegalArgumentException unless it starts with {@code /} and has no query or spaces
     */
    @Override
    public Builder statsUri(String uri) {
      stats.statsUri(uri);
      return this;
    }

    /** @throws IllegalArgumentException unless whole seconds, at least 1s */
    @Override
    public Builder statsRefresh(Duration refresh) {
      stats.statsRefresh(refresh);
      return this;
    }

    /**
     * HTTP Basic credentials for the stats page, {@code user:password}; null for none.
     *
     * @throws IllegalArgumentException when the user or the password is empty
     */
    @Override
    public Builder statsAuth(String userColonPassword) {
      stats.statsAuth(userColonPassword);
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
