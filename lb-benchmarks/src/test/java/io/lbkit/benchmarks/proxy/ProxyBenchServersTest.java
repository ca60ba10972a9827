package io.lbkit.benchmarks.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The proxy-bench baseline really proxies, round robin, to three real backends on 127.0.0.2-4. */
class ProxyBenchServersTest {
  @Test
  void jettyProxyRotatesOverTheBackends() throws Exception {
    List<Server> backends = ProxyBenchServers.backends(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), 0);
    List<String> addresses = new ArrayList<>();
    Server proxy = null;
    try {
      for (Server b : backends) {
        b.start();
        ServerConnector c = (ServerConnector) b.getConnectors()[0];
        addresses.add(c.getHost() + ":" + c.getLocalPort());
      }
      proxy = ProxyBenchServers.jettyProxy("127.0.0.1", 0, addresses);
      proxy.start();
      int port = ((ServerConnector) proxy.getConnectors()[0]).getLocalPort();
      HttpClient client = HttpClient.newHttpClient();
      List<String> hosts = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x?y=1")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        hosts.add(r.body().lines().findFirst().orElseThrow());
      }
      assertThat(hosts).containsExactly("Hostname: backend-127.0.0.2", "Hostname: backend-127.0.0.3", "Hostname: backend-127.0.0.4",
          "Hostname: backend-127.0.0.2", "Hostname: backend-127.0.0.3", "Hostname: backend-127.0.0.4");
    } finally {
      if (proxy != null) {
        proxy.stop();
      }
      for (Server b : backends) {
        b.stop();
      }
    }
  }
}
