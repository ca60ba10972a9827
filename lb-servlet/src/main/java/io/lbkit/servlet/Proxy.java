package io.lbkit.servlet;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy mode of the filter: owns the HTTP client (Jetty's, see docs/architecture.md) and
 * starts one {@link ProxyExchange} per request.
 */
final class Proxy implements AutoCloseable {
  static final Logger log = LoggerFactory.getLogger(LoadBalancingFilter.class);

  /** Headers that belong to one connection, never forwarded (RFC 9110 7.6.1), plus Expect, handled by us. */
  static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authenticate",
      "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect");

  final Balancer balancer;
  final FilterOptions options;
  final String name;
  final HttpClient client;

  /** The servlet context attribute under which Jetty publishes its server's thread pool. */
  static final String JETTY_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";

  /**
   * @param executor the container's thread pool to run the client on (when it has at least
   *     {@value #MIN_SHARED_POOL} threads), or null for a pool of our own; the client never stops
   *     a running pool it was given
   */
  Proxy(Balancer balancer, FilterOptions options, String name, Executor executor) {
    this.balancer = balancer;
    this.options = options;
    this.name = name;
    client = newClient(executor);
  }

  /** Pools smaller than this keep their threads to themselves (Jetty fails to start when its budget is exceeded). */
  static final int MIN_SHARED_POOL = 32;

  /** Whether the container's pool is big enough to lend the client its selector thread and callbacks. */
  private static boolean canShare(Executor executor) {
    return !(executor instanceof ThreadPool.SizedThreadPool)
        || ((ThreadPool.SizedThreadPool) executor).getMaxThreads() >= MIN_SHARED_POOL;
  }

  private HttpClient newClient(Executor executor) {
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
    c.setMaxConnectionsPerDestination(1024);
    c.setMaxRequestsQueuedPerDestination(8192);
    c.getContentDecoderFactories().clear(); // pass compressed bodies through untouched
    return c;
  }

  void start() throws Exception {
    client.start();
  }

  void handle(HttpServletRequest request, HttpServletResponse response) throws IOException {
    Selection selection = balancer.select(new ServletRequestView(request));
    if (selection.isEmpty()) {
      log.warn("{}: no server available for {} {}; answering 503", balancer.group().name(), request.getMethod(),
          request.getRequestURI());
      writeError(response, 503);
      return;
    }
    new ProxyExchange(this, request, response).start(selection);
  }

  /** A short plain-text error, written with blocking I/O (before any async processing). */
  static void writeError(HttpServletResponse response, int status) throws IOException {
    byte[] body = errorBody(status);
    response.setStatus(status);
    response.setContentType("text/plain; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  static byte[] errorBody(int status) {
    String text;
    switch (status) {
      case 502:
        text = "502 Bad Gateway: the server returned an invalid or incomplete response.\n";
        break;
      case 503:
        text = "503 Service Unavailable: no server is available to handle this request.\n";
        break;
      case 504:
        text = "504 Gateway Timeout: the server didn't respond in time.\n";
        break;
      default:
        text = status + "\n";
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  static String describe(Server server) {
    return server.name() + " (" + (server.endpoint() == null ? "no address" : server.endpoint().authority()) + ")";
  }

  /** Set before the client stops, so exchanges that fail because of it answer 503 instead of retrying. */
  volatile boolean closed;

  @Override
  public void close() {
    closed = true;
    try {
      client.stop();
    } catch (Exception e) {
      log.warn("{}: stopping the HTTP client failed", name, e);
    }
  }
}
