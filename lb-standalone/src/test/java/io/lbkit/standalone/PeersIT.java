package io.lbkit.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.testkit.WhoamiServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 15's acceptance: two standalone jars started with {@code --stick-on JSESSIONID --peers ...}
 * route a session learned through one to the same backend through the other, and keep doing so
 * after the first is killed (SIGKILL: no goodbye to the cluster).
 */
class PeersIT {
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<WhoamiServer> backends = new ArrayList<>();

  @AfterEach
  void tearDown() {
    backends.forEach(WhoamiServer::close);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aSessionLearnedThroughOneJarIsRoutedByTheOtherAndSurvivesItsDeath(Engine engine) throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.add(WhoamiServer.start("whoami" + (i + 1), "127.0.0." + (i + 2)));
    }
    String backend = String.join(",", backends.stream().map(WhoamiServer::authority).toList());
    int peerA = freePort();
    int peerB = freePort();
    String peers = "127.0.0.1:" + peerA + ",127.0.0.1:" + peerB;
    try (StandaloneProcess a = start("peers-a", engine, backend, peers, peerA);
        StandaloneProcess b = start("peers-b", engine, backend, peers, peerB)) {
      // both members, their backups in sync (the stats would say "backups syncing")
      await().atMost(Duration.ofSeconds(60)).until(() -> stats(a).contains("\"state\":\"2 member(s)\"")
          && stats(b).contains("\"state\":\"2 member(s)\""));

      // each backend issues its own JSESSIONID (backend-whoamiN) through A: A learns all three
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = StandaloneProcess.get(client, a.uri("/set-cookie"), Map.of());
        String setCookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
            .findFirst().orElseThrow();
        sessions.add(setCookie.substring("JSESSIONID=".length(), setCookie.indexOf(';')));
      }
      assertThat(sessions).containsExactlyInAnyOrder("backend-whoami1", "backend-whoami2", "backend-whoami3");

      // through B, the first session sticks to its backend (round robin would move it)
      String first = sessions.get(0);
      await().atMost(Duration.ofSeconds(10)).until(() -> hostnames(b, first).stream().distinct().count() == 1
          && hostnames(b, first).get(0).equals(first.substring("backend-".length())));

      a.kill();

      // B routes the two sessions it never saw, from the backup of what A owned
      for (String session : sessions) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(hostnames(b, session))
            .as(session + " through B after A was killed").containsOnly(session.substring("backend-".length())));
      }
      assertThat(stats(b)).contains("\"peers\":{\"degraded\":");
    }
  }

  private static StandaloneProcess start(String name, Engine engine, String backend, String peers, int peerPort)
      throws Exception {
    return StandaloneProcess.start(name, engine, "--listen", "127.0.0.1:0", "--backend", backend, "--stats-uri", "/lb-stats",
        "--stick-on", "JSESSIONID", "--peers", peers, "--peer-listen", "127.0.0.1:" + peerPort,
        "--peers-name", "lbkit-it", "--peers-timeout", "1s").awaitListening();
  }

  /** The backends six requests carrying {@code session} reach. */
  private List<String> hostnames(StandaloneProcess lb, String session) throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = StandaloneProcess.get(client, lb.uri("/"), Map.of("Cookie", "JSESSIONID=" + session));
      names.add(StandaloneProcess.hostname(r.body()));
    }
    return names;
  }

  private String stats(StandaloneProcess lb) throws Exception {
    return StandaloneProcess.get(client, lb.uri("/lb-stats?format=json"), Map.of()).body();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
