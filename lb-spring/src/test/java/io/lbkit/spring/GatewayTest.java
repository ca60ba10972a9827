package io.lbkit.spring;

import static io.lbkit.spring.SpringApp.hostname;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.TestDnsServer;
import java.net.CookieManager;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.WebApplicationType;

/**
 * A Spring Cloud Gateway application with {@code lb://} routes to three lbkit services, in front of
 * real whoami backends on 127.0.0.2..6 and a real DNS server: {@code whoami} (static list, sticky
 * cookie SRVID), {@code lc} (least connections) and {@code scaled} (DNS, 5 slots).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayTest {
  private static final List<String> ROTATION = List.of("whoami1", "whoami2", "whoami3");

  private Backends backends;
  private TestDnsServer dns;
  private SpringApp gateway;

  @BeforeAll
  void start() throws Exception {
    backends = Backends.start(5);
    dns = TestDnsServer.start();
    dns.setA("tasks.whoami", backends.ips(3));
    Map<String, String> p = new LinkedHashMap<>();
    route(p, 0, "lc", "/lc/**");
    route(p, 1, "scaled", "/scaled/**");
    route(p, 2, "nocache", "/nocache/**");
    route(p, 3, "whoami", "/**");
    p.put("lbkit.services.whoami.backend", backends.list(3));
    p.put("lbkit.services.whoami.cookie", "SRVID");
    p.put("lbkit.services.whoami.cookie-key", "njqWdVKWfG");
    p.put("lbkit.services.nocache.backend", backends.list(2));
    p.put("lbkit.services.nocache.cookie", "NC");
    p.put("lbkit.services.nocache.cookie-key", "another-key");
    p.put("lbkit.services.nocache.cookie-nocache", "on");
    p.put("lbkit.services.lc.backend", backends.list(2));
    p.put("lbkit.services.lc.balance", "leastconn");
    p.put("lbkit.services.lc.server-prefix", "whoami");
    p.put("lbkit.services.scaled.backend", "tasks.whoami:" + backends.port());
    p.put("lbkit.services.scaled.nameserver", dns.nameserver());
    p.put("lbkit.services.scaled.resolve-prefer", "ipv4");
    p.put("lbkit.services.scaled.timeout-resolve", "100ms");
    p.put("lbkit.services.scaled.slots", "5");
    p.put("management.endpoints.web.exposure.include", "lbkit,prometheus");
    p.put("lbkit.stats-uri", "/lbkit-stats");
    p.put("lbkit.stats-auth", "admin:s3cret");
    gateway = SpringApp.start(GatewayApp.class, WebApplicationType.REACTIVE, p);
  }

  private static void route(Map<String, String> p, int index, String service, String path) {
    String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
    p.put(prefix + "id", service);
    p.put(prefix + "uri", "lb://" + service);
    p.put(prefix + "predicates[0]", "Path=" + path);
    p.put(prefix + "order", String.valueOf(index));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (dns != null) {
      dns.close();
    }
    if (backends != null) {
      backends.close();
    }
  }

  private ServerGroup group(String service) {
    return gateway.context.getBean(LbkitServices.class).balancer(service).group();
  }

  @Test
  void requestsWithoutCookieRotateInSlotOrder() throws Exception {
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = gateway.get(gateway.anonymous, "/rotate" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(hostname(r.body()));
    }
    for (int i = 1; i < seen.size(); i++) {
      String expected = ROTATION.get((ROTATION.indexOf(seen.get(i - 1)) + 1) % ROTATION.size());
      assertThat(seen.get(i)).as("request %d of %s", i, seen).isEqualTo(expected);
    }
  }

  @Test
  void cookieNocacheMarksTheResponseThatSetsTheCookiePrivate() throws Exception {
    HttpResponse<String> first = gateway.get(gateway.anonymous, "/nocache/a");
    assertThat(first.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("NC=");
    assertThat(first.headers().firstValue("Cache-Control")).hasValue("private");
    HttpResponse<String> plain = gateway.get(gateway.anonymous, "/pin-nocache");
    assertThat(plain.headers().firstValue("Cache-Control")).as("a service without cookie-nocache").isEmpty();
  }

  @Test
  void aCookieJarPinsOneReplicaWithACookieThatRevealsNothing() throws Exception {
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build(); // a fresh jar
    HttpResponse<String> first = gateway.get(browser, "/pin");
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).matches("SRVID=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=Lax");
    String pinned = hostname(first.body());
    for (String part : backends.get(ROTATION.indexOf(pinned)).ip().split("\\.")) {
      assertThat(setCookie).doesNotContain("." + part + ".");
    }
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = gateway.get(browser, "/pin" + i);
      assertThat(hostname(r.body())).isEqualTo(pinned);
      assertThat(r.headers().firstValue("Set-Cookie")).isEmpty(); // a valid cookie is not re-issued
      assertThat(r.body()).as("the backend never sees lbkit's cookie").doesNotContain("SRVID");
    }
  }

  @Test
  void aForgedCookieIsBalancedAnewAndTheOtherCookiesPassThrough() throws Exception {
    HttpResponse<String> r = gateway.send(gateway.anonymous, HttpRequest.newBuilder(gateway.uri("/forged"))
        .header("Cookie", "SRVID=0123456789abcdef; app=kept"));
    assertThat(r.statusCode()).isEqualTo(200);
    String issued = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(issued).matches("SRVID=[0-9a-f]{16};.*").doesNotStartWith("SRVID=0123456789abcdef");
    assertThat(r.body()).contains("Cookie: app=kept").doesNotContain("0123456789abcdef");
  }

  @Test
  void aRefusedReplicaCostsNoFailedRequest() throws Exception {
    Server whoami2 = group("whoami").snapshot().server(1);
    long failuresBefore = whoami2.stats().failures();
    long retriesBefore = whoami2.stats().retries();
    backends.get(1).stop();
    try {
      for (int i = 0; i < 9; i++) {
        HttpResponse<String> r = gateway.get(gateway.anonymous, "/refused" + i);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(hostname(r.body())).isNotEqualTo("whoami2");
      }
      // each of its turns was refused and retried elsewhere (4 or 5 turns: a retry moves the rotation on too)
      assertThat(whoami2.stats().failures() - failuresBefore).isBetween(4L, 5L)
          .isEqualTo(whoami2.stats().retries() - retriesBefore);
      assertThat(whoami2.stats().active()).isZero();
    } finally {
      backends.get(1).restart();
    }
  }

  @Test
  void leastConnectionsKeepsQuickRequestsOffTheServerHoldingASlowOne() throws Exception {
    CompletableFuture<HttpResponse<String>> slow = gateway.anonymous.sendAsync(
        HttpRequest.newBuilder(gateway.uri("/lc/slow?wait=2s")).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> busy("lc") != null);
    String busy = busy("lc");
    for (int i = 0; i < 4; i++) {
      assertThat(hostname(gateway.get(gateway.anonymous, "/lc/quick" + i).body())).isNotEqualTo(busy);
    }
    assertThat(hostname(slow.get().body())).isEqualTo(busy);
    await().atMost(Duration.ofSeconds(5)).until(() -> busy("lc") == null); // ended once the body was written
  }

  private String busy(String service) {
    for (Server s : group(service).snapshot().servers()) {
      if (s.stats().active() > 0) {
        return s.name();
      }
    }
    return null;
  }

  @Test
  void dnsScaling3To1To5IsFollowed() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> hostnames("/scaled/a", 6),
        seen -> seen.equals(Set.of("whoami1", "whoami2", "whoami3")));
    dns.setA("tasks.whoami", backends.ips(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> group("scaled").snapshot().usable().size() == 1);
    assertThat(hostnames("/scaled/b", 6)).containsExactly("whoami1");
    dns.setA("tasks.whoami", backends.ips(5));
    await().atMost(Duration.ofSeconds(10)).until(() -> group("scaled").snapshot().usable().size() == 5);
    assertThat(hostnames("/scaled/c", 10))
        .containsExactlyInAnyOrder("whoami1", "whoami2", "whoami3", "whoami4", "whoami5");
  }

  private Set<String> hostnames(String path, int requests) throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < requests; i++) {
      HttpResponse<String> r = gateway.get(gateway.anonymous, path + i);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      seen.add(hostname(r.body()));
    }
    return seen;
  }

  @Test
  void metersAndTheEndpointShowEveryServer() throws Exception {
    gateway.get(gateway.anonymous, "/metered");
    String prometheus = gateway.get(gateway.anonymous, "/actuator/prometheus").body();
    assertThat(prometheus)
        .contains("lbkit_server_requests_total{backend=\"whoami\",server=\"whoami1\"}")
        .contains("lbkit_server_up{backend=\"whoami\",server=\"whoami3\"} 1.0")
        .contains("lbkit_server_active_requests{backend=\"lc\",server=\"whoami2\"}")
        .contains("lbkit_server_up{backend=\"scaled\",server=\"scaled5\"}");
    String json = gateway.get(gateway.anonymous, "/actuator/lbkit").body();
    assertThat(json).contains("\"name\":\"whoami\"").contains("{\"name\":\"whoami1\",\"address\":\"127.0.0.2\"");
  }

  @Test
  void theStatsPageIsServedBeforeTheRoutesWithItsCredentials() throws Exception {
    HttpResponse<String> denied = gateway.get(gateway.anonymous, "/lbkit-stats");
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    String auth = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:s3cret".getBytes());
    HttpResponse<String> html = gateway.send(gateway.anonymous,
        HttpRequest.newBuilder(gateway.uri("/lbkit-stats")).header("Authorization", auth));
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    assertThat(html.body()).contains("whoami1").contains("scaled5").doesNotContain("Hostname:");
    String json = gateway.send(gateway.anonymous,
        HttpRequest.newBuilder(gateway.uri("/lbkit-stats?format=json")).header("Authorization", auth)).body();
    assertThat(json).contains("{\"name\":\"whoami1\",\"address\":\"127.0.0.2\"");
    String prometheus = gateway.send(gateway.anonymous,
        HttpRequest.newBuilder(gateway.uri("/lbkit-stats?format=prometheus")).header("Authorization", auth)).body();
    assertThat(prometheus).contains("server=\"whoami1\"");
    // a bad format gets the page's own 400; other paths still go to the route
    assertThat(gateway.send(gateway.anonymous, HttpRequest.newBuilder(gateway.uri("/lbkit-stats?format=xml"))
        .header("Authorization", auth)).statusCode()).isEqualTo(400);
    assertThat(hostname(gateway.get(gateway.anonymous, "/lbkit-stats-not").body())).startsWith("whoami");
  }
}
