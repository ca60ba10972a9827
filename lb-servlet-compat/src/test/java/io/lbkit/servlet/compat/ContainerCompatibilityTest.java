package io.lbkit.servlet.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.Selection;
import io.lbkit.testkit.Effect;
import io.lbkit.testkit.RecordedRequest;
import io.lbkit.testkit.WhoamiExtension;
import io.lbkit.testkit.WhoamiServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The unchanged lb-servlet jar in one more container: the filter is declared by class name with
 * init-params, as web.xml does, in front of an async-supported application servlet; three real
 * whoami backends on 127.0.0.2-4; real HTTP from the JDK client. Each subclass starts its own
 * container and runs in its own surefire execution, with only that container on the classpath.
 */
abstract class ContainerCompatibilityTest {
  static final String STATS = "/lb-stats";
  private static final String FILTER_CLASS = "io.lbkit.servlet.LoadBalancingFilter";

  /** A started container: the filter mapped to {@code /*}, {@link AppServlet} behind it, on 127.0.0.1. */
  interface Container {
    int port();

    void stop() throws Exception;
  }

  /**
   * Starts the container with the filter class {@code filterClass} named "lb", async-supported,
   * configured by {@code initParams} only, and {@link AppServlet} (async-supported) mapped to {@code /}.
   */
  abstract Container start(String filterClass, Map<String, String> initParams) throws Exception;

  /** The start of the container's {@code ServletContext.getServerInfo()}, e.g. {@code Apache Tomcat/10.1.}. */
  abstract String expectedServerInfo();

  /** The Servlet version the container implements, {@code major.minor}. */
  abstract String expectedServletVersion();

  /** A fragment of the file name of the jar that must provide {@code jakarta.servlet} in this run. */
  abstract String expectedServletApiJar();

  /** A class of the other container, which this run must not see. */
  abstract String otherContainersClass();

  /** whoami1..3 on 127.0.0.2..4, started before each test's {@code @BeforeEach} and closed after its {@code @AfterEach}. */
  @RegisterExtension
  final WhoamiExtension backends = WhoamiExtension.count(3);
  private final Map<String, String> params = new LinkedHashMap<>();
  private final CookieManager cookies = new CookieManager();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .cookieHandler(cookies)
      .build();
  private Container container;

  @BeforeEach
  void configureBackends() {
    params.put("backend", backends.authorities());
    params.put("server-prefix", "whoami");
    params.put("stats-uri", STATS);
  }

  @AfterEach
  void stopContainer() throws Exception {
    if (container != null) {
      container.stop();
    }
  }

  @Test
  void theContainerUnderTestProvidesTheServletApi() throws Exception {
    // guards the surefire set-up: a run that saw both containers would prove nothing
    String jar = jakarta.servlet.Filter.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    assertThat(jar).contains(expectedServletApiJar());
    assertThat(Collections.list(getClass().getClassLoader().getResources("jakarta/servlet/Filter.class")))
        .as("copies of the Servlet API on the classpath").hasSize(1);
    assertThatThrownBy(() -> Class.forName(otherContainersClass())).isInstanceOf(ClassNotFoundException.class);
    startFilter();
    // the stats page is answered by the filter itself; the application answers in route mode only
    assertThat(get(STATS).statusCode()).isEqualTo(200);
  }

  @Test
  void roundRobinVisitsTheThreeReplicasInStrictOrder() throws Exception {
    startFilter();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      HttpResponse<String> r = get("/rr?i=" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(hostname(r.body()));
    }
    assertThat(seen).containsExactly("whoami1", "whoami2", "whoami3", "whoami1", "whoami2", "whoami3",
        "whoami1", "whoami2", "whoami3");
    assertThat(backends.get(1).requests()).extracting(RecordedRequest::target)
        .containsExactly("/rr?i=1", "/rr?i=4", "/rr?i=7");
  }

  @Test
  void theStickyCookiePinsAClientAndAForgedCookieIsReplaced() throws Exception {
    params.put("cookie", "SRVID");
    params.put("cookie-key", "compat-secret-1");
    startFilter();
    get("/warm-up"); // the next client would land on whoami2, so pinning is not round robin's doing
    cookies.getCookieStore().removeAll();
    HttpResponse<String> first = get("/first");
    String server = hostname(first.body());
    assertThat(server).isEqualTo("whoami2");
    assertThat(first.headers().allValues("Set-Cookie")).singleElement()
        .satisfies(c -> assertThat(c).matches("SRVID=[0-9a-f]{16}; Path=/.*"));
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = get("/again" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(hostname(r.body())).isEqualTo(server);
      assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
    }
    assertThat(backends.get(1).requestCount()).isEqualTo(6);

    HttpClient noJar = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String forged = "0123456789abcdef";
    HttpResponse<String> r = noJar.send(HttpRequest.newBuilder(uri("/forged")).header("Cookie", "SRVID=" + forged)
        .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(hostname(r.body())).startsWith("whoami");
    assertThat(r.headers().allValues("Set-Cookie")).singleElement()
        .satisfies(c -> assertThat(c).matches("SRVID=[0-9a-f]{16}; .*").doesNotContain(forged));
  }

  @Test
  void aPostBodyIsStreamedThroughByteExact() throws Exception {
    startFilter();
    byte[] body = new byte[300 * 1024 + 17];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31 + (i >> 8));
    }
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri("/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body);
    assertThat(backends.get(0).requests()).singleElement()
        .satisfies(q -> assertThat(q.header("Content-Length")).isEqualTo(Integer.toString(body.length)));
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void serverSentEventsArriveOneByOne() throws Exception {
    startFilter();
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/sse?events=4")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    WhoamiServer serving = backends.servers().stream().filter(b -> b.requestCount() == 1).findFirst().orElseThrow();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      // the backend sends event i+1 only after release(): reading event i first proves nobody buffered it
      for (int i = 0; i < 4; i++) {
        assertThat(in.readLine()).isEqualTo("data: event " + i);
        assertThat(in.readLine()).isEmpty();
        serving.release();
      }
      assertThat(in.readLine()).isNull();
    }
  }

  @Test
  void aStoppedBackendIsRedispatchedAndTheRequestsStillSucceed() throws Exception {
    startFilter();
    for (int i = 0; i < 3; i++) {
      assertThat(get("/before" + i).statusCode()).isEqualTo(200);
    }
    backends.get(1).stop();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = get("/after" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      seen.add(hostname(r.body()));
    }
    assertThat(seen).doesNotContain("whoami2").contains("whoami1", "whoami3");
    assertThat(backends.get(1).requestCount()).isEqualTo(1);
    assertThat(serverJson("whoami2")).containsPattern("\"failures\":[1-9]");
  }

  @Test
  void routeModeHandsTheSelectionToTheApplication() throws Exception {
    params.put("mode", "route");
    startFilter();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = get("/app");
      assertThat(r.statusCode()).isEqualTo(200);
      WhoamiServer expected = backends.get(i % 3); // round robin, without forwarding anything
      List<String> lines = r.body().lines().collect(Collectors.toList());
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).isEqualTo("selected " + expected.name() + " " + expected.authority());
      assertThat(lines.get(1)).isEqualTo("servlet " + expectedServletVersion());
      assertThat(lines.get(2)).startsWith("server " + expectedServerInfo());
    }
    assertThat(backends.servers().stream().mapToInt(WhoamiServer::requestCount).sum()).isZero(); // nothing forwarded
  }

  @Test
  void theStatsJsonListsTheThreeServersUp() throws Exception {
    startFilter();
    HttpResponse<String> r = get(STATS + "?format=json");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(Pattern.compile("\"status\":").matcher(r.body()).results().count()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      WhoamiServer b = backends.get(i);
      assertThat(serverJson(b.name())).startsWith("{\"name\":\"" + b.name() + "\",\"address\":\"" + b.ip()
          + "\",\"port\":" + b.port() + ",\"status\":\"UP\"");
    }
  }

  @Test
  void aServerFailingMidResponseAbortsTheClientConnection() throws Exception {
    // container-specific code: the filter aborts the connection through each container's own means
    backends.servers().forEach(b -> b.effect(Effect.RESET_MID_RESPONSE));
    startFilter();
    assertThatThrownBy(() -> get("/partial")).isInstanceOf(IOException.class);
    await().atMost(Duration.ofSeconds(5)).until(() -> serverJson("whoami1").contains("\"active\":0"));
    assertThat(serverJson("whoami1")).contains("\"failures\":1");
  }

  /** The application behind the filter: says what the filter selected and which container runs it. */
  static final class AppServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Object attribute = req.getAttribute("io.lbkit.selection");
      String selected = attribute instanceof Selection
          ? ((Selection) attribute).name() + " " + ((Selection) attribute).address() + ":" + ((Selection) attribute).port()
          : "nothing";
      String text = "selected " + selected + "\n"
          + "servlet " + getServletContext().getMajorVersion() + "." + getServletContext().getMinorVersion() + "\n"
          + "server " + getServletContext().getServerInfo() + "\n";
      resp.setContentType("text/plain; charset=utf-8");
      resp.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private void startFilter() throws Exception {
    container = start(FILTER_CLASS, params);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + container.port() + path);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The stats JSON object of one server, as the page shows it now. */
  private String serverJson(String name) throws IOException, InterruptedException {
    String json = get(STATS + "?format=json").body();
    Matcher m = Pattern.compile("\\{\"name\":\"" + Pattern.quote(name) + "\",\"address\".*?\\}").matcher(json);
    assertThat(m.find()).as("server %s in %s", name, json).isTrue();
    return m.group();
  }

  /** The whoami {@code Hostname:} of a response body. */
  private static String hostname(String body) {
    return WhoamiServer.hostnameOf(body);
  }
}
