package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.servlet.ServletContainer.Kind;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.File;
import java.io.IOException;
import java.net.HttpCookie;
import java.nio.file.Files;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Persistence on the application's own session: real Tomcat 11 apps keep a per-session counter in
 * memory, so a request that lands on the wrong replica, or whose session id was altered on the way,
 * starts over at 1. The filter runs in Jetty and in Tomcat.
 */
class SessionPersistenceTest {
  @RegisterExtension
  final Fixture f = new Fixture();
  /** The Cookie headers the apps received, to prove what the backend saw. */
  private final ConcurrentLinkedQueue<String> seenCookies = new ConcurrentLinkedQueue<>();

  /** A stateful app on 127.0.0.{2,3}: each session counts its requests; jvmRoute set when given. */
  private String startApps(String... jvmRoutes) throws Exception {
    StringBuilder backend = new StringBuilder();
    for (int i = 0; i < jvmRoutes.length; i++) {
      File base = Files.createTempDirectory("lbkit-app").toFile();
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(base.getAbsolutePath());
      Connector connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", "127.0.0." + (i + 2));
      tomcat.setConnector(connector);
      if (!jvmRoutes[i].isEmpty()) {
        tomcat.getEngine().setJvmRoute(jvmRoutes[i]);
      }
      Context context = tomcat.addContext("", base.getAbsolutePath());
      String name = "app" + (i + 1);
      Tomcat.addServlet(context, "counter", new HttpServlet() {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
          String cookie = req.getHeader("Cookie");
          if (cookie != null) {
            seenCookies.add(cookie);
          }
          HttpSession session = req.getSession(true);
          Integer count = (Integer) session.getAttribute("count");
          count = count == null ? 1 : count + 1;
          session.setAttribute("count", count);
          resp.setContentType("text/plain");
          resp.getWriter().print(name + " " + count + " " + session.getId());
        }
      });
      context.addServletMappingDecoded("/*", "counter");
      f.closeLater(() -> { // closed after the filter's container
        tomcat.stop();
        tomcat.destroy();
      });
      tomcat.start();
      backend.append(i == 0 ? "" : ",").append("127.0.0.").append(i + 2).append(':').append(connector.getLocalPort());
    }
    return backend.toString();
  }

  /** Ten requests with the cookie jar: the same app, the session counter going 1..10. */
  private String assertOneSessionOnOneApp() throws Exception {
    String first = f.get("/").body();
    String app = first.split(" ")[0];
    assertThat(first).startsWith(app + " 1 ");
    for (int i = 2; i <= 10; i++) {
      assertThat(f.get("/page" + i).body()).startsWith(app + " " + i + " ");
    }
    return app;
  }

  private String jsessionid() {
    return f.cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("JSESSIONID"))
        .map(HttpCookie::getValue).findFirst().orElseThrow();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void routeSuffixLearnedFromTomcatJvmRoute(Kind kind) throws Exception {
    f.param("backend", startApps("jvm1", "jvm2")).param("route-suffix", "learn").start(kind);
    String app = assertOneSessionOnOneApp();
    assertThat(jsessionid()).endsWith(app.equals("app1") ? ".jvm1" : ".jvm2");
    // a second browser gets the other app (round robin) and sticks there too
    f.cookies.getCookieStore().removeAll();
    assertThat(assertOneSessionOnOneApp()).isNotEqualTo(app);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void routeSuffixFromAConfiguredMap(Kind kind) throws Exception {
    f.param("backend", startApps("node-a", "node-b")).param("server-prefix", "app")
        .param("route-suffix", "node-a=app1,node-b=app2").start(kind);
    String app = assertOneSessionOnOneApp();
    assertThat(jsessionid()).endsWith(app.equals("app1") ? ".node-a" : ".node-b");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void stickTableOnJsessionid(Kind kind) throws Exception {
    f.param("backend", startApps("", "")).param("stick-on", "JSESSIONID").start(kind);
    String app = assertOneSessionOnOneApp();
    f.cookies.getCookieStore().removeAll();
    assertThat(assertOneSessionOnOneApp()).isNotEqualTo(app);
  }

  @ParameterizedTest
  @ValueSource(strings = {"JETTY", "TOMCAT"})
  void prefixRoundTripTheAppNeverSeesOurPrefix(String kind) throws Exception {
    f.param("backend", startApps("", "")).param("cookie", "JSESSIONID").param("cookie-mode", "prefix")
        .param("cookie-key", "k1").start(Kind.valueOf(kind));
    assertOneSessionOnOneApp();
    String browserValue = jsessionid();
    assertThat(browserValue).matches("[0-9a-f]{16}~[0-9A-F]{32}");
    String appValue = browserValue.substring(17);
    assertThat(seenCookies).isNotEmpty().allSatisfy(c -> assertThat(c).isEqualTo("JSESSIONID=" + appValue));
  }
}
