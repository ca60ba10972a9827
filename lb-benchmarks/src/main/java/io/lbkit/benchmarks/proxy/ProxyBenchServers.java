package io.lbkit.benchmarks.proxy;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The servers {@code proxy-bench.sh} needs besides the proxies under test: fast backends, and
 * Jetty 12's own {@link ProxyServlet} (ee10) balancing round robin over them, as the baseline a
 * Jetty user would write without lbkit.
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lbkit.benchmarks.proxy.ProxyBenchServers backends 18181 127.0.0.2 127.0.0.3 127.0.0.4
 * java -cp lb-benchmarks/target/benchmarks.jar io.lbkit.benchmarks.proxy.ProxyBenchServers jetty-proxy 127.0.0.1:18191 127.0.0.2:18181 127.0.0.3:18181 127.0.0.4:18181
 * </pre>
 *
 * Each prints {@code ready} on standard output once it accepts connections, then runs until killed.
 */
public final class ProxyBenchServers {
  private ProxyBenchServers() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 3 && args[0].equals("backends")) {
      int port = Integer.parseInt(args[1]);
      List<String> hosts = List.of(args).subList(2, args.length);
      for (Server s : backends(hosts, port)) {
        s.start();
      }
    } else if (args.length >= 3 && args[0].equals("jetty-proxy")) {
      String[] listen = args[1].split(":");
      jettyProxy(listen[0], Integer.parseInt(listen[1]), List.of(args).subList(2, args.length)).start();
    } else {
      System.err.println("usage: ProxyBenchServers backends PORT HOST... | jetty-proxy HOST:PORT BACKEND_HOST:PORT...");
      System.exit(2);
    }
    System.out.println("ready");
    Thread.currentThread().join();
  }

  /** One server per host on {@code port}, answering every request with a short whoami-style text. */
  public static List<Server> backends(List<String> hosts, int port) {
    List<Server> servers = new ArrayList<>();
    for (String host : hosts) {
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost(host);
      connector.setPort(port);
      server.addConnector(connector);
      byte[] body = ("Hostname: backend-" + host + "\nIP: " + host + "\n").getBytes(StandardCharsets.US_ASCII);
      server.setHandler(new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
          response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
          response.write(true, ByteBuffer.wrap(body), callback);
          return true;
        }
      });
      servers.add(server);
    }
    return servers;
  }

  /** Jetty's ProxyServlet on {@code host:port}, round robin over {@code backends} ({@code host:port} each). */
  public static Server jettyProxy(String host, int port, List<String> backends) {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new RoundRobinProxyServlet(backends)), "/*");
    server.setHandler(context);
    return server;
  }

  /** ProxyServlet with the simplest round robin a user would add: one shared counter. */
  static final class RoundRobinProxyServlet extends ProxyServlet {
    private final String[] targets;
    private final AtomicInteger next = new AtomicInteger();

    RoundRobinProxyServlet(List<String> backends) {
      targets = backends.stream().map(b -> "http://" + b).toArray(String[]::new);
    }

    @Override
    protected String rewriteTarget(HttpServletRequest request) {
      String query = request.getQueryString();
      return targets[Math.floorMod(next.getAndIncrement(), targets.length)] + request.getRequestURI()
          + (query == null ? "" : "?" + query);
    }
  }
}
