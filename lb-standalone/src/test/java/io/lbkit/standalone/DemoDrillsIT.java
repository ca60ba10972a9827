package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The demo's failure drills (used by {@code lb-benchmarks/soak.sh}): {@code POST /demo/replica}
 * kills, stalls and revives a replica, checked on the replica itself; {@code POST /demo/dns}
 * silences the DNS server; bad requests get a 400 or 405 naming what is expected.
 */
class DemoDrillsIT {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @ParameterizedTest
  @EnumSource(Engine.class)
  void killStallReviveAndSilence(Engine engine) throws Exception {
    int port = StandaloneProcess.freeDemoPort();
    try (StandaloneProcess demo = StandaloneProcess.start("demo-drills", engine, "--demo", "--replicas", "2",
        "--listen", "127.0.0.1:0", "--demo-port", Integer.toString(port)).awaitListening()) {
      URI replica2 = URI.create("http://127.0.0.3:" + port + "/");

      assertThat(post(demo, "/demo/replica?name=whoami-2&action=kill").body()).isEqualTo("whoami-2: kill\n");
      assertThatThrownBy(() -> direct(replica2, Duration.ofSeconds(5))).isInstanceOf(ConnectException.class);
      assertThat(post(demo, "/demo/replica?name=whoami-2&action=revive").statusCode()).isEqualTo(200);
      assertThat(direct(replica2, Duration.ofSeconds(5)).body()).startsWith("Hostname: whoami-2");

      assertThat(post(demo, "/demo/replica?name=whoami-2&action=stall").statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> direct(replica2, Duration.ofMillis(500))).isInstanceOf(HttpTimeoutException.class);
      post(demo, "/demo/replica?name=whoami-2&action=revive");
      assertThat(direct(replica2, Duration.ofSeconds(5)).body()).startsWith("Hostname: whoami-2");

      assertThat(post(demo, "/demo/dns?silent=true").body()).isEqualTo("DNS silent\n");
      assertThat(post(demo, "/demo/dns?silent=false").body()).isEqualTo("DNS answering\n");

      HttpResponse<String> unknown = post(demo, "/demo/replica?name=whoami-7&action=kill");
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).startsWith("name: 'whoami-7' (expected: a replica now running, one of [whoami-1");
      assertThat(post(demo, "/demo/replica?name=whoami-1&action=explode").body())
          .startsWith("action: 'explode' (expected: kill, stall or revive)");
      assertThat(post(demo, "/demo/dns?silent=maybe").statusCode()).isEqualTo(400);
      assertThat(StandaloneProcess.get(client, demo.uri("/demo/dns"), java.util.Map.of()).statusCode())
          .isEqualTo(405);
    }
  }

  private HttpResponse<String> post(StandaloneProcess demo, String path) throws Exception {
    return StandaloneProcess.post(client, demo.uri(path));
  }

  private HttpResponse<String> direct(URI uri, Duration timeout) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
