package io.lbkit.servlet.compat;

import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** The filter in embedded Jetty 12.1 ee11 (Servlet 6.1); run by the {@code jetty-12-ee11} surefire execution. */
@EnabledIfSystemProperty(named = "lbkit.compat.container", matches = "jetty-12-ee11")
class JettyEe11Test extends ContainerCompatibilityTest {

  @Override
  Container start(String filterClass, Map<String, String> initParams) throws Exception {
    return new JettyContainer(filterClass, initParams);
  }

  @Override
  String expectedServerInfo() {
    return "jetty/12.1.";
  }

  @Override
  String expectedServletVersion() {
    return "6.1";
  }

  @Override
  String expectedServletApiJar() {
    return "jakarta.servlet-api-6.1.";
  }

  @Override
  String otherContainersClass() {
    return "org.apache.catalina.startup.Tomcat";
  }

  private static final class JettyContainer implements Container {
    private final Server server;
    private final ServerConnector connector;

    JettyContainer(String filterClass, Map<String, String> initParams) throws Exception {
      server = new Server();
      connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler("/");
      // what web.xml's <filter> and <filter-mapping> declare
      FilterHolder holder = new FilterHolder();
      holder.setName("lb");
      holder.setClassName(filterClass);
      holder.setInitParameters(initParams);
      holder.setAsyncSupported(true);
      context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
      ServletHolder app = new ServletHolder(new AppServlet());
      app.setAsyncSupported(true);
      context.addServlet(app, "/*");
      server.setHandler(context);
      server.start();
    }

    @Override
    public int port() {
      return connector.getLocalPort();
    }

    @Override
    public void stop() throws Exception {
      server.stop();
    }
  }
}
