package io.lbkit.netty;

import io.lbkit.health.HealthOptions;
import io.lbkit.internal.Durations;
import io.lbkit.option.Option;
import io.lbkit.option.OptionSet;
import io.lbkit.option.Section;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the Netty engine forwards requests: the proxy options of the configuration vocabulary
 * ({@code timeout-connect}, {@code timeout-server}, {@code timeout-client}, {@code retries},
 * {@code redispatch}, {@code forwardfor}, {@code preserve-host}), with the names, defaults and
 * ranges the servlet filter uses. Immutable; built by {@link #builder()} or from a map by
 * {@link #parse(Map)}.
 *
 * <p>{@code timeout-connect} is lb-core's definition ({@link HealthOptions#TIMEOUT_CONNECT}). The
 * others are defined in lb-servlet's {@code FilterOptions}, which this module must not depend on
 * (it brings Jetty); they are repeated here with the same names, parsers and ranges until they
 * move to lb-core, after which this class keeps only its builder.
 */
public final class NettyProxyOptions {
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

  /** The engine's options, for {@link Builder#set} and {@link #parse}. */
  public static final OptionSet<Builder> OPTIONS = OptionSet.of("netty", TIMEOUT_CONNECT, TIMEOUT_SERVER,
      TIMEOUT_CLIENT, RETRIES, REDISPATCH, FORWARDFOR, PRESERVE_HOST);

  private final Duration timeoutConnect;
  private final Duration timeoutServer;
  private final Duration timeoutClient;
  private final int retries;
  private final boolean redispatch;
  private final boolean forwardfor;
  private final boolean preserveHost;

  private NettyProxyOptions(Builder b) {
    this.timeoutConnect = b.timeoutConnect;
    this.timeoutServer = b.timeoutServer;
    this.timeoutClient = b.timeoutClient;
    this.retries = b.retries;
    this.redispatch = b.redispatch;
    this.forwardfor = b.forwardfor;
    this.preserveHost = b.preserveHost;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: 10s/120s/30s timeouts, 3 retries, redispatch, forwardfor, preserve-host. */
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

  @Override
  public String toString() {
    return "NettyProxyOptions{timeout-connect=" + timeoutConnect + ", timeout-server=" + timeoutServer
        + ", timeout-client=" + timeoutClient + ", retries=" + retries + ", redispatch=" + redispatch
        + ", forwardfor=" + forwardfor + ", preserve-host=" + preserveHost + "}";
  }

  /** Builds {@link NettyProxyOptions}; each setter checks its value against the option's range. */
  public static final class Builder {
    private Duration timeoutConnect = Duration.ofSeconds(10);
    private Duration timeoutServer = Duration.ofSeconds(120);
    private Duration timeoutClient = Duration.ofSeconds(30);
    private int retries = 3;
    private boolean redispatch = true;
    private boolean forwardfor = true;
    private boolean preserveHost = true;

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

    public Builder timeoutServer(Duration d) {
      this.timeoutServer = TIMEOUT_SERVER.check(Objects.requireNonNull(d, "timeout-server"));
      return this;
    }

    public Builder timeoutClient(Duration d) {
      this.timeoutClient = TIMEOUT_CLIENT.check(Objects.requireNonNull(d, "timeout-client"));
      return this;
    }

    public Builder retries(int n) {
      this.retries = RETRIES.check(n);
      return this;
    }

    public Builder redispatch(boolean on) {
      this.redispatch = on;
      return this;
    }

    public Builder forwardfor(boolean on) {
      this.forwardfor = on;
      return this;
    }

    public Builder preserveHost(boolean on) {
      this.preserveHost = on;
      return this;
    }

    public NettyProxyOptions build() {
      return new NettyProxyOptions(this);
    }
  }
}
