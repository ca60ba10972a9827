package io.lbkit.netty;

import io.lbkit.core.Balancer;
import io.lbkit.internal.Durations;
import io.lbkit.local.LocalHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 reverse proxy on Netty in front of one backend: listens, and forwards every request
 * to a server chosen by the balancer. One event loop per core serves both the client and the
 * server connection of an exchange; server connections are pooled per loop. Native epoll where it
 * loads, NIO otherwise.
 *
 * <pre>{@code
 * try (NettyProxy proxy = NettyProxy.builder()
 *     .listen(new InetSocketAddress("0.0.0.0", 8080))
 *     .balancer(BackendConfig.parse(Map.of("backend", "10.0.0.1:80,10.0.0.2:80")).createBalancer())
 *     .options(NettyProxyOptions.parse(Map.of("timeout-server", "30s")))
 *     .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops accepting, lets requests in flight finish (up to the shutdown
 * timeout), then stops the event loops it created. The balancer's group is the caller's to close.
 */
public final class NettyProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NettyProxy.class);
  /** The header block a request may have, as HAProxy's default buffer (16 KiB); larger gets 431. */

  private final ProxyEngine engine;
  private final EventLoopGroup loops;
  private final boolean ownLoops;
  private final Channel listener;
  private final Duration shutdownTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NettyProxy(Builder b) throws InterruptedException {
    this.engine = ProxyEngine.create(b.balancer, b.options, b.localHandlers);
    this.ownLoops = b.loops == null;
    this.loops = ownLoops ? Transport.newGroup(b.threads, "lb-netty") : b.loops;
    this.shutdownTimeout = b.shutdownTimeout;
    boolean epoll = Transport.isEpoll(loops);
    try {
      this.listener = new ServerBootstrap().group(loops)
          .channel(Transport.serverChannelClass(epoll))
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(
                  new HttpServerCodec(ProxyEngine.clientCodecConfig()),
                  new HttpServerExpectContinueHandler(),
                  engine.newHandler());
            }
          })
          .bind(b.listen).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      if (ownLoops) {
        loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      }
      throw e;
    }
    log.info("{}: proxy listening on {} ({}, {})", engine.balancer().group().name(), listener.localAddress(),
        epoll ? "epoll" : "nio", engine.options());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address and port it listens on (the actual port when bound to port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  public int port() {
    return address().getPort();
  }

  /** The engine: its options, its balancer, its open connections. */
  public ProxyEngine engine() {
    return engine;
  }

  /** Whether the engine runs on native epoll. */
  public boolean epoll() {
    return Transport.isEpoll(loops);
  }

  /**
   * Stops accepting, closes idle client connections, lets requests in flight finish (up to the
   * shutdown timeout), then stops its own event loops. Closing again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listener.close().syncUninterruptibly();
    log.info("stopping: no new connections; waiting up to {} for {} request(s) in flight",
        Durations.format(shutdownTimeout), engine.requestsInFlight());
    engine.stop();
    try {
      engine.drained().toCompletableFuture().get(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // the grace period is over: cut off below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (engine.openConnections() > 0) {
      log.warn("grace period of {} is over: cutting off {} request(s) still in flight ({} client connection(s))",
          Durations.format(shutdownTimeout), engine.requestsInFlight(), engine.openConnections());
      engine.closeConnections(); // the clients see a cut-off answer, never a false success
    }
    if (ownLoops) {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Configures and starts a {@link NettyProxy}. */
  public static final class Builder {
    private InetSocketAddress listen;
    private Balancer balancer;
    private NettyProxyOptions options = NettyProxyOptions.defaults();
    private EventLoopGroup loops;
    private int threads = Runtime.getRuntime().availableProcessors();
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private final List<LocalHandler> localHandlers = new ArrayList<>();

    private Builder() {
    }

    /**
     * Answers the paths {@code handler} takes in-process instead of forwarding them (a status page,
     * a control endpoint). Handlers are asked in the order added, after the stats page
     * ({@code stats-uri}); see {@link ProxyEngine#create(Balancer, NettyProxyOptions, List)}.
     */
    public Builder localHandler(LocalHandler handler) {
      localHandlers.add(Objects.requireNonNull(handler, "localHandler"));
      return this;
    }

    /** Where to listen (port 0: any free port). */
    public Builder listen(InetSocketAddress address) {
      this.listen = Objects.requireNonNull(address, "listen");
      return this;
    }

    /** The balancer choosing servers; its group is the backend. Required. */
    public Builder balancer(Balancer balancer) {
      this.balancer = Objects.requireNonNull(balancer, "balancer");
      return this;
    }

    public Builder options(NettyProxyOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** Runs on these event loops (a gateway's) instead of its own; they are not shut down by {@link #close()}. */
    public Builder eventLoops(EventLoopGroup loops) {
      this.loops = Objects.requireNonNull(loops, "eventLoops");
      return this;
    }

    /** The number of event loops it creates (default: one per core). */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 1024) {
        throw new IllegalArgumentException("threads: " + threads + " (expected: an integer 1..1024)");
      }
      this.threads = threads;
      return this;
    }

    /** How long {@link #close()} lets requests in flight finish (default 30s). */
    public Builder shutdownTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("shutdownTimeout: " + timeout + " (expected: 0 or more)");
      }
      this.shutdownTimeout = timeout;
      return this;
    }

    /** Binds and starts serving. */
    public NettyProxy start() throws InterruptedException {
      if (listen == null) {
        throw new IllegalStateException("listen: missing (expected: an address and port)");
      }
      if (balancer == null) {
        throw new IllegalStateException("balancer: missing");
      }
      return new NettyProxy(this);
    }
  }
}
