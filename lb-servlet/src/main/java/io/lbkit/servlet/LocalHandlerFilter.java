package io.lbkit.servlet;

import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalHandler;
import io.lbkit.local.LocalRequest;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A servlet filter answering the paths of a {@link LocalHandler} (the stats page, the demo's
 * controls) and passing every other request down the chain: the servlet side of lb-core's
 * engine-free local answers. Paths are matched inside the web application (without the context
 * path).
 */
public final class LocalHandlerFilter implements Filter {
  private final LocalHandler handler;

  public LocalHandlerFilter(LocalHandler handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest) || !serve(handler, (HttpServletRequest) req, (HttpServletResponse) res)) {
      chain.doFilter(req, res);
    }
  }

  /** Answers {@code request} with {@code handler} when it handles its path; false when it does not. */
  static boolean serve(LocalHandler handler, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = path(request);
    if (!handler.handles(path)) {
      return false;
    }
    write(handler.answer(localRequest(request, path)), response);
    return true;
  }

  /** The request's path inside the web application, not decoded. */
  static String path(HttpServletRequest request) {
    String path = request.getRequestURI();
    String context = request.getContextPath();
    if (context != null && !context.isEmpty() && path.startsWith(context)) {
      path = path.substring(context.length());
    }
    return path;
  }

  private static LocalRequest localRequest(HttpServletRequest request, String path) {
    Map<String, String> headers = new HashMap<>();
    Enumeration<String> names = request.getHeaderNames();
    while (names != null && names.hasMoreElements()) {
      String name = names.nextElement();
      headers.putIfAbsent(name, request.getHeader(name));
    }
    return new LocalRequest(request.getMethod(), path, request.getQueryString(), request.getScheme(),
        request.getServerName(), request.getServerPort(), headers);
  }

  private static void write(LocalAnswer answer, HttpServletResponse response) throws IOException {
    answer.headers().forEach(response::setHeader);
    response.setStatus(answer.status());
    response.setContentType(answer.contentType());
    response.setContentLength(answer.length());
    response.getOutputStream().write(answer.body()); // the container drops it for HEAD
  }
}
