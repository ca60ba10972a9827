package io.lbkit.servlet;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.ProxyHeaders;
import io.lbkit.stats.StatsPage;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A servlet filter that balances requests over a live group of servers, as HAProxy does in front
 * of a stateful web application.
 *
 * <ul>
 *   <li>{@code mode=proxy} (default): forwards the request to the selected server and streams the
 *       answer back, asynchronously (no container thread waits for a server);
 *   <li>{@code mode=route}: only selects; sets the request attribute
 *       {@value #SELECTION_ATTRIBUTE} to the {@link Selection} and the sticky cookie on the
 *       response, then continues the chain.
 * </ul>
 * Requests for {@code stats-uri} get the stats page (HTML, JSON, Prometheus text).
 *
 * <p>Configure it with init-params ({@code web.xml}; names in {@link LoadBalancerConfig}) through
 * the no-argument constructor, or build the balancer yourself and pass it to
 * {@link #LoadBalancingFilter(Balancer, FilterOptions)} for {@code ServletContext.addFilter}.
 * Compiled against Servlet 6.0: runs in Tomcat 10.1 and 11, Jetty 12 (ee10, ee11). Register it
 * with {@code asyncSupported=true}, for the {@code REQUEST} and {@code ASYNC} dispatcher types (the
 * ASYNC dispatch finishes a tunnel's handshake without holding a thread while it runs).
 */
public final class LoadBalancingFilter implements Filter {
  /** The request attribute that holds the {@link Selection} in route mode. */
  public static final String SELECTION_ATTRIBUTE = "io.lbkit.selection";

  private static final Logger log = LoggerFactory.getLogger(LoadBalancingFilter.class);

  private final Balancer givenBalancer;
  private final FilterOptions givenOptions;
  private Balancer balancer;
  private FilterOptions options;
  private boolean ownsGroup;
  private ProxyHeaders headers;
  private Proxy proxy;
  private StatsPage stats;
  private Duration destinationIdle = Proxy.DESTINATION_IDLE;

  /** For {@code web.xml}: everything comes from the init-params in {@link #init}. */
  public LoadBalancingFilter() {
    this.givenBalancer = null;
    this.givenOptions = null;
  }

  /**
   * For programmatic registration: balances with {@code balancer} (which knows its group). The
   * caller keeps owning the group: the filter does not close it. Init-params are ignored.
   */
  public LoadBalancingFilter(Balancer balancer, FilterOptions options) {
    this.givenBalancer = Objects.requireNonNull(balancer, "balancer");
    this.givenOptions = Objects.requireNonNull(options, "options");
  }

  @Override
  public void init(FilterConfig config) throws ServletException {
    String name = config.getFilterName();
    if (givenBalancer != null) {
      if (config.getInitParameterNames().hasMoreElements()) {
        log.warn("{}: init-params ignored: the filter was built with a balancer and options", name);
      }
      balancer = givenBalancer;
      options = givenOptions;
      ownsGroup = false;
    } else {
      Map<String, String> params = new LinkedHashMap<>();
      for (Enumeration<String> e = config.getInitParameterNames(); e.hasMoreElements(); ) {
        String key = e.nextElement();
        params.put(key, config.getInitParameter(key));
      }
      LoadBalancerConfig parsed;
      try {
        parsed = LoadBalancerConfig.parse(params);
        balancer = parsed.createBalancer();
      } catch (IllegalArgumentException | IllegalStateException e) {
        String message = "lbkit filter '" + name + "': invalid configuration: " + e.getMessage();
        log.error(message);
        throw new UnavailableException(message);
      }
      options = parsed.options();
      ownsGroup = true;
      log.debug("{}: configuration {}", name, parsed);
    }
    headers = new ProxyHeaders(balancer, options.forwardfor(), options.preserveHost());
    if (options.mode() == Mode.PROXY) {
      // Jetty offers its server thread pool to the web app, as its own ProxyServlet uses it: sharing
      // it saves a hand-off between two pools per response event; elsewhere the proxy has its own
      Object executor = config.getServletContext().getAttribute(Proxy.JETTY_EXECUTOR_ATTRIBUTE);
      proxy = new Proxy(balancer, options, headers, name, executor instanceof Executor ? (Executor) executor : null,
          balancer.group().ticker(), destinationIdle);
      proxy.dispatchesAsync(FilterMappings.dispatchesAsync(config));
      try {
        proxy.start();
      } catch (Exception e) {
        destroy();
        throw new ServletException("lbkit filter '" + name + "': cannot start the HTTP client: " + e, e);
      }
    }
    stats = new StatsPage(List.of(balancer), options.stats());
    log.info("{}: balancing backend '{}' in {} mode ({}), servers {}", name, balancer.group().name(),
        options.mode().configName(), options, balancer.group().snapshot().servers());
  }

  /** Tests: a shorter destination idle timeout than {@link Proxy#DESTINATION_IDLE}; before {@link #init}. */
  LoadBalancingFilter destinationIdle(Duration idle) {
    this.destinationIdle = idle;
    return this;
  }

  /** Tests: how many servers the proxy's client keeps a destination for, or -1 in route mode. */
  int proxyDestinations() {
    Proxy p = proxy;
    return p == null ? -1 : p.destinations();
  }

  /** The thread pool the proxy's HTTP client runs on (tests), or null in route mode. */
  Executor proxyExecutor() {
    Proxy p = proxy;
    return p == null ? null : p.executor();
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)) {
      chain.doFilter(req, res);
      return;
    }
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    if (request.getDispatcherType() == DispatcherType.ASYNC) {
      if (request.getAttribute(UpgradeExchange.ATTRIBUTE) instanceof UpgradeExchange) {
        ((UpgradeExchange) request.getAttribute(UpgradeExchange.ATTRIBUTE)).finish(); // a tunnel's handshake is done
      } else {
        chain.doFilter(request, response); // an application's own dispatch: balanced on its REQUEST one
      }
      return;
    }
    if (LocalHandlerFilter.serve(stats, request, response)) {
      return;
    }
    if (proxy != null && !request.isAsyncSupported()) {
      log.error("{}: async is not enabled for this filter and every filter/servlet before it;"
          + " register it with asyncSupported=true; answering 500", balancer.group().name());
      response.sendError(500, "lbkit: the load-balancing filter needs asyncSupported=true");
      return;
    }
    ErrorResponse refused = proxy == null ? null : ErrorResponse.refusedMethod(request.getMethod());
    if (refused != null) {
      ServletHeaders.writeError(response, refused);
      return;
    }
    Selection selection = select(request, response);
    if (selection == null) {
      return; // answered 503
    }
    if (proxy != null) {
      proxy.handle(request, response, selection);
    } else {
      route(request, response, chain, selection);
    }
  }

  /** The one select path of both modes: the selection, or null once a 503 has been written. */
  private Selection select(HttpServletRequest request, HttpServletResponse response) throws IOException {
    Selection selection = balancer.select(new ServletRequestView(request));
    ErrorResponse error = ErrorResponse.unlessSelected(selection);
    if (error != null) {
      log.warn("{}: no server available for {} {}; answering {}", balancer.group().name(), request.getMethod(),
          request.getRequestURI(), error.status());
      ServletHeaders.writeError(response, error);
      return null;
    }
    return selection;
  }

  private void route(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Selection selection)
      throws IOException, ServletException {
    request.setAttribute(SELECTION_ATTRIBUTE, selection);
    headers.selectionHeaders(selection, response.getHeaders("Cache-Control"), ServletHeaders.to(response));
    Server server = selection.server();
    server.stats().requestStarted();
    try {
      chain.doFilter(request, response);
    } finally {
      server.stats().requestEnded();
    }
  }

  /** The balancer in use (after {@link #init}). */
  public Balancer balancer() {
    return balancer;
  }

  /** The options in use (after {@link #init}). */
  public FilterOptions options() {
    return options;
  }

  @Override
  public void destroy() {
    if (proxy != null) {
      proxy.close();
      proxy = null;
    }
    if (ownsGroup && balancer != null) {
      balancer.group().close();
    }
  }
}
