package io.lbkit.netty;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The engine's tests' set-up: whoami backends on 127.0.0.2.., a balancer from lb-core's
 * {@link BackendConfig}, a {@link NettyProxy} on 127.0.0.1 configured by option names as a user
 * would, and a JDK client with a cookie jar. Closes everything after each test.
 */
final class ProxyFixture implements AfterEachCallback {
  final List<WhoamiServer> backends = new ArrayList<>();
  final Map<String, String> params = new LinkedHashMap<>();
  final CookieManager cookies = new CookieManager();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).cookieHandler(cookies).build();
  Balancer balancer;
  NettyProxy proxy;

  ProxyFixture backends(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      backends.add(WhoamiServer.start("whoami" + (i + 1), "127.0.0." + (i + 2)));
    }
    return this;
  }

  WhoamiServer backend(int i) {
    return backends.get(i);
  }

  ProxyFixture param(String key, String value) {
    params.put(key, value);
    return this;
  }

  ProxyFixture start() throws InterruptedException {
    Map<String, String> all = new LinkedHashMap<>(params);
    StringBuilder list = new StringBuilder();
    for (WhoamiServer b : backends) {
      list.append(list.length() == 0 ? "" : ",").append(b.authority());
    }
    all.putIfAbsent("backend", list.toString());
    Map<String, String> backendOnly = new LinkedHashMap<>(all);
    backendOnly.keySet().removeAll(NettyProxyOptions.OPTIONS.names());
    balancer = BackendConfig.parse(backendOnly).createBalancer();
    proxy = NettyProxy.builder().listen(new InetSocketAddress("127.0.0.1", 0)).balancer(balancer)
        .options(NettyProxyOptions.parse(all)).threads(2).shutdownTimeout(Duration.ofSeconds(5)).start();
    return this;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + proxy.port() + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (proxy != null) {
      proxy.close();
    }
    if (balancer != null) {
      balancer.group().close();
    }
    for (WhoamiServer b : backends) {
      b.close();
    }
  }
}
