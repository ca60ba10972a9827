package io.lbkit.netty;

import io.lbkit.core.Balancer;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.local.LocalHandler;
import io.lbkit.proxy.OpenTunnels;
import io.lbkit.proxy.ProxyHeaders;
import io.lbkit.proxy.RetryPolicy;
import io.lbkit.proxy.UpgradePolicy;
import io.lbkit.stats.StatsPage;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every client connection of one proxy shares: the balancer, the options, lb-core's header
 * and retry policies, and one pool of server connections per event loop. Thread-safe; the pools
 * are confined to their loops.
 *
 * <p>For a Netty-based gateway, this is the entry point: create one engine per backend and add a
 * {@link #newHandler() handler} per client connection after an HTTP server codec.
 *
 * <pre>{@code
 * ProxyEngine engine = ProxyEngine.create(balancer, NettyProxyOptions.defaults());
 * serverBootstrap.childHandler(new ChannelInitializer<SocketChannel>() {
 *   protected void initChannel(SocketChannel ch) {
 *     ch.pipeline().addLast(new HttpServerCodec(ProxyEngine.clientCodecConfig()), new HttpServerExpectContinueHandler(),
 *         engine.newHandler());
 *   }
 * });
 * }</pre>
 *
 * <p>Some paths are answered in-process, never forwarded: the stats page at {@code stats-uri}
 * (lb-core's {@link StatsPage}) and the paths of the {@link LocalHandler}s given to
 * {@link #create(Balancer, NettyProxyOptions, List)}, in that order; the first whose
 * {@link LocalHandler#handles} accepts the request's path answers it.
 */
public final class ProxyEngine {
  /**
   * The most body bytes the codecs hand over in one piece: a whole socket read (the receive
   * allocator reads up to 64 KiB), so a read becomes one write instead of eight 8 KiB ones.
   */
  static final int MAX_CHUNK = 64 * 1024;
  /**
   * When a connection stops taking more (high) and takes more again (low): several read batches
   * (Netty's 32/64 KiB default is about one), so a steady stream does not switch reading on and
   * off, an {@code epoll_ctl} each time, at every batch (measured: 10× fewer switches and ~25%
   * less CPU for a 64 MiB upload, lb-benchmarks/results-notes.md). What one exchange holds in
   * memory stays below this plus one read batch.
   */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 512 * 1024);
  /** The client side's limits: a request line (414 beyond) and a header block (431 beyond). */
  static final int MAX_INITIAL_LINE = 8 * 1024;
  static final int MAX_HEADER_SIZE = 16 * 1024;
  private final Balancer balancer;
  private final ServerGroup group;
  private final NettyProxyOptions options;
  private final ProxyHeaders headers;
  private final RetryPolicy retryPolicy;
  private final UpgradePolicy upgrades;
  private final OpenTunnels<Tunnel> tunnels;
  private final long timeoutTunnelNanos;
  private final long timeoutServerNanos;
  private final long timeoutClientNanos;
  private final int connectTimeoutMillis;
  private final Map<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();
  private final Set<LoadBalancingHandler> connections = ConcurrentHashMap.newKeySet();
  private final LocalHandler[] localHandlers;
  private volatile boolean stopping;
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  private ProxyEngine(Balancer balancer, NettyProxyOptions options, List<LocalHandler> local) {
    this.balancer = Objects.requireNonNull(balancer, "balancer");
    this.options = Objects.requireNonNull(options, "options");
    this.group = balancer.group();
    this.headers = new ProxyHeaders(balancer, options.forwardfor(), options.preserveHost());
    this.retryPolicy = new RetryPolicy(balancer, options.retries(), options.redispatch(), options.timeoutConnect());
    UpgradePolicy u = new UpgradePolicy(headers, options.tunnelUpgrades());
    this.upgrades = u.enabled() ? u : null;
    this.tunnels = u.enabled() ? new OpenTunnels<>(group, options.tunnelOnServerDown()) : null;
    this.timeoutTunnelNanos = options.timeoutTunnel().toNanos();
    this.timeoutServerNanos = options.timeoutServer().toNanos();
    this.timeoutClientNanos = options.timeoutClient().toNanos();
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.timeoutConnect().toMillis());
    List<LocalHandler> all = new ArrayList<>();
    if (options.stats().uri() != null) {
      all.add(new StatsPage(List.of(balancer), options.stats()));
    }
    for (LocalHandler h : local) {
      all.add(Objects.requireNonNull(h, "localHandlers: null element"));
    }
    this.localHandlers = all.toArray(new LocalHandler[0]);
  }

  /** An engine forwarding to the servers of {@code balancer}, configured by {@code options}. */
  public static ProxyEngine create(Balancer balancer, NettyProxyOptions options) {
    return new ProxyEngine(balancer, options, List.of());
  }

  /**
   * An engine forwarding to the servers of {@code balancer}, except for the paths {@code localHandlers}
   * answer in-process (after the stats page, if {@code stats-uri} is set). A local handler runs on
   * the connection's event loop, so it must answer quickly; the request's body is read and dropped.
   */
  public static ProxyEngine create(Balancer balancer, NettyProxyOptions options, List<LocalHandler> localHandlers) {
    return new ProxyEngine(balancer, options, List.copyOf(localHandlers));
  }

  /**
   * The decoder settings {@link NettyProxy} gives its {@link HttpServerCodec}, for a gateway's own:
   * request lines up to 8 KiB (414 beyond) and header blocks up to 16 KiB (431), bodies handed on
   * in pieces of up to 64 KiB (a whole socket read), and a trailer map made only for a request that
   * has trailers. A new, mutable object each call.
   */
  public static HttpDecoderConfig clientCodecConfig() {
    return new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE).setMaxHeaderSize(MAX_HEADER_SIZE)
        .setMaxChunkSize(MAX_CHUNK).setTrailersFactory(LazyTrailers.FACTORY);
  }

  /**
   * A handler for one client connection. It goes last in the pipeline, after an
   * {@link HttpServerCodec} (whose limits answer 400/414/431) and, for {@code Expect: 100-continue},
   * an {@link HttpServerExpectContinueHandler}; it must not be shared between connections. It sets
   * the connection's write-buffer water marks; a codec made with {@link #clientCodecConfig()}
   * passes request bodies in fewer pieces and allocates less per request (as {@link NettyProxy}'s).
   */
  public ChannelHandler newHandler() {
    return new LoadBalancingHandler(this);
  }

  /**
   * Stops keep-alive: idle client connections close now, busy ones after their response, tunnels
   * now. Requests in flight finish. {@link #drained()} tells when all are gone.
   */
  public void stop() {
    stopping = true;
    completeIfDrained();
    if (tunnels != null) {
      tunnels.close(); // a tunnel's client connection is idle to its handler: closed below
    }
    for (LoadBalancingHandler h : connections) {
      h.closeWhenIdle();
    }
    for (Map.Entry<EventLoop, BackendPool> e : pools.entrySet()) {
      e.getKey().execute(e.getValue()::closeAll);
    }
  }

  /** Requests being forwarded right now: the servers' in-flight counts, summed (read at shutdown). */
  public long requestsInFlight() {
    long n = 0;
    for (Server s : group.snapshot().servers()) {
      n += s.stats().active();
    }
    return n;
  }

  /** Closes every client connection now, busy or not (the end of a graceful stop's grace period). */
  void closeConnections() {
    for (LoadBalancingHandler h : connections) {
      h.closeNow();
    }
  }

  /** The client connections still open. */
  public int openConnections() {
    return connections.size();
  }

  /**
   * Completes once {@link #stop()} was called and the last client connection has closed: what a
   * gateway's shutdown waits for, with a deadline of its own, before it cuts off what is left.
   */
  public CompletionStage<Void> drained() {
    return drained.minimalCompletionStage();
  }

  private void completeIfDrained() {
    if (stopping && connections.isEmpty()) {
      drained.complete(null);
    }
  }

  public Balancer balancer() {
    return balancer;
  }

  public NettyProxyOptions options() {
    return options;
  }

  /** The local handler answering {@code path}, or null: the request is forwarded. */
  LocalHandler localHandler(String path) {
    for (LocalHandler h : localHandlers) {
      if (h.handles(path)) {
        return h;
      }
    }
    return null;
  }

  /** Whether any path is answered locally (so the request's path must be looked at). */
  boolean hasLocalHandlers() {
    return localHandlers.length > 0;
  }

  boolean stopping() {
    return stopping;
  }

  ServerGroup group() {
    return group;
  }

  ProxyHeaders headers() {
    return headers;
  }

  RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The tunnels' upgrade policy, or null when {@code tunnel-upgrades} is none. */
  UpgradePolicy upgrades() {
    return upgrades;
  }

  /** The open tunnels, or null when {@code tunnel-upgrades} is none. */
  OpenTunnels<Tunnel> tunnels() {
    return tunnels;
  }

  /** Tunnels open now. */
  public int openTunnels() {
    return tunnels == null ? 0 : tunnels.size();
  }

  long timeoutTunnelNanos() {
    return timeoutTunnelNanos;
  }

  long timeoutServerNanos() {
    return timeoutServerNanos;
  }

  long timeoutClientNanos() {
    return timeoutClientNanos;
  }

  int connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  /** The pool of {@code loop}; only used on that loop. */
  BackendPool pool(EventLoop loop) {
    BackendPool p = pools.get(loop); // no capturing lambda per request: computeIfAbsent only the first time
    return p != null ? p : pools.computeIfAbsent(loop, l -> new BackendPool(group.ticker()));
  }

  void opened(LoadBalancingHandler h) {
    connections.add(h);
  }

  void closed(LoadBalancingHandler h) {
    connections.remove(h);
    completeIfDrained();
  }
}
