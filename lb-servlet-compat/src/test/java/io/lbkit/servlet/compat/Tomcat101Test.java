package io.lbkit.servlet.compat;

import java.io.File;
import java.nio.file.Files;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** The filter in embedded Tomcat 10.1 (Servlet 6.0); run by the {@code tomcat-10.1} surefire execution. */
@EnabledIfSystemProperty(named = "lbkit.compat.container", matches = "tomcat-10\\.1")
class Tomcat101Test extends ContainerCompatibilityTest {

  @Override
  Container start(String filterClass, Map<String, String> initParams) throws Exception {
    return new TomcatContainer(filterClass, initParams);
  }

  @Override
  String expectedServerInfo() {
    return "Apache Tomcat/10.1.";
  }

  @Override
  String expectedServletVersion() {
    return "6.0";
  }

  @Override
  String expectedServletApiJar() {
    return "tomcat-embed-core-10.1.";
  }

  @Override
  String otherContainersClass() {
    return "org.eclipse.jetty.ee11.servlet.ServletContextHandler";
  }

  private static final class TomcatContainer implements Container {
    private final File base;
    private final Tomcat tomcat;
    private final Connector connector;

    TomcatContainer(String filterClass, Map<String, String> initParams) throws Exception {
      base = Files.createTempDirectory("lbkit-tomcat10").toFile();
      tomcat = new Tomcat();
      tomcat.setBaseDir(base.getAbsolutePath());
      connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      tomcat.setConnector(connector);
      Context context = tomcat.addContext("", base.getAbsolutePath());
      // what web.xml's <filter> and <filter-mapping> declare
      FilterDef def = new FilterDef();
      def.setFilterName("lb");
      def.setFilterClass(filterClass);
      def.setAsyncSupported("true");
      initParams.forEach(def::addInitParameter);
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName("lb");
      map.addURLPattern("/*");
      map.setDispatcher("REQUEST");
      map.setDispatcher("ASYNC");
      context.addFilterMap(map);
      Tomcat.addServlet(context, "app", new AppServlet()).setAsyncSupported(true);
      context.addServletMappingDecoded("/", "app");
      tomcat.start();
    }

    @Override
    public int port() {
      return connector.getLocalPort();
    }

    @Override
    public void stop() throws Exception {
      try {
        tomcat.stop();
        tomcat.destroy();
      } finally {
        deleteTree(base);
      }
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
}
