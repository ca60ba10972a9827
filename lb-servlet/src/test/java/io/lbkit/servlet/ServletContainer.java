package io.lbkit.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real embedded servlet container on 127.0.0.1 with the filter mapped to {@code /*}, configured
 * the way a user would: init-params on the filter (or a filter instance, for programmatic use),
 * in front of an async-supported application servlet ({@link AppServlet}).
 */
abstract class ServletContainer implements AutoCloseable {
  enum Kind {
    JETTY, TOMCAT
  }

  abstract int port();

  /** Whether the filter initialised (false when init failed and the container disabled the app). */
  abstract boolean available();

  /** The server's own thread pool where the container offers it to web apps (Jetty), else null. */
  java.util.concurrent.Executor offeredExecutor() {
    return null;
  }

  /** The start failure, where the container reports it (Jetty), else null. */
  Throwable failure() {
    return null;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  static ServletContainer start(Kind kind, Map<String, String> params) throws Exception {
    return start(kind, params, null, null);
  }

  static ServletContainer start(Kind kind, Filter filter) throws Exception {
    return start(kind, Map.of(), filter, null);
  }

  /**
   * Starts {@code kind} with the filter: {@code filter} if given, else {@link LoadBalancingFilter}
   * configured by {@code params}; Jetty runs on {@code jettyPool} if given (with one acceptor and one
   * selector, so that a small pool can serve).
   */
  static ServletContainer start(Kind kind, Map<String, String> params, Filter filter, QueuedThreadPool jettyPool)
      throws Exception {
    return start(kind, params, filter, jettyPool, false);
  }

  /** As above; with {@code h2c} the connector also speaks HTTP/2 in clear text (upgrade from HTTP/1.1). */
  static ServletContainer start(Kind kind, Map<String, String> params, Filter filter, QueuedThreadPool jettyPool,
      boolean h2c) throws Exception {
    return start(kind, params, filter, jettyPool, h2c, true);
  }

  /**
   * As above; the filter is mapped for the REQUEST and ASYNC dispatcher types, or REQUEST only
   * without {@code asyncDispatch} (a tunnel's handshake then waits on the request's thread).
   */
  static ServletContainer start(Kind kind, Map<String, String> params, Filter filter, QueuedThreadPool jettyPool,
      boolean h2c, boolean asyncDispatch) throws Exception {
    if (jettyPool != null && kind != Kind.JETTY) {
      throw new IllegalArgumentException("jettyPool: set for " + kind + " (expected: JETTY only)");
    }
    return kind == Kind.JETTY ? new JettyContainer(params, filter, jettyPool, h2c, asyncDispatch)
        : new TomcatContainer(params, filter, h2c, asyncDispatch);
  }

  /** The application behind the filter: in route mode it shows what the filter selected. */
  static final class AppServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Object selection = req.getAttribute(LoadBalancingFilter.SELECTION_ATTRIBUTE);
      String text;
      if (selection instanceof io.lbkit.core.Selection) {
        io.lbkit.core.Selection s = (io.lbkit.core.Selection) selection;
        text = "app: selected " + s.name() + " " + s.address() + ":" + s.port() + "\n";
      } else {
        text = "app: no selection\n";
      }
      resp.setContentType("text/plain; charset=utf-8");
      resp.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static final class JettyContainer extends ServletContainer {
    private final Server server;
    private final ServerConnector connector;
    private final ServletContextHandler context;

    JettyContainer(Map<String, String> params, Filter filter, QueuedThreadPool pool, boolean h2c, boolean asyncDispatch)
        throws Exception {
      server = pool == null ? new Server() : new Server(pool);
      if (h2c) {
        HttpConfiguration config = new HttpConfiguration();
        connector = new ServerConnector(server, new HttpConnectionFactory(config),
            new HTTP2CServerConnectionFactory(config));
      } else {
        connector = pool == null ? new ServerConnector(server) : new ServerConnector(server, 1, 1);
      }
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      context = new ServletContextHandler("/");
      FilterHolder holder = filter == null ? new FilterHolder(LoadBalancingFilter.class) : new FilterHolder(filter);
      holder.setName("lb");
      holder.setInitParameters(params);
      holder.setAsyncSupported(true);
      context.addFilter(holder, "/*", asyncDispatch
          ? EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC) : EnumSet.of(DispatcherType.REQUEST));
      ServletHolder app = new ServletHolder(new AppServlet());
      app.setAsyncSupported(true);
      context.addServlet(app, "/*");
      server.setHandler(context);
      Throwable failed = null;
      try {
        server.start();
      } catch (Exception e) {
        failed = e;
      }
      failure = failed;
    }

    private final Throwable failure;

    @Override
    int port() {
      return connector.getLocalPort();
    }

    @Override
    boolean available() {
      return failure == null && context.isAvailable();
    }

    @Override
    Throwable failure() {
      return failure;
    }

    @Override
    java.util.concurrent.Executor offeredExecutor() {
      return server.getThreadPool();
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  private static final class TomcatContainer extends ServletContainer {
    private final Tomcat tomcat;
    private final Connector connector;
    private final Context context;
    private final File base;

    TomcatContainer(Map<String, String> params, Filter filter, boolean h2c, boolean asyncDispatch) throws Exception {
      base = Files.createTempDirectory("lbkit-tomcat").toFile();
      tomcat = new Tomcat();
      tomcat.setBaseDir(base.getAbsolutePath());
      connector = new Connector();
      if (h2c) {
        connector.addUpgradeProtocol(new Http2Protocol());
      }
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      tomcat.setConnector(connector);
      context = tomcat.addContext("", base.getAbsolutePath());
      FilterDef def = new FilterDef();
      def.setFilterName("lb");
      if (filter == null) {
        def.setFilterClass(LoadBalancingFilter.class.getName());
      } else {
        def.setFilter(filter);
        def.setFilterClass(filter.getClass().getName());
      }
      def.setAsyncSupported("true");
      params.forEach(def::addInitParameter);
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName("lb");
      map.addURLPattern("/*");
      map.setDispatcher("REQUEST");
      if (asyncDispatch) {
        map.setDispatcher("ASYNC");
      }
      context.addFilterMap(map);
      Tomcat.addServlet(context, "app", new AppServlet()).setAsyncSupported(true);
      context.addServletMappingDecoded("/", "app");
      tomcat.start();
    }

    @Override
    int port() {
      return connector.getLocalPort();
    }

    @Override
    boolean available() {
      return context.getState() == LifecycleState.STARTED;
    }

    @Override
    public void close() throws Exception {
      tomcat.stop();
      tomcat.destroy();
      deleteTree(base);
    }

    private static void deleteTree(File f) {
      File[] children = f.listFiles();
      if (children != null) {
        for (File c : children) {
          deleteTree(c);
        }
      }
      f.delete();
    }
  }

  static InetSocketAddress loopback(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }
}
