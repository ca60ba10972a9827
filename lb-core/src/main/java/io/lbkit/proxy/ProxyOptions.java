package io.lbkit.proxy;

import io.lbkit.health.HealthOptions;
import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.Section;
import java.time.Duration;
import java.util.List;

/**
 * The forwarding options every proxy engine reads, defined once: {@code timeout-server},
 * {@code timeout-client}, {@code retries}, {@code redispatch}, {@code forwardfor},
 * {@code preserve-host}, and the tunnels' {@code tunnel-upgrades}, {@code timeout-tunnel},
 * {@code tunnel-on-server-down}. An engine's options class reuses each with
 * {@code ProxyOptions.RETRIES.alsoFor(Builder::retries)}, so name, help, default, range and parser
 * stay here. {@code timeout-connect}, which the health checks read too, is
 * {@link HealthOptions#TIMEOUT_CONNECT}.
 */
public final class ProxyOptions {
  /**
   * The setters an engine's options builder has for these options; the definitions are written
   * against it, and an engine's builder implements it.
   */
  public interface Target {
    Target timeoutServer(Duration timeout);

    Target timeoutClient(Duration timeout);

    Target retries(int retries);

    Target redispatch(boolean redispatch);

    Target forwardfor(boolean forwardfor);

    Target preserveHost(boolean preserveHost);

    Target tunnelUpgrades(List<String> protocols);

    Target timeoutTunnel(Duration timeout);

    Target tunnelOnServerDown(TunnelOnDown action);
  }

  public static final Option<Target, Duration> TIMEOUT_SERVER = Option.define(Section.PROXY, "timeout-server",
          "Inactivity timeout waiting for a server.")
      .defaultText("120s").duration(Durations.POSITIVE, Durations.MAX, Target::timeoutServer);

  public static final Option<Target, Duration> TIMEOUT_CLIENT = Option.define(Section.PROXY, "timeout-client",
          "Inactivity timeout waiting for the client.")
      .defaultText("30s").duration(Durations.POSITIVE, Durations.MAX, Target::timeoutClient);

  public static final Option<Target, Integer> RETRIES = Option.define(Section.PROXY, "retries",
          "Connection attempts after the first failed one, once every server was tried (untried ones always get one).")
      .defaultText("3").integer(0, 100, Target::retries);

  public static final Option<Target, Boolean> REDISPATCH = Option.define(Section.PROXY, "redispatch",
          "Retry on another server.")
      .defaultText("on").bool(Target::redispatch);

  public static final Option<Target, Boolean> FORWARDFOR = Option.define(Section.PROXY, "forwardfor",
          "Add X-Forwarded-For, -Proto, -Host and -Port.")
      .defaultText("on").bool(Target::forwardfor);

  public static final Option<Target, Boolean> PRESERVE_HOST = Option.define(Section.PROXY, "preserve-host",
          "Forward the client's Host header.")
      .defaultText("on").bool(Target::preserveHost);

  public static final Option<Target, List<String>> TUNNEL_UPGRADES = Option.define(Section.PROXY,
          "tunnel-upgrades", "Upgrade protocols tunneled after the server's 101 (h2c never is); none turns tunnels off.")
      .defaultText("websocket").label("protocol[,...]|none").list(Target::tunnelUpgrades);

  public static final Option<Target, Duration> TIMEOUT_TUNNEL = Option.define(Section.PROXY, "timeout-tunnel",
          "Inactivity timeout of an upgraded connection (WebSocket), both ways.")
      .defaultText("1h").duration(Durations.POSITIVE, Durations.MAX, Target::timeoutTunnel);

  public static final Option<Target, TunnelOnDown> TUNNEL_ON_SERVER_DOWN = Option.define(Section.PROXY,
          "tunnel-on-server-down", "What happens to a server's open tunnels when it goes DOWN or leaves the list.")
      .defaultText("keep").label("keep|close").parsed(TunnelOnDown::parse, Target::tunnelOnServerDown);

  private ProxyOptions() {
  }
}
