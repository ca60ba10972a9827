package io.lbkit.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterConfig;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the container runs this filter for {@link DispatcherType#ASYNC} dispatches: a tunnel's
 * non-blocking handshake ends with {@code AsyncContext.dispatch()}, and only a filter the dispatch
 * reaches can call {@code request.upgrade()} there. The Servlet API does not expose a filter's
 * dispatcher types, so Jetty 12 (ee10, ee11) and Tomcat (10.1, 11) are asked through their own
 * public API by reflection (the filter does not link against the container); elsewhere the answer
 * is "unknown", taken as no.
 */
final class FilterMappings {
  private static final Logger log = LoggerFactory.getLogger(FilterMappings.class);

  private FilterMappings() {}

  /** True when the container is known to run the filter of {@code config} for ASYNC dispatches. */
  static boolean dispatchesAsync(FilterConfig config) {
    String name = config.getFilterName();
    Object context = config.getServletContext();
    ClassLoader loader = context.getClass().getClassLoader();
    try {
      for (String ee : new String[] {"ee10", "ee11"}) {
        Class<?> handlerType;
        try {
          handlerType = Class.forName("org.eclipse.jetty." + ee + ".servlet.ServletContextHandler", false, loader);
        } catch (ClassNotFoundException e) {
          continue;
        }
        Object handler = handlerType.getMethod("getServletContextHandler", jakarta.servlet.ServletContext.class)
            .invoke(null, context);
        if (handler == null) {
          continue;
        }
        Object servletHandler = handlerType.getMethod("getServletHandler").invoke(handler);
        Object mappings = servletHandler.getClass().getMethod("getFilterMappings").invoke(servletHandler);
        for (int i = 0; mappings != null && i < Array.getLength(mappings); i++) {
          Object m = Array.get(mappings, i);
          if (name.equals(m.getClass().getMethod("getFilterName").invoke(m))
              && (Boolean) m.getClass().getMethod("appliesTo", DispatcherType.class).invoke(m, DispatcherType.ASYNC)) {
            return true;
          }
        }
        return false;
      }
      if (config.getClass().getName().equals("org.apache.catalina.core.ApplicationFilterConfig")) {
        Field f = config.getClass().getDeclaredField("context");
        f.setAccessible(true);
        Object tomcatContext = f.get(config);
        Object maps = Class.forName("org.apache.catalina.Context", false, config.getClass().getClassLoader())
            .getMethod("findFilterMaps").invoke(tomcatContext);
        for (int i = 0; i < Array.getLength(maps); i++) {
          Object m = Array.get(maps, i);
          if (name.equals(m.getClass().getMethod("getFilterName").invoke(m))
              && Arrays.asList((String[]) m.getClass().getMethod("getDispatcherNames").invoke(m)).contains("ASYNC")) {
            return true;
          }
        }
        return false;
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.debug("{}: cannot read the filter's dispatcher types", name, e);
    }
    return false;
  }
}
