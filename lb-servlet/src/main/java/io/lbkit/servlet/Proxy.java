package io.lbkit.servlet;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Ticker;
import io.lbkit.proxy.ProxyHeaders;
import io.lbkit.proxy.UpgradePolicy;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.AbstractConnectorHttpClientTransport;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy mode of the filter: owns the HTTP client (Jetty's, see docs/architecture.md) and
 * starts one {@link ProxyExchange} per request, handing it the {@link ProxyContext} it reads. Use
 * goes one way: the proxy knows exchanges, exchanges know only the context.
 */
final class Proxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancingFilter.class);

  private final FilterOptions options;
  private final String name;
  private final HttpClient client;
  private final ProxyContext context;
  private final UpgradePolicy upgrades;
  private volatile Tunnels tunnels;
  private volatile boolean dispatchesAsync;

  /** The servlet context attribute under which Jetty publishes its server's thread pool. */
  static final String JETTY_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";

  /**
   * @param executor the container's thread pool to run the client on (when it has at least
   *     {@value #MIN_SHARED_POOL} threads), or null for a pool of our own; the client never stops
   *     a running pool it was given
   * @param ticker the time source of the exchanges' timers ({@code timeout-client})
   */
  Proxy(Balancer balancer, FilterOptions options, ProxyHeaders headers, String name, Executor executor,
      Ticker ticker, Duration destinationIdle) {
    this.options = options;
    this.name = name;
    this.client = newClient(executor, destinationIdle);
    this.context = new ProxyContext(balancer, options, client, ticker, headers, log);
    this.upgrades = new UpgradePolicy(headers, options.tunnelUpgrades());
  }

  /** Pools smaller than this keep their threads to themselves (Jetty fails to start when its budget is exceeded). */
  static final int MIN_SHARED_POOL = 32;

  /** Whether the container's pool is big enough to lend the client its selector thread and callbacks. */
  private static boolean canShare(Executor executor) {
    return !(executor instanceof ThreadPool.SizedThreadPool)
        || ((ThreadPool.SizedThreadPool) executor).getMaxThreads() >= MIN_SHARED_POOL;
  }

  /**
   * How long the client keeps what it knows of a server it no longer talks to (its "destination":
   * queue, connection pool) once the last connection closed: under pod-IP churn each address ever
   * seen would otherwise stay forever. Housekeeping, not a policy: a returning server costs one
   * new destination.
   */
  static final Duration DESTINATION_IDLE = Duration.ofSeconds(60);

  /** Selector threads of the client (Jetty's default is 1). */
  static final int CLIENT_SELECTORS = 2;

  private HttpClient newClient(Executor executor, Duration destinationIdle) {
    HttpClient c = new HttpClient();
    if (executor != null && canShare(executor)) {
      // the container's pool is running by the time filters start, so the client only uses it
      // (Jetty leaves a running bean unmanaged) and never stops it; ProxyThreadsTest checks that
      c.setExecutor(executor);
    } else {
      QueuedThreadPool threads = new QueuedThreadPool(64, 4);
      threads.setName("lbkit-proxy-" + name);
      threads.setDaemon(true);
      c.setExecutor(threads);
    }
    c.setName("lbkit-proxy-" + name);
    c.setConnectTimeout(options.timeoutConnect().toMillis());
    c.setIdleTimeout(Math.max(options.timeoutServer().toMillis(), 30_000));
    c.setFollowRedirects(false);
    c.setHttpCookieStore(new HttpCookieStore.Empty());
    c.setUserAgentField(null);
    c.setMaxConnectionsPerDestination(options.maxconn());
    c.setMaxResponseHeadersSize(options.maxResponseHeaderSize());
    c.setDestinationIdleTimeout(destinationIdle.toMillis());
    c.setMaxRequestsQueuedPerDestination(8192);
    c.getContentDecoderFactories().clear(); // pass compressed bodies through untouched
    // Two selectors instead of Jetty's one: the backend connections' events are spread over two
    // threads, about 1 futex wake-up per proxied request less (with the standalone's pool without
    // reserved threads, about 2; lb-benchmarks/results-notes.md, "Servlet engine: Jetty settings")
    ((AbstractConnectorHttpClientTransport) c.getTransport()).getClientConnector().setSelectors(CLIENT_SELECTORS);
    return c;
  }

  void start() throws Exception {
    client.start();
    if (upgrades.enabled()) {
      tunnels = new Tunnels(name, context.group, options.tunnelOnServerDown());
    }
  }

  /** Forwards the request to the selected server, asynchronously. */
  void handle(HttpServletRequest request, HttpServletResponse response, Selection selection)
      throws IOException, ServletException {
    String upgrade = upgradeOf(request);
    if (upgrade != null) {
      new UpgradeExchange(context, tunnels, upgrades, request, response, upgrade).start(selection, dispatchesAsync);
      return;
    }
    new ProxyExchange(context, request, response).start(selection);
  }

  /**
   * Whether the filter runs for ASYNC dispatches ({@link FilterMappings}): a tunnel's handshake then
   * holds no thread, and its ASYNC dispatch finishes it.
   */
  void dispatchesAsync(boolean yes) {
    dispatchesAsync = yes;
  }

  /** How many servers the client currently keeps a destination for (tests). */
  int destinations() {
    return client.getDestinations().size();
  }

  /** The protocol to tunnel (a WebSocket handshake, say), or null for an ordinary request. */
  private String upgradeOf(HttpServletRequest request) {
    if (tunnels == null || request.getHeader("Upgrade") == null) { // the common case costs one lookup
      return null;
    }
    return upgrades.upgradeOf(ServletHeaders.of(request));
  }

  /** The thread pool the client runs on. */
  Executor executor() {
    return client.getExecutor();
  }

  @Override
  public void close() {
    context.markStopping(); // before the client stops, so exchanges that fail because of it answer 503
    Tunnels t = tunnels;
    if (t != null) {
      t.close();
    }
    try {
      client.stop();
    } catch (Exception e) {
      log.warn("{}: stopping the HTTP client failed", name, e);
    }
  }
}
