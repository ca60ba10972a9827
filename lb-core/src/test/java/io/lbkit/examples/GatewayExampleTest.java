package io.lbkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerStats;
import io.lbkit.dns.DnsEndpointSource;
import io.lbkit.health.HealthChecker;
import io.lbkit.testkit.TestDnsServer;
import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The README's "use it from a gateway" example, run for real: DNS discovery, TCP checks, the
 * sticky cookie, and a hand-written forwarding call, against a test DNS server and two whoami
 * backends. If this test has to change, the README has to change with it.
 */
class GatewayExampleTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theReadmeGatewayExampleWorksAsWritten() throws Exception {
    try (WhoamiServer one = WhoamiServer.start("whoami-1", "127.0.0.2");
        WhoamiServer two = WhoamiServer.start("whoami-2", "127.0.0.3", one.port());
        TestDnsServer docker = TestDnsServer.start()) {
      docker.setA("tasks.whoami", "127.0.0.2", "127.0.0.3");
      String secretKey = "njqWdVKWfG";

      // --- as in the README, with the test DNS server for Docker's 127.0.0.11:53 ---
      ServerGroup group = ServerGroup.builder("be_whoami").slots("whoami", 5).build();
      DnsEndpointSource dns = DnsEndpointSource.builder("tasks.whoami:" + one.port())
          .nameserver(docker.nameserver())
          .holdObsolete(Duration.ofSeconds(10))
          .build(group);
      HealthChecker.builder().onLayer4Failure(s -> dns.triggerResolution()).build(group);
      StickyCookieBalancer balancer = StickyCookieBalancer.builder()
          .cookie("SRVID").cookieKey(secretKey)
          .build(group);
      // ---

      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> group.snapshot().usable().size() == 2);

        Response first = handle(group, balancer, null, "203.0.113.7");
        assertThat(first.status).isEqualTo(200);
        assertThat(first.setCookie).matches("SRVID=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=Lax");
        String cookie = first.setCookie.substring(0, first.setCookie.indexOf(';'));
        for (int i = 0; i < 5; i++) {
          Response again = handle(group, balancer, cookie + "; theme=dark", "203.0.113.7");
          assertThat(again.hostname).isEqualTo(first.hostname);
          assertThat(again.setCookie).isNull();
          assertThat(again.body).contains("Cookie: theme=dark").doesNotContain("SRVID");
        }
        Response other = handle(group, balancer, null, "203.0.113.8");
        assertThat(other.hostname).isNotEqualTo(first.hostname);
      } finally {
        group.close(); // on shutdown: stops DNS and health checks
      }
    }
  }

  /** The README's per-request code, with the JDK client as the gateway's own HTTP client. */
  private Response handle(ServerGroup group, StickyCookieBalancer balancer, String cookieHeader, String clientIp)
      throws IOException, InterruptedException {
    Selection selection = balancer.select(RequestView.of(cookieHeader, clientIp));
    if (selection.isEmpty()) {
      return new Response(503, null, null, null);
    }
    Endpoint target = selection.server().endpoint();
    String cookieLine = balancer.forwardedCookieHeader(cookieHeader);
    ServerStats stats = selection.server().stats();
    stats.requestStarted();
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + target.authority() + "/"));
      if (cookieLine != null) {
        request.header("Cookie", cookieLine);
      }
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      group.recordRequestSuccess(selection.server());
      return new Response(r.statusCode(), selection.setCookie(), hostname(r.body()), r.body());
    } catch (IOException e) {
      group.recordRequestFailure(selection.server(), e.toString());
      throw e;
    } finally {
      stats.requestEnded();
    }
  }

  private static String hostname(String body) {
    for (String line : body.split("\n")) {
      if (line.startsWith("Hostname: ")) {
        return line.substring("Hostname: ".length()).trim();
      }
    }
    return null;
  }

  private static final class Response {
    final int status;
    final String setCookie;
    final String hostname;
    final String body;

    Response(int status, String setCookie, String hostname, String body) {
      this.status = status;
      this.setCookie = setCookie;
      this.hostname = hostname;
      this.body = body;
    }
  }
}
