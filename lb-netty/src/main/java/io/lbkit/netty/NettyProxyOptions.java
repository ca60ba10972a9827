package io.lbkit.netty;

import io.lbkit.health.HealthOptions;
import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.proxy.ProxyOptions;
import io.lbkit.proxy.TunnelOnDown;
import io.lbkit.proxy.UpgradePolicy;
import io.lbkit.stats.StatsOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the Netty engine forwards requests and serves its stats page: the options of the configuration
 * vocabulary it reads ({@code timeout-connect}, {@code timeout-server}, {@code timeout-client},
 * {@code retries}, {@code redispatch}, {@code forwardfor}, {@code preserve-host}, {@code tunnel-upgrades},
 * {@code timeout-tunnel}, {@code tunnel-on-server-down}, {@code stats-uri}, {@code stats-refresh},
 * {@code stats-auth}), with the names, defaults and
 * ranges the servlet filter uses. Immutable; built by {@link #builder()} or from a map by
 * {@link #parse(Map)}.
 *
 * <p>The options are lb-core's definitions, shared with the servlet filter: {@code timeout-connect}
 * is {@link HealthOptions#TIMEOUT_CONNECT}, the stats page's are in {@link StatsOptions}, the others
 * are in {@link ProxyOptions}; this class
 * binds them to its builder with {@code alsoFor}.
 */
public final class NettyProxyOptions {
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

  private static final Option<Builder, Boolean> FORWARDFOR =
      ProxyOptions.FORWARDFOR.alsoFor(Builder::forwardfor);

  private static final Option<Builder, Boolean> PRESERVE_HOST =
      ProxyOptions.PRESERVE_HOST.alsoFor(Builder::preserveHost);

  private static final Option<Builder, List<String>> TUNNEL_UPGRADES =
      ProxyOptions.TUNNEL_UPGRADES.alsoFor(Builder::tunnelUpgrades);

  private static final Option<Builder, Duration> TIMEOUT_TUNNEL =
      ProxyOptions.TIMEOUT_TUNNEL.alsoFor(Builder::timeoutTunnel);

  private static final Option<Builder, TunnelOnDown> TUNNEL_ON_SERVER_DOWN =
      ProxyOptions.TUNNEL_ON_SERVER_DOWN.alsoFor(Builder::tunnelOnServerDown);

  private static final Option<Builder, String> STATS_URI = StatsOptions.STATS_URI.alsoFor(Builder::statsUri);

  private static final Option<Builder, Duration> STATS_REFRESH =
      StatsOptions.STATS_REFRESH.alsoFor(Builder::statsRefresh);

  private static final Option<Builder, String> STATS_AUTH = StatsOptions.STATS_AUTH.alsoFor(Builder::statsAuth);

  /** The engine's options, for {@link Builder#set} and {@link #parse}. */
  public static final OptionSet<Builder> OPTIONS = OptionSet.of("netty", TIMEOUT_CONNECT, TIMEOUT_SERVER,
      TIMEOUT_CLIENT, RETRIES, REDISPATCH, FORWARDFOR, PRESERVE_HOST, TUNNEL_UPGRADES, TIMEOUT_TUNNEL,
      TUNNEL_ON_SERVER_DOWN, STATS_URI, STATS_REFRESH, STATS_AUTH);

  private final Duration timeoutConnect;
  private final Duration timeoutServer;
  private final Duration timeoutClient;
  private final int retries;
  private final boolean redispatch;
  private final boolean forwardfor;
  private final boolean preserveHost;
  private final List<String> tunnelUpgrades;
  private final Duration timeoutTunnel;
  private final TunnelOnDown tunnelOnServerDown;
  private final StatsOptions stats;

  private NettyProxyOptions(Builder b) {
    this.timeoutConnect = b.timeoutConnect;
    this.timeoutServer = b.timeoutServer;
    this.timeoutClient = b.timeoutClient;
    this.retries = b.retries;
    this.redispatch = b.redispatch;
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

  /** The defaults: 10s/120s/30s timeouts, 3 retries, redispatch, forwardfor, preserve-host, WebSocket tunnels (1h idle, kept when their server goes down). */
  public static NettyProxyOptions defaults() {
    return builder().build();
  }

  /**
   * The options in {@code values} that this engine knows; other keys (the backend's) are ignored.
   *
   * @throws io.lbkit.option.OptionException naming the option whose value is wrong
   */
  public static NettyProxyOptions parse(Map<String, String> values) {
    Builder b = builder();
    values.forEach((key, value) -> {
      if (OPTIONS.contains(key)) {
        b.set(key, value);
      }
    });
    return b.build();
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

  /** {@code retries}: attempts after the first failed one (default 3). */
  public int retries() {
    return retries;
  }

  /** {@code redispatch}: a retry goes to another server (default on). */
  public boolean redispatch() {
    return redispatch;
  }

  /** {@code forwardfor}: add {@code X-Forwarded-*} and {@code Forwarded} (default on). */
  public boolean forwardfor() {
    return forwardfor;
  }

  /** {@code preserve-host}: forward the client's {@code Host} (default on). */
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

  /**
   * The stats page's options ({@code stats-uri}, {@code stats-refresh}, {@code stats-auth}): with a
   * {@code stats-uri}, the engine answers that path itself with lb-core's
   * {@link io.lbkit.stats.StatsPage}, never forwarding it.
   */
  public StatsOptions stats() {
    return stats;
  }

  @Override
  public String toString() {
    return "NettyProxyOptions{timeout-connect=" + timeoutConnect + ", timeout-server=" + timeoutServer
        + ", timeout-client=" + timeoutClient + ", retries=" + retries + ", redispatch=" + redispatch
        + ", forwardfor=" + forwardfor + ", preserve-host=" + preserveHost + ", tunnel-upgrades="
        + (tunnelUpgrades.isEmpty() ? "none" : String.join(",", tunnelUpgrades)) + ", timeout-tunnel="
        + timeoutTunnel + ", tunnel-on-server-down=" + tunnelOnServerDown.configName() + ", " + stats + "}";
  }

  /** Builds {@link NettyProxyOptions}; each setter checks its value against the option's range. */
  public static final class Builder implements ProxyOptions.Target, StatsOptions.Target {
    private Duration timeoutConnect = Duration.ofSeconds(10);
    private Duration timeoutServer = Duration.ofSeconds(120);
    private Duration timeoutClient = Duration.ofSeconds(30);
    private int retries = 3;
    private boolean redispatch = true;
    private boolean forwardfor = true;
    private boolean preserveHost = true;
    private List<String> tunnelUpgrades = List.of("websocket");
    private Duration timeoutTunnel = Duration.ofHours(1);
    private TunnelOnDown tunnelOnServerDown = TunnelOnDown.KEEP;
    private final StatsOptions.Builder stats = StatsOptions.builder();

    private Builder() {
    }

    /** Sets an option by name from text ({@code timeout-server}, {@code "5s"}). */
    public Builder set(String key, String value) {
      return OPTIONS.set(this, key, value);
    }

    public Builder timeoutConnect(Duration d) {
      this.timeoutConnect = TIMEOUT_CONNECT.check(Objects.requireNonNull(d, "timeout-connect"));
      return this;
    }

    @Override
    public Builder timeoutServer(Duration d) {
      this.timeoutServer = TIMEOUT_SERVER.check(Objects.requireNonNull(d, "timeout-server"));
      return this;
    }

    @Override
    public Builder timeoutClient(Duration d) {
      this.timeoutClient = TIMEOUT_CLIENT.check(Objects.requireNonNull(d, "timeout-client"));
      return this;
    }

    @Override
    public Builder retries(int n) {
      this.retries = RETRIES.check(n);
      return this;
    }

    @Override
    public Builder redispatch(boolean on) {
      this.redispatch = on;
      return this;
    }

    @Override
    public Builder forwardfor(boolean on) {
      this.forwardfor = on;
      return this;
    }

    @Override
    public Builder preserveHost(boolean on) {
      this.preserveHost = on;
      return this;
    }

    /**
     * The {@code Upgrade} protocols to tunnel ({@code websocket}); {@code none} alone or an empty
     * list turns tunnels off; {@code h2c} is refused (never tunneled).
     */
    @Override
    public Builder tunnelUpgrades(List<String> protocols) {
      this.tunnelUpgrades = UpgradePolicy.checkProtocols(protocols);
      return this;
    }

    @Override
    public Builder timeoutTunnel(Duration d) {
      this.timeoutTunnel = TIMEOUT_TUNNEL.check(Objects.requireNonNull(d, "timeout-tunnel"));
      return this;
    }

    @Override
    public Builder tunnelOnServerDown(TunnelOnDown action) {
      this.tunnelOnServerDown = Objects.requireNonNull(action, "tunnel-on-server-down");
      return this;
    }

    /** {@code stats-uri}: the stats page's path ({@code /my-stats}); null for none. */
    @Override
    public Builder statsUri(String uri) {
      stats.statsUri(uri);
      return this;
    }

    /** {@code stats-refresh}: whole seconds, at least 1s. */
    @Override
    public Builder statsRefresh(Duration refresh) {
      stats.statsRefresh(refresh);
      return this;
    }

    /** {@code stats-auth}: Basic credentials {@code user:password} for the stats page; null for none. */
    @Override
    public Builder statsAuth(String userColonPassword) {
      stats.statsAuth(userColonPassword);
      return this;
    }

    public NettyProxyOptions build() {
      return new NettyProxyOptions(this);
    }
  }
}
