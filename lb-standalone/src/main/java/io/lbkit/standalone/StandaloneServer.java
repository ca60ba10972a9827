package io.lbkit.standalone;

import io.lbkit.internal.Durations;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.BindException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded Jetty 12 (ee10) serving the load-balancing filter on every path, behind a
 * {@link GracefulHandler} so a stop first refuses new connections, then lets requests in flight
 * finish for up to the grace period.
 */
final class StandaloneServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StandaloneServer.class);

  private final Server server;
  private final ServerConnector connector;
  private final GracefulHandler graceful;
  private final Duration grace;
  private final String host;
  private boolean stopped;

  /**
   * @param before filters that run ahead of the balancer, by path spec (the demo's {@code /demo/*})
   * @param idleTimeout how long an idle client connection is kept (the filter's {@code timeout-client})
   */
  StandaloneServer(String host, int port, Duration grace, Duration idleTimeout, Filter balancing,
      Map<String, Filter> before) {
    this.host = host;
    this.grace = grace;
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("lb-http");
    // No reserved threads: Jetty then runs a connection's work on a pool thread instead of parking
    // and waking a reserved one for the selector; about 1 futex call per proxied request less
    // (lb-benchmarks/results-notes.md, "Servlet engine: Jetty settings")
    threads.setReservedThreads(0);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(idleTimeout.toMillis());
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/");
    for (Map.Entry<String, Filter> e : new LinkedHashMap<>(before).entrySet()) {
      FilterHolder holder = new FilterHolder(e.getValue());
      holder.setName(e.getValue().getClass().getSimpleName());
      holder.setAsyncSupported(true); // the balancing filter behind it proxies asynchronously
      context.addFilter(holder, e.getKey(), EnumSet.of(DispatcherType.REQUEST));
    }
    FilterHolder lb = new FilterHolder(balancing);
    lb.setName("lbkit");
    lb.setAsyncSupported(true);
    context.addFilter(lb, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    server.setErrorHandler(errors);

    graceful = new GracefulHandler(context);
    server.setHandler(graceful);
    server.setStopAtShutdown(false); // Main's signal handler and shutdown hook stop it, gracefully
  }

  /** Binds and starts; a taken port comes back as an exception with one clear message. */
  void start() throws StartException {
    try {
      server.start();
    } catch (Exception e) {
      close();
      throw startFailure(host, connector.getPort(), e);
    }
  }

  /** Why an engine could not listen on {@code host:port}, as one line: a taken port names {@code --listen}. */
  static StartException startFailure(String host, int port, Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      // Jetty and NIO throw BindException; native epoll an IOException "bind(..) failed with error(-98): ..."
      if (t instanceof BindException || message.startsWith("bind(")) {
        if (message.startsWith("bind(") && message.lastIndexOf(": ") > 0) {
          message = message.substring(message.lastIndexOf(": ") + 2);
        }
        String hint = message.contains("in use") ? "; is another instance running? choose another with --listen" : "";
        return new StartException("--listen " + host + ":" + port + ": cannot listen (" + message + hint + ")");
      }
    }
    return new StartException("cannot start the HTTP server on " + host + ":" + port + ": " + e);
  }

  /** The port actually bound (useful with {@code --listen host:0}). */
  int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port}. */
  String url() {
    return url(host, port());
  }

  /** The URL a client uses for a listener on {@code host}: a wildcard address is reached on 127.0.0.1. */
  static String url(String host, int port) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    if (h.equals("0.0.0.0") || h.equals("[::]")) {
      h = "127.0.0.1";
    }
    return "http://" + h + ":" + port;
  }

  /** Requests being served right now. */
  long inFlight() {
    return graceful.getCurrentRequestCount();
  }

  /**
   * Stops gracefully: refuses new connections at once, waits up to the grace period for requests
   * in flight, then stops (cutting off any still running). Idempotent.
   */
  synchronized void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    long inFlight = inFlight();
    log.info("stopping: no new connections; waiting up to {} for {} request(s) in flight",
        Durations.format(grace), inFlight);
    try {
      Graceful.shutdown(server).get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("grace period of {} is over: cutting off {} request(s) still in flight", Durations.format(grace),
          inFlight());
      // Close their connections: the clients see a cut-off answer. Stopping Jetty with the
      // requests still pending would instead complete them as empty 200s, a false success.
      for (EndPoint endPoint : connector.getConnectedEndPoints()) {
        endPoint.close();
      }
    } catch (ExecutionException e) {
      log.warn("graceful stop failed: {}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      server.setStopTimeout(0); // the graceful part is done above
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the HTTP server: {}", e.toString());
    }
  }

  /** Waits until the server has stopped. */
  void join() throws InterruptedException {
    server.join();
  }

  @Override
  public synchronized void close() {
    stopped = true;
    try {
      server.stop();
    } catch (Exception e) {
      log.debug("stopping the HTTP server: {}", e.toString());
    }
  }

  /** Could not start (port taken, ...): the message is the one line to print. */
  static final class StartException extends Exception {
    private static final long serialVersionUID = 1L;

    StartException(String message) {
      super(message, null, false, false);
    }
  }
}
