package io.lbkit.servlet;

import io.lbkit.testkit.WhoamiServer;
import jakarta.servlet.Filter;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The servlet tests' one set-up: backends on 127.0.0.x, a real container (Jetty 12 ee10 or
 * Tomcat 11, {@link ServletContainer}) with the filter in front of them, configured by
 * init-params as a user would (or a filter instance, for programmatic use), and a JDK client with
 * a cookie jar. Register it with {@code @RegisterExtension final Fixture f = new Fixture();}: it
 * closes the container, the backends and whatever was handed to {@link #closeLater} after each
 * test (or close it by hand).
 */
final class Fixture implements AutoCloseable, AfterEachCallback {
  static final String STATS = "/lb-stats";
  final List<WhoamiServer> backends = new ArrayList<>();
  final Map<String, String> params = new LinkedHashMap<>();
  ServletContainer container;
  final CookieManager cookies = new CookieManager();
  final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .cookieHandler(cookies)
      .build();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Filter filter;
  private QueuedThreadPool jettyPool;
  private boolean h2c;
  private boolean asyncDispatch = true;

  /** Starts {@code n} whoami backends named whoami1..n on 127.0.0.2, 127.0.0.3, ... */
  Fixture backends(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      backends.add(WhoamiServer.start("whoami" + (i + 1), "127.0.0." + (i + 2)));
    }
    return this;
  }

  WhoamiServer backend(int i) {
    return backends.get(i);
  }

  /** The static backend list of the started backends. */
  String backendList() {
    StringBuilder sb = new StringBuilder();
    for (WhoamiServer b : backends) {
      sb.append(sb.length() == 0 ? "" : ",").append(b.authority());
    }
    return sb.toString();
  }

  Fixture param(String key, String value) {
    params.put(key, value);
    return this;
  }

  /** Runs this filter instance, built in code, instead of one configured by init-params (which are then not used). */
  Fixture filter(Filter instance) {
    this.filter = instance;
    return this;
  }

  /** Jetty only: runs the server on this pool (a small one gets a connector with one acceptor and one selector). */
  Fixture jettyPool(QueuedThreadPool pool) {
    this.jettyPool = pool;
    return this;
  }

  /** The filter is mapped for REQUEST dispatches only: a tunnel's handshake waits on the request's thread. */
  Fixture requestDispatchOnly() {
    this.asyncDispatch = false;
    return this;
  }

  /** The container's connector also speaks HTTP/2 in clear text (h2c, by upgrade from HTTP/1.1). */
  Fixture h2c() {
    this.h2c = true;
    return this;
  }

  /** Closes {@code resource} after the container and the backends (last handed, first closed). */
  <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  /**
   * Starts the container. With init-params, {@code backend} defaults to the started backends,
   * {@code server-prefix} to whoami and {@code stats-uri} to {@link #STATS}.
   */
  Fixture start(ServletContainer.Kind kind) throws Exception {
    if (filter != null) {
      container = ServletContainer.start(kind, Map.of(), filter, jettyPool, h2c, asyncDispatch);
      return this;
    }
    params.putIfAbsent("backend", backendList());
    params.putIfAbsent("server-prefix", "whoami");
    params.putIfAbsent("stats-uri", STATS);
    container = ServletContainer.start(kind, params, null, jettyPool, h2c, asyncDispatch);
    return this;
  }

  URI uri(String path) {
    return container.uri(path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A per-server number from the filter's Prometheus stats ({@code lbkit_server_failures_total}...)
   * for server whoami{@code slot+1}: the test reads the filter's counters the way an operator would.
   */
  long metric(String name, int slot) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(STATS + "?format=prometheus"));
    if (params.containsKey("stats-auth")) {
      b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
          params.get("stats-auth").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    String text = send(b).body();
    String server = "server=\"whoami" + (slot + 1) + "\"";
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") && line.contains(server)) {
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " for whoami" + (slot + 1) + " in:\n" + text);
  }

  /** The whoami {@code Hostname:} of a response body. */
  static String hostname(String body) {
    return WhoamiServer.hostnameOf(body);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    close();
  }

  /** Closes everything; a second call does nothing. */
  @Override
  public void close() throws Exception {
    ServletContainer c = container;
    container = null;
    try {
      if (c != null) {
        c.close();
      }
    } finally {
      for (WhoamiServer b : backends) {
        b.close();
      }
      backends.clear();
      for (int i = resources.size() - 1; i >= 0; i--) {
        resources.get(i).close();
      }
      resources.clear();
    }
  }
}
